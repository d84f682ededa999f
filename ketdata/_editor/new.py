"""``ketdata new``: a new record from a few arguments, with the next free id, written where its kind lives."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._editor.locate import Span, locate
from ketdata._io.files import PLAIN_NAME, read_regular
from ketdata._io.transaction import commit
from ketdata._io.yaml import dump
from ketdata._model.dataset import Dataset
from ketdata._model.errors import UsageError
from ketdata._model.problems import Problem, Severity, short
from ketdata._model.records import Source
from ketdata._read.paths import project_root

SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\s\S])")


class ScaffoldError(UsageError):
    """The record cannot be made: a quote not found or ambiguous, or an unknown source."""


@dataclass(frozen=True, slots=True)
class Written:
    """A record and its file; ``problems`` made it be taken back, ``to_do`` are warnings left for the editor."""

    record_id: str
    path: Path
    problems: tuple[Problem, ...]
    to_do: tuple[Problem, ...] = ()


def next_id(ids: list[str], prefix: str) -> str:
    """The next free ``<prefix>-NNN`` id after the highest one in use."""
    numbers = [int(m.group(1)) for i in ids if (m := re.fullmatch(rf"{prefix}-(\d+)", i))]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


def source_text(data_dir: Path, source: Source) -> str:
    """The text of a source, from its file beside the source records."""
    if not PLAIN_NAME.fullmatch(source.file):
        raise ScaffoldError(f"source {source.id}: {source.file!r} is not a plain file name")
    return read_regular(data_dir / "sources" / source.file).decode("utf-8")


def quote_span(data_dir: Path, ds: Dataset, quote: str, source_id: str | None, nth: int | None) -> Span:
    """The span of an exact quote; with several matches, ``nth`` (from 1) picks one.

    Raises:
        ScaffoldError: The quote is not in the source exactly, or matches several times with no ``nth``.
    """
    if not quote.strip():
        raise ScaffoldError("the quote is empty: give the article's words the record rests on")
    if source_id is None and len(ds.sources) != 1:
        raise ScaffoldError(f"say which source with --source ({', '.join(s.id for s in ds.sources)})")
    source = ds.source(source_id) if source_id else ds.sources[0]
    found = locate(source, source_text(data_dir, source), quote)
    if not found.exact:
        near = found.nearest
        hint = f"; nearest: {short(near.text)} at [{near.start}, {near.end}), {found.difference}" if near else ""
        raise ScaffoldError(f"the quote is not in {source.id} exactly{hint}")
    if nth is None and len(found.exact) > 1:
        places = ", ".join(f"[{s.start}, {s.end})" for s in found.exact[:5]) + (", ..." if len(found.exact) > 5 else "")
        raise ScaffoldError(f"the quote occurs {len(found.exact)} times ({places}); pick one with --nth")
    index = (nth or 1) - 1
    if not 0 <= index < len(found.exact):
        raise ScaffoldError(f"--nth {nth}: the quote occurs {len(found.exact)} time(s)")
    return found.exact[index]


def _span_block(span: Span, role: str) -> dict[str, Any]:
    return {"source": span.source, "section": span.section, "role": role, "quote": span.text, "start": span.start,
            "end": span.end}  # fmt: skip


def _evidence(span: Span, context: Span | None) -> list[dict[str, Any]]:
    if context is None:
        return [_span_block(span, "statement")]
    return [_span_block(context, "context"), _span_block(span, "item")]


_EDITOR = "Added by an editor with `ketdata new`; not from the article."


def claim(ds: Dataset, span: Span, args: Mapping[str, Any], context: Span | None = None) -> dict[str, Any]:
    """A new claim record from the command's arguments; with a context span, ``span`` is a list item.

    Raises:
        ScaffoldError: The category is not an id, so no file name can be made from it.
    """
    if not SLUG.fullmatch(str(args["category"])):
        raise ScaffoldError(f"--category {short(args['category'])} is not a category id (e.g. adverse-effects)")
    obj = {"concept": args["object"]} if args.get("object") else {"value": args["value"]}
    return {
        "id": next_id([c.id for c in ds.claims], "claim"), "version": 1, "status": "active",
        "statement": args["statement"], "subject": args["subject"], "predicate": args["predicate"], "object": obj,
        "category": args["category"], "evidence_status": args["evidence"], "hedge": args.get("hedge"),
        "evidence": _evidence(span, context), "review": {"status": "unreviewed"},
    }  # fmt: skip


def caveat(ds: Dataset, span: Span, args: Mapping[str, Any]) -> dict[str, Any]:
    """A new caveat record from the command's arguments."""
    return {
        "id": next_id([c.id for c in ds.caveats], "caveat"), "version": 1, "status": "active",
        "statement": args["statement"], "hedge": args.get("hedge"), "kind": args["kind"],
        "scope": {"claims": list(args["applies_to"])}, "applies_to": list(args["applies_to"]),
        "evidence": _evidence(span, None), "review": {"status": "unreviewed"},
    }  # fmt: skip


