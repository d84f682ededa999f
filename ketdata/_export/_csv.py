"""CSV tables (RFC 4180, UTF-8) with a Frictionless Data Package describing them, and their reading back.

Each record type is a table; every list inside a record (evidence spans, qualifiers, a caveat's scope
and claims, concept synonyms, broader concepts and codings, source sections, decision-table rows) is a
link table keyed by owner id and position, so nothing is lost and order survives. A null is an empty
cell, as the Table Schema's default ``missingValues: [""]``
says; text in the data is never empty, so the two cannot be confused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._io.escape import csv_cell
from ketdata._model.convert import KINDS, build_dataset, to_plain
from ketdata._model.dataset import Dataset
from ketdata._validation.refs import SchemaSet

_ITEM = "[]"
_TABLE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


@dataclass(frozen=True, slots=True)
class Table:
    """A CSV table: the record list it comes from and, for a link table, the list field inside each record."""

    name: str
    attr: str  # Dataset attribute holding the records
    schema: str  # name of the record schema describing them
    columns: tuple[str, ...]  # dotted paths into the record (or into each list item of a link table)
    foreign: Mapping[str, str]  # column -> referenced "table.column"
    link: str | None = None  # the list field a link table unfolds
    owner: str | None = None  # a link table's column holding the owner's id
    single: bool = False  # the list holds plain values: the one column is the item itself
    inner: str | None = None  # a list of plain values inside each item of ``link``: one row per value

    @property
    def headers(self) -> list[str]:
        """The header row."""
        return (
            [*self.key, *(c.replace(".", "_") for c in self.columns)]
            if self.owner
            else [c.replace(".", "_") for c in self.columns]
        )

    @property
    def key(self) -> list[str]:
        """The primary key: ``id``, or owner id and position (and the inner position) for a link table."""
        if not self.owner:
            return ["id"]
        return [self.owner, "position", "inner_position"] if self.inner else [self.owner, "position"]


_SPAN = ("source", "section", "role", "quote", "start", "end", "revision")
_GLOSS = ("text", "origin", "reason", *(f"evidence.{c}" for c in _SPAN))
_REVIEW = (
    "review.status",
    "review.reviewed_by",
    "review.reviewer_role",
    "review.reviewed_on",
    "review.review_due",
    "review.note",
)
_LIFE = ("id", "version", "status", "reason", "superseded_by")
_CLAIM = (
    *_LIFE, "statement", "subject", "predicate", "object.concept", "object.value", "object.quantity.value",
    "object.quantity.low", "object.quantity.high", "object.quantity.unit", "object.quantity.approximate", "category",
    "evidence_status", "hedge", "hedge_governs", *_REVIEW,
)  # fmt: skip


def _link(name: str, attr: str, schema: str, column: str, owner: str, field: str, refers: str | None = None) -> Table:
    """A link table of plain values: owner id, position, and the value (``refers`` names what it points at)."""
    foreign = {owner: f"{attr}.id", **({column: refers} if refers else {})}
    return Table(name, attr, schema, (column,), foreign, field, owner, single=True)


def _spans(name: str, attr: str, schema: str, owner: str) -> Table:
    return Table(name, attr, schema, _SPAN, {owner: f"{attr}.id", "source": "sources.id"}, "evidence", owner)


def _qualifiers(name: str, attr: str, schema: str, owner: str) -> Table:
    return Table(name, attr, schema, ("kind", "text", "governs"), {owner: f"{attr}.id"}, "qualifiers", owner)


def _omissions(prefix: str, attr: str, schema: str, owner: str) -> tuple[Table, ...]:
    """The words a claim or caveat leaves out (and why), and how it reads words that need an antecedent."""
    return (
        Table(f"{prefix}_leaves_out", attr, schema, ("text", "why"), {owner: f"{attr}.id"}, "leaves_out", owner),
        Table(f"{prefix}_readings", attr, schema, ("source", "start", "text", "means", "why"),
              {owner: f"{attr}.id", "source": "sources.id"}, "readings", owner),
    )  # fmt: skip


TABLES: tuple[Table, ...] = (
    Table("sources", "sources", "source", ("id", "title", "file", "sha256", "media_type", "language", "author", "url",
                                           "published", "license", "note", "recorded"), {}),
    Table("source_sections", "sources", "source", ("id", "heading", "start", "end"),
          {"source_id": "sources.id"}, "sections", "source_id"),
    Table("source_revisions", "sources", "source", ("sha256", "file", "recorded"),
          {"source_id": "sources.id"}, "revisions", "source_id"),
    Table("categories", "categories", "category", ("id", "label", "definition", "parent"),
          {"parent": "categories.id"}),
    Table("evidence_statuses", "evidence_statuses", "evidence_status", ("id", "label", "definition", "rank", "graded"),
          {}),
    Table("evidence_status_decision", "evidence_statuses", "evidence_status",
          ("wording", "cue", "experimental", "why"), {"evidence_status_id": "evidence_statuses.id"}, "decision",
          "evidence_status_id"),
    Table("evidence_status_decision_predicates", "evidence_statuses", "evidence_status", ("predicate",),
          {"evidence_status_id": "evidence_statuses.id", "predicate": "predicates.id"}, "decision",
          "evidence_status_id", single=True, inner="predicates"),
    Table("evidence_status_decision_categories", "evidence_statuses", "evidence_status", ("category",),
          {"evidence_status_id": "evidence_statuses.id", "category": "categories.id"}, "decision",
          "evidence_status_id", single=True, inner="categories"),
    Table("predicates", "predicates", "predicate", ("id", "label", "definition", "object_kind"), {}),
    _link("predicate_categories", "predicates", "predicate", "category", "predicate_id", "categories", "categories.id"),
    _link("predicate_subject_kinds", "predicates", "predicate", "concept_kind", "predicate_id", "subject_kinds"),
    _link("predicate_object_kinds", "predicates", "predicate", "concept_kind", "predicate_id", "object_kinds"),
    _link("predicate_superseded_by", "predicates", "predicate", "superseded_by", "predicate_id", "superseded_by",
          "predicates.id"),
    _link("predicate_expressed_by", "predicates", "predicate", "expressed_by", "predicate_id", "expressed_by"),
    Table("concepts", "concepts", "concept", ("id", "label", "kind", "superseded_by",
                                              *(f"definition.{c}" for c in _GLOSS)),
          {"definition_evidence_source": "sources.id", "superseded_by": "concepts.id"}),
    Table("concept_synonyms", "concepts", "concept", _GLOSS,
          {"concept_id": "concepts.id", "evidence_source": "sources.id"}, "synonyms", "concept_id"),
    _link("concept_broader", "concepts", "concept", "broader", "concept_id", "broader", "concepts.id"),
    _link("concept_related", "concepts", "concept", "related", "concept_id", "related", "concepts.id"),
    Table("concept_link_sources", "concepts", "concept", ("concept", "relation", "origin", "reason"),
          {"concept_id": "concepts.id", "concept": "concepts.id"}, "link_sources", "concept_id"),
    Table("concept_codings", "concepts", "concept",
          ("system", "code", "display", "relation", "confidence", "reference", "reference_sha256", "checked_against",
           "origin", "release", "release_status"), {"concept_id": "concepts.id"}, "codings", "concept_id"),
    Table("claims", "claims", "claim", _CLAIM, {
        "superseded_by": "claims.id", "subject": "concepts.id", "predicate": "predicates.id",
        "object_concept": "concepts.id", "category": "categories.id", "evidence_status": "evidence_statuses.id"}),
    _spans("claim_evidence", "claims", "claim", "claim_id"),
    _qualifiers("claim_qualifiers", "claims", "claim", "claim_id"),
    _link("claim_conflicts", "claims", "claim", "conflicts_with", "claim_id", "conflicts_with", "claims.id"),
    _link("claim_review_flags", "claims", "claim", "flag", "claim_id", "review.flags"),
    _link("claim_caveats", "claims", "claim", "caveat_id", "claim_id", "caveats", "caveats.id"),
    *_omissions("claim", "claims", "claim", "claim_id"),
    Table("claim_notes", "claims", "claim", ("text", "origin", "reason"), {"claim_id": "claims.id"}, "notes",
          "claim_id"),
    Table("caveats", "caveats", "caveat", (*_LIFE, "statement", "hedge", "kind", "scope_reason", *_REVIEW),
          {"superseded_by": "caveats.id"}),
    _spans("caveat_evidence", "caveats", "caveat", "caveat_id"),
    _qualifiers("caveat_qualifiers", "caveats", "caveat", "caveat_id"),
    _link("caveat_scope_sections", "caveats", "caveat", "section", "caveat_id", "scope.sections"),
    Table("caveat_scope_spans", "caveats", "caveat", ("source", "start", "end"),
          {"caveat_id": "caveats.id", "source": "sources.id"}, "scope.spans", "caveat_id"),
    _link("caveat_scope_claims", "caveats", "caveat", "claim_id", "caveat_id", "scope.claims", "claims.id"),
    _link("caveat_claims", "caveats", "caveat", "claim_id", "caveat_id", "applies_to", "claims.id"),
    _link("caveat_review_flags", "caveats", "caveat", "flag", "caveat_id", "review.flags"),
    *_omissions("caveat", "caveats", "caveat", "caveat_id"),
    Table("rules", "rules", "rule", ("id", "kind", "severity", "description"), {}),
    _link("rule_categories", "rules", "rule", "category", "rule_id", "categories", "categories.id"),
    _link("rule_caveat_kinds", "rules", "rule", "caveat_kind", "rule_id", "caveat_kinds"),
    _link("rule_words", "rules", "rule", "word", "rule_id", "words"),
    _link("rule_statuses", "rules", "rule", "evidence_status", "rule_id", "statuses", "evidence_statuses.id"),
    _link("rule_caveats", "rules", "rule", "caveat_id", "rule_id", "caveats", "caveats.id"),
    _link("rule_predicates", "rules", "rule", "predicate", "rule_id", "predicates", "predicates.id"),
)  # fmt: skip


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _table_rows(table: Table, records: Sequence[Mapping[str, Any]]) -> Iterator[list[Any]]:
    for record in records:
        if table.link is None:
            yield [_dig(record, c) for c in table.columns]
            continue
        for position, item in enumerate(_dig(record, table.link) or ()):
            if table.inner is not None:
                yield from ([record["id"], position, j, v] for j, v in enumerate(_dig(item, table.inner) or ()))
                continue
            yield [record["id"], position, *([item] if table.single else (_dig(item, c) for c in table.columns))]


def csv_text(table: Table, records: list[Any]) -> str:
    """One table's CSV from its kind's records, made plain."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    width = len(table.key)
    writer.writerows([csv_cell(v) for v in row] for row in sorted(_table_rows(table, records), key=lambda r: r[:width]))
    return buffer.getvalue()


