"""Generate the documentation pages that come from the code and the data (run by mkdocs-gen-files).

Nothing here is written by hand into docs/: the home page and the browse pages (from data/), the README's
licence section, the changelog, the error catalogue, the data dictionary (from schema/), the API page (from
ketdata.__all__) and the export mapping (from the exporters' own tables). Record text reaches a page only through
docs/_markup.py, so it is always shown as text.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

import mkdocs_gen_files

import ketdata
import ketdata._export
from ketdata import Dataset
from ketdata._editor.new import source_text
from ketdata._export._fhir import BASIC_BECAUSE, CLINICAL_USE, FIELD_MAP, WARNING_CATEGORIES
from ketdata._export._fhir_terms import CANONICAL, CODE_SYSTEMS, EXTENSIONS, FHIR_VERSION, PACKAGE, Part
from ketdata._model.problems import render_catalogue
from ketdata._validation.refs import SchemaSet, load_schemas
from ketdata.records import Category, Caveat, Claim

sys.path.insert(0, str(Path(__file__).parent))  # run by path, not imported: make _markup importable
from _markup import html, md, md_code, md_link, md_table, md_title, page

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
    body = readme.split(f"\n## {heading}\n", 1)[1]
    return body.split("\n## ", 1)[0]


HOME_INTRO = """\
> **Not medical advice.** This site shows what one short article about ketamine says, broken into small
> records, and nothing more. It does not say whether any of it is true, safe or right for anyone. For
> anything about your health, talk to a health professional.

## How to read a claim

Each claim is one statement the article makes, shown in a box like the one below:

- **the statement** in one sentence, worded no more strongly than the article words it;
- **how the article presents it** — its evidence status (see below). This describes the *article's wording*,
  not the strength of the medical evidence: the article cites no studies, and a status is never a verdict;
- **the hedge** — the article's own qualifying word ("can", "may", "primarily", "potential"…), kept;
- the same statement as **subject — relation — object**, for searching and for machines;
- **the quote**: the article's exact words, and where they are in [the article](browse/article.md);
- its **caveats**: the article's own warnings and limits that apply to it;
- its **version**, whether it is current, and whether anyone has **reviewed** it.
"""

HOME_DEVELOPERS = """\
## For developers and data editors