def concept(args: Mapping[str, Any]) -> dict[str, Any]:
    """A new concept record from the command's arguments."""
    record: dict[str, Any] = {"id": args["id"], "label": args["label"], "kind": args["kind"]}
    if args.get("definition"):
        record["definition"] = {"text": args["definition"], "origin": "external", "reason": _EDITOR}
    if args.get("synonym"):
        record["synonyms"] = [{"text": s, "origin": "external", "reason": _EDITOR} for s in args["synonym"]]
    return record


def target_file(data_dir: Path, kind: str, record: Mapping[str, Any]) -> Path:
    """Where a new record of this kind goes: its category's claims file, or the kind's file."""
    if kind == "claim":
        return data_dir / "claims" / f"{record['category']}.yaml"
    stem = {"caveat": "caveats", "concept": "concepts"}[kind]
    single = data_dir / f"{stem}.yaml"
    folder = sorted((data_dir / stem).glob("*.yaml")) if (data_dir / stem).is_dir() else []
    return single if single.is_file() or not folder else folder[-1]


def duplicate_of(ds: Dataset, kind: str, record: Mapping[str, Any]) -> str | None:
    """The active record the new one would repeat, and what they share; None when it repeats none.

    A claim repeats one with the same subject, predicate and object, or the same statement; a caveat one of
    the same kind quoting the same evidence, or with the same statement; a concept one with the same label.
    (Claims may share a quote: the article's lists give one claim per item, all quoting the list.)
    """
    statement = str(record.get("statement", "")).casefold()
    if kind == "claim":
        obj = record["object"]
        triple = (record["subject"], record["predicate"], obj.get("concept"), obj.get("value"))
        for c in (c for c in ds.claims if c.status == "active"):
            if (c.subject, c.predicate, c.object.concept, c.object.value) == triple:
                return f"{c.id} (same subject, predicate and object)"
            if c.statement.casefold() == statement:
                return f"{c.id} (same statement)"
    if kind == "caveat":
        evidence = _spans(record["evidence"])
        for v in (v for v in ds.caveats if v.status == "active"):
            if v.kind == record["kind"] and _spans(v.evidence) == evidence:
                return f"{v.id} (same kind and the same evidence)"
            if v.statement.casefold() == statement:
                return f"{v.id} (same statement)"
    if kind == "concept":
        label = str(record["label"]).casefold()
        return next((f"{c.id} (same label)" for c in ds.concepts if c.label.casefold() == label), None)
    return None


def _spans(evidence: Sequence[Any]) -> frozenset[tuple[Any, ...]]:
    """Where a record's evidence lies, for its mapping's spans or a loaded record's alike."""
    return frozenset(
        (s["source"], s["start"], s["end"]) if isinstance(s, Mapping) else (s.source, s.start, s.end) for s in evidence
    )


def _attach(data_dir: Path, caveat_ids: Sequence[str], claim_id: str) -> list[tuple[Path, str]]:
    """The new text of each caveat file, with ``claim_id`` in the applies_to and scope of the caveats named.

    A caveat released at its current version gets the next one: adding a claim changes its content. Only a
    snapshot that passes its checksum is read for that (validation reports any other, KD507).

    Raises:
        ScaffoldError: A caveat named does not exist, or its file cannot be rewritten.
    """
    from ketdata._editor.fmt import format_file, key_order
    from ketdata._validation.folder import discover
    from ketdata._validation.history import release_problems, releases_dir

    _, snapshot = release_problems(releases_dir(data_dir))
    released = {c["id"]: c["version"] for c in json.loads(read_regular(snapshot))["caveats"]} if snapshot else {}
    found: set[str] = set()

    def change(values: list[Any]) -> None:
        for value in values:
            if isinstance(value, dict) and value.get("id") in caveat_ids:
                found.add(value["id"])
                value["applies_to"] = [*value.get("applies_to", []), claim_id]
                # The caveat governs what its scope says: the new claim is named in it one by one.
                scope = value.setdefault("scope", {})
                scope["claims"] = [*scope.get("claims", []), claim_id]
                if released.get(value["id"]) == value.get("version"):
                    value["version"] += 1

    edits = []
    order = key_order()
    for data_file in (f for f in discover(data_dir)[0] if f.kind == "caveat") if caveat_ids else ():
        before = set(found)
        formatted = format_file(data_file.path, "caveat", order, change)
        if found != before:
            if formatted.text is None:
                raise ScaffoldError(f"cannot add {claim_id} to a caveat: {data_file.path} {formatted.skipped}")
            edits.append((data_file.path, formatted.text))
    missing = sorted(set(caveat_ids) - found)
    if missing:
        raise ScaffoldError(f"no caveat with id {', '.join(map(repr, missing))} to add the claim to")
    return edits


