"""``ketdata fmt``: one canonical form for data files, so that diffs show only real changes.

Canonical means: one ``---`` document per record, keys in the order of the record's schema (unknown keys
last, as written), PyYAML's block style with its own quoting (and quotes for what YAML 1.2 reads as a
number: ``1e3``, ``0o17``), lines folded at 100 columns, UTF-8. PyYAML cannot keep comments, so a file
with comments is reported and left as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._io.files import read_regular
from ketdata._io.yaml import dump, read_documents
from ketdata._model.problems import Problem
from ketdata._read.paths import schema_dir
from ketdata._validation.folder import discover
from ketdata._validation.refs import SchemaSet, load_schemas

WIDTH = 100


@dataclass(frozen=True, slots=True)
class Formatted:
    """One file's outcome: its canonical text, or why it was left alone."""

    path: Path
    text: str | None
    skipped: str = ""

    @property
    def changed(self) -> bool:
        """Whether formatting would change the file."""
        return self.text is not None and self.text.encode("utf-8") != read_regular(self.path)


class _Order(SchemaSet):
    """Key order from the schemas: a record's keys as its schema lists them, unknown keys last."""

    def arrange(self, value: Any, schema: Mapping[str, Any]) -> Any:
        schema = self.resolve(schema)
        if isinstance(value, dict):
            props = schema.get("properties", {})
            keys = [k for k in props if k in value] + [k for k in value if k not in props]
            return {k: self.arrange(value[k], props.get(k, {})) for k in keys}
        if isinstance(value, list):
            return [self.arrange(item, schema.get("items", {})) for item in value]
        return value


def _hashes_in(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_hashes_in(k) + _hashes_in(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_hashes_in(v) for v in value)
    return str(value).count("#") if isinstance(value, str) else 0


def format_file(path: Path, kind: str, order: _Order, change: Callable[[list[Any]], None] | None = None) -> Formatted:
    """The canonical text of one data file, or why it cannot be formatted.

    Args:
        path: The data file.
        kind: The record kind it holds.
        order: The schemas' key order.
        change: Edits the file's record mappings in place before they are written out.
    """
    data = read_regular(path)
    documents, problems = read_documents(data, str(path))
    # A tab between tokens (KD004) is layout, which formatting replaces; any other problem stops it.
    if problems or not documents or any(p.code != "KD004" for d in documents for p in d.problems):
        return Formatted(path, None, "cannot be read as records; run `ketdata validate`")
    values = [d.value for d in documents]
    if data.decode("utf-8").count("#") > sum(_hashes_in(v) for v in values):
        return Formatted(path, None, "has comments, which formatting would lose; left as it is")
    if change is not None:
        change(values)
    schema = order.schemas.get(kind, {})
    text = "".join("---\n" + dump(order.arrange(v, schema), WIDTH) for v in values)
    return Formatted(path, text)


def key_order() -> _Order:
    """The key order of the shipped schemas."""
    return _Order(load_schemas(schema_dir()))


def format_folder(data_dir: Path) -> tuple[list[Formatted], list[Problem]]:
    """The formatting outcome of every data file of a folder (nothing is written), and what stops one.

    A missing folder or file, or a link or special file in the folder, is a problem: never silence.
    """
    order = key_order()
    files, found = discover(data_dir)
    blocking = [p for p in found if p.code in ("KD013", "KD017")]
    return [format_file(f.path, f.kind, order) for f in files], blocking


@dataclass(frozen=True, slots=True)
class Formatting:
    """What ``ketdata fmt`` found and did.

    Attributes:
        blocking: Problems that keep files from being formatted (a missing file, a link).
        skipped: The files left alone, with why.
        changed: The files not in canonical form: reformatted, or (with ``check``) that would be.
        written: Whether ``changed`` were rewritten.
        failed: Whether the command fails: a blocking problem, a file that cannot be formatted, or (with
            ``check``) any file left alone or not canonical; CI must not pass on a file it cannot vouch for.
    """

    blocking: tuple[Problem, ...]
    skipped: tuple[Formatted, ...]
    changed: tuple[Path, ...]
    written: bool
    failed: bool


def fmt(data_dir: Path, *, check: bool = False) -> Formatting:
    """Rewrite every data file of a folder in canonical form, as one transaction under the project's lock.

    With ``check``, nothing is written (and nothing locked): the outcome says what would change.
    """
    from ketdata._io.transaction import commit, locked
    from ketdata._read.paths import project_root

    root = project_root(data_dir)
    with contextlib.nullcontext() if check else locked(root):
        results, blocking = format_folder(data_dir)
        skipped = tuple(r for r in results if r.skipped)
        changed = {r.path: (r.text or "").encode("utf-8") for r in results if not r.skipped and r.changed}
        if changed and not check:
            # Every file reformatted, or (a full disk, a kill) none.
            commit(root, changed)
    cannot = any("cannot" in r.skipped for r in skipped)
    failed = (
        bool(blocking) or cannot or bool(skipped) or (check and bool(changed))
    )  # a file left alone is not canonical
    return Formatting(tuple(blocking), skipped, tuple(changed), bool(changed) and not check, failed)
