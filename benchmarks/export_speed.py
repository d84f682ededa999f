"""Export cost against the floor: parsing the same YAML files with libyaml's CSafeLoader and nothing else.

Times, in one run, the median of several repetitions of:
  floor   - yaml.load of every data file with CSafeLoader
  load    - ketdata.load(DATA_DIR) (safe composing with line marks, records built)
  export  - rendering every export format in memory (JSON, NDJSON and their schemas, CSV + data package, Parquet,
            FHIR, SSSOM, manifest)
and prints each in seconds and as a ratio to the floor.
Usage: python benchmarks/export_speed.py [DATA_DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import ketdata
from ketdata._export import render

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / "data")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    files = sorted(args.data.rglob("*.yaml"))

    def floor() -> None:
        for path in files:
            list(yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader))

    ds = ketdata.load(args.data)
    base = median_seconds(floor, args.repeat)
    rows = [
        ("floor: CSafeLoader parse", base),
        ("ketdata.load(folder)", median_seconds(lambda: ketdata.load(args.data), args.repeat)),
        ("export, all formats (in memory)", median_seconds(lambda: render(ds), args.repeat)),
    ]
    print(f"{len(files)} YAML files, {len(ds.claims)} claims; median of {args.repeat} runs")
    for name, seconds in rows:
        print(f"{name:34} {seconds:9.4f} s  {seconds / base:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
