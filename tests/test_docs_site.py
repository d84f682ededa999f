"""The documentation site, built for real with mkdocs: it works from disk and fetches nothing from the internet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .helpers import ROOT

# Elements whose URL the browser fetches on its own, without a click.
ASSETS = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
          ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data")}  # fmt: skip
LINKS = {*ASSETS, ("a", "href")}
DISCLAIMER = "Not medical advice."


@dataclass
class Page(HTMLParser):
    """A built HTML page, parsed: its elements with their attributes, the ids it defines, its text."""

    path: Path
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    chunks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feed(self.path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.elements.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @cached_property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def urls(self, kinds: set[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(tag, attrs[name]) for tag, attrs in self.elements for t, name in kinds if t == tag and name in attrs]


def build_site(out: Path, env: dict[str, str] | None = None) -> Path:
    """Build the site as CI does (strict), into ``out``; ``env`` adds environment variables."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
               "--site-dir", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


def pages_of(site: Path) -> dict[Path, Page]:
    return {path: Page(path) for path in sorted(site.resolve().rglob("*.html"))}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[Path, Page]:
    return pages_of(site)


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def test_no_asset_comes_from_the_internet(site: Path, pages: dict[Path, Page]) -> None:
    fetched = [(path.name, tag, url) for path, page in pages.items()
               for tag, url in page.urls(ASSETS) if is_external(url)]  # fmt: skip
    assert fetched == []
    remote = re.compile(r"@import|url\(\s*[\"']?(https?:)?//")
    styles = [path.name for path in site.rglob("*.css") if remote.search(path.read_text(encoding="utf-8"))]
    assert styles == []
    assert all("fonts.googleapis" not in path.read_text(encoding="utf-8") for path in pages)


def opens_from_disk(site: Path, page: Path, url: str, pages: dict[Path, Page]) -> bool:
    """Whether a relative URL names a file of the site, and an element of it for a fragment, as under file://."""
    parts = urlsplit(url)
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    # No server turns a folder into its index.html: the URL must name the file itself.
    if not target.is_file() or not target.is_relative_to(site):
        return False
    return not parts.fragment or target.suffix != ".html" or unquote(parts.fragment) in pages[target].ids


def test_every_internal_link_opens_a_file_from_disk(site: Path, pages: dict[Path, Page]) -> None:
    # 404.html is only ever served by a web server, at any depth, so its links are absolute by design.
    root = site.resolve()
    links = [(path, url) for path, page in pages.items() if path != root / "404.html" for _, url in page.urls(LINKS)]
    broken = [
        (path.name, url) for path, url in links if not is_external(url) and not opens_from_disk(root, path, url, pages)
    ]
    assert broken == []
    assert len(pages) > 20


def test_every_page_says_it_is_not_medical_advice(pages: dict[Path, Page]) -> None:
    assert [path.name for path, page in pages.items() if DISCLAIMER not in page.text] == []


def test_search_works_from_disk(site: Path, pages: dict[Path, Page]) -> None:
    script = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script.startswith("var __index = ")
    index = json.loads(script.removeprefix("var __index = "))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert {"index.html", "browse/harms.html", "browse/article.html"} <= locations
    assert any("The recreational use of ketamine can be dangerous" in doc["text"] for doc in index["docs"])
    # The worker shim lets the search worker run where browsers refuse a Worker from file://.
    shim = "assets/javascripts/iframe-worker-shim.js"
    assert (site / shim).is_file()
    assert all(any(url.endswith(shim) for _, url in page.urls({("script", "src")})) for page in pages.values())
