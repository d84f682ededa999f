"""Every format holds the same values, read back by tools that are not ketdata: a CSV cell is the JSON value
(DuckDB, pandas, frictionless), dates are dates in every format, and each file says on its own what it holds.

The expected values come from the NDJSON lines (read with ``json``); the CSV tables' columns are JSON paths
(``object.quantity.value`` is ``object_quantity_value``), a link table's rows a list's items by position.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas
import pyarrow.parquet as pq
import pytest
from frictionless import Package

from ketdata._export._csv import TABLES, Table
from ketdata._model.convert import KINDS

from .consumers import shipped_schemas
from .helpers import ROOT

EXPORTS = ROOT / "exports"
PACKAGE = json.loads((EXPORTS / "csv/datapackage.json").read_text(encoding="utf-8"))
MANIFEST = json.loads((EXPORTS / "manifest.json").read_text(encoding="utf-8"))
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def lines(attr: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (EXPORTS / f"json/{attr}.ndjson").read_text(encoding="utf-8").splitlines()]


def dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def expected_rows(table: Table) -> list[list[Any]]:
    """A table's rows as the JSON values they must hold, in key order."""
    rows: list[list[Any]] = []
    for record in lines(table.attr):
        if table.link is None:
            rows.append([dig(record, c) for c in table.columns])
            continue
        for n, item in enumerate(dig(record, table.link) or []):
            if table.inner is not None:  # a list of plain values inside each item: one row per value
                rows += [[record["id"], n, m, value] for m, value in enumerate(item.get(table.inner) or [])]
                continue
            rows.append([record["id"], n, *([item] if table.single else [dig(item, c) for c in table.columns])])
    return sorted(rows, key=lambda r: r[: len(table.key)])