The data comes as a Python package and as files: see the [quick start](quickstart.md), the
[editor guide](editor-guide.md), [exports and FHIR](exports.md) and the [API reference](reference/api.md).
This site also works offline: its files can be opened straight from disk, search included.
"""


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def limits(ds: Dataset) -> list[str]:
    source = ds.sources[0]
    fields = {"author": source.author, "date": source.published, "address": source.url, "licence": source.license}
    unknown = ", ".join(name for name, value in fields.items() if value is None)
    records = [r for r in (*ds.claims, *ds.caveats) if r.status == "active"]
    unreviewed = sum(r.review.status != "reviewed" for r in records)
    return [
        "## What this is not", "",
        f"- It is **one article**{f' (its {unknown} unknown)' if unknown else ''}. Nothing here was checked against "
        "other sources, and what the article leaves out is missing here too.",
        f"- It is **not reviewed**: {unreviewed} of the {len(records)} current claims and caveats have not been "
        "reviewed by anyone yet.",
        "- It is **not advice**, and the order, wording and labels on these pages recommend nothing.", "",
    ]  # fmt: skip


def example_claim(ds: Dataset) -> Claim:
    """The claim the home page shows as an example: the first active one with a hedge and a caveat."""
    return next(c for c in ds.claims if c.status == "active" and c.hedge and ds.caveats_for(c))


def home_what(ds: Dataset) -> list[str]:
    article = md_link(ds.sources[0].title, "article", folder="browse/")
    claims = plural(sum(c.status == "active" for c in ds.claims), "claim")
    caveats = plural(sum(v.status == "active" for v in ds.caveats), "caveat")
    released = f", released {md(ds.info.release_date)}" if ds.info.release_date else ""
    return [md_title("ketdata: what one article says about ketamine"),
            f"ketdata takes one short article, {article}, and records what it says: {claims}, each quoting the "
            f"article word for word, {caveats}, and the concepts they are about. Dataset version "
            f"{md(ds.info.version)}{released}.", ""]  # fmt: skip


def home_find(ds: Dataset) -> list[str]:
    lines = ["## What you can find", "", "The claims, by category:", ""]
    for c in ds.categories:
        count = plural(len(ds.claims_in(c, subcategories=False)), "claim")
        lines.append(f"- {md_link(c.label, c.id, folder='browse/')} — {count}: {md(c.definition)}")
    article = md_link(ds.sources[0].title, "article", folder="browse/")
    return [*lines, "", f"And the article itself, {article}, with every quoted span marked.", ""]


def home_caveats(ds: Dataset) -> list[str]:
    lines = ["## Caveats", "", "Caveats are the article's own safety warnings, limitations, uncertainties and calls "
             "for supervision. Each applies to the claims it names, and is shown with them:", ""]  # fmt: skip
    return lines + [
        f"- *{md(v.kind.replace('-', ' '))}*: {md(v.statement)}" for v in ds.caveats if v.status == "active"
    ]


def home_statuses(ds: Dataset) -> list[str]:
    return ["", "## Evidence statuses", "", "How firmly the article states a claim, from plain statement to "
            "uncertainty. They are labels for the article's wording, all shown alike: “Established” means the "
            "article states it plainly, not that it is proven, safe or recommended.", "",
            *statuses_table(ds), ""]  # fmt: skip


def home(ds: Dataset) -> None:
    """The home page, for readers of the data: what it is, what is in it, how to read it, and its limits."""
    example = [claim_block(example_claim(ds), ds, "browse/"), ""]
    licence = ["## Licence and provenance", readme_section("Licence and provenance")]
    write("index.md", "\n".join([*home_what(ds), HOME_INTRO, *example, *home_find(ds), *home_caveats(ds),
                                 *home_statuses(ds), *limits(ds), HOME_DEVELOPERS, *licence]))  # fmt: skip


def guides() -> None:
    write("changelog.md", changelog((PROJECT / "CHANGELOG.md").read_text(encoding="utf-8")), "CHANGELOG.md")
    write("reference/error-codes.md", "# Error codes\n\nEvery problem `ketdata validate` can report, from the "
          "catalogue in the code (`ketdata codes` prints the same). A code never changes meaning once released.\n\n"
          + render_catalogue("markdown"))  # fmt: skip


def changelog(text: str) -> str:
    """The changelog page: CHANGELOG.md as it is, since `ketdata release` writes record text into it escaped.

    Markdown has one escaping place, ``ketdata._io.escape``; escaping here again would show its backslashes.
    """
    return text


# The reference starts where a reader starts: loading and validating, then the dataset, then the rest.
API_ORDER = ("load", "validate", "Dataset", "ValidationReport", "Problem", "Severity", "__version__")


def api() -> None:
    first = [name for name in API_ORDER if name in ketdata.__all__]
    rest = sorted(set(ketdata.__all__) - set(first))
    lines = ["# API reference", "", "The public API: `ketdata` itself, then its public submodules: "
             "`ketdata.records`, `ketdata.diff`, `ketdata.errors` and `ketdata.export`.", ""]  # fmt: skip
    lines += [f"::: ketdata.{name}\n" for name in (*first, *rest) if name != "__version__"]
    for module, title in (("records", "Records"), ("diff", "Comparing versions"), ("errors", "Errors"),
                          ("export", "Exporters")):  # fmt: skip
        names = importlib.import_module(f"ketdata.{module}").__all__
        lines += [f"## {title}: `ketdata.{module}`", "", *(f"::: ketdata.{module}.{name}\n" for name in names)]
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


TRIPLE_RULE = [
    "## Reading a claim alone",
    "",
    "A claim's triple is **subject — hedge — predicate — object**. The hedge (`hedge`, with `hedge_governs` and "
    "the `qualifiers`) is the triple's modality: `null` means the article states it without one. Every export "
    "carries it in the same record as the triple (JSON and Parquet: the claim's `hedge` and `qualifiers`; CSV: "
    "`claims.hedge` and `claim_qualifiers`; FHIR: the `hedge` and `qualifier` extensions on the claim's resource), so "
    "'usually intravenous' and 'can also be oral' never read as the same relation. A predicate's label carries a "
    "hedge only when every claim using it keeps that hedge (KD319).",
    "",
    "The subject is the one the article's sentence names: the drug for what ketamine is, does and is used for, and "
    "for its effects; the therapy for how the therapy is given and for whom. An object never contains its subject "
    "(KD318).",
    "",
    "`caveats` is derived, never written in the data files: the ids of the active caveats whose `applies_to` "
    "lists the claim, so a reader of the claim alone sees its warnings, limits and uncertainties in every export "
    "(CSV: `claim_caveats`; FHIR: the `caveat` extension). A caveat is not linked to a claim that only restates it "
    "(KD321). `leaves_out` names the words of the article a record leaves out and why (KD315-KD317); `readings` "
    "records how it reads words such as 'it' or 'this …' (KD322); `notes` holds external editorial notes.",
]


def decision_rows(ds: Dataset) -> list[str]:
    """The decision table as Markdown: one row per cue and kind of statement, each giving exactly one status."""
    ordered = sorted(ds.evidence_statuses, key=lambda s: s.rank)
    passage = {True: "inside", False: "outside", None: "either"}
    rows = ([md_code(r.cue) if r.cue else "(no cue)", md(", ".join(r.predicates) or "any"),
             md(", ".join(r.categories) or "any"), passage[r.experimental], md(s.label), md(r.why)]
            for s in ordered for r in s.decision)  # fmt: skip
    intro = ("Each row is keyed on the cue in the claim's statement **and** the kind of statement (its predicate or "
             "category, and whether the claim lies inside the passage the article calls experimental: linked to a "
             "caveat the `decision-table` rule names). Each such pair gives exactly one status (KD613); a claim no row "
             "decides is an error (KD614); where one cue holds another ('can sometimes' holds 'can') the longer is "
             "read; a row without a cue decides statements with no cue of a row for their kind. An experimental "
             "benefit or experience is never `established` (KD611, for every relation that can describe "
             "one).")  # fmt: skip
    header = ["cue", "predicates", "categories", "experimental passage", "status", "why"]
    return [intro, "", *md_table(header, rows)]


def worked_example(node: dict[str, Any]) -> list[str]:
    """A schema's first ``examples`` entry as YAML, the way a data file holds it."""
    if not node.get("examples"):
        return []
    import yaml

    text = yaml.safe_dump(node["examples"][0], sort_keys=False, allow_unicode=True, width=100).rstrip()
    return ["", "Worked example (as it stands in a data file):", "", "```yaml", text, "```"]


