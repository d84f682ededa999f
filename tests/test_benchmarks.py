"""The benchmarks keep working: a small run of each (their timings are printed, never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ketdata

from .helpers import ROOT, findings

BENCH = ROOT / "benchmarks"


def test_generated_dataset_is_valid_and_complete(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "300", str(tmp_path / "syn")], check=True)
    data = tmp_path / "syn" / "data"
    assert findings(data) == []
    ds = ketdata.load(data)
    assert len(ds.claims) == 300 and len(ds.caveats) == 38
    assert all(len(c.statement) > 40 for c in ds.claims)


def test_run_smoke_prints_every_measure_as_json() -> None:
    out = subprocess.run([sys.executable, str(BENCH / "run.py"), "--sizes", "200", "1000", "--repeat", "1", "--json"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    report = json.loads(out.stdout)
    ops = ("floor", "validate", "load", "export", "revalidate")
    for size in ("200", "1000"):
        assert set(report["sizes"][size]) >= set(ops)
        assert all(report["sizes"][size][op]["seconds"] > 0 for op in ops)
        # The export measured against its target is every format, Parquet included.
        assert report["sizes"][size]["export"]["formats"] == [
            "csv",
            "duckdb",
            "fhir",
            "json",
            "parquet",
            "sources",
            "sssom",
        ]
    targets = {t["what"].split(" ")[0] for t in report["targets"]}
    assert targets >= {"validate", "export", "load", "revalidate", "peak", "import"}
    assert report["import_load"]["ratio"] > 0
