"""One index of a data folder's records, built once per validation run and read by every rule family.

The rules across records (`rules`, `governance`, `fidelity`, `history`) each need the records by kind, by id,
the active ones, and the spans that state a claim; before this index each family sorted the records out for
itself, once or several times per run. The index is built in one pass after every file was read and
schema-checked, holds no copy of a record (the same `RawRecord` objects, in file order), and is not changed
afterwards.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ketdata._validation.folder import RawRecord

_NONE: tuple[RawRecord, ...] = ()


# An evidence span that states an active claim (not one that only gives context): (start, end, claim).
Span = tuple[int, int, RawRecord]


@dataclass(frozen=True, slots=True)
class RecordIndex:
    """The records of one validation run, sorted out once.

    Attributes:
        records: Every record read, in file order (schema-valid or not).
        first: The first record holding each id, the dataset record aside; a later one holding the same id is
            in ``repeated`` (KD201).
        repeated: The records whose id an earlier record already holds, in file order.
    """

    records: tuple[RawRecord, ...]
    first: Mapping[str, RawRecord]
    repeated: tuple[RawRecord, ...]
    _valid: frozenset[int]
    _kinds: Mapping[str, tuple[RawRecord, ...]]
    _valid_kinds: Mapping[str, tuple[RawRecord, ...]]
    _active: Mapping[str, tuple[RawRecord, ...]]
    _spans: Mapping[str, tuple[Span, ...]]
    _span_starts: Mapping[str, tuple[int, ...]]
    _reversed_spans: Mapping[str, tuple[Span, ...]]

    @classmethod
    def of(cls, records: Iterable[RawRecord], schema_valid: Iterable[int] = ()) -> RecordIndex:
        """Index the records; ``schema_valid`` holds the ``id()`` of those that passed their schema."""
        everything = tuple(records)
        valid = frozenset(schema_valid)
        kinds: dict[str, list[RawRecord]] = {}
        valid_kinds: dict[str, list[RawRecord]] = {}
        active: dict[str, list[RawRecord]] = {}
        first: dict[str, RawRecord] = {}
        repeated: list[RawRecord] = []
        for record in everything:
            kinds.setdefault(record.kind, []).append(record)
            if id(record) in valid:
                valid_kinds.setdefault(record.kind, []).append(record)
            rid = record.id
            if rid and record.value.get("status") == "active":
                active.setdefault(record.kind, []).append(record)
            if rid is None or record.kind == "dataset":
                continue
            if rid in first:
                repeated.append(record)
            else:
                first[rid] = record
        spans, backwards = _stating_spans(active.get("claim", ()))
        return cls(
            everything,
            MappingProxyType(first),
            tuple(repeated),
            valid,
            _frozen(kinds),
            _frozen(valid_kinds),
            _frozen(active),
            _frozen(spans),
            MappingProxyType({source: tuple(s[0] for s in found) for source, found in spans.items()}),
            _frozen(backwards),
        )

    def kind(self, kind: str) -> tuple[RawRecord, ...]:
        """Every record of a kind, in file order."""
        return self._kinds.get(kind, _NONE)

    def valid(self, kind: str) -> tuple[RawRecord, ...]:
        """The records of a kind that passed their schema, in file order."""
        return self._valid_kinds.get(kind, _NONE)

    def active(self, kind: str) -> tuple[RawRecord, ...]:
        """The records of a kind with an id whose status is (written) ``active``, in file order."""
        return self._active.get(kind, _NONE)

    def is_valid(self, record: RawRecord) -> bool:
        """Whether the record passed its schema."""
        return id(record) in self._valid

    def ids(self, kind: str) -> list[str]:
        """The ids the first records of a kind hold, in file order."""
        return [rid for rid, r in self.first.items() if r.kind == kind]

    def categories_under(self, roots: Iterable[str]) -> set[str]:
        """The categories named and every category below them (a subcategory's subcategories too)."""
        parents = {r.id: r.value.get("parent") for r in self.kind("category") if r.id}
        found, grew = set(roots), True
        while grew:
            below = {child for child, parent in parents.items() if parent in found} - found
            found |= below
            grew = bool(below)
        return found

    def claims_stated_within(self, source: str, start: int, end: int) -> list[RawRecord]:
        """The active claims with a stating span (not a context one) inside ``[start, end)`` of a source.

        Each claim once per span that lies inside; in no particular order.
        """
        spans, starts = self._spans.get(source, ()), self._span_starts.get(source, ())
        found = []
        for first, last, claim in spans[bisect.bisect_left(starts, start) :]:
            if first >= end:
                break  # spans run forwards from here on: one starting at or past the range's end lies outside
            if last <= end:
                found.append(claim)
        # A span whose end is not past its start (KD304) is looked at whatever its start.
        found += [c for first, last, c in self._reversed_spans.get(source, ()) if start <= first and last <= end]
        return found


def _frozen(groups: Mapping[str, Iterable[Any]]) -> Mapping[str, tuple[Any, ...]]:
    return MappingProxyType({key: tuple(values) for key, values in groups.items()})


def _stating_spans(claims: Iterable[RawRecord]) -> tuple[dict[str, list[Span]], dict[str, list[Span]]]:
    """Each source's spans stating an active claim, forward ones sorted by start, and the reversed ones apart."""
    forwards: dict[str, list[Span]] = {}
    backwards: dict[str, list[Span]] = {}
    for claim in claims:
        evidence = claim.value.get("evidence")
        for span in evidence if isinstance(evidence, list) else ():
            # A context span only explains; a span lost in a source update places nothing in the current text.
            if not isinstance(span, dict) or span.get("role") == "context" or "revision" in span:
                continue
            source, start, end = span.get("source"), span.get("start"), span.get("end")
            if not (isinstance(source, str) and isinstance(start, int) and isinstance(end, int)):
                continue
            (forwards if start < end else backwards).setdefault(source, []).append((start, end, claim))
    for found in forwards.values():
        found.sort(key=lambda s: s[0])
    return forwards, backwards
