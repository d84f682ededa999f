"""The one index of the records that every rule family reads: what it holds, answered as a scan would."""

from __future__ import annotations

import dataclasses
import gc

import hypothesis
import pytest
from hypothesis import strategies as st

from ketdata._io.gc import paused
from ketdata._io.yaml import Document
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex


def record(kind: str, value: dict[str, object]) -> RawRecord:
    return RawRecord(kind, f"{kind}s.yaml", value, Document(value, 1, 1))


span = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["a", "b"]),
        "start": st.integers(0, 60),
        "end": st.integers(0, 60),
        "role": st.sampled_from(["statement", "context", "item"]),
    }
)
claim = st.fixed_dictionaries(
    {"status": st.sampled_from(["active", "withdrawn"]), "evidence": st.lists(span, max_size=3)}
)


@hypothesis.given(st.lists(claim, max_size=12), st.sampled_from(["a", "b"]), st.integers(0, 60), st.integers(0, 60))
def test_claims_stated_within_a_range_are_those_a_scan_finds(
    claims: list[dict[str, object]], source: str, start: int, end: int
) -> None:
    """Every active claim with a span that states it (not a context one) inside the range, reversed spans too."""
    records = [record("claim", {"id": f"claim-{i:03d}", **c}) for i, c in enumerate(claims)]
    index = RecordIndex.of(records, [id(r) for r in records])
    scanned = {
        r.id
        for r in records
        if r.value["status"] == "active"
        for s in r.value["evidence"]  # type: ignore[attr-defined]
        if s["role"] != "context" and s["source"] == source and start <= s["start"] and s["end"] <= end
    }
    assert {r.id for r in index.claims_stated_within(source, start, end)} == scanned


def test_the_index_sorts_records_out_once_and_cannot_be_changed() -> None:
    first = record("claim", {"id": "claim-001", "status": "active"})
    again = record("caveat", {"id": "claim-001", "status": "active"})
    retired = record("claim", {"id": "claim-002", "status": "withdrawn"})
    invalid = record("rule", {"id": "rule-x"})
    index = RecordIndex.of([first, again, retired, invalid], [id(first), id(again), id(retired)])
    assert index.records == (first, again, retired, invalid)
    assert index.first == {"claim-001": first, "claim-002": retired, "rule-x": invalid}
    assert index.repeated == (again,)
    assert index.kind("claim") == (first, retired) and index.kind("concept") == ()
    assert index.active("claim") == (first,)
    assert index.valid("rule") == () and index.kind("rule") == (invalid,)
    assert index.is_valid(first) and not index.is_valid(invalid)
    with pytest.raises(dataclasses.FrozenInstanceError):
        index.records = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        index.first["claim-003"] = first  # type: ignore[index]


def test_pausing_the_collector_leaves_no_young_collection_over_what_the_block_made() -> None:
    """The block's objects leave the youngest generation on the way out; a cycle made there is still collected."""
    assert gc.isenabled()

    class Node:
        other: object = None

    with paused():
        assert not gc.isenabled()
        kept = [{"n": i} for i in range(50_000)]
        cycle = Node()
        cycle.other = cycle
        del cycle
    assert gc.isenabled()
    assert gc.get_count()[0] < gc.get_threshold()[0]
    assert gc.collect() >= 1
    assert len(kept) == 50_000
