"""Rules across records: unique ids, references, provenance against the source text, hedges, coverage."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._coverage import SentenceCoverage, coverage, uncovered
from ketdata._files import PLAIN_NAME, NotRegularFileError, read_regular
from ketdata._folder import RawRecord
from ketdata._model import near_misses
from ketdata._problems import Problem, short


def record_problems(record: RawRecord) -> list[Problem]:
    """The rules that read one record alone: a retired record gives its reason, a hedge occurs in the quote.

    They run file by file with the schema check, so the validation cache keeps their answers too.
    """
    found = []
    v = record.value
    status = v.get("status")
    if status in ("deprecated", "withdrawn") and not v.get("reason"):
        found.append(record.problem("KD206", ("status",), f"record is {status} but gives no reason"))
    hedge, ref = v.get("hedge"), v.get("source")
    quote = ref.get("quote") if isinstance(ref, dict) else None
    if (
        isinstance(hedge, str)
        and isinstance(quote, str)
        and not re.search(rf"\b{re.escape(hedge)}\b", quote, re.IGNORECASE)
    ):
        found.append(
            record.problem("KD307", ("hedge",), f"hedge {short(hedge)} does not occur in the quote {short(quote)}")
        )
    return found + _date_problems(record)


_DATE_FIELDS = (("review", "reviewed_on"), ("review", "review_due"), ("release_date",), ("published",))
_DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![\s\S])")


def _date_problems(record: RawRecord) -> list[Problem]:
    """Dates in the right form that no calendar has (2020-02-30): the schemas' patterns check only the form."""
    found = []
    for path in _DATE_FIELDS:
        value: object = record.value
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and _DATE_FORM.fullmatch(value):
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                found.append(record.problem("KD109", path, f"{'.'.join(path)}: {value} is not a calendar date"))
    return found


_LABEL = {"evidence_status": "evidence status"}


def _label(kind: str) -> str:
    return _LABEL.get(kind, kind)


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The mappings of a list value; anything malformed has already failed its schema."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class _Text:
    record: RawRecord
    text: str
    sections: Mapping[str, tuple[int, int]]


