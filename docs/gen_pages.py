"""Generate the documentation pages that come from the code and the data (run by mkdocs-gen-files).

Nothing here is written by hand into docs/: the README's sections, the changelog, the error catalogue,
the data dictionary (from schema/), the browse pages (from data/) and the API page (from ketdata.__all__).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import mkdocs_gen_files

import ketdata
import ketdata.export
from ketdata import Category, Caveat, Claim, Dataset
from ketdata._problems import render_catalogue
from ketdata._refs import SchemaSet, load_schemas
from ketdata._scaffold import source_text

sys.path.insert(0, str(Path(__file__).parent))  # run by path, not imported: make _markup importable
from _markup import front_matter, html, md, md_code, md_inline, md_link, md_table, page

ROOT = Path(__file__).resolve().parents[1]
# Another project folder (holding data/ and CHANGELOG.md) may be given, as the tests do with hostile text.
PROJECT = Path(os.environ.get("KETDATA_DOCS_PROJECT") or ROOT)
DATA = PROJECT / "data"
ARTICLE = "browse/article.md"


def write(path: str, text: str, edit: str | None = None) -> None:
    with mkdocs_gen_files.open(path, "w") as handle:
        handle.write(text)
    if edit:
        mkdocs_gen_files.set_edit_path(path, edit)


def readme_section(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if heading == "":
        return readme.split("\n## ", 1)[0]
    body = readme.split(f"\n## {heading}\n", 1)[1]
    return body.split("\n## ", 1)[0]


def overview() -> None:
    intro = readme_section("").replace("# ketdata", "# ketdata", 1)
    licence = readme_section("Licence and provenance")
    write("index.md", f"{intro}\n## Licence and provenance\n{licence}", "README.md")


def guides() -> None:
    write("editor-guide.md", "# Editor guide\n" + readme_section("Editor guide")
          + "\nEvery problem code is listed, with what to do about it, under "
          "[error codes](reference/error-codes.md).\n", "README.md")  # fmt: skip
    write("exports.md", "# Exports and FHIR\n" + readme_section("Exports for pipelines"), "README.md")
    write("performance.md", "# Performance\n" + readme_section("Performance"), "README.md")
    write("changelog.md", changelog((PROJECT / "CHANGELOG.md").read_text(encoding="utf-8")), "CHANGELOG.md")
    write("reference/error-codes.md", "# Error codes\n\nEvery problem `ketdata validate` can report, from the "
          "catalogue in the code (`ketdata codes` prints the same). A code never changes meaning once released.\n\n"
          + render_catalogue("markdown"))  # fmt: skip


def changelog(text: str) -> str:
    """The changelog page: its release sections quote record text, so only their structure stays Markdown.

    The head, up to the first release, is the fixed text `ketdata release` starts the file with, kept as it is.
    """
    head, sep, sections = text.partition("\n## ")
    lines = [prefixed(line) for line in (sep.lstrip("\n") + sections).splitlines()]
    return head + "\n" + "\n".join(lines) + "\n"


def prefixed(line: str) -> str:
    """A changelog line: its heading or list marker kept, the rest text (with `code spans` kept as code)."""
    marker = re.match(r"#{2,3} |- ", line)
    prefix = marker.group() if marker else ""
    return prefix + md_inline(line[len(prefix) :])


def api() -> None:
    lines = ["# API reference", "", "The public API: the names in `ketdata.__all__` and `ketdata.export.__all__`.", ""]
    lines += [f"::: ketdata.{name}\n" for name in ketdata.__all__]
    lines += ["## Exporters", "", *(f"::: ketdata.export.{name}\n" for name in ketdata.export.__all__)]
    write("reference/api.md", "\n".join(lines))


# --- data dictionary -------------------------------------------------------------------------------

SCHEMAS = load_schemas(ROOT / "schema")
resolve = SchemaSet(SCHEMAS).resolve


def type_of(node: dict[str, Any]) -> str:
    node = resolve(node)
    if "const" in node:
        return f"constant `{json.dumps(node['const'])}`"
    if "anyOf" in node:
        return " or ".join(type_of(o) for o in node["anyOf"])
    if "enum" in node and "type" not in node:
        kinds = sorted({type(v).__name__.replace("str", "string").replace("bool", "boolean") for v in node["enum"]})
        return " or ".join(kinds)
    kinds = node.get("type", "any")
    kinds = " or ".join(kinds) if isinstance(kinds, list) else kinds
    if kinds == "array":
        items = node.get("items", {})
        return f"array of {type_of(items)}" if "$ref" not in items or "properties" not in resolve(items) else (
            f"array of {resolve(items).get('title', 'objects')}")  # fmt: skip
    return str(kinds)


def rules_of(node: dict[str, Any]) -> str:
    node = resolve(node)
    rules = []
    if "enum" in node:
        rules.append("one of " + ", ".join(f"`{v}`" for v in node["enum"]))
    if "pattern" in node:
        rules.append(node.get("x-pattern-hint") or f"pattern `{node['pattern']}`")
    for key, word in (("minimum", "at least"), ("minLength", "length at least"), ("maxLength", "length at most"),
                      ("minItems", "at least items:")):  # fmt: skip
        if key in node:
            rules.append(f"{word} {node[key]}")
    if node.get("uniqueItems"):
        rules.append("no duplicates")
    return "; ".join(rules).replace("|", "\\|")


def rows(node: dict[str, Any], prefix: str = "") -> list[str]:
    node = resolve(node)
    out = []
    required = set(node.get("required", ()))
    for name, sub in node.get("properties", {}).items():
        full = f"{prefix}{name}"
        description = resolve(sub).get("description", "").replace("|", "\\|")
        out.append(f"| `{full}` | {type_of(sub)} | {'yes' if name in required else 'no'} | {rules_of(sub)} "
                   f"| {description} |")  # fmt: skip
        inner = resolve(sub)
        if "properties" in inner:
            out += rows(inner, f"{full}.")
        elif inner.get("type") == "array" and "properties" in resolve(inner.get("items", {})):
            out += rows(resolve(inner["items"]), f"{full}[].")
    return out


def data_dictionary() -> None:
    index = ["# Data dictionary", "", "One page per JSON Schema in `schema/` (Draft 2020-12), generated from the "
             f"schemas themselves. Schema version: **{SCHEMAS['common']['x-schema-version']}**.", ""]  # fmt: skip
    for name, schema in SCHEMAS.items():
        page = f"reference/data-dictionary/{name}.md"
        index.append(f"- [{schema['title']}]({name}.md) — {schema['description']}")
        lines = [f"# {schema['title']}", "", schema["description"], "", f"`$id`: `{schema['$id']}` · file: "
                 f"`schema/{name}.schema.json`", ""]  # fmt: skip
        if "properties" in schema:
            lines += ["| field | type | required | allowed values | description |", "|---|---|---|---|---|"]
            lines += rows(schema)
        for def_name, definition in schema.get("$defs", {}).items():
            lines += ["", f"## `{def_name}`", "", definition.get("description", ""), "",
                      f"Type: {type_of(definition)}. {rules_of(definition)}"]  # fmt: skip
            if "properties" in definition:
                lines += ["", "| field | type | required | allowed values | description |", "|---|---|---|---|---|"]
                lines += rows(definition)
        write(page, "\n".join(lines) + "\n", f"schema/{name}.schema.json")
    write("reference/data-dictionary/index.md", "\n".join(index) + "\n")


# --- browse the data: record text reaches the pages only through _markup ------------------------------


def quotes(record: Claim | Caveat, ds: Dataset) -> list[dict[str, Any]]:
    """The spans of the article a claim or caveat quotes, with the heading of each one's section."""
    ref = record.source
    section = ds.source(ref.source).section(ref.section)
    heading = section.heading if section else ref.section
    return [{"quote": ref.quote, "start": ref.start, "end": ref.end, "section": heading}]