def data_dictionary(ds: Dataset) -> None:
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
        lines += worked_example(schema)
        for def_name, definition in schema.get("$defs", {}).items():
            lines += ["", f"## `{def_name}`", "", definition.get("description", ""), "",
                      f"Type: {type_of(definition)}. {rules_of(definition)}"]  # fmt: skip
            if "properties" in definition:
                lines += ["", "| field | type | required | allowed values | description |", "|---|---|---|---|---|"]
                lines += rows(definition)
            lines += worked_example(definition)
        for field, node in schema.get("x-derived", {}).items():
            lines += ["", f"## Derived: `{field}`", "", f"{node['description']} Type: {type_of(node)}."]
        if name == "evidence_status":
            lines += ["", "## The decision table", "", *decision_rows(ds)]
        if name == "claim":
            lines += ["", *TRIPLE_RULE]
        write(page, "\n".join(lines) + "\n", f"schema/{name}.schema.json")
    write("reference/data-dictionary/index.md", "\n".join(index) + "\n")


# --- browse the data: record text reaches the pages only through _markup ------------------------------


def quotes(record: Claim | Caveat, ds: Dataset) -> list[dict[str, Any]]:
    """The spans of the article a claim or caveat quotes, with the heading of each one's section."""
    found = []
    for ref in record.evidence:
        section = ds.source(ref.source).section(ref.section)
        heading = section.heading if section else ref.section
        found.append({"quote": ref.quote, "start": ref.start, "end": ref.end, "section": heading, "role": ref.role})
    return found


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
    return {"reviewed": "reviewed", "flagged": "flagged in review"}.get(claim.review.status, "not yet reviewed")


