"""Where the shipped data, schemas and compiled snapshot live: in the wheel, or in a source checkout.

A wheel maps the top-level ``data/``, ``schema/`` and the JSON export into ``ketdata/_data/``; an
editable install or a plain checkout has no ``_data/`` and finds them at the top level instead.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

SNAPSHOT_NAME = "ketdata.json"
SNAPSHOT_IN_EXPORTS = "json/" + SNAPSHOT_NAME
MANIFEST_NAME = "manifest.json"
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CHECKOUT = os.path.dirname(_PACKAGE)
_BUNDLED = os.path.join(_PACKAGE, "_data")


def in_checkout() -> bool:
    """Whether the package runs from a source checkout (a clone, an editable install) rather than a wheel.

    Only a wheel build writes ``ketdata/_data/``: in a checkout its data, schemas and exports are the checkout's
    own, and a ``_data/`` folder there was put in by hand, never read.
    """
    return os.path.isfile(os.path.join(_CHECKOUT, "pyproject.toml")) and os.path.isfile(
        os.path.join(_CHECKOUT, "data", "dataset.yaml")
    )


def read_snapshot() -> bytes:
    """The bytes of the compiled JSON snapshot that ``load()`` reads for the shipped data, checked.

    The snapshot is served only when its sha256 is the one the export's manifest lists beside it (in the
    wheel, ``_data/manifest.json``; in a checkout, ``exports/manifest.json``): an edited snapshot would
    otherwise be served as the dataset.

    Raises:
        OSError: There is no snapshot (a checkout whose exports are not written yet).
        DataError: KD030, the snapshot is not the one its manifest lists (or there is no manifest to say).
    """
    # The module loader's get_data reads package files wherever the package lives (even in a zip)
    # without importing importlib.resources, which costs more than the whole load.
    loader: Any = __spec__.loader
    try:
        if in_checkout():
            _no_bundle_in_checkout()
            raise FileNotFoundError(_BUNDLED)
        folder = _BUNDLED
        data: bytes = loader.get_data(os.path.join(folder, SNAPSHOT_NAME))
    except OSError:
        folder = os.path.join(_CHECKOUT, "exports")
        with open(os.path.join(folder, SNAPSHOT_IN_EXPORTS), "rb") as handle:
            data = handle.read()
    why = _unproven(data, os.path.join(folder, MANIFEST_NAME), loader)
    if why is not None:
        from ketdata._model.problems import DataError, problem

        where = os.path.join(folder, SNAPSHOT_NAME if folder.endswith("_data") else SNAPSHOT_IN_EXPORTS)
        raise DataError([problem("KD030", where, 1, 1, None, why)])
    return data


def _no_bundle_in_checkout() -> None:
    """Refuse a ``ketdata/_data/`` in a checkout: with a manifest beside it, it would prove itself (A5-3)."""
    if os.path.lexists(_BUNDLED):
        from ketdata._model.problems import DataError, problem

        why = "only a wheel build writes it, so it was put into this source checkout by hand: remove it"
        raise DataError([problem("KD030", _BUNDLED, 1, 1, None, why)])


def snapshot_file() -> str:
    """Where the snapshot `read_snapshot` reads lies (for naming it in a message)."""
    bundled = os.path.join(_BUNDLED, SNAPSHOT_NAME)
    if in_checkout() or not os.path.exists(bundled):
        return os.path.join(_CHECKOUT, "exports", SNAPSHOT_IN_EXPORTS)
    return bundled


def _unproven(data: bytes, manifest: str, loader: Any) -> str | None:
    """Why a snapshot's bytes are not the ones its manifest lists; None when they are."""
    from ketdata._read import json_text

    try:
        listed = json_text.loads(loader.get_data(manifest))["files"]
        sha = next(entry["sha256"] for entry in listed if entry["path"] == SNAPSHOT_IN_EXPORTS)
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        return f"no manifest lists its sha256 ({manifest}: {type(exc).__name__}); it cannot be proven whole"
    if _sha256(data) != sha:
        return f"its sha256 is not the one {manifest} lists: it was changed after it was exported"
    return None


