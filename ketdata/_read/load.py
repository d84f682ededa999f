"""The read path: ``load()`` and ``load_json()``, on the standard library alone.

Only ``json`` and the record classes are imported here; YAML, jsonschema and pathlib are reached
only when an editor's folder is loaded.
"""

from __future__ import annotations

from ketdata._model.convert import KINDS, build_dataset
from ketdata._model.dataset import Dataset
from ketdata._read import json_text
from ketdata._read.paths import read_snapshot, sources_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike
    from typing import Any


def _from_json_text(text: bytes, where: str) -> Dataset:
    """A JSON export given by path: read with exact types (``strict``), every problem located, before it is built."""
    from ketdata._model.problems import DataError, problem, short
    from ketdata._read import strict

    try:
        doc, found = strict.problems(text.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise DataError([problem("KD101", where, 1, 1, None, f"not a ketdata JSON export ({short(exc)})")]) from None
    if found:
        raise DataError([problem(code, where, line, col, rid, message) for code, line, col, rid, message in found])
    return _from_document(doc, where)


def _from_document(doc: Any, where: str) -> Dataset:
    try:
        # A snapshot from before a record kind existed simply has none of it.
        # A snapshot's offsets index the shipped texts, which its sources read from the shipped sources folder.
        records = {kind: doc.get(attr, ()) for kind, attr, _ in KINDS}
        return build_dataset(doc["dataset"], records, sources_dir())
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        from ketdata._model.problems import DataError, problem, short

        raise DataError([problem("KD101", where, 1, 1, None, f"not a ketdata JSON export ({short(exc)})")]) from None


def load_json(path: str | PathLike[str]) -> Dataset:
    """Load a dataset from a ketdata JSON export (the format ``ketdata export`` writes).

    Raises:
        DataError: The file cannot be read, or is not a ketdata JSON export.
    """
    import os
    import stat

    try:
        # Opened without blocking and read only if it is a regular file: a FIFO would wait forever, a device
        # (/dev/zero) never end.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise OSError(0, "not a regular file")
            data = handle.read()
    except OSError as exc:
        from ketdata._model.problems import DataError, problem

        code = "KD013" if isinstance(exc, FileNotFoundError) else "KD015"
        raise DataError([problem(code, str(path), 1, 1, None, f"cannot read it: {exc.strerror or exc}")]) from None
    return _from_json_text(data, str(path))


# Read once per process (as ``functools.cache`` would, which ``import functools`` would cost more than): the
# snapshot's plain data, kept from `import` (for ``__version__``) until the dataset is built from it. A failed
# read is not kept, so it is tried again.
_SHIPPED: dict[str, Any] = {}


def _shipped_document() -> Any:
    """The shipped snapshot as plain data: the JSON export (in a wheel, or in a checkout)."""
    if "document" not in _SHIPPED:
        _SHIPPED["document"] = json_text.loads(read_snapshot())
    return _SHIPPED["document"]


def load_shipped() -> Dataset:
    """The dataset shipped with the package, read once from its snapshot and cached."""
    if "dataset" not in _SHIPPED:
        built = _from_document(_shipped_document(), "the shipped snapshot")
        # setdefault: two threads that both built it still hand out the same dataset.
        _SHIPPED.setdefault("dataset", built)
        _SHIPPED.pop("document", None)  # the records hold what is needed; the plain copy would only take memory
    dataset: Dataset = _SHIPPED["dataset"]
    return dataset


def shipped_version() -> str:
    """The version of the shipped dataset (what ``import ketdata`` reports as ``__version__``).

    A checkout whose exports are not written yet still imports: the version then comes from ``dataset.yaml``.
    """
    from ketdata._model.errors import KetdataError

    try:
        return str(_shipped_document()["dataset"]["version"])
    # DataError, caught by its base so that importing ketdata does not import the problem catalogue:
    # `import` never fails on the snapshot; `load()` says what is wrong with it.
    except (OSError, KetdataError):
        import yaml  # read as YAML, so that `version :` or `'version':` is the same key

        from ketdata._read.paths import data_dir

        record = yaml.safe_load((data_dir() / "dataset.yaml").read_text(encoding="utf-8"))
        version = record.get("version") if isinstance(record, dict) else None
        return version if isinstance(version, str) else "0.0.0"
