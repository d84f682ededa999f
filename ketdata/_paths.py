"""Where the shipped data, schemas and compiled snapshot live: in the wheel, or in a source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SNAPSHOT_NAME = "ketdata.json"
SNAPSHOT_IN_EXPORTS = Path("json") / SNAPSHOT_NAME


def _package_dir() -> Path:
    return Path(str(files("ketdata")))


def _checkout() -> Path:
    # An editable install or a plain checkout has no _data/ inside the package: the files sit at the top level.
    return _package_dir().parent


def _locate(in_wheel: str, in_checkout: Path) -> Path:
    bundled = _package_dir() / "_data" / in_wheel
    return bundled if bundled.exists() else _checkout() / in_checkout


def schema_dir() -> Path:
    """The folder of JSON Schemas shipped with the package."""
    return _locate("schema", Path("schema"))


def data_dir() -> Path:
    """The YAML data folder shipped with the package."""
    return _locate("data", Path("data"))


def snapshot_file() -> Path:
    """The compiled JSON snapshot that ``load()`` reads for the shipped data."""
    return _locate(SNAPSHOT_NAME, Path("exports") / SNAPSHOT_IN_EXPORTS)
