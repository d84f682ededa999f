"""Exporters: the dataset as files for pipelines, and the functions behind them for in-process use.

``export(ds, out)`` writes every format; each ``to_*`` function returns one format's text (Parquet: its bytes).
"""

from __future__ import annotations

from ketdata._export._csv import load_csv, to_csv, to_datapackage
from ketdata._export._fhir import to_fhir_bundle, to_fhir_ndjson
from ketdata._export._fhir_terms import to_fhir_package
from ketdata._export._json import to_json, to_ndjson
from ketdata._export._parquet import to_parquet
from ketdata._export._sssom import to_sssom
from ketdata._export._write import ExportResult, export, render, stale_files

__all__ = [
    "ExportResult",
    "export",
    "load_csv",
    "render",
    "stale_files",
    "to_csv",
    "to_datapackage",
    "to_fhir_bundle",
    "to_fhir_ndjson",
    "to_fhir_package",
    "to_json",
    "to_ndjson",
    "to_parquet",
    "to_sssom",
]
