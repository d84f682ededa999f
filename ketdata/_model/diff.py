"""The semantic difference between two versions of the dataset, and the version bump it requires."""

from __future__ import annotations

from dataclasses import dataclass

from ketdata._model.convert import KINDS, to_plain
from ketdata._model.dataset import Dataset

# typing costs more to import than the rest of this module: type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal, TypeAlias

    ChangeKind: TypeAlias = Literal["added", "removed", "changed", "deprecated", "withdrawn", "reactivated"]
    Bump: TypeAlias = Literal["major", "minor", "patch"]

_BUMP_OF: dict[str, Bump] = {
    "removed": "major",
    "withdrawn": "major",
    "added": "minor",
    "deprecated": "minor",
    "reactivated": "minor",
    "changed": "patch",
}
_ORDER: tuple[Bump, ...] = ("major", "minor", "patch")
_KIND_OF_ATTR = {attr: kind for kind, attr, _ in KINDS}


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a record that differs.

    Attributes:
        field: Its dotted path, e.g. ``source.quote``.
        old: Its old value, or None when absent.
        new: Its new value, or None when absent.
    """

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class RecordChange:
    """How one record differs between the two versions.

    Attributes:
        kind: The record type, e.g. ``claim``.
        id: The record's id.
        change: ``added``, ``removed``, ``changed``, ``deprecated``, ``withdrawn`` or ``reactivated``.
        fields: The fields that differ, in field order.
        old_version: The record's version in the old dataset, if it has one.
        new_version: The record's version in the new dataset, if it has one.
    """

    kind: str
    id: str
    change: ChangeKind
    fields: tuple[FieldChange, ...] = ()
    old_version: int | None = None
    new_version: int | None = None

    @property
    def bump(self) -> Bump:
        """The semantic-version bump this change alone requires."""
        return _BUMP_OF[self.change]


@dataclass(frozen=True, slots=True)
class Diff:
    """Every record that differs between an old and a new dataset, grouped by kind in id order.

    A Diff is true when anything differs.

    Attributes:
        old_version: The old dataset's version.
        new_version: The new dataset's version.
        changes: One entry per record that differs.
        schema_change: The bump a change of schema version requires, or None.
        old_schema: The schema version the old dataset follows, if known.
        new_schema: The schema version the new dataset follows, if known.
    """

    old_version: str
    new_version: str
    changes: tuple[RecordChange, ...]
    schema_change: Bump | None = None
    old_schema: str | None = None
    new_schema: str | None = None

    def __bool__(self) -> bool:
        return bool(self.changes) or self.schema_change is not None

    def bump(self) -> Bump | None:
        """The release this diff requires: major, minor or patch; None when nothing changed."""
        wanted = {c.bump for c in self.changes} | ({self.schema_change} if self.schema_change else set())
        return next((b for b in _ORDER if b in wanted), None)

    def to_dict(self) -> dict[str, Any]:
        """The diff as a JSON-ready mapping."""
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "bump": self.bump(),
            "schema_change": self.schema_change,
            "old_schema": self.old_schema,
            "new_schema": self.new_schema,
            "changes": [
                {
                    "kind": c.kind,
                    "id": c.id,
                    "change": c.change,
                    "old_version": c.old_version,
                    "new_version": c.new_version,
                    "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
                }
                for c in self.changes
            ],
        }


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def field_changes(
    old: dict[str, Any], new: dict[str, Any], *, ignore: frozenset[str] = frozenset()
) -> list[FieldChange]:
    """Fields that differ between two plain records (lists compared whole), in field order.

    ``ignore`` names fields left out of the comparison, with everything below them.
    """
    a, b = _flatten(old), _flatten(new)

    def kept(key: str) -> bool:
        return not any(key == i or key.startswith(f"{i}.") for i in ignore)

    names = [k for k in a if kept(k)] + [k for k in b if k not in a and kept(k)]
    return [FieldChange(k, a.get(k), b.get(k)) for k in names if a.get(k) != b.get(k)]


def _record_change(kind: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> RecordChange | None:
    if old is None and new is not None:
        return RecordChange(kind, new["id"], "added", new_version=new.get("version"))
    if new is None and old is not None:
        return RecordChange(kind, old["id"], "removed", old_version=old.get("version"))
    assert old is not None and new is not None
    fields = tuple(field_changes(old, new, ignore=frozenset({"version"})))
    if not fields and old.get("version") == new.get("version"):
        return None
    status_old, status_new = old.get("status"), new.get("status")
    change: ChangeKind = "changed"
    if status_new != status_old and status_new in ("withdrawn", "deprecated"):
        change = status_new
    elif status_new != status_old and status_new == "active":
        change = "reactivated"
    return RecordChange(kind, new["id"], change, fields, old.get("version"), new.get("version"))


def schema_bump(old: str, new: str) -> Bump | None:
    """The bump a change of schema version requires (None when the versions are equal)."""
    if old == new:
        return None
    o, n = (tuple(int(p) for p in v.split(".")) for v in (old, new))
    return "major" if n[0] != o[0] else "minor" if n[1] != o[1] else "patch"


def diff(old: Dataset, new: Dataset, *, old_schema: str | None = None, new_schema: str | None = None) -> Diff:
    """The semantic difference between two datasets.

    Args:
        old: The earlier dataset (a release snapshot, say).
        new: The later one (the working data).
        old_schema: The schema version the old dataset follows, if known.
        new_schema: The schema version the new dataset follows, if known.

    Returns:
        A `Diff`: records added, removed, deprecated, withdrawn, reactivated or changed field by field,
        grouped by record kind, and the version bump they require.
    """
    changes: list[RecordChange] = []
    info = field_changes(to_plain(old.info), to_plain(new.info), ignore=frozenset({"version", "release_date"}))
    if info:
        changes.append(RecordChange("dataset", new.info.id, "changed", tuple(info)))
    for attr, kind in _KIND_OF_ATTR.items():
        before = {r.id: to_plain(r) for r in getattr(old, attr)}
        after = {r.id: to_plain(r) for r in getattr(new, attr)}
        for rid in sorted(before.keys() | after.keys()):
            change = _record_change(kind, before.get(rid), after.get(rid))
            if change is not None:
                changes.append(change)
    schema = schema_bump(old_schema, new_schema) if old_schema and new_schema else None
    return Diff(old.info.version, new.info.version, tuple(changes), schema, old_schema, new_schema)
