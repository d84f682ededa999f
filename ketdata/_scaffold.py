"""``ketdata new``: a new record from a few arguments, with the next free id, written where its kind lives."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ketdata._files import PLAIN_NAME, read_regular, write_atomic, write_text
from ketdata._locate import Span, locate
from ketdata._model import Dataset, Source
from ketdata._problems import Problem, Severity, short

SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\s\S])")


class ScaffoldError(ValueError):
    """The record cannot be made: a quote not found or ambiguous, or an unknown source."""


@dataclass(frozen=True, slots=True)
class Written:
    """A record and its file; ``problems`` made it be taken back, ``to_do`` are rules it leaves for the editor."""

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
    if source_id is None and len(ds.sources) != 1:
        raise ScaffoldError(f"say which source with --source ({', '.join(s.id for s in ds.sources)})")
    source = ds.source(source_id) if source_id else ds.sources[0]
    found = locate(source, source_text(data_dir, source), quote)
    if not found.exact:
        near = found.nearest
        hint = f"; nearest: {near.text!r} at [{near.start}, {near.end}), {found.difference}" if near else ""
        raise ScaffoldError(f"the quote is not in {source.id} exactly{hint}")
    if nth is None and len(found.exact) > 1:
        places = ", ".join(f"[{s.start}, {s.end})" for s in found.exact)
        raise ScaffoldError(f"the quote occurs {len(found.exact)} times ({places}); pick one with --nth")
    index = (nth or 1) - 1
    if not 0 <= index < len(found.exact):
        raise ScaffoldError(f"--nth {nth}: the quote occurs {len(found.exact)} time(s)")
    return found.exact[index]


def _source_block(span: Span) -> dict[str, Any]:
    return {"source": span.source, "section": span.section, "quote": span.text, "start": span.start, "end": span.end}


def claim(ds: Dataset, span: Span, args: Mapping[str, Any]) -> dict[str, Any]:
    """A new claim record from the command's arguments.

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
        "source": _source_block(span), "review": {"status": "unreviewed"},
    }  # fmt: skip


def caveat(ds: Dataset, span: Span, args: Mapping[str, Any]) -> dict[str, Any]:
    """A new caveat record from the command's arguments."""
    return {
        "id": next_id([c.id for c in ds.caveats], "caveat"), "version": 1, "status": "active",
        "statement": args["statement"], "kind": args["kind"], "applies_to": list(args["applies_to"]),
        "source": _source_block(span), "review": {"status": "unreviewed"},
    }  # fmt: skip


def concept(args: Mapping[str, Any]) -> dict[str, Any]:
    """A new concept record from the command's arguments."""
    record: dict[str, Any] = {"id": args["id"], "label": args["label"], "kind": args["kind"]}
    if args.get("definition"):
        record["definition"] = args["definition"]
    if args.get("synonym"):
        record["synonyms"] = list(args["synonym"])
    return record


def target_file(data_dir: Path, kind: str, record: Mapping[str, Any]) -> Path:
    """Where a new record of this kind goes: its category's claims file, or the kind's file."""
    if kind == "claim":
        return data_dir / "claims" / f"{record['category']}.yaml"
    stem = {"caveat": "caveats", "concept": "concepts"}[kind]
    single = data_dir / f"{stem}.yaml"
    folder = sorted((data_dir / stem).glob("*.yaml")) if (data_dir / stem).is_dir() else []
    return single if single.is_file() or not folder else folder[-1]


def write(data_dir: Path, kind: str, record: dict[str, Any]) -> Written:
    """Append the record to its file and validate; if the record has errors, put the file back as it was."""
    from ketdata._validate import validate

    path = target_file(data_dir, kind, record)
    before = read_regular(path) if path.exists() or path.is_symlink() else None
    text = "---\n" + yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100)
    prefix = before.decode("utf-8") if before else ""
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"
    write_text(path, prefix + text)
    mine = [p for p in validate(data_dir) if p.record_id == record["id"] and p.severity is not Severity.INFO]
    # Governance rules (KD6xx) ask for more than one record, e.g. a caveat that applies to the new claim,
    # which can only be written after it: they are left for the editor, not a reason to take the record back.
    blocking = tuple(p for p in mine if p.severity is Severity.ERROR and not p.code.startswith("KD6"))
    if blocking:
        if before is None:
            path.unlink()
        else:
            write_atomic(path, before)
    return Written(record["id"], path, blocking, tuple(p for p in mine if p not in blocking))