class Rules:
    """The cross-record checks over the records of one data folder (each assumed to have passed its schema)."""

    def __init__(self, records: list[RawRecord]) -> None:
        self.records = records
        self.by_id: dict[str, RawRecord] = {}
        self.problems: list[Problem] = []
        self.texts: dict[str, _Text] = {}
        self.quoted: dict[str, list[tuple[str, int, int]]] = {}

    def run(self) -> list[Problem]:
        """Apply every rule; return the problems."""
        self._unique_ids()
        self._source_texts()
        for record in self.records:
            self._references(record)
            if "source" in record.value and isinstance(record.value["source"], dict):
                self._quoted(record)
                self._provenance(record)
        self._category_cycles()
        self._coverage()
        return self.problems

    def _add(
        self, code: str, record: RawRecord, path: tuple[str | int, ...], message: str, hint: str | None = None
    ) -> None:
        self.problems.append(record.problem(code, path, message, hint))

    def _unique_ids(self) -> None:
        for record in self.records:
            rid = record.id
            if rid is None or record.kind == "dataset":
                continue
            first = self.by_id.get(rid)
            if first is None:
                self.by_id[rid] = record
                continue
            line, _ = first.mark("id")
            self._add(
                "KD201",
                record,
                ("id",),
                f"id {short(rid)} is already used by a {_label(first.kind)} at {first.file}:{line}",
            )

    def _ref(self, record: RawRecord, path: tuple[str | int, ...], target: Any, kind: str) -> RawRecord | None:
        if not isinstance(target, str):
            return None
        found = self.by_id.get(target)
        if found is not None and found.kind == kind:
            return found
        if found is not None:
            msg = f"{'.'.join(map(str, path))}: {short(target)} is a {_label(found.kind)}, not a {_label(kind)}"
        else:
            near = near_misses(target, (rid for rid, r in self.by_id.items() if r.kind == kind))
            guess = f" (did you mean {', '.join(map(repr, near))}?)" if near else ""
            msg = f"{'.'.join(map(str, path))}: no {_label(kind)} with id {short(target)}{guess}"
        self._add("KD202", record, path, msg)
        return None

    def _live_ref(self, record: RawRecord, path: tuple[str | int, ...], target: Any, kind: str) -> None:
        found = self._ref(record, path, target, kind)
        if found is None or record.value.get("status", "active") != "active":
            return
        status = found.value.get("status")
        if status == "withdrawn":
            self._add("KD204", record, path, f"{'.'.join(map(str, path))}: {short(target)} is withdrawn")
        elif status == "deprecated":
            self._add("KD205", record, path, f"{'.'.join(map(str, path))}: {short(target)} is deprecated")

    def _references(self, record: RawRecord) -> None:
        v = record.value
        if record.kind == "category" and "parent" in v:
            self._ref(record, ("parent",), v["parent"], "category")
        elif record.kind == "claim":
            self._claim_references(record)
        elif record.kind == "rule":
            self._rule_references(record)
        elif record.kind == "caveat":
            applies_to = v.get("applies_to")
            for i, claim_id in enumerate(applies_to if isinstance(applies_to, list) else ()):
                self._live_ref(record, ("applies_to", i), claim_id, "claim")
        if "superseded_by" in v:
            self._ref(record, ("superseded_by",), v["superseded_by"], record.kind)

    def _rule_references(self, record: RawRecord) -> None:
        for field, kind in (("categories", "category"), ("statuses", "evidence_status")):
            values = record.value.get(field)
            for i, target in enumerate(values if isinstance(values, list) else ()):
                self._ref(record, (field, i), target, kind)

    def _claim_references(self, record: RawRecord) -> None:
        v = record.value
        self._ref(record, ("category",), v.get("category"), "category")
        self._ref(record, ("evidence_status",), v.get("evidence_status"), "evidence_status")
        self._ref(record, ("subject",), v.get("subject"), "concept")
        conflicts = v.get("conflicts_with")
        for i, other in enumerate(conflicts if isinstance(conflicts, list) else ()):
            self._ref(record, ("conflicts_with", i), other, "claim")
        obj: dict[str, Any] = v["object"] if isinstance(v.get("object"), dict) else {}
        if "concept" in obj:
            self._ref(record, ("object", "concept"), obj["concept"], "concept")
        predicate = self._ref(record, ("predicate",), v.get("predicate"), "predicate")
        if predicate is not None:
            wanted = predicate.value.get("object_kind")
            given = "concept" if "concept" in obj else "literal"
            if wanted in ("concept", "literal") and wanted != given:
                key = "a concept ('concept: ID')" if wanted == "concept" else "a literal ('value: TEXT')"
                self._add(
                    "KD401",
                    record,
                    ("object",),
                    f"predicate {short(predicate.id)} takes {key} as its object, not a {given}",
                )

    def _category_cycles(self) -> None:
        parents = {r.id: r.value.get("parent") for r in self.records if r.kind == "category" and r.id}
        for rid in sorted(parents):
            seen, node = [rid], parents[rid]
            while isinstance(node, str) and node in parents and node not in seen:
                seen.append(node)
                node = parents[node]
            if node == rid:
                self._add(
                    "KD203", self.by_id[rid], ("parent",), f"category parents form a cycle: {' -> '.join([*seen, rid])}"
                )

    def _source_texts(self) -> None:
        for record in self.records:
            if record.kind != "source" or record.id is None or self.by_id.get(record.id) is not record:
                continue
            name = record.value.get("file")
            if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
                continue  # its schema check reports it; a path is never built from it
            path = Path(record.file).parent / name
            try:
                data = read_regular(path)
            except FileNotFoundError:
                self._add("KD301", record, ("file",), f"source text {short(str(path))} does not exist")
                continue
            except NotRegularFileError as exc:
                self._add("KD017", record, ("file",), f"source text {short(str(path))} {exc.strerror}")
                continue
            except OSError as exc:
                self._add("KD015", record, ("file",), f"cannot read {short(str(path))}: {exc.strerror or exc}")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != record.value.get("sha256"):
                self._add("KD302", record, ("sha256",), f"{path.name} has sha256 {digest}, not the one recorded")
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._add("KD001", record, ("file",), f"{path.name}: byte {exc.start} is not valid UTF-8")
                continue
            self.texts[record.id] = _Text(record, text, self._sections(record, text))

    def _sections(self, record: RawRecord, text: str) -> dict[str, tuple[int, int]]:
        sections: dict[str, tuple[int, int]] = {}
        previous_end = 0
        for i, s in enumerate(_dicts(record.value.get("sections"))):
            start, end, heading = s.get("start"), s.get("end"), s.get("heading")
            if not (isinstance(start, int) and isinstance(end, int) and isinstance(heading, str)):
                continue
            if not previous_end <= start < end <= len(text):
                self._add(
                    "KD308",
                    record,
                    ("sections", i),
                    f"section {short(s.get('id'))} [{start}, {end}) must follow the previous one and lie within the "
                    f"text (length {len(text)})",
                )
            elif not text.startswith(heading, start):
                self._add(
                    "KD308",
                    record,
                    ("sections", i, "heading"),
                    f"section {short(s.get('id'))} does not start with its heading {short(heading)}",
                )
            previous_end = max(previous_end, end)
            sections[str(s.get("id"))] = (start, end)
        return sections

    def _provenance(self, record: RawRecord) -> None:
        ref = record.value["source"]
        src = self.texts.get(ref.get("source")) if isinstance(ref.get("source"), str) else None
        if self._ref(record, ("source", "source"), ref.get("source"), "source") is None or src is None:
            return
        start, end, quote = ref.get("start"), ref.get("end"), ref.get("quote")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(quote, str)):
            return
        section = src.sections.get(str(ref.get("section")))
        if section is None:
            self._add(
                "KD202",
                record,
                ("source", "section"),
                f"source.section: {short(ref.get('section'))} is not a section of {short(src.record.id)} "
                f"(sections: {', '.join(src.sections)})",
            )
        if start >= end:
            self._add("KD304", record, ("source", "start"), f"start {start} is not before end {end}")
        elif end > len(src.text) or start < 0:
            self._add(
                "KD303",
                record,
                ("source", "end"),
                f"[{start}, {end}) lies outside the source text (length {len(src.text)} code points)",
            )
        elif src.text[start:end] != quote:
            self._add("KD305", record, ("source", "quote"), self._mismatch(src.text, start, end, quote))
        elif section is not None and not (section[0] <= start and end <= section[1]):
            inside = [sid for sid, (a, b) in src.sections.items() if a <= start and end <= b]
            where = f"; it lies in {short(inside[0])}" if inside else ""
            self._add(
                "KD306",
                record,
                ("source", "section"),
                f"quote [{start}, {end}) is outside section {short(ref.get('section'))}{where}",
            )

    @staticmethod
    def _mismatch(text: str, start: int, end: int, quote: str) -> str:
        found = [m.start() for m in re.finditer(re.escape(quote), text)]
        where = (
            f"; the quote occurs at {', '.join(f'[{i}, {i + len(quote)})' for i in found[:3])}"
            if found
            else "; the quote occurs nowhere in the source"
        )
        return f"text at [{start}, {end}) is {short(text[start:end])}, not the quote{where}"

    def _quoted(self, record: RawRecord) -> None:
        ref = record.value["source"]
        start, end, source_id = ref.get("start"), ref.get("end"), ref.get("source")
        if (
            isinstance(start, int)
            and isinstance(end, int)
            and isinstance(source_id, str)
            and record.value.get("status") == "active"
        ):
            self.quoted.setdefault(source_id, []).append((str(record.id), start, end))

    def _coverage(self) -> None:
        for source_id, src in self.texts.items():
            spans = [(start, end) for _, start, end in self.quoted.get(source_id, ())]
            for s in uncovered(src.text, self.section_rows(src), spans):
                self._add(
                    "KD402",
                    src.record,
                    ("sections",),
                    f"sentence [{s.start}, {s.end}) is quoted by no record: {short(s.text[:60])}",
                )

    def coverage(self) -> dict[str, list[SentenceCoverage]]:
        """For each source, how the active records' quotes cover each of its sentences (after `run`)."""
        return {
            source_id: coverage(src.text, self.section_rows(src), self.quoted.get(source_id, []))
            for source_id, src in self.texts.items()
        }

    @staticmethod
    def section_rows(src: _Text) -> list[tuple[str, str, int, int]]:
        """The source's sections as ``(id, heading, start, end)``."""
        headings = {str(s.get("id")): str(s.get("heading")) for s in _dicts(src.record.value.get("sections"))}
        return [(sid, headings.get(sid, ""), a, b) for sid, (a, b) in src.sections.items()]
