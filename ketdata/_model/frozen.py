"""The base of every record class: an immutable, slotted value without ``dataclasses``.

Importing ``dataclasses`` (and the ``inspect`` and ``re`` it pulls in) costs more than loading the whole
shipped dataset, so record classes are plain classes with ``__slots__`` and a keyword-only ``__init__``,
written out by the generator (``ketdata._model.codegen``). Type checkers see them as exactly that: not
dataclasses, so ``dataclasses.asdict(record)`` is refused before it can fail at run time; use
`ketdata.records.to_plain` instead. Instances are frozen, compare and hash by their fields, print like
dataclasses, and pickle and deep-copy as values. A private field (a name starting with ``_``, declared in a
hand-written base) is keyword-only, None by default, and left out of comparison, ``repr`` and plain data.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    F = TypeVar("F", bound="Frozen")


class FrozenRecordError(AttributeError):
    """A record's fields cannot be assigned or deleted: records are immutable values."""


class Frozen:
    """The base of every record class."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _private: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _nested: ClassVar[dict[str, tuple[type[Frozen], bool]]] = {}
    # Required fields that may be null: a mapping that leaves one out (an empty CSV cell) means null.
    _nullable: ClassVar[frozenset[str]] = frozenset()

    def _init_private(self, values: dict[str, Any]) -> None:
        unknown = set(values) - set(self._private)
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {', '.join(map(repr, sorted(unknown)))}")
        for name in self._private:
            object.__setattr__(self, name, values.get(name))

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r}: records are immutable")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r}: records are immutable")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{self.__class__.__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        values = {n: getattr(self, n) for n in (*self._fields, *self._private)}
        return (_rebuild, (self.__class__, values))


def _rebuild(cls: type[F], values: dict[str, Any]) -> F:
    return cls(**values)


def fields(record: Frozen | type[Frozen]) -> tuple[str, ...]:
    """The names of a record's (or record class's) public fields, in order."""
    return record._fields


def defaults(record: Frozen | type[Frozen]) -> dict[str, Any]:
    """The default value of each public field that has one."""
    return dict(record._defaults)


def replace(record: F, **changes: Any) -> F:
    """A copy of the record with some fields changed (private ones too)."""
    values = {n: getattr(record, n) for n in (*record._fields, *record._private)}
    values.update(changes)
    return type(record)(**values)
