"""The built wheel carries the data and schemas: once installed, it works with no checkout around it.

A wheel carries only a release (``hatch_build.py``): the tests build it from a copy of the checkout whose data
is one, cutting the next release in the copy when the checkout's data has changed since the latest.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ketdata
from ketdata._editor.release import bumped

from .helpers import DATA, DAY, ROOT, accept_drafted

IGNORE = shutil.ignore_patterns(".venv", ".git", "site", "node_modules", "__pycache__", "dist", ".build",
                                "test-artifacts", ".*_cache", ".ketdata")  # fmt: skip


def released_copy(target: Path) -> Path:
    """A copy of the checkout whose data is its latest release, or the next one, cut in the copy."""
    shutil.copytree(ROOT, target, ignore=IGNORE)
    accept = accept_drafted(target / "data")
    done = subprocess.run([sys.executable, "-m", "ketdata", "release", "data", "--date", DAY, *accept], cwd=target,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return target


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return released_copy(tmp_path_factory.mktemp("clone") / "project")


def pip_wheel(project: Path, dist: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(project)]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture(scope="module")
def wheel(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = pip_wheel(clone, dist)
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("ketdata-*.whl")
    return found


def _ketdata(project: Path, *argv: str) -> None:
    done = subprocess.run([sys.executable, "-m", "ketdata", *argv], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _version(project: Path) -> str:
    return ketdata.load(project / "data").info.version


def test_a_wheel_of_a_released_version_is_never_built_from_other_data(tmp_path: Path) -> None:
    """A claim changed and bumped after the release validates and exports, but is no release: no wheel carries it
    under the released version (two different "X.Y.Z" wheels); once `release` cuts the next version, one does."""
    project = released_copy(tmp_path / "project")
    released = _version(project)
    claims = project / "data/claims/identity.yaml"
    text = claims.read_text(encoding="utf-8")
    version = int(text.split("version: ", 1)[1].split("\n", 1)[0])
    text = text.replace(f"version: {version}", f"version: {version + 1}", 1)
    claims.write_text(text.replace("Ketamine is a medication.", "ketamine is a medication.", 1), encoding="utf-8")
    _ketdata(project, "validate", "--strict")
    _ketdata(project, "export")
    refused = pip_wheel(project, tmp_path / "dist")
    assert refused.returncode != 0 and not list((tmp_path / "dist").glob("*.whl"))
    message = refused.stdout + refused.stderr
    assert f"not building a wheel: data/ is not release {released}" in message and "claim-001 changed" in message
    assert "ketdata release" in message, message
    _ketdata(project, "release", "data", "--date", DAY)
    assert _version(project) == bumped(released, "patch")
    built = pip_wheel(project, tmp_path / "dist")
    assert built.returncode == 0, built.stdout + built.stderr
    assert [p.name for p in (tmp_path / "dist").glob("*.whl")] == [
        f"ketdata-{bumped(released, 'patch')}-py3-none-any.whl"
    ]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    ["release date moved", "snapshot edited", "snapshot gone", "version never released", "same data"],
)
def test_the_build_names_why_the_data_is_not_the_release_its_version_names(change: str, clone: Path,
                                                                          tmp_path: Path) -> None:  # fmt: skip
    project = tmp_path / "project"
    shutil.copytree(clone, project, symlinks=True)
    version = _version(project)
    snapshot = project / "releases" / f"{version}.json"
    date = ketdata.load(project / "data").info.release_date
    if change == "release date moved":  # by hand, to a later day: the snapshot of the release says otherwise
        _edit(project / "data/dataset.yaml", f"release_date: '{date}'", "release_date: '2099-01-01'")
        expected = f"release_date '2099-01-01', not '{date}'"
    elif change == "snapshot edited":  # with the data edited alike: the snapshot is not what was released
        snapshot.write_bytes(snapshot.read_bytes().replace(b"Ketamine is a medication.", b"ketamine is a medication."))
        expected = f"releases/{version}.json is not the snapshot of release {version}"
    elif change == "snapshot gone":
        snapshot.unlink()
        expected = f"version {version}, which was never released"
    elif change == "version never released":
        major, minor, patch = version.split(".")
        _edit(project / "data/dataset.yaml", f"version: {version}", f"version: {major}.{minor}.{int(patch) + 1}")
        expected = f"version {major}.{minor}.{int(patch) + 1}, which was never released"
    else:
        expected = ""
    hook = runpy.run_path(str(project / "hatch_build.py"))
    why = hook["unreleased_data"](project)
    if expected:
        assert why is not None and expected in why, why
    else:
        assert why is None, why


def test_wheel_holds_package_data_schemas_and_snapshot(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "ketdata/py.typed",
        "ketdata/_model/verified.py",  # the verified codes and hierarchy links validation holds data/ to
        "ketdata/_data/ketdata.json",
        "ketdata/_data/manifest.json",
        "ketdata/_data/schema/claim.schema.json",
        "ketdata/_data/data/dataset.yaml",
        "ketdata/_data/data/sources/ketamine-overview.txt",
    }
    assert expected <= names
    assert not [n for n in names if n.startswith(("tests/", "data/", "schema/"))]


def test_installed_wheel_loads_with_the_standard_library_only(wheel: Path, clone: Path, tmp_path: Path) -> None:
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
    expected = ketdata.load(clone / "data")
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


def test_installed_wheel_reads_its_json_snapshot_which_equals_the_export(
    wheel: Path, clone: Path, tmp_path: Path
) -> None:
    assert not any(name.endswith(".marshal") for name in zipfile.ZipFile(wheel).namelist()), "one shipped format"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index"]
    subprocess.run([*install, str(wheel)], check=True)
    export = clone / "exports" / "json" / "ketdata.json"
    code = (
        "import sys, ketdata; ds = ketdata.load(); "
        "print([m for m in ('dataclasses', 'typing', 'json', 're', 'enum', 'functools') if m in sys.modules]); "
        f"print(ds == ketdata.load_json({str(export)!r}), len(ds.claims))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    imported, same = out.stdout.splitlines()
    # The read path imports none of these (json alone, with the re, enum and functools it brings, would cost
    # as much as the rest of import + load: docs/performance.md), and reads the records of the JSON export.
    assert imported == "[]"
    assert same == f"True {len(ketdata.load(clone / 'data').claims)}"


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
    clone = released_copy(tmp_path / "clone")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(DEBIAN_PYTHON)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    subprocess.run(["bash", "-c", line], cwd=clone, env=env, check=True, capture_output=True)
    code = "import ketdata, sys; print(sys.base_prefix, len(ketdata.load().claims))"
    out = subprocess.run([str(clone / ".build/bin/python"), "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "/usr"
