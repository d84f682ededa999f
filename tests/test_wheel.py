"""The built wheel carries the data and schemas: once installed, it works with no checkout around it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ketdata

from .helpers import DATA, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    (built,) = dist.glob("ketdata-*.whl")
    return built


def test_wheel_holds_package_data_schemas_and_snapshot(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "ketdata/py.typed",
        "ketdata/_data/ketdata.json",
        "ketdata/_data/schema/claim.schema.json",
        "ketdata/_data/data/dataset.yaml",
        "ketdata/_data/data/sources/ketamine-overview.txt",
    }
    assert expected <= names
    assert not [n for n in names if n.startswith(("tests/", "data/", "schema/"))]


def test_installed_wheel_loads_with_the_standard_library_only(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    code = (
        "import importlib.metadata, ketdata; ds = ketdata.load(); print(ketdata.__file__); "
        "print(len(ds.claims), ds.version); print(ketdata.__version__, importlib.metadata.version('ketdata')); "
        "e = ds.claims[0].evidence[0]; print(ds.source(e.source).text[e.start : e.end] == e.quote)"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    location, summary, versions, quoted = out.stdout.splitlines()
    assert quoted == "True"  # the article ships in the wheel, and Source.text reads it there
    assert location.startswith(str(venv))
    expected = ketdata.load(DATA)
    assert summary == f"{len(expected.claims)} {expected.version}"
    # One version to pin: the package's is the dataset's, derived from data/dataset.yaml at build time.
    assert versions == f"{expected.version} {expected.version}"
    assert wheel.name.startswith(f"ketdata-{expected.version}-")


def test_installed_wheel_validates_its_shipped_data(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    code = (
        "import ketdata, ketdata._read.paths as p; print(ketdata.__file__); print(p.data_dir()); "
        "print(p.schema_dir()); print(sum(x.severity is ketdata.Severity.ERROR for x in ketdata.validate()))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    )
    module, data_dir, schema_dir, problems = out.stdout.splitlines()
    assert all(p.startswith(str(target)) for p in (module, data_dir, schema_dir))
    assert problems == "0"


def test_installed_wheel_reads_its_json_snapshot_which_equals_the_export(wheel: Path, tmp_path: Path) -> None:
    assert not any(name.endswith(".marshal") for name in zipfile.ZipFile(wheel).namelist()), "one shipped format"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index"]
    subprocess.run([*install, str(wheel)], check=True)
    export = ROOT / "exports" / "json" / "ketdata.json"
    code = (
        "import sys, ketdata; ds = ketdata.load(); print('dataclasses' in sys.modules, 'typing' in sys.modules); "
        f"print(ds == ketdata.load_json({str(export)!r}), len(ds.claims))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    imported, same = out.stdout.splitlines()
    # The read path imports neither dataclasses nor typing, and reads the records of the JSON export.
    assert imported == "False False"
    assert same == f"True {len(ketdata.load(DATA).claims)}"
