"""Exporters: the dataset as files for pipelines, and the library functions behind them."""

from __future__ import annotations

from ketdata.export._json import to_json
from ketdata.export._write import ExportResult, export, stale_files

__all__ = ["ExportResult", "export", "stale_files", "to_json"]