def claim_block(claim: Claim, ds: Dataset, folder: str = "") -> str:
    """A claim's box; ``folder`` is where the browse pages are from the page the box is on."""
    status = ds.evidence_status(claim.evidence_status)
    caveats = [{"kind": v.kind.replace("-", " "), "id": v.id, "statement": v.statement} for v in ds.caveats_for(claim)]
    return html(
        "claim.html", id=claim.id, status=status.label, status_definition=status.definition, statement=claim.statement,
        hedge=claim.hedge, hedge_governs=claim.hedge_governs,
        qualifiers=[{"kind": q.kind, "text": q.text, "governs": q.governs} for q in claim.qualifiers],
        subject=ds.concept(claim.subject).label, predicate=ds.predicate(claim.predicate).label,
        object=object_text(claim, ds), version=claim.version, lifecycle=claim.status, review=review_text(claim),
        quotes=quotes(claim, ds), caveats=caveats, folder=folder,
        notes=[{"text": n.text, "reason": n.reason} for n in claim.notes],
    )  # fmt: skip


def category_page(category: Category, ds: Dataset) -> str:
    parent = f" (part of {md_link(ds.category(category.parent).label, category.parent)})" if category.parent else ""
    lines = [md_title(category.label), f"{md(category.definition)}{parent}", ""]
    own = ds.claims_in(category, subcategories=False)
    return "\n".join(lines + ([claim_block(c, ds) for c in own] or ["No claims in this category."]))


def statuses_table(ds: Dataset) -> list[str]:
    ordered = sorted(ds.evidence_statuses, key=lambda s: s.rank)
    return md_table(["status", "rank", "meaning"],
                    ([md(s.label), str(s.rank) if s.graded else "—", md(s.definition)] for s in ordered))  # fmt: skip


def decision_table(ds: Dataset) -> None:
    """The decision table, from the evidence statuses themselves (the evidence model is docs/evidence-model.md)."""
    intro = ("How each kind of wording in the article gives an evidence status; the "
             "[evidence model](../evidence-model.md) explains the rest.")  # fmt: skip
    write("reference/decision-table.md", "\n".join(["# The decision table", "", intro, "", *decision_rows(ds)]) + "\n")


def browse(ds: Dataset) -> None:
    index = ["# Browse the data", "", "The claims, grouped by category. Each shows how the article presents it "
             "(its evidence status), its hedge, its caveats, and the verbatim quote with its place in "
             "[the article](article.md).", ""]  # fmt: skip
    rows = [
        [md_link(c.label, c.id), str(len(ds.claims_in(c, subcategories=False))), md(c.definition)]
        for c in ds.categories
    ]
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
    lines = [md_title(f"The article: {source.title}"),
             f"The source text, byte for byte (sha256 {md_code(source.sha256[:16])}…), with every span that some "
             f"record quotes <mark>marked</mark>; hover a mark to see which records quote it. "
             f"{covered} of {len(text)} characters are quoted. Author, URL, date and licence: unknown.", "",
             html("article.html", pieces=pieces)]  # fmt: skip
    write(ARTICLE, "\n".join(lines))


# --- the export mapping: from the exporters' own tables ------------------------------------------------

MAPPING_INTRO = """\
Where each record field lands in each export, generated from the tables the exporters themselves use, so
it cannot drift from what they write. See [exports and FHIR](../exports.md) for the files themselves.
"""


def fhir_fields() -> list[str]:
    merged: dict[tuple[str, str, str, str], list[str]] = {}  # a field landing alike in several resources: one row
    for r in FIELD_MAP:
        merged.setdefault((r.record, r.field, r.element, r.note), []).append(r.resource)
    rows = ([md(record), md_code(field), md(", ".join(resources) or "—"), md_code(element) if element else "—",
             md(note)] for (record, field, element, note), resources in merged.items())  # fmt: skip
    return ["## FHIR: where each field lands", "", "Elements are FHIRPath expressions from the resource named.",
            "", *md_table(["record", "field", "resource", "element", "note"], rows), ""]  # fmt: skip


def fhir_predicates(ds: Dataset) -> list[str]:
    warning = "ClinicalUseDefinition `warning` if its category is " + " or ".join(
        md_code(c) for c in sorted(WARNING_CATEGORIES)
    )
    rows = []
    for p in ds.predicates:
        use = CLINICAL_USE.get(p.id)
        resource = f"ClinicalUseDefinition {md_code(use)}" if use else f"{warning}; else Basic"
        rows.append([md_code(p.id), md(p.label), resource, md(BASIC_BECAUSE.get(p.id, "—"))])
    intro = ("Each claim becomes the most specific resource that fits its predicate; where that is `Basic`, the "
             "last column says why no other resource fits.")  # fmt: skip
    return ["## FHIR: claims by predicate", "", intro, "",
            *md_table(["predicate", "label", "resource", "why Basic"], rows), ""]  # fmt: skip


