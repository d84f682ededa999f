"""Immutable, slotted record classes without ``dataclasses``.

Importing ``dataclasses`` (and the ``inspect`` and ``re`` it pulls in) costs more than loading the whole
shipped dataset, so the record classes are built by a small metaclass instead: each annotated name is a
field (in order, those with a default after those without), stored in ``__slots__``; instances are
frozen, compare and hash by their fields, print like dataclasses, and pickle and deep-copy as values.
A field whose name starts with ``_`` is private: keyword-only, None by default, left out of comparison,
``repr`` and the record's plain form. Type checkers see the classes as frozen dataclasses (PEP 681).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar, dataclass_transform

    F = TypeVar("F", bound="Frozen")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls


class FrozenRecordError(AttributeError):
    """A record's fields cannot be assigned or deleted: records are immutable values."""


class _Unset:
    """The marker of a private field in a class body (see `private`)."""

    __slots__ = ()


def private(*, default: None = None, init: bool = False) -> Any:
    """Declare a private field: keyword-only, None until set, not compared, printed or exported.

    Write it as ``private(default=None, init=False)``: type checkers read those two words (PEP 681).
    """
    return _Unset()


@dataclass_transform(frozen_default=True, field_specifiers=(private,))
class _FrozenMeta(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> _FrozenMeta:
        own = [n for n, kind in ns.get("__annotations__", {}).items() if not str(kind).startswith("ClassVar")]
        inherited: tuple[str, ...] = next((b._fields for b in bases if hasattr(b, "_fields")), ())
        public = [n for n in own if not n.startswith("_")]
        hidden = [n for n in own if n.startswith("_")]
        defaults = {n: ns.pop(n) for n in public if n in ns}
        for n in hidden:
            ns.pop(n, None)
        ns["__slots__"] = tuple(own)
        ns["_fields"] = (*inherited, *public)
        ns["_private"] = tuple(hidden)
        ns["_defaults"] = defaults
        ns["__match_args__"] = ns["_fields"]
        return super().__new__(mcs, name, bases, ns)


class Frozen(metaclass=_FrozenMeta):
    """The base of every record class."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _private: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        names = cls._fields
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments but {len(args)} were given")
        put = object.__setattr__
        for name, value in zip(names, args, strict=False):
            put(self, name, value)
        for name in names[len(args) :]:
            if name in kwargs:
                put(self, name, kwargs.pop(name))
            elif name in cls._defaults:
                put(self, name, cls._defaults[name])
            else:
                raise TypeError(f"{cls.__name__}() missing argument {name!r}")
        for name in cls._private:
            put(self, name, kwargs.pop(name, None))
        if kwargs:
            raise TypeError(f"{cls.__name__}() got unexpected arguments {', '.join(map(repr, kwargs))}")
        self.__post_init__()

    def __post_init__(self) -> None:
        """Work out what the fields imply (nothing, unless a record class says otherwise)."""

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
        hidden = {n: getattr(self, n) for n in self._private}
        return (_rebuild, (self.__class__, self._values(), hidden))


def _rebuild(cls: type[F], values: tuple[Any, ...], hidden: dict[str, Any]) -> F:
    return cls(*values, **hidden)


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