def write(data_dir: Path, kind: str, record: dict[str, Any], caveats: Sequence[str] = ()) -> Written:
    """Append the record to its file (and its id to the ``caveats`` named), if the whole dataset then validates.

    The dataset is validated as it would be with the change, in memory; the files change (all of them, as
    one transaction) only when it has no error at all, so a record is never added to data that fails,
    whatever the reason (its errors are returned, as the record's own would be). Call it while holding the
    project's lock, from reading the dataset on.

    Raises:
        ScaffoldError: A caveat named cannot be found or rewritten; nothing is written.
    """
    from ketdata._validation.pipeline import run_state

    edits = _attach(data_dir, caveats, record["id"])
    path = target_file(data_dir, kind, record)
    try:
        before: bytes | None = read_regular(path)
    except FileNotFoundError:  # noted as absent: a file another program creates meanwhile is not overwritten
        before = None
    text = "---\n" + dump(record, 100)
    prefix = before.decode("utf-8") if before else ""
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"
    files = {path: (prefix + text).encode("utf-8"), **{p: t.encode("utf-8") for p, t in edits}}
    report = run_state(data_dir, files).problems
    blocking = tuple(p for p in report if p.severity is Severity.ERROR)
    if not blocking:
        commit(project_root(data_dir), files)
    warnings = tuple(p for p in report if p.record_id == record["id"] and p.severity is Severity.WARNING)
    return Written(record["id"], path, blocking, warnings)


def new_record(data_dir: Path, kind: str, args: Mapping[str, Any]) -> Written:
    """Add a new record of ``kind`` (claim, caveat or concept) made from the command's arguments.

    Under the project's lock from reading the next free id to writing the record, so two ``new`` never take
    the same id; the record is written only when it repeats no record and the whole data then validates.

    Args:
        data_dir: The data folder.
        kind: ``claim``, ``caveat`` or ``concept``.
        args: The arguments by name: those of the kind's command line (``statement``, ``quote``, ``nth``, ...).

    Returns:
        The record's id and file, with the warnings left for the editor.

    Raises:
        DataError: The data folder cannot be read as records.
        ScaffoldError: The record cannot be made as asked (a quote not found, an unknown caveat).
        RefusedError: The record repeats one, or with it the data would not validate; nothing is written.
    """
    from ketdata._io.transaction import locked
    from ketdata._model.problems import RefusedError
    from ketdata._validation.pipeline import run

    with locked(project_root(data_dir)):
        ds = run(data_dir).dataset()
        record = _made(data_dir, ds, kind, args)
        duplicate = duplicate_of(ds, kind, record)
        if duplicate:
            raise RefusedError((), f"not written: the new {kind} repeats {duplicate}")
        written = write(data_dir, kind, record, args.get("caveat") or ())
    if written.problems:
        raise RefusedError(written.problems, *_why_not_written(written))
    return written


def _made(data_dir: Path, ds: Dataset, kind: str, args: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "concept":
        return concept(args)
    span = quote_span(data_dir, ds, args["quote"], args.get("source"), args.get("nth"))
    if kind == "caveat":
        return caveat(ds, span, args)
    context = quote_span(data_dir, ds, args["context"], args.get("source"), None) if args.get("context") else None
    return claim(ds, span, args, context)


def _why_not_written(written: Written) -> list[str]:
    notes = [f"not written: with {written.record_id} the data would not validate; nothing was kept"]
    scoped = sorted({p.record_id for p in written.problems if p.code == "KD608" and p.record_id})
    if scoped:
        flags = " ".join(f"--caveat {c}" for c in scoped)
        notes.append(f"the new claim lies in the scope of caveats that must apply to it: add {flags}")
    elif any(p.code == "KD604" for p in written.problems):
        notes.append("a claim that needs a caveat can name one with --caveat CAVEAT_ID")
    return notes
