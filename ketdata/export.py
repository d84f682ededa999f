"""Exporters: the dataset as files for pipelines, and the functions behind them for in-process use.

``export(ds, out)`` writes every format; each ``to_*`` function returns one format's text (Parquet: its bytes).
"""

from __future__ import annotations

from ketdata._export import (
    ExportResult,
    export,
    load_csv,
    render,
    stale_files,
    to_csv,
    to_datapackage,
    to_fhir_bundle,
    to_fhir_ndjson,
    to_fhir_package,
    to_json,
    to_ndjson,
    to_parquet,
    to_sssom,
)

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
