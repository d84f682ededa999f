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


def test_reanchor_benchmark_runs_and_reports_its_ratio_to_exact_search() -> None:
    out = subprocess.run([sys.executable, str(BENCH / "reanchor.py"), "--spans", "500", "--bytes", "20000",
                          "--repeat", "1", "--json"], capture_output=True, text=True, check=True)  # fmt: skip
    report = json.loads(out.stdout)
    assert report["spans"] == 500 and report["floor_seconds"] > 0 and report["ratio"] > 0
    # The revision moves most spans and changes or loses some: every path of the engine is timed.
    assert report["verdicts"]["moved"] > 400 and report["verdicts"].get("changed", 0) + report["verdicts"].get(
        "lost", 0) > 0  # fmt: skip
