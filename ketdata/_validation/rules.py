"""Rules across records: unique ids, references, provenance against the source text, hedges, coverage."""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdata._io.escape import describe_char, find_unseen
from ketdata._io.files import PLAIN_NAME, NotRegularFileError, read_regular, utf8_text, walk
from ketdata._model.dataset import near_misses
from ketdata._model.frozen import replace
from ketdata._model.hierarchy import broader_allowed
from ketdata._model.problems import Problem, problem, short
from ketdata._model.references import REFERENCE_KINDS as _REFERENCE_KINDS
from ketdata._validation.coverage import OUTSIDE, SentenceCoverage, coverage, outside, uncovered
from ketdata._validation.folder import REFERENCE_TABLE, RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.kinds import kind_problems
from ketdata._validation.revisions import lost_problem, mark_problems
from ketdata._validation.verified import coding_mismatch, hierarchy_problems, reference_row_mismatch
from ketdata._validation.words import whole_at


def occurs(needle: str, text: str) -> bool:
    """True when ``needle`` stands in ``text`` as whole words, ignoring case.

    A plain search with its ends checked by hand: a regular expression per needle would overflow ``re``'s
    cache on a large dataset, whose every literal object is a needle of its own.
    """
    wanted, where = needle.lower(), text.lower()
    if not wanted or len(wanted) != len(needle) or len(where) != len(text):
        return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text, re.IGNORECASE) is not None
    # Most needles do not stand in the text at all: one search says so, before any place is looked at.
    return wanted in where and next(whole_at(where, wanted), None) is not None  # a place, 0 included


def named(name: str, quote: str) -> bool:
    """True when ``name`` stands in ``quote`` whole, or each of its words does ("physical and mental health")."""
    if occurs(name, quote):
        return True
    parts = _name_words(name)
    return len(parts) > 1 and all(occurs(w, quote) for w in parts)  # a name of one word was looked for whole