def _sha256(data: bytes) -> str:
    """The sha256 of some bytes, by the interpreter's own module where it has one (CPython before 3.12).

    hashlib loads OpenSSL, which took more of a downstream ``import ketdata; ketdata.load()`` (about 5 ms, a
    quarter of it) than hashing the snapshot without it (under 1 ms).
    """
    try:
        import _sha256  # type: ignore[import-not-found]
    except ImportError:
        import hashlib

        return hashlib.sha256(data).hexdigest()
    return str(_sha256.sha256(data).hexdigest())


def _locate(name: str) -> Path:
    from importlib.resources import files
    from pathlib import Path

    bundled = Path(str(files("ketdata"))) / "_data" / name
    return bundled if not in_checkout() and bundled.exists() else Path(_CHECKOUT) / name


def schema_dir() -> Path:
    """The folder of JSON Schemas shipped with the package."""
    return _locate("schema")


def data_dir() -> Path:
    """The YAML data folder shipped with the package."""
    return _locate("data")


def project_root(data_dir: str | os.PathLike[str]) -> Path:
    """The folder a data folder lives in (its releases, changelog and exports beside it), however it is named.

    ``.``, ``..``, ``sub/..`` and a link to the data folder name the same folder as its real name does, so
    the same release history applies wherever the command is run from and however the folder is reached.
    """
    from pathlib import Path

    norm = Path(os.path.normpath(data_dir))
    if os.path.islink(norm):
        return Path(os.path.realpath(norm)).parent
    return norm.parent if norm.name not in ("", ".", "..") else Path(os.path.abspath(norm)).parent


def schema_version() -> str:
    """The version the shipped schemas carry (``x-schema-version`` of the common schema)."""
    import json

    common = json.loads((schema_dir() / "common.schema.json").read_text(encoding="utf-8"))
    return str(common["x-schema-version"])


def sources_dir() -> str:
    """The folder of the shipped source texts: in the wheel, or in the checkout (``os.path`` only: read path)."""
    bundled = os.path.join(_BUNDLED, "data", "sources")
    return bundled if not in_checkout() and os.path.isdir(bundled) else os.path.join(_CHECKOUT, "data", "sources")


def choose_data_folder(
    given: Path | None, command: str, *, shipped: bool = False, offers_shipped: bool = False, editing: bool = False
) -> Path | None:
    """The data folder a command works on: the one given, ``./data``, or the shipped copy; None for none.

    Args:
        given: The folder named on the command line, if any.
        command: The command's name, for the messages.
        shipped: The shipped copy was asked for.
        offers_shipped: The command can work on the shipped copy (it must then be asked for: checking the
            installed copy unasked would pass while the editor's own files went unchecked).
        editing: The command changes the data: it never falls back to another copy of it.

    Returns:
        The folder; None when the command may read the shipped data and no ``./data`` is here.

    Raises:
        UsageError: There is no folder to use, or the one given is not a data folder.
    """
    from pathlib import Path

    from ketdata._model.errors import UsageError

    dataset = "dataset.yaml"
    if shipped:
        if given is not None:
            raise UsageError("give a data folder or --shipped, not both")
        return data_dir()
    if given is None:
        here = Path("data")
        if (here / dataset).is_file():
            return here
        if offers_shipped:
            raise UsageError(
                f"no data folder here (./data/{dataset} not found); give its path, e.g. "
                f"`ketdata {command} path/to/data`, or use --shipped for the copy inside the installed package"
            )
        if editing:
            flag = " --data" if command == "new" else ""
            raise UsageError(
                f"no data folder here (./data/{dataset} not found); give its path: `ketdata {command}{flag} …`"
            )
        return None
    if not given.is_dir():
        raise UsageError(f"{given} is not a folder")
    if not (given / dataset).is_file() and (given / "data" / dataset).is_file():
        raise UsageError(f"{given} is not a data folder (it has no {dataset}); did you mean {given / 'data'}?")
    if command == "review" and not (given / dataset).is_file():
        # A workbench over no data would show an empty queue as if every record had its verdict.
        raise UsageError(f"{given} is not a data folder (it has no {dataset}): there is nothing to review")
    return given