def object_text(claim: Claim, ds: Dataset) -> str:
    obj = claim.object
    if obj.concept:
        return ds.concept(obj.concept).label
    if obj.quantity:
        q = obj.quantity
        amount = f"{q.low}\u2013{q.high}" if q.value is None else str(q.value)
        return f"{'about ' if q.approximate else ''}{amount} {q.unit}"
    return obj.value or ""


def review_text(claim: Claim) -> str:
    return "reviewed" if claim.review.status == "reviewed" else "not yet reviewed"


def claim_block(claim: Claim, ds: Dataset) -> str:
    status = ds.evidence_status(claim.evidence_status)
    caveats = [{"kind": v.kind.replace("-", " "), "id": v.id, "statement": v.statement} for v in ds.caveats_for(claim)]
    return html(
        "claim.html", id=claim.id, status=status.label, status_definition=status.definition, statement=claim.statement,
        hedge=claim.hedge, subject=ds.concept(claim.subject).label, predicate=ds.predicate(claim.predicate).label,
        object=object_text(claim, ds), version=claim.version, lifecycle=claim.status, review=review_text(claim),
        quotes=quotes(claim, ds), caveats=caveats,
    )  # fmt: skip


def category_page(category: Category, ds: Dataset) -> str:
    parent = f" (part of {md_link(ds.category(category.parent).label, category.parent)})" if category.parent else ""
    lines = [front_matter(category.label) + f"# {md(category.label)}", "", f"{md(category.definition)}{parent}", ""]
    return "\n".join(lines + ([claim_block(c, ds) for c in ds.claims_in(category)] or ["No claims in this category."]))


