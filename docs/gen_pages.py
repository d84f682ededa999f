"""Generate the documentation pages that come from the code and the data (run by mkdocs-gen-files).

Nothing here is written by hand into docs/: the README as the overview, the changelog, the error catalogue,
the data dictionary (from schema/), the browse pages (from data/) and the API page (from ketdata.__all__).
"""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path
from typing import Any

import mkdocs_gen_files

import ketdata
import ketdata.export
from ketdata import Claim, Dataset
from ketdata._problems import render_catalogue
from ketdata._refs import SchemaSet, load_schemas

ROOT = Path(__file__).resolve().parents[1]
DS = ketdata.load(ROOT / "data")
ARTICLE = "browse/article.md"
EVIDENCE_STYLE = {
    "established": "success",
    "reported-association": "info",
    "potential": "warning",
    "experimental": "danger",
    "uncertain": "question",
    "not-applicable": "note",
}


def write(path: str, text: str, edit: str | None = None) -> None:
    with mkdocs_gen_files.open(path, "w") as handle:
        handle.write(text)
    if edit:
        mkdocs_gen_files.set_edit_path(path, edit)


def overview() -> None:
    # The README is the overview; its links into docs/ point at the site's own pages.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    write("index.md", readme.replace("](docs/", "]("), "README.md")


def guides() -> None:
    write("changelog.md", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), "CHANGELOG.md")
    write("reference/error-codes.md", "# Error codes\n\nEvery problem `ketdata validate` can report, from the "
          "catalogue in the code (`ketdata codes` prints the same). A code never changes meaning once released.\n\n"
          + render_catalogue("markdown"))  # fmt: skip


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


# --- browse the data -------------------------------------------------------------------------------


def where(claim_or_caveat: Any, ds: Dataset) -> str:
    ref = claim_or_caveat.source
    section = ds.source(ref.source).section(ref.section)
    heading = section.heading if section else ref.section
    return (f"characters {ref.start}\u2013{ref.end} of [the article](article.md#offset-{ref.start}), "
            f"section “{heading}”")  # fmt: skip


def claim_block(claim: Claim, ds: Dataset) -> str:
    status = ds.evidence_status(claim.evidence_status)
    obj = claim.object.value if claim.object.value else ds.concept(claim.object.concept or "").label
    lines = [
        f'!!! {EVIDENCE_STYLE.get(status.id, "note")} "{claim.id} · evidence: {status.label}"',
        "",
        f"    **{html.escape(claim.statement)}**",
        "",
        f"    - hedge: {f'*{claim.hedge}*' if claim.hedge else 'none'}",
        f"    - {ds.concept(claim.subject).label} — *{ds.predicate(claim.predicate).label}* — {obj}",
        f"    - version {claim.version}, {claim.status}",
        "",
        f"    > {html.escape(claim.source.quote)}",
        "",
        f"    Quoted from {where(claim, ds)}.",
    ]
    caveats = ds.caveats_for(claim)
    if caveats:
        lines += ["", "    Caveats:", ""]
        lines += [f"    - *{v.kind.replace('-', ' ')}* ({v.id}): {html.escape(v.statement)}" for v in caveats]
    return "\n".join(lines) + "\n"


def browse(ds: Dataset) -> None:
    index = ["# Browse the data", "", "The claims, grouped by category. Each shows its evidence status (the colour "
             "and title of its box), its hedge, its caveats, and the verbatim quote with its place in "
             "[the article](article.md).", "", "| category | claims | definition |", "|---|---|---|"]  # fmt: skip
    for category in ds.categories:
        claims = ds.claims_in(category)
        index.append(f"| [{category.label}]({category.id}.md) | {len(claims)} | {category.definition} |")
        parent = f" (part of {ds.category(category.parent).label})" if category.parent else ""
        page = [f"# {category.label}", "", f"{category.definition}{parent}", ""]
        page += [claim_block(c, ds) for c in claims] or ["No claims in this category."]
        write(f"browse/{category.id}.md", "\n".join(page))
    index += ["", "## Evidence statuses", "", "| status | rank | meaning |", "|---|---|---|"]
    index += [f"| {s.label} | {s.rank if s.graded else '—'} | {s.definition} |"
              for s in sorted(ds.evidence_statuses, key=lambda s: s.rank)]  # fmt: skip
    write("browse/index.md", "\n".join(index) + "\n")


def article(ds: Dataset) -> None:
    source = ds.sources[0]
    text = (ROOT / "data" / "sources" / source.file).read_text(encoding="utf-8")
    spans = [(r.source.start, r.source.end, r.id) for r in (*ds.claims, *ds.caveats) if r.status == "active"]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for start, end in itertools.pairwise(cuts):
        piece = html.escape(text[start:end]).replace("\n", "<br>\n")
        ids = sorted({rid for s, e, rid in spans if s <= start and end <= e})
        anchor = f'<a id="offset-{start}"></a>'
        out.append(f'{anchor}<mark title="{", ".join(ids)}">{piece}</mark>' if ids else anchor + piece)
    body = "".join(out)
    covered = sum(e - s for s, e in itertools.pairwise(cuts)
                  if any(a <= s and e <= b for a, b, _ in spans) and text[s:e].strip())  # fmt: skip
    lines = [f"# The article: {source.title}", "",
             f"The source text, byte for byte (sha256 `{source.sha256[:16]}…`), with every span that some record "
             f"quotes <mark>marked</mark>; hover a mark to see which records quote it. "
             f"{covered} of {len(text)} characters are quoted. Author, URL, date and licence: unknown.", "",
             f'<div class="article" markdown="0">\n{body}\n</div>', ""]  # fmt: skip
    write(ARTICLE, "\n".join(lines))


overview()
guides()
api()
data_dictionary()
browse(DS)
article(DS)
