"""Optional dependencies: which extra brings which module, and the error that names the extra to install.

``pip install ketdata`` brings only what reading the shipped data needs (the standard library). The editor and
pipeline commands need more, each in an extra of the package: ``validate`` (reading and checking YAML data
folders), ``parquet`` (the Parquet export), ``export`` (both: every format), ``review`` (the workbench), ``all``.
"""

from __future__ import annotations

import importlib.util

from ketdata._model.errors import MissingExtraError

# Top-level module -> the smallest extra that brings it.
EXTRA_OF = {
    "yaml": "validate",
    "jsonschema": "validate",
    "referencing": "validate",
    "fastjsonschema": "validate",
    "pyarrow": "parquet",
    "starlette": "review",
    "uvicorn": "review",
    "jinja2": "review",
}
# What each extra must make importable.
MODULES = {
    "validate": ("yaml", "jsonschema", "fastjsonschema"),
    "parquet": ("pyarrow",),
    "export": ("yaml", "jsonschema", "fastjsonschema", "pyarrow"),
    "review": ("yaml", "jsonschema", "fastjsonschema", "starlette", "uvicorn", "jinja2"),
}


def install_hint(extra: str) -> str:
    """The command that installs an extra."""
    return f"pip install 'ketdata[{extra}]'"


def missing(what: str, extra: str, module: str | None) -> MissingExtraError:
    """The error for ``what`` (a command, a function) lacking ``module`` from ``extra``."""
    lacking = f" ({module} is not installed)" if module else ""
    return MissingExtraError(f"{what} needs the '{extra}' extra{lacking}: {install_hint(extra)}")


def require(what: str, extra: str) -> None:
    """Raise `MissingExtraError` unless every module of ``extra`` can be imported.

    Raises:
        MissingExtraError: A module of the extra is not installed.
    """
    for module in MODULES[extra]:
        if importlib.util.find_spec(module) is None:
            raise missing(what, extra, module)


def explain(exc: ModuleNotFoundError, what: str) -> MissingExtraError | None:
    """The `MissingExtraError` for a module an extra brings that failed to import, or None if no extra does."""
    top = (exc.name or "").partition(".")[0]
    extra = EXTRA_OF.get(top)
    return missing(what, extra, top) if extra else None


# The extra each command needs whatever its arguments (others need one only to read a YAML folder, and say so).
COMMAND_EXTRAS = {"validate": "validate", "fmt": "validate", "new": "validate", "release": "validate",
                  "export": "export", "review": "review"}  # fmt: skip


def require_for(command: str) -> None:
    """Raise `MissingExtraError` unless the extra the ``ketdata`` command needs whatever its arguments is there.

    Raises:
        MissingExtraError: A module of that extra is not installed.
    """
    extra = COMMAND_EXTRAS.get(command)
    if extra is not None:
        require(f"`ketdata {command}`", extra)
