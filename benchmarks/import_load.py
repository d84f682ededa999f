"""Start-up cost for downstream readers: `import ketdata; ketdata.load()` against `python -c pass`.

Both run as fresh subprocesses, alternating, and the medians are compared. Target: at most 2.0x.
Usage: python benchmarks/import_load.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 2.0
BASELINE = "pass"
SUBJECT = "import ketdata; ketdata.load()"


def timed(code: str, cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=cwd)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (at least 9)")
    runs = max(parser.parse_args().runs, 9)
    base: list[float] = []
    subject: list[float] = []
    with tempfile.TemporaryDirectory() as cwd:
        timed(SUBJECT, cwd)  # warm the file cache and write bytecode before measuring
        for _ in range(runs):
            base.append(timed(BASELINE, cwd))
            subject.append(timed(SUBJECT, cwd))
    b, s = statistics.median(base), statistics.median(subject)
    ratio = s / b
    print(f"python -c pass                   {b * 1000:7.1f} ms   1.00x")
    print(f"import ketdata; ketdata.load()   {s * 1000:7.1f} ms   {ratio:.2f}x")
    print(f"target <= {TARGET:.1f}x: {'met' if ratio <= TARGET else 'NOT met'} (median of {runs} alternating runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