def _part(part: Part) -> str:
    bound = f", bound (required) to {md_code(part.binding)}" if part.binding else ""
    name = "" if part.name == "value" else f"{md_code(part.name)}{' (required)' if part.required else ''}: "
    return f"{name}{' or '.join(md_code(t) for t in part.types)}{bound} — {md(part.definition)}"


def fhir_extensions() -> list[str]:
    rows = ([md_code(e.url), md(e.definition), ", ".join(md_code(c) for c in e.context),
             "<br>".join(_part(p) for p in ([e.value] if e.value else list(e.parts)))] for e in EXTENSIONS)  # fmt: skip
    intro = ("Each extension's StructureDefinition is in the package `fhir/package/` (see below); the value is the "
             "extension's own, or its sub-extensions, by url.")  # fmt: skip
    return ["## FHIR: extensions", "", intro, "", *md_table(["url", "definition", "context", "value"], rows), ""]


def fhir_code_systems(ds: Dataset) -> list[str]:
    lines = ["## FHIR: code systems", "", "Each code system is in the package as a `CodeSystem`, with a `ValueSet` "
             "of all its codes that extension values bind to.", ""]  # fmt: skip
    for cs in CODE_SYSTEMS:
        rows = ([md_code(c), md(d), md(text)] for c, d, text in cs.concepts(ds))
        lines += [f"### {md(cs.title)}", "", f"{md(cs.description)} System {md_code(cs.url)}, value set "
                  f"{md_code(cs.value_set)}.", "", *md_table(["code", "display", "definition"], rows), ""]  # fmt: skip
    return lines


FHIR_PACKAGE = f"""\
## FHIR: the package

`fhir/package/` holds a FHIR NPM-style package (`package.json`, name `{PACKAGE}`, FHIR {FHIR_VERSION}, the
dataset's version) with one `<Type>-<id>.json` file per CodeSystem, ValueSet and extension StructureDefinition.
Their canonical URLs are `{CANONICAL}:<Type>:<name>`, so a validator given the package resolves every `system`
and extension `url` the Bundle and NDJSON use. A tarball of the folder is an installable package; tools that
want a `.index.json` build it on loading.
"""


def csv_tables(ds: Dataset) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each CSV table with its columns (name, type, description, constraints), as its Data Package states them."""
    package = json.loads(ketdata._export.to_datapackage(ds, SCHEMAS, ketdata._export.to_csv(ds)))
    return [(r["name"], r["schema"]["fields"]) for r in package["resources"]]


def column_sections(title: str, intro: str, tables: list[tuple[str, list[dict[str, Any]]]]) -> list[str]:
    """One section per table of a tabular export: each column with its type, whether required, and meaning."""
    lines = [f"## {title}", "", intro, ""]
    for name, fields in tables:
        rows = ([md_code(f["name"]), md_code(f["type"]), "yes" if f.get("constraints", {}).get("required") else "no",
                 md(f["description"])] for f in fields)  # fmt: skip
        lines += [f"### {md_code(name)}", "", *md_table(["column", "type", "required", "meaning"], rows), ""]
    return lines


def mapping(ds: Dataset) -> None:
    csv_intro = ("`csv/<table>.csv`, described by `csv/datapackage.json` (Frictionless Table Schema types); an empty "
                 "cell is null. Link tables unfold a record's lists, keyed by owner id and position.")  # fmt: skip
    fhir = [*fhir_fields(), *fhir_predicates(ds), *fhir_extensions(), *fhir_code_systems(ds), FHIR_PACKAGE]
    lines = ["# Export mapping", "", MAPPING_INTRO, *fhir, *column_sections("CSV columns", csv_intro, csv_tables(ds))]
    write("reference/mapping.md", "\n".join(lines) + "\n")


DS = ketdata.load(DATA)
home(DS)
guides()
decision_table(DS)
api()
data_dictionary(DS)
browse(DS)
article(DS)
mapping(DS)
