"""The built wheel carries the data and schemas: once installed, it works with no checkout around it."""

from __future__ import annotations

import json
import os
import shutil
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
        "ketdata/_data/manifest.json",
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


def test_an_installed_snapshot_edited_after_install_is_refused_not_served(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target)]
    subprocess.run([*install, str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    snapshot = target / "ketdata/_data/ketdata.json"
    text = snapshot.read_text(encoding="utf-8")
    assert "including hallucinations." in text
    snapshot.write_text(text.replace("including hallucinations.", "including mild, harmless hallucinations."))
    code = "import ketdata\ntry:\n ketdata.load()\nexcept ketdata.DataError as e:\n print(e.problems[0].code)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.stdout.strip() == "KD030", out.stderr
    for argv in (["validate", "--shipped"], ["show", "claim-045"]):
        run = subprocess.run([sys.executable, "-m", "ketdata", *argv], capture_output=True, text=True, cwd=tmp_path,
                             env=env)  # fmt: skip
        assert run.returncode == 1, (argv, run.stdout, run.stderr)
        assert "KD030" in run.stdout + run.stderr and "harmless" not in run.stdout


def test_the_wheel_requires_nothing_but_through_an_extra(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(name).decode("utf-8")
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires and [r for r in requires if "extra ==" not in r] == []
    extras = {line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Provides-Extra:")}
    assert {"validate", "parquet", "export", "review", "all"} <= extras


def test_a_bare_install_reads_and_names_the_extra_each_command_needs(wheel: Path, tmp_path: Path) -> None:
    """Installed with no extra (pip resolves no dependency: there is none), as a read-only consumer has it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index",
                    str(wheel)], check=True)  # fmt: skip
    listed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "list", "--format", "json"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert {p["name"] for p in json.loads(listed.stdout)} <= {"ketdata", "pip", "setuptools"}
    code = "import ketdata; ds = ketdata.load(); print(len(ds.claims), ds.claim('claim-021').id)"
    read = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert read.stdout.split()[1] == "claim-021"
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    for command, extra in (("validate", "validate"), ("export", "export"), ("fmt", "validate")):
        done = subprocess.run([str(python), "-m", "ketdata", command, str(data)], capture_output=True, text=True,
                              cwd=tmp_path)  # fmt: skip
        assert done.returncode == 2, (command, done.stderr)
        assert f"pip install 'ketdata[{extra}]'" in done.stderr and "Traceback" not in done.stderr, done.stderr
    code = (
        f"import ketdata, ketdata.errors\ntry:\n    ketdata.load({str(data)!r})\n"
        "except ketdata.errors.MissingExtraError as e:\n    print(e)"
    )
    folder = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "pip install 'ketdata[validate]'" in folder.stdout


DEBIAN_PYTHON = Path("/usr/bin/python3")


@pytest.mark.skipif(not (DEBIAN_PYTHON.exists() and list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED"))),
                    reason="no externally managed (Debian) system Python on this machine")  # fmt: skip
def test_the_readme_wheel_command_works_on_a_debian_system_python(tmp_path: Path) -> None:
    """The README's wheel line, as written, run by the system's python3 in a copy of the checkout."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.splitlines() if "pip wheel" in x]
    ignore = shutil.ignore_patterns(".venv", ".git", "site", "node_modules", "__pycache__", "dist", ".build",
                                    "test-artifacts", ".*_cache")  # fmt: skip
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=ignore)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(DEBIAN_PYTHON)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    subprocess.run(["bash", "-c", line], cwd=clone, env=env, check=True, capture_output=True)
    code = "import ketdata, sys; print(sys.base_prefix, len(ketdata.load().claims))"
    out = subprocess.run([str(clone / ".build/bin/python"), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "/usr"