def as_cell_text(value: Any) -> str:
    """A JSON value as the text a CSV cell holds for it: JSON's own spelling, null as the empty cell."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def table_ids() -> list[Any]:
    return [pytest.param(table, id=table.name) for table in TABLES]


@pytest.mark.parametrize("table", table_ids())
def test_csv_text_equals_json_in_pandas_and_duckdb(table: Table) -> None:
    path = EXPORTS / f"csv/{table.name}.csv"
    want = [[as_cell_text(v) for v in row] for row in expected_rows(table)]
    frame = pandas.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(frame.columns) == table.headers
    assert frame.values.tolist() == want
    con = duckdb.connect()
    got = con.execute(f"select * from read_csv('{path}', header = true, all_varchar = true)").fetchall()
    assert [[v if v is not None else "" for v in row] for row in got] == want


@pytest.mark.parametrize("table", table_ids())
def test_csv_typed_by_the_data_package_equals_json_in_frictionless(table: Table) -> None:
    resource = Package(str(EXPORTS / "csv/datapackage.json")).get_resource(table.name)
    got = [[v.isoformat() if isinstance(v, datetime.date) else v for v in row.values()]
           for row in resource.read_rows()]  # fmt: skip
    assert got == expected_rows(table)


def test_a_leading_apostrophe_is_kept_as_it_is() -> None:
    rows = (EXPORTS / "csv/evidence_status_decision.csv").read_text(encoding="utf-8")
    assert ",'primarily' about a use," in rows and "''" not in rows


def _string_nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        kinds = node.get("type")
        if kinds == "string" or (isinstance(kinds, list) and "string" in kinds):
            yield path, node
        for key, value in node.items():
            yield from _string_nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _string_nodes(value, f"{path}/{n}")


def test_no_exported_text_field_can_start_a_formula() -> None:
    """Every string the schemas allow (export lines included) refuses = + - @, tab and CR in first place.

    The article's own text (on a source's export line) is the one exception: it is in no CSV table, and it is
    kept byte for byte, whatever it starts with.
    """
    open_fields = []
    for schema in shipped_schemas():
        for path, node in _string_nodes(schema, schema["$id"]):
            if path == "urn:ketdata:export:json:sources/properties/text":
                continue
            if "enum" in node or "const" in node:
                values = node.get("enum", [node.get("const")])
                open_fields += [(path, v) for v in values if isinstance(v, str) and v.startswith(FORMULA)]
                continue
            pattern = node.get("pattern")
            if pattern is None:
                open_fields.append((path, "no pattern"))
                continue
            open_fields += [(path, c) for c in FORMULA if re.search(pattern, c + "x1")]
    assert open_fields == []


def test_dates_are_dates_in_every_format() -> None:
    common = json.loads((ROOT / "schema/common.schema.json").read_text(encoding="utf-8"))
    assert common["$defs"]["date"]["format"] == "date"
    dated = {(r["name"], f["name"]) for r in PACKAGE["resources"] for f in r["schema"]["fields"] if f["type"] == "date"}
    assert {("claims", "review_reviewed_on"), ("sources", "published"), ("caveats", "review_review_due")} <= dated
    claims = pq.read_schema(EXPORTS / "parquet/claims.parquet")
    review = claims.field("review").type
    assert str(review.field("reviewed_on").type) == "date32[day]"
    assert str(pq.read_schema(EXPORTS / "parquet/sources.parquet").field("published").type) == "date32[day]"


@pytest.mark.parametrize("attr", [attr for _, attr, _ in KINDS])
def test_each_parquet_file_says_which_versions_it_holds(attr: str) -> None:
    meta = pq.read_schema(EXPORTS / f"parquet/{attr}.parquet").metadata
    assert meta[b"ketdata_version"].decode() == MANIFEST["dataset_version"]
    assert meta[b"schema_version"].decode() == MANIFEST["schema_version"]


def test_the_data_package_says_which_versions_it_holds() -> None:
    assert PACKAGE["version"] == MANIFEST["dataset_version"]
    assert PACKAGE["ketdata:schema_version"] == MANIFEST["schema_version"]


def test_duckdb_views_declare_every_column_and_read_every_line(tmp_path: Path) -> None:
    """The shipped view script, run in DuckDB from the exports folder, as its header says."""
    import os

    script = (EXPORTS / "duckdb/views.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    cwd = Path.cwd()
    os.chdir(EXPORTS)
    try:
        con.execute(script)
        for _, attr, _ in KINDS:
            line_schema = json.loads((EXPORTS / f"json/{attr}.schema.json").read_text(encoding="utf-8"))
            described = con.execute(f'describe "{attr}"').fetchall()
            assert [row[0] for row in described] == list(line_schema["properties"])
            assert con.execute(f'select count(*) from "{attr}"').fetchone() == (len(lines(attr)),)
        reviewed_on = con.execute("select typeof(review.reviewed_on) from claims limit 1").fetchone()
        published = con.execute("select typeof(published) from sources").fetchone()
    finally:
        os.chdir(cwd)
    assert reviewed_on == ("DATE",) and published == ("DATE",)


DOC = (ROOT / "docs/exports.md").read_text(encoding="utf-8")


def test_the_documented_sql_resolves_an_offset_in_duckdb() -> None:
    import os

    (sql,) = re.findall(r"```sql\n(.*?)```", DOC, re.DOTALL)
    cwd = Path.cwd()
    os.chdir(EXPORTS)  # the page says: run from exports/
    try:
        rows = duckdb.connect().execute(sql).fetchall()
    finally:
        os.chdir(cwd)
    assert rows == [("claim-045", "hallucinations", "hallucinations", True)]


def test_the_documented_javascript_resolves_every_quote_in_node(tmp_path: Path) -> None:
    import subprocess

    (js,) = re.findall(r"```js\n(.*?)```", DOC, re.DOTALL)
    script = tmp_path / "offsets.mjs"
    script.write_text(js, encoding="utf-8")
    done = subprocess.run(["node", str(script)], cwd=EXPORTS, capture_output=True, text=True, check=True)
    spans = sum(len(r["evidence"]) for attr in ("claims", "caveats") for r in lines(attr))
    assert done.stdout == f"{spans} quotes resolve\n"


def test_the_documented_byte_offsets_differ_from_code_points() -> None:
    article = (EXPORTS / "sources/ketamine-overview.txt").read_bytes()
    text = lines("sources")[0]["text"]
    assert article == text.encode("utf-8") and text[686] == "\xa0"
    assert text[2203:2217] == "hallucinations" == article[2204:2218].decode("utf-8")


def test_every_fhir_resource_has_a_narrative_and_an_identifier() -> None:
    import xml.etree.ElementTree as ET

    missing = []
    for path in sorted((EXPORTS / "fhir").glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            kind = resource["resourceType"]
            div = resource.get("text", {}).get("div", "")
            if resource.get("text", {}).get("status") != "generated" or len(ET.fromstring(div)) or not div:
                missing.append((kind, resource["id"], "narrative"))
            if kind != "Provenance" and not resource.get("identifier"):  # Provenance has no identifier element
                missing.append((kind, resource["id"], "identifier"))
    assert missing == []
    package = json.loads((EXPORTS / "fhir/package/package.json").read_text(encoding="utf-8"))
    version = MANIFEST["dataset_version"]
    expected = f"The code systems, value sets and extensions that the FHIR R5 export of ketdata {version} uses."
    assert package["description"] == expected
