"""Start-up cost for downstream readers: `import ketdata; ketdata.load()` against `python -c pass`.

What a downstream project pays: the package is built into a wheel and installed into a fresh virtual
environment (no checkout, no test tools on the path), and both commands run there as fresh processes,
alternating; the medians are compared. Target: at most 2.5x.
Usage: python benchmarks/import_load.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TARGET = 2.5
BASELINE = "pass"
SUBJECT = "import ketdata; ketdata.load()"
# A realistic consumer already imports json: what ketdata adds on top of that.
REALISTIC_BASE = "import json"
REALISTIC = "import json; import ketdata; ketdata.load()"
ROOT = Path(__file__).resolve().parents[1]


def timed(code: str, cwd: str, python: str = sys.executable) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", code], check=True, cwd=cwd)
    return time.perf_counter() - start


@contextmanager
def installed_wheel() -> Iterator[str]:
    """The interpreter of a fresh virtual environment holding only the wheel built from this checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        dist, venv = Path(tmp) / "dist", Path(tmp) / "venv"
        pip = [sys.executable, "-m", "pip", "--quiet"]
        subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), released(Path(tmp))],
                       check=True)  # fmt: skip
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        wheel = str(next(dist.glob("ketdata-*.whl")))
        subprocess.run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], check=True)
        yield python


def released(tmp: Path) -> str:
    """The checkout, or, when its data changed since its latest release, a copy with the next release cut.

    A wheel is built only from a release (``hatch_build.py``); what is measured is the same either way.
    """
    done = subprocess.run([sys.executable, "-m", "ketdata", "release", "--dry-run"], cwd=ROOT, capture_output=True,
                          text=True)  # fmt: skip
    if "nothing to release" in done.stdout + done.stderr:
        return str(ROOT)
    copy = tmp / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", "node_modules", "__pycache__",
                                                               "dist", ".build", ".*_cache", ".ketdata"))  # fmt: skip
    # A throwaway copy: the weakenings a maintainer has still to accept (KD517) are accepted here, so that the
    # copy can be released at all; the wheel's speed does not depend on them.
    accept = [arg for rid in _weakened(done.stderr) for arg in ("--accept-weaker", rid)]
    subprocess.run([sys.executable, "-m", "ketdata", "release", *accept, "data"], cwd=copy, check=True,
                   capture_output=True)  # fmt: skip
    return str(copy)


def _weakened(said: str) -> list[str]:
    """The records a dry run of the release names as weakened (KD517), in its own words."""
    return re.findall(r"--accept-weaker (\S+)", said.rpartition("would refuse")[2])


def medians(runs: int, codes: tuple[str, ...]) -> list[float]:
    """The median run time of each command, in seconds, alternating, in an installed wheel's environment."""
    times: list[list[float]] = [[] for _ in codes]
    with installed_wheel() as python, tempfile.TemporaryDirectory() as cwd:
        timed(SUBJECT, cwd, python)  # warm the file cache and write bytecode before measuring
        for _ in range(runs):
            for code, found in zip(codes, times, strict=True):
                found.append(timed(code, cwd, python))
    return [statistics.median(found) for found in times]


def ratio(runs: int) -> tuple[float, float]:
    """The medians of `python -c pass` and of import + load, in seconds, in an installed wheel's environment."""
    base, subject = medians(runs, (BASELINE, SUBJECT))
    return base, subject


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (at least 9)")
    runs = max(parser.parse_args().runs, 9)
    b, s, rb, rs = medians(runs, (BASELINE, SUBJECT, REALISTIC_BASE, REALISTIC))
    print(f"python -c pass                   {b * 1000:7.1f} ms   1.00x")
    print(f"import ketdata; ketdata.load()   {s * 1000:7.1f} ms   {s / b:.2f}x")
    print(f"import json                      {rb * 1000:7.1f} ms   {rb / b:.2f}x")
    print(
        f"... then import ketdata, load()  {rs * 1000:7.1f} ms   {rs / b:.2f}x (ketdata adds {(rs - rb) * 1000:.1f} ms)"
    )
    print(f"target <= {TARGET:.1f}x: {'met' if s / b <= TARGET else 'NOT met'} (median of {runs} alternating runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