def to_csv(ds: Dataset) -> dict[str, str]:
    """Every CSV table of the dataset, by table name: RFC 4180 (CRLF line ends), a header row, rows by key."""
    plain = {attr: [to_plain(r) for r in getattr(ds, attr)] for attr in {t.attr for t in TABLES}}
    return {table.name: csv_text(table, plain[table.attr]) for table in TABLES}


class _Schemas(SchemaSet):
    """Field types, descriptions and requiredness, read from the record JSON Schemas."""

    def walk(self, schema: str, path: Sequence[str]) -> tuple[Mapping[str, Any], bool]:
        """The sub-schema at ``path`` and whether a value is required there (every step required, not nullable)."""
        node = self.resolve(self.schemas[schema])
        # Fields derived at load (a claim's caveats) are exported like the others.
        node = {**node, "properties": {**node["properties"], **node.get("x-derived", {})}}
        required = True
        for part in path:
            if part == _ITEM:
                node = self.resolve(node["items"])
                required = True  # a row of a link table is an item that exists
                continue
            required = required and part in node.get("required", ())
            node = self.resolve(node["properties"][part])
        return node, required and not self._nullable(node)

    def _nullable(self, node: Mapping[str, Any]) -> bool:
        kinds = node.get("type")
        options = [self.resolve(o).get("type") for o in node.get("anyOf", ())]
        return kinds == "null" or (isinstance(kinds, list) and "null" in kinds) or "null" in options

    def table_type(self, node: Mapping[str, Any]) -> str:
        dated = node.get("format") or next((self.resolve(o).get("format") for o in node.get("anyOf", ())), None)
        if dated == "date":
            return "date"
        kinds = node.get("type") or next((self.resolve(o).get("type") for o in node.get("anyOf", ())), "string")
        if isinstance(kinds, list):
            kinds = next(k for k in kinds if k != "null")
        return _TABLE_TYPES.get(str(kinds), "string")