@functools.lru_cache(maxsize=1 << 12)  # the concepts' names: a few hundred, read for every claim
def _name_words(name: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", name))


def _quotes(value: dict[str, Any]) -> list[str]:
    return [q for s in _dicts(value.get("evidence")) if isinstance(q := s.get("quote"), str)]


def record_problems(record: RawRecord) -> list[Problem]:
    """The rules that read one record alone: a retired record gives its reason; evidence carries its words.

    They run file by file with the schema check, so the validation cache keeps their answers too.
    """
    found = []
    v = record.value
    status = v.get("status")
    if status in ("deprecated", "withdrawn") and not v.get("reason"):
        found.append(record.problem("KD206", ("status",), f"record is {status} but gives no reason"))
    if record.kind in ("claim", "caveat"):
        found += _evidence_shape(record)
        found += _words_in_evidence(record, _quotes(v))
    elif record.kind == "concept":
        found += _article_glosses(record)
    return found + _date_problems(record) + _mixed_scripts(record) + _compatibility_letters(record)


_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")  # the scripts whose letters look alike (U+0441 is a 'c')


def _strings(value: Any, path: tuple[str | int, ...] = ()) -> Any:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


def _mixed_scripts(record: RawRecord) -> list[Problem]:
    """A word mixing Latin, Greek and Cyrillic letters reads as another word (KD033).

    'cures' with a Cyrillic es (U+0441) for its c looks like 'cures' to a reader and in every export, but
    to no rule that matches words.
    """
    found: list[Problem] = []
    if record.doc.ascii:
        return found
    for path, text in _strings(record.value):
        if text.isascii():
            continue
        for word in re.findall(r"\w+", text):
            scripts = {s for c in word if c.isalpha() for s in _SCRIPTS if unicodedata.name(c, "").startswith(s)}
            if len(scripts) > 1:
                where = ".".join(map(str, path))
                names = " and ".join(n.title() for n in sorted(scripts))
                msg = f"{where}: the word {short(word)} mixes {names} letters"
                hint = "retype the word in one script (a look-alike letter from another alphabet hides what it says)"
                found.append(record.problem("KD033", path, msg, hint))
                break
    return found


def _compatibility_letters(record: RawRecord) -> list[Problem]:
    """A letter or digit that NFKC folds to another (full-width c U+FF43, bold c U+1D41C) reads as that one (KD562).

    To a reader 'cures' in full-width letters is 'cures', but to no rule that matches words: they are refused in every
    text field, so no word check (strong wording, hedges, negations, words from evidence) ever meets one.
    """
    found: list[Problem] = []
    if record.doc.ascii:
        return found
    for path, text in _strings(record.value):
        if text.isascii() or unicodedata.is_normalized("NFKC", text):
            continue
        odd = next((c for c in text if _folds(c)), None)
        if odd is not None:
            where = ".".join(map(str, path))
            msg = (f"{where}: {describe_char(odd)} reads as {unicodedata.normalize('NFKC', odd)!r} but matches no "
                   "word rule")  # fmt: skip
            found.append(record.problem("KD562", path, msg, "type the plain letter (the text's NFKC form)"))
    return found


def _folds(char: str) -> bool:
    category = unicodedata.category(char)
    return (category[0] == "L" or category == "Nd") and unicodedata.normalize("NFKC", char) != char


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


def _evidence_shape(record: RawRecord) -> list[Problem]:
    spans = _dicts(record.value.get("evidence"))
    roles = {role for s in spans if isinstance(role := s.get("role"), str)}
    if "item" in roles and not roles & {"context", "statement"}:
        msg = "evidence is a bare list item: add the clause that names its subject and relation as a 'context' span"
        return [record.problem("KD309", ("evidence",), msg)]
    return []


def _words_in_evidence(record: RawRecord, quotes: list[str]) -> list[Problem]:
    """The hedge, qualifiers and a literal object stand in the evidence; the statement keeps hedge and qualifiers."""
    v, found = record.value, []
    statement = str(v.get("statement") or "")
    kept: list[tuple[tuple[str | int, ...], Any, bool]] = [(("hedge",), v.get("hedge"), True)]
    kept += [(("hedge_governs",), v.get("hedge_governs"), False)]
    for i, q in enumerate(_dicts(v.get("qualifiers"))):
        kept += [
            (("qualifiers", i, "text"), q.get("text"), True),
            (("qualifiers", i, "governs"), q.get("governs"), False),
        ]
    for path, words, in_statement in kept:
        if not isinstance(words, str) or not quotes:
            continue
        if not any(occurs(words, q) for q in quotes):
            found.append(record.problem("KD307", path, f"{path[0]} {words!r} does not occur in the evidence"))
        elif in_statement and not occurs(words, statement):
            msg = f"the statement drops the article's {str(path[0]).rstrip('s')} {words!r}: keep it in the statement"
            found.append(record.problem("KD313", ("statement",), msg))
    obj = v.get("object")
    literal = obj.get("value") if isinstance(obj, dict) else None
    if isinstance(literal, str) and quotes and not any(occurs(literal, q) for q in quotes):
        found.append(record.problem("KD310", ("object", "value"), f"object {literal!r} does not occur in the evidence"))
    return found


def _glosses(value: dict[str, Any]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    if isinstance(value.get("definition"), dict):
        found.append((("definition",), value["definition"]))
    found += [(("synonyms", i), g) for i, g in enumerate(_dicts(value.get("synonyms")))]
    return found


def _article_glosses(record: RawRecord) -> list[Problem]:
    found = []
    for path, gloss in _glosses(record.value):
        span, text = gloss.get("evidence"), gloss.get("text")
        quote = span.get("quote") if isinstance(span, dict) else None
        if isinstance(quote, str) and isinstance(text, str) and not occurs(text, quote):
            msg = f"{text!r} is marked as the article's, but does not occur in its evidence {quote!r}"
            found.append(record.problem("KD310", (*path, "text"), msg))
    return found


def spans_of(value: dict[str, Any]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every evidence span of a record's mapping, with its path: a claim's or caveat's, and a concept's glosses'."""
    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] = [
        (("evidence", i), s) for i, s in enumerate(_dicts(value.get("evidence")))
    ]
    found += [
        ((*path, "evidence"), g["evidence"]) for path, g in _glosses(value) if isinstance(g.get("evidence"), dict)
    ]
    return found


_LABEL = {"evidence_status": "evidence status"}


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(map(str, path))


def _cuts_word(text: str, start: int, end: int) -> bool:
    """True when [start, end) begins or ends inside one word, a hyphenated one included ("treatment-|resistant")."""
    return _inside_word(text, start) or _inside_word(text, end)


def _inside_word(text: str, at: int) -> bool:
    """True when offset ``at`` falls between two characters of one word, or beside a hyphen joining two words."""
    if not 0 < at < len(text):
        return False
    before, after = text[at - 1], text[at]
    if before.isalnum() and after.isalnum():
        return True
    if before == "-" and after.isalnum():
        return at >= 2 and text[at - 2].isalnum()
    return after == "-" and before.isalnum() and at + 1 < len(text) and text[at + 1].isalnum()


_CODING_KEYS = ("system", "code", "display", "relation", "confidence", "checked_against")


def _reference_rows(table: Path, data: bytes) -> tuple[dict[tuple[str, ...], set[str]], list[Problem]]:
    """Each coding row of the reference table, with the article terms it was verified for (see `term_of`).

    A table a spreadsheet saved in another encoding is reported where its first bad byte is (KD001) and read
    on with that byte replaced, so the codings of its other rows are still checked; a row the CSV reader
    cannot take (a field over its limit) ends the reading there (KD710).
    """
    import csv
    import io

    text, problems = utf8_text(data, str(table))
    if text is None:
        text = data.decode("utf-8-sig", "replace")
    rows: dict[tuple[str, ...], set[str]] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            rows.setdefault(tuple(row.get(k) or "" for k in _CODING_KEYS), set()).add(
                term_of(row.get("article_term") or "")
            )
            unverified = reference_row_mismatch(row)
            if unverified is not None:
                problems.append(problem("KD563", str(table), reader.line_num, 1, None, unverified))
    except csv.Error as exc:
        line = reader.reader.line_num
        problems.append(problem("KD710", str(table), line, 1, None, f"row cannot be read as CSV: {exc}"))
    return rows, problems


def term_of(name: str) -> str:
    """A table's article_term as a label must spell it: case and spacing ignored, and the table's "(note)" dropped."""
    return " ".join(re.sub(r"\([^()]*\)", " ", name).casefold().split())


def _tying_names(concept: dict[str, Any]) -> list[str]:
    """The names that tie a concept to a claim's evidence: its label and the synonyms the article gives.

    An external synonym is the editors' word, not the article's: it cannot show that the evidence names the
    concept ("hallucinations" added to addiction would point the article's hallucinations at addiction).
    """
    given = [concept.get("label")]
    given += [g.get("text") for g in _dicts(concept.get("synonyms")) if g.get("origin") != "external"]
    return [n for n in given if isinstance(n, str)]


def _cycle_from(root: str, links: dict[str, list[str]]) -> list[str]:
    """A path of links from ``root`` back to itself, or [] when there is none."""
    stack: list[tuple[str, list[str]]] = [(root, [root])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in links.get(node, ()):
            if nxt == root:
                return [*path, root]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return []


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


def _earlier(ref: dict[str, Any], src: _Text) -> bool:
    """Whether a span says it was made against a revision other than the source's current text."""
    revision = ref.get("revision")
    return isinstance(revision, str) and revision != src.record.value.get("sha256")


def _checksum_mismatch(path: Path, data: bytes, recorded: object) -> tuple[str, str | None]:
    """The message and hint for a source text whose bytes do not match the recorded sha256."""
    digest = hashlib.sha256(data).hexdigest()
    if b"\r\n" in data and hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest() == recorded:
        # A checkout with core.autocrlf turned the article's line endings into CRLF: the text is fine, the checkout
        # is not, and re-recording the checksum would bless the wrong bytes.
        return (
            f"{path.name} differs from the recorded text only in its line endings (CRLF instead of LF)",
            "git rewrote the line endings on checkout: run `git config core.autocrlf false`, then "
            f"`git rm --cached -r -q . && git reset --hard` (or check out {path.name} again); do not re-record sha256",
        )
    return f"{path.name} has sha256 {digest}, not the one recorded", None


class Rules:
    """The cross-record checks over the records of one data folder (each assumed to have passed its schema)."""

    def __init__(
        self,
        index: RecordIndex,
        folder: Path | None = None,
        unread: frozenset[str] = frozenset(),
        released: Mapping[str, str] | None = None,
    ) -> None:
        self.index = index
        # The kind of each id in the latest release: of two records holding one id, the other is the repeat.
        self.released: Mapping[str, str] = released or {}
        self.records = index.records
        self.folder = folder
        # Kinds with a file that could not be read: a reference to one of them may point into that file.
        self.unread = unread
        self._section_id_set: set[str] | None = None
        self.by_id: Mapping[str, RawRecord] = index.first
        self.problems: list[Problem] = []
        self.texts: dict[str, _Text] = {}
        self.quoted: dict[str, list[tuple[str, int, int]]] = {}
        # Each source's earlier revisions that could be read: source id -> sha256 -> text.
        self.revisions: dict[str, dict[str, str]] = {}
        # Where a reference holds a non-text value, the ids it could name: (file, line, column) -> advice.
        self.id_choices: dict[tuple[str, int, int], str] = {}
        self._places: dict[str, tuple[str, str, str]] = {}
        self._filed: dict[str, str | None] = {}  # each claims file's category, by its name
        self._sources_read = False

    def read_sources(self) -> None:
        """Check the ids and read each source's text (`texts`): what the other families of checks need first."""
        if not self._sources_read:
            self._sources_read = True
            self._unique_ids()
            self._source_texts()

    def run(self) -> list[Problem]:
        """Apply every rule; return the problems."""
        self.read_sources()
        marks = {sid: (t.text, t.record.value.get("sha256")) for sid, t in self.texts.items()}
        for record in self.records:
            self._references(record)
            if "source_update" in record.value:
                self.problems += mark_problems(record, marks, self.revisions)
            for path, span in spans_of(record.value):
                self._provenance(record, path, span)
                if record.kind in ("claim", "caveat"):
                    self._quoted(record, span)
        self._object_labels()
        self._codings()
        self._cycles("category", "parent")
        self._cycles("concept", "broader")
        self._broader_kinds()
        self.problems += kind_problems(self.index)
        self.problems += hierarchy_problems(self.index, self.by_id)
        for kind in ("claim", "caveat", "concept", "predicate"):  # superseded by itself (or round a loop): no successor
            self._cycles(kind, "superseded_by")
        self._coverage()
        return self.problems

    def _add(
        self, code: str, record: RawRecord, path: tuple[str | int, ...], message: str, hint: str | None = None
    ) -> None:
        self.problems.append(record.problem(code, path, message, hint))

    def _unique_ids(self) -> None:
        for record in self.index.repeated:
            rid = str(record.id)
            first = self.by_id[rid]
            if self.released.get(rid) == record.kind != first.kind:  # the first in file order is the new one
                first, record = record, first
            line, _ = first.mark("id")
            self._add(
                "KD201",
                record,
                ("id",),
                f"id {short(rid)} is already used by a {_label(first.kind)} at {first.file}:{line}",
            )
        for dataset in self.index.kind("dataset"):
            taken = self.by_id.get(dataset.id) if isinstance(dataset.id, str) else None
            if taken is not None:
                line, _ = dataset.mark("id")
                msg = (
                    f"id {short(dataset.id)} is the dataset's own id ({dataset.file}:{line}); give this record a new id"
                )
                self._add("KD201", taken, ("id",), msg)

    def _ref(self, record: RawRecord, path: tuple[str | int, ...], target: Any, kind: str) -> RawRecord | None:
        if not isinstance(target, str):
            if target is not None:
                # YAML read the id as a boolean, number or date (KD105): quoting it would not make it an id.
                ids = sorted(self.index.ids(kind))
                self.id_choices[(record.file, *record.mark(*path))] = f"one of the {_label(kind)} ids: {', '.join(ids)}"
            return None
        found = self.by_id.get(target)
        if found is not None and found.kind == kind:
            return found
        if found is None and kind in self.unread:
            return None
        if found is not None:
            msg = f"{'.'.join(map(str, path))}: {short(target)} is a {_label(found.kind)}, not a {_label(kind)}"
        else:
            near = near_misses(target, self.index.ids(kind))
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
        for path, value in record.taken.items():
            # A reference of the wrong type was taken out of the record; the ids it could name still help.
            kind = _REFERENCE_KINDS.get((record.kind, *(p for p in path if isinstance(p, str))))
            if kind is not None:
                self._ref(record, path, value, kind or record.kind)
        if record.kind == "category" and "parent" in v:
            self._ref(record, ("parent",), v["parent"], "category")
        elif record.kind == "claim":
            self._claim_references(record)
        elif record.kind == "rule":
            self._rule_references(record)
        elif record.kind == "evidence_status":
            self._decision_references(record)
        elif record.kind == "caveat":
            applies_to = v.get("applies_to")
            for i, claim_id in enumerate(applies_to if isinstance(applies_to, list) else ()):
                self._live_ref(record, ("applies_to", i), claim_id, "claim")
            self._scope_references(record)
        if "superseded_by" in v:
            self._ref(record, ("superseded_by",), v["superseded_by"], record.kind)

    def _scope_references(self, record: RawRecord) -> None:
        scope = record.value.get("scope")
        if not isinstance(scope, dict):
            return
        for i, claim_id in enumerate(scope.get("claims") or ()):
            self._ref(record, ("scope", "claims", i), claim_id, "claim")
        for i, span in enumerate(_dicts(scope.get("spans"))):
            self._ref(record, ("scope", "spans", i, "source"), span.get("source"), "source")
        # An unread source file would make every section "dangling": the file's own problem says it all.
        sections = (scope.get("sections") or ()) if "source" not in self.unread else ()
        known = self._section_ids() if sections else set()
        for i, section in enumerate(sections):
            if isinstance(section, str) and section not in known:
                msg = f"scope.sections.{i}: {section!r} is not a section of any source ({', '.join(sorted(known))})"
                self._add("KD202", record, ("scope", "sections", i), msg)

    def _section_ids(self) -> set[str]:
        if self._section_id_set is None:
            self._section_id_set = {
                str(s.get("id")) for r in self.index.kind("source") for s in _dicts(r.value.get("sections"))
            }
        return self._section_id_set

    def _decision_references(self, record: RawRecord) -> None:
        """A decision row names kinds of statement that exist: a row for an unknown predicate decides nothing."""
        for i, row in enumerate(_dicts(record.value.get("decision"))):
            for field, kind in (("predicates", "predicate"), ("categories", "category")):
                names = row.get(field)
                for j, name in enumerate(names if isinstance(names, list) else ()):
                    self._ref(record, ("decision", i, field, j), name, kind)

    def _rule_references(self, record: RawRecord) -> None:
        fields = (("categories", "category"), ("statuses", "evidence_status"), ("caveats", "caveat"),
                  ("predicates", "predicate"))  # fmt: skip
        for field, kind in fields:
            values = record.value.get(field)
            for i, target in enumerate(values if isinstance(values, list) else ()):
                self._ref(record, (field, i), target, kind)

    def _claim_references(self, record: RawRecord) -> None:
        v, by_id = record.value, self.by_id
        for field, kind in (("category", "category"), ("evidence_status", "evidence_status"), ("subject", "concept")):
            target = v.get(field)
            found = by_id.get(target) if isinstance(target, str) else None
            if found is None or found.kind != kind:  # most references are found at once: _ref says what is wrong
                self._ref(record, (field,), target, kind)
        self._filed_by_category(record)
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
            self._category_of_predicate(record, predicate)

    def _category_of_predicate(self, record: RawRecord, predicate: RawRecord) -> None:
        """KD581: a claim is filed under a category its predicate declares (or a subcategory of one).

        The category is what a pipeline selects claims by: a side effect filed under medical use would list
        "side effects, including hallucinations" among ketamine's medical uses (A5-13).
        """
        category = record.value.get("category")
        known = self.by_id.get(category) if isinstance(category, str) else None
        if record.value.get("status") != "active" or known is None or known.kind != "category":
            return  # an unknown category is KD202's to say
        allowed = predicate.value.get("categories")
        allowed = [c for c in allowed if isinstance(c, str)] if isinstance(allowed, list) else []
        line: object = category
        seen: set[str] = set()
        while isinstance(line, str) and line not in seen:
            if line in allowed:
                return
            seen.add(line)
            found = self.by_id.get(line)
            line = found.value.get("parent") if found is not None and found.kind == "category" else None
        said = f"declares only {', '.join(map(repr, allowed))}" if allowed else "declares no categories"
        msg = (f"category {short(category)} is not one predicate {short(predicate.id)} may be filed under: it "
               f"{said}")  # fmt: skip
        self._add("KD581", record, ("category",), msg)

    def _place(self, file: str) -> tuple[str, str, str]:
        """A file's folder name, stem and name, worked out once per file rather than once per claim."""
        found = self._places.get(file)
        if found is None:
            path = Path(file)
            found = self._places[file] = (path.parent.name, path.stem, path.name)
        return found

    def _filed_by_category(self, record: RawRecord) -> None:
        """A claim in ``claims/<a category>.yaml`` (or ``<a category>-<part>.yaml``) is of that category (KD032).

        The rules a category asks for (a harm's caveats) follow the file an editor reviews the claim in, so
        moving a claim to another category moves it to that category's file too; a file named for no category
        is where no category's review looks (KD571).
        """
        (folder, _, name), category = self._place(record.file), record.value.get("category")
        if folder != "claims" or "category" in self.unread:
            return
        filed = self._file_category(record.file)
        if filed is None:
            msg = f"claims/{name} is named for no category; claims live in claims/<their category>.yaml"
            hint = f"move the claim to claims/{category}.yaml" if isinstance(category, str) else None
            self._add("KD571", record, ("id",), msg, hint)
            return
        if not isinstance(category, str):
            return
        other = self.by_id.get(category)
        if category == filed or other is None or other.kind != "category":  # an unknown one is KD202
            return
        msg = f"category {short(category)} differs from the category file it is in (claims/{name})"
        hint = f"move the claim to claims/{category}.yaml, or set its category to {filed!r}"
        self._add("KD032", record, ("category",), msg, hint)

    def _file_category(self, file: str) -> str | None:
        """The category a claims file is named for: its stem, or the longest ``<category>-`` its stem starts with."""
        if file not in self._filed:
            stem, found = self._place(file)[1], None
            for head in (stem, *(stem[:i] for i in range(len(stem) - 1, 0, -1) if stem[i] == "-")):
                named = self.by_id.get(head)
                if named is not None and named.kind == "category":
                    found = head
                    break
            self._filed[file] = found
        return self._filed[file]

    def _cycles(self, kind: str, field: str) -> None:
        links: dict[str, list[str]] = {}
        for r in self.index.kind(kind):
            if r.id:
                value = r.value.get(field)
                links[r.id] = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
        for rid in sorted(links):
            path = _cycle_from(rid, links)
            if path:
                self._add("KD203", self.by_id[rid], (field,), f"{kind} {field} links form a cycle: {' -> '.join(path)}")

    def _broader_kinds(self) -> None:
        """KD561: a concept's broader concept is of a kind that can hold it (`ketdata._model.hierarchy`)."""
        for r in self.index.kind("concept"):
            kind, broader = r.value.get("kind"), r.value.get("broader")
            if not isinstance(kind, str) or not isinstance(broader, list):
                continue
            for i, target in enumerate(broader):
                other = self.by_id.get(target) if isinstance(target, str) else None
                if other is None or other.kind != "concept" or not isinstance(other.value.get("kind"), str):
                    continue  # a dangling link is KD202
                if not broader_allowed(kind, other.value["kind"]):
                    msg = (f"broader.{i}: {short(target)} is a {other.value['kind']}, which cannot hold a {kind}: "
                           "a broader concept is a more general thing of the same sort")  # fmt: skip
                    self._add("KD561", r, ("broader", i), msg)

    def _unnamed_texts(self) -> None:
        """KD020 for a file in sources/ that no source names as its text or one of its revisions."""
        sources = self.index.kind("source")
        if self.folder is None or "source" in self.unread or not all(self.index.is_valid(r) for r in sources):
            return  # what the sources name is not known
        folder = self.folder / "sources"
        named = {Path(r.file).parent / str(r.value.get("file")) for r in sources}
        named |= {Path(r.file).parent / str(v.get("file")) for r in sources for v in _dicts(r.value.get("revisions"))}
        entries = walk(folder, skip_hidden=True) if folder.is_dir() else iter(())
        texts = [p for p, mode in entries if p.parent == folder and stat.S_ISREG(mode)]
        for path in texts:
            if path not in named and path.suffix.lower() not in (".yaml", ".yml") and not path.name.startswith("."):
                msg = ("ketdata never reads this file: no source names it as its text or a revision of it; move it "
                       "out of the data folder")  # fmt: skip
                self.problems.append(problem("KD020", str(path), 1, 1, None, msg))

    def _source_texts(self) -> None:
        self._unnamed_texts()
        for record in self.index.kind("source"):
            if record.id is None or self.by_id.get(record.id) is not record:
                continue
            name = record.value.get("file")
            if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
                continue  # its schema check reports it; a path is never built from it
            self._revision_texts(record)
            self._declared_charset(record)
            text = self._checked_text(record, (), name, record.value.get("sha256"))
            if text is not None:
                self._unseen_in_text(record, Path(record.file).parent / name, text)
                self.texts[record.id] = _Text(record, text, self._sections(record, text))

    def _declared_charset(self, record: RawRecord) -> None:
        """KD326: a source's media type says its text is UTF-8, the encoding every offset is counted in.

        Exported beside the text, the media type tells a consumer how to decode it: another charset (or none,
        which means US-ASCII for text/plain) shifts every offset after the first character outside ASCII.
        """
        media = record.value.get("media_type")
        if not isinstance(media, str):
            return  # required by the schema, which reports it
        charset = media.lower().partition("charset=")[2].strip()
        if charset != "utf-8":
            msg = (
                f"media_type {short(media)} does not declare charset=utf-8: the text is read as UTF-8 and its "
                "offsets count its characters; a consumer decoding it as declared would find every quote moved"
            )
            self._add("KD326", record, ("media_type",), msg)

    def _checked_text(self, record: RawRecord, at: tuple[str | int, ...], name: str, recorded: object) -> str | None:
        """The text of a source file beside the record, if it can be read and has the recorded sha256."""
        path = Path(record.file).parent / name
        try:
            data = read_regular(path)
        except FileNotFoundError:
            self._add("KD301", record, (*at, "file"), f"source text {short(str(path))} does not exist")
            return None
        except NotRegularFileError as exc:
            self._add("KD017", record, (*at, "file"), f"source text {short(str(path))} {exc.strerror}")
            return None
        except OSError as exc:
            self._add("KD015", record, (*at, "file"), f"cannot read {short(str(path))}: {exc.strerror or exc}")
            return None
        if hashlib.sha256(data).hexdigest() != recorded:
            self._add("KD302", record, (*at, "sha256"), *_checksum_mismatch(path, data, recorded))
            return None
        text, problems = utf8_text(data, str(path))
        self.problems += [replace(p, record_id=record.id) for p in problems]
        return text

    def _revision_texts(self, record: RawRecord) -> None:
        """The texts of a source's earlier revisions, each checked like the current one."""
        found = self.revisions.setdefault(str(record.id), {})
        for i, rev in enumerate(_dicts(record.value.get("revisions"))):
            name, digest = rev.get("file"), rev.get("sha256")
            if isinstance(name, str) and PLAIN_NAME.fullmatch(name) and isinstance(digest, str):
                text = self._checked_text(record, ("revisions", i), name, digest)
                if text is not None:
                    found[digest] = text

    def _unseen_in_text(self, record: RawRecord, path: Path, text: str, limit: int = 20) -> None:
        """A source text holds no character a reader cannot see: every quote of it would carry the same one."""
        for n, i in enumerate(find_unseen(text)):
            if n == limit:
                break
            line, column = text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)
            msg = f"{path.name} holds {describe_char(text[i])} at offset {i}, which a reader cannot see or which " \
                  "changes the text around it"  # fmt: skip
            self.problems.append(problem("KD110", str(path), line, column, record.id, msg))

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

    def _provenance(self, record: RawRecord, path: tuple[str | int, ...], ref: dict[str, Any]) -> None:
        src = self.texts.get(str(ref.get("source")))
        if self._ref(record, (*path, "source"), ref.get("source"), "source") is None or src is None:
            return
        start, end, quote = ref.get("start"), ref.get("end"), ref.get("quote")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(quote, str)):
            return
        if _earlier(ref, src):
            self._old_revision(record, path, ref, src, (start, end, quote))
            return
        section = src.sections.get(str(ref.get("section")))
        if section is None:
            self._add(
                "KD202",
                record,
                (*path, "section"),
                f"{_dotted(path)}.section: {short(ref.get('section'))} is not a section of {short(src.record.id)} "
                f"(sections: {', '.join(src.sections)})",
            )
        if start >= end:
            self._add("KD304", record, (*path, "start"), f"start {start} is not before end {end}")
        elif end > len(src.text) or start < 0:
            self._add(
                "KD303",
                record,
                (*path, "end"),
                f"[{start}, {end}) lies outside the source text (length {len(src.text)} code points)",
            )
        elif src.text[start:end] != quote:
            self._add("KD305", record, (*path, "quote"), self._mismatch(src.text, start, end, quote))
        elif section is not None and not (section[0] <= start and end <= section[1]):
            inside = [sid for sid, (a, b) in src.sections.items() if a <= start and end <= b]
            where = f"; it lies in {short(inside[0])}" if inside else ""
            self._add(
                "KD306",
                record,
                (*path, "section"),
                f"quote [{start}, {end}) is outside section {short(ref.get('section'))}{where}",
            )
        elif _cuts_word(src.text, start, end):
            self._add(
                "KD311",
                record,
                (*path, "quote"),
                f"quote {quote!r} [{start}, {end}) starts or ends inside a word of the source",
                "extend the span to whole words (ketdata locate prints the offsets)",
            )

    def _old_revision(
        self, record: RawRecord, at: tuple[str | int, ...], ref: dict[str, Any], src: _Text, span: tuple[int, int, str]
    ) -> None:
        """A span held against an earlier revision (lost in an update): its quote stands there; it is not released."""
        revision, (start, end, quote) = ref["revision"], span
        declared = {r.get("sha256") for r in _dicts(src.record.value.get("revisions"))}
        if revision not in declared:
            msg = f"revision {short(revision)} is not a revision of {short(src.record.id)}"
            self._add("KD702", record, (*at, "revision"), msg)
            return
        text = self.revisions.get(str(src.record.id), {}).get(revision)
        if text is None:
            return  # the revision's file is reported on the source
        if not 0 <= start < end <= len(text):
            self._add("KD303", record, (*at, "end"), f"[{start}, {end}) lies outside revision {revision[:12]}")
        elif text[start:end] != quote:
            self._add("KD305", record, (*at, "quote"), self._mismatch(text, start, end, quote))
        lost = lost_problem(record, at, ref)
        if lost is not None:
            self.problems.append(lost)

    @staticmethod
    def _mismatch(text: str, start: int, end: int, quote: str) -> str:
        found = [m.start() for m in re.finditer(re.escape(quote), text)]
        where = (
            f"; the quote occurs at {', '.join(f'[{i}, {i + len(quote)})' for i in found[:3])}"
            if found
            else "; the quote occurs nowhere in the source"
        )
        return f"text at [{start}, {end}) is {short(text[start:end])}, not the quote{where}"

    def _quoted(self, record: RawRecord, ref: dict[str, Any]) -> None:
        start, end, source_id = ref.get("start"), ref.get("end"), ref.get("source")
        src = self.texts.get(str(source_id))
        if src is not None and _earlier(ref, src):
            return  # it covers nothing of the current text
        if (
            isinstance(start, int)
            and isinstance(end, int)
            and isinstance(source_id, str)
            and record.value.get("status") == "active"
        ):
            self.quoted.setdefault(source_id, []).append((str(record.id), start, end))

    def _codings(self) -> None:
        """Every coding is a row of the data folder's reference table, relation and confidence included."""
        concepts = [r for r in self.index.kind("concept") if _dicts(r.value.get("codings"))]
        if not concepts:
            return
        table = (self.folder or Path(concepts[0].file).parent).joinpath(*REFERENCE_TABLE)
        try:
            data: bytes | None = read_regular(table)
        except OSError:
            data = None  # KD314 names the missing table
        rows, problems = _reference_rows(table, data) if data is not None else ({}, [])
        self.problems += problems
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        for record in concepts:
            for i, c in enumerate(_dicts(record.value.get("codings"))):
                pinned = c.get("reference_sha256")
                if digest and pinned != digest:
                    msg = (f"coding {c.get('system')}|{c.get('code')} pins reference_sha256 {short(pinned)}, but "
                           f"{table.name} is {digest}")  # fmt: skip
                    self._add("KD615", record, ("codings", i), msg)
                key = tuple(str(c.get(k)) for k in _CODING_KEYS)
                if key not in rows:
                    why = "" if rows else " (the table is missing or empty)"
                    msg = (f"coding {c.get('system')}|{c.get('code')} ({c.get('relation')}, {c.get('confidence')}) "
                           f"is not a row of {table.name}{why}")  # fmt: skip
                    self._add("KD314", record, ("codings", i), msg)
                else:
                    self._coded_term(record, i, c, rows[key], table.name)
                unverified = coding_mismatch(c)
                if unverified is not None:
                    self._add("KD564", record, ("codings", i), unverified)

    def _coded_term(self, record: RawRecord, i: int, coding: dict[str, Any], terms: set[str], table: str) -> None:
        """KD314: the table verified the code for an article term, and the concept is that term (its label)."""
        label = record.value.get("label")
        # The label is the article's term itself: only the table's own "(note)" is dropped, never the label's, or
        # "Hallucinations (confusional)" would be the term "hallucinations" and take its row (A5-5).
        if isinstance(label, str) and " ".join(label.casefold().split()) not in terms:
            msg = (f"coding {coding.get('system')}|{coding.get('code')} is the row of {table} for "
                   f"{' and '.join(map(repr, sorted(terms)))}, not for this concept's label {short(label)}: a code "
                   "verified for another term is a wrong code")  # fmt: skip
            self._add("KD314", record, ("codings", i), msg)

    def _object_labels(self) -> None:
        """A concept object is named in the claim's evidence, by its label or one of its synonyms."""
        for record in self.index.kind("claim"):
            obj = record.value.get("object")
            concept = obj.get("concept") if isinstance(obj, dict) else None
            target = self.by_id.get(concept) if isinstance(concept, str) else None
            quotes = _quotes(record.value)
            if target is None or target.kind != "concept" or not quotes:
                continue
            names = _tying_names(target.value)
            # Spliced spans read in order name it too ("a sense of" + "heightened creativity").
            read = [*quotes, " ".join(quotes)] if len(quotes) > 1 else quotes
            if not any(named(n, q) for n in names for q in read):
                msg = (f"object {target.id!r}: neither its label nor a synonym from the article "
                       f"({', '.join(map(repr, names))}) occurs in the evidence")  # fmt: skip
                self._add("KD310", record, ("object", "concept"), msg)

    def _coverage(self) -> None:
        if self.unread:  # the unread file's records may quote any sentence: KD018 says coverage was not judged
            return
        for source_id, src in self.texts.items():
            spans = [(start, end) for _, start, end in self.quoted.get(source_id, ())]
            for s in uncovered(src.text, self.section_rows(src), spans):
                where = " lies in no section and" if s.section == OUTSIDE else ""
                msg = f"sentence [{s.start}, {s.end}){where} is quoted by no record: {short(s.text[:60])}"
                self._add("KD402", src.record, ("sections",), msg)
            self._outside_sections(src)

    def _outside_sections(self, src: _Text) -> None:
        """Text that no section holds (a paragraph added above the first heading) is read by no check of a section."""
        if len(src.sections) != len(_dicts(src.record.value.get("sections"))):
            return  # a section that could not be read is its own problem: its text is not "outside"
        for start, end in outside(src.text, self.section_rows(src)):
            msg = (f"text [{start}, {end}) lies in no section: {short(src.text[start:end].strip()[:60])}; extend a "
                   "section over it or add one with its heading")  # fmt: skip
            self._add("KD560", src.record, ("sections",), msg)

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