def statuses_table(ds: Dataset) -> list[str]:
    ordered = sorted(ds.evidence_statuses, key=lambda s: s.rank)
    return md_table(["status", "rank", "meaning"],
                    ([md(s.label), str(s.rank) if s.graded else "—", md(s.definition)] for s in ordered))  # fmt: skip


def browse(ds: Dataset) -> None:
    index = ["# Browse the data", "", "The claims, grouped by category. Each shows how the article presents it "
             "(its evidence status), its hedge, its caveats, and the verbatim quote with its place in "
             "[the article](article.md).", ""]  # fmt: skip
    rows = [[md_link(c.label, c.id), str(len(ds.claims_in(c))), md(c.definition)] for c in ds.categories]
    index += md_table(["category", "claims", "definition"], rows)
    for category in ds.categories:
        write(f"browse/{page(category.id)}", category_page(category, ds))
    index += ["", "## Evidence statuses", "", *statuses_table(ds)]
    write("browse/index.md", "\n".join(index) + "\n")


def quoted_spans(ds: Dataset) -> list[tuple[int, int, str]]:
    """Every span of the article that an active claim or caveat quotes, with the record's id."""
    records = (r for r in (*ds.claims, *ds.caveats) if r.status == "active")
    return [(q["start"], q["end"], r.id) for r in records for q in quotes(r, ds)]


def article_pieces(text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """The article cut at every quote's start and end, each piece with the ids of the records quoting it."""
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    return [{"start": a, "text": text[a:b], "ids": sorted({r for s, e, r in spans if s <= a and b <= e})}
            for a, b in itertools.pairwise(cuts)]  # fmt: skip


def article(ds: Dataset) -> None:
    source = ds.sources[0]
    text = source_text(DATA, source)
    pieces = article_pieces(text, quoted_spans(ds))
    covered = sum(len(p["text"]) for p in pieces if p["ids"] and p["text"].strip())
    lines = [front_matter(f"The article: {source.title}") + f"# The article: {md(source.title)}", "",
             f"The source text, byte for byte (sha256 {md_code(source.sha256[:16])}…), with every span that some "
             f"record quotes <mark>marked</mark>; hover a mark to see which records quote it. "
             f"{covered} of {len(text)} characters are quoted. Author, URL, date and licence: unknown.", "",
             html("article.html", pieces=pieces)]  # fmt: skip
    write(ARTICLE, "\n".join(lines))


overview()
guides()
api()
data_dictionary()
DS = ketdata.load(DATA)
browse(DS)
article(DS)