def _fields(table: Table, schemas: _Schemas) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    if table.owner:
        owner = schemas.resolve(schemas.schemas[table.schema]).get("title", table.schema).lower()
        inner = [{
            "name": "inner_position",
            "type": "integer",
            "description": f"Position in the {table.link} item's {table.inner} list, from 0.",
            "constraints": {"required": True, "minimum": 0},
        }] if table.inner else []  # fmt: skip
        fields += [
            {
                "name": table.owner,
                "type": "string",
                "description": f"Id of the {owner} the row belongs to.",
                "constraints": {"required": True},
            },
            {
                "name": "position",
                "type": "integer",
                "description": f"Position in the {owner}'s {table.link} list, from 0.",
                "constraints": {"required": True, "minimum": 0},
            },
            *inner,
        ]
    for column, header in zip(table.columns, table.headers[len(fields) :], strict=True):
        prefix = [*table.link.split("."), _ITEM] if table.link else []
        prefix += [table.inner, _ITEM] if table.inner else []
        path = prefix if table.single else [*prefix, *column.split(".")]
        node, required = schemas.walk(table.schema, path)
        if table.single:
            node = {**node, "description": schemas.walk(table.schema, prefix[:-1])[0]["description"]}
        field: dict[str, Any] = {"name": header, "type": schemas.table_type(node), "description": node["description"]}
        if required:
            field["constraints"] = {"required": True}
        fields.append(field)
    return fields


def to_datapackage(
    ds: Dataset, schemas: Mapping[str, Any], tables: Mapping[str, str], schema_version: str | None = None
) -> str:
    """The Frictionless Data Package (Table Schema) describing the CSV tables.

    Args:
        ds: The dataset, for the package's metadata.
        schemas: The record JSON Schemas by name, which give each field its type and description.
        tables: The CSV texts by table name, as ``to_csv`` returns them.
        schema_version: The version of the record schemas, written as ``ketdata:schema_version``
            (default: the shipped schemas').
    """
    from ketdata._read.paths import schema_version as shipped

    known = _Schemas(schemas)
    resources = []
    for table in TABLES:
        schema: dict[str, Any] = {"fields": _fields(table, known), "primaryKey": table.key, "missingValues": [""]}
        if table.foreign:
            schema["foreignKeys"] = [
                {"fields": column, "reference": {"resource": target.split(".")[0], "fields": target.split(".")[1]}}
                for column, target in table.foreign.items()
            ]
        resources.append({
            "name": table.name, "path": f"{table.name}.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "bytes": len(tables[table.name].encode("utf-8")),
            "schema": schema,
        })  # fmt: skip
    info = ds.info
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": info.id,
        "title": info.name,
        "version": info.version,
        "ketdata:schema_version": schema_version or shipped(),
        "description": info.description,
        "licenses": [
            {"name": info.license, "title": f"{info.license}, for ketdata's records (not the quoted article)"}
        ],
        "contributors": [{"title": m.name, "role": "author"} for m in info.maintainers],
        "resources": resources,
    }
    if info.release_date:
        package["created"] = f"{info.release_date}T00:00:00Z"
    return json.dumps(package, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _typed(value: str, kind: str) -> Any:
    if value == "":
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "boolean":
        return value == "true"
    return value


def _unflatten(columns: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, value in zip(columns, values, strict=True):
        if value is None:
            continue
        *parents, leaf = column.split(".")
        target = record
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return record


def load_csv(folder: str | Path) -> Dataset:
    """Read the CSV tables and their ``datapackage.json`` back into a Dataset: the inverse of the CSV export."""
    root = Path(folder)
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    types = {r["name"]: [f["type"] for f in r["schema"]["fields"]] for r in package["resources"]}
    records: dict[str, dict[str, dict[str, Any]]] = {}
    for table in TABLES:
        with (root / f"{table.name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = [
                [_typed(v, t) for v, t in zip(row, types[table.name], strict=True)]
                for row in list(csv.reader(handle))[1:]
            ]
        owners = records.setdefault(table.attr, {})
        for row in rows:
            if table.link is None:
                owners[row[0]] = _unflatten(table.columns, row)
                continue
            if table.inner is not None:  # its items were read from the table before
                owners[row[0]][table.link][row[1]].setdefault(table.inner, []).append(row[3])
                continue
            item = row[2] if table.single else _unflatten(table.columns, row[2:])
            *parents, leaf = table.link.split(".")
            target = owners[row[0]]
            for part in parents:
                target = target.setdefault(part, {})
            target.setdefault(leaf, []).append(item)
    info = {"id": package["name"], "name": package["title"], "version": package["version"],
            "release_date": package["created"][:10] if "created" in package else None,
            "license": package["licenses"][0]["name"], "description": package["description"],
            "maintainers": [{"name": c["title"]} for c in package["contributors"]]}  # fmt: skip
    # The article travels with the exports (exports/sources/); elsewhere, the shipped copy is read.
    texts = root.parent / "sources"
    if not texts.is_dir():
        from ketdata._read.paths import sources_dir

        texts = Path(sources_dir())
    return build_dataset(info, {kind: list(records[attr].values()) for kind, attr, _ in KINDS}, str(texts))
