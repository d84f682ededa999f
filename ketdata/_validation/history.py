"""Change control: every claim or caveat that changed since the latest release must say so in its version."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from ketdata._io.files import read_regular, utf8_text
from ketdata._io.overlay import lookup
from ketdata._model.convert import KINDS, normalise
from ketdata._model.diff import field_changes
from ketdata._model.problems import DataError, Problem, Severity, problem, short
from ketdata._read.paths import project_root
from ketdata._validation.folder import RawRecord
from ketdata._validation.index import RecordIndex
from ketdata._validation.words import content_stems, stem, words

VERSIONED = {"claim": "claims", "caveat": "caveats"}
PROVENANCE = ("author", "url", "published", "license")  # what a source says of its article, known or null
# Records that are not versioned but that checks read as policy: a decision table, a predicate's object kind,
# a category's parent. Changing them since the release is watched like a rule (KD517).
POLICY = {"evidence_status": "evidence_statuses", "predicate": "predicates", "category": "categories"}
_WORDED = ("label", "definition")  # what a policy record says to a reader of every claim that uses it
_SEMVER = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(?![\s\S])")
CHECKSUMS = "SHA256SUMS"
OLD_JOURNAL = ".release-journal.json"  # what older ketdata wrote; never read, only reported
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SUM_LINE = re.compile(r"([0-9a-f]{64})  ([0-9.]+\.json)(?![\s\S])")


def releases_dir(data_dir: Path) -> Path:
    """Where the release snapshots of a data folder live: ``releases/`` beside it (``validate .`` included)."""
    return project_root(data_dir) / "releases"


def semver(version: str) -> tuple[int, int, int]:
    """A ``MAJOR.MINOR.PATCH`` string as a tuple that sorts by precedence."""
    match = _SEMVER.match(version) if isinstance(version, str) else None
    if not match:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def _snapshots(folder: Path) -> list[Path]:
    return [p for p in folder.glob("*.json") if _SEMVER.match(p.stem)] if folder.is_dir() else []


def latest_snapshot(folder: Path) -> Path | None:
    """The snapshot of the highest released version in ``folder``, or None when nothing was released."""
    return max(_snapshots(folder), key=lambda p: semver(p.stem), default=None)


def read_checksums(folder: Path) -> dict[str, str]:
    """The sha256 of each released snapshot, by file name, as recorded in ``SHA256SUMS`` when it was released."""
    return {name: digest for name, (digest, _) in _ledger(folder)[0].items()}


def _ledger(folder: Path) -> tuple[dict[str, tuple[str, int]], list[Problem]]:
    """``SHA256SUMS`` read strictly: each snapshot's sha256 and line, and a problem for each bad line.

    A line that is not ``<sha256>  <X.Y.Z>.json`` (garbage, another path, a second line for one snapshot) is
    reported at its own line.
    """
    ledger = folder / CHECKSUMS
    try:
        text, problems = utf8_text(read_regular(ledger), str(ledger))
    except OSError:
        return {}, []  # a missing ledger is reported as every snapshot unlisted
    sums: dict[str, tuple[str, int]] = {}
    if text is None:
        return sums, problems
    for number, line in enumerate(text.splitlines(), 1):
        m = _SUM_LINE.fullmatch(line)
        if m is None or not _SEMVER.match(m.group(2)[: -len(".json")]):
            msg = (f"line {short(line)} is not '<sha256>  <X.Y.Z>.json' for a snapshot in this folder: only "
                   "`ketdata release` writes this file")  # fmt: skip
            problems.append(problem("KD520", str(ledger), number, 1, None, msg))
        elif m.group(2) in sums:
            msg = f"lists {m.group(2)} again (first on line {sums[m.group(2)][1]}): one line for each snapshot"
            problems.append(problem("KD520", str(ledger), number, 1, None, msg))
        else:
            sums[m.group(2)] = (m.group(1), number)
    return sums, problems


def render_checksums(sums: dict[str, str]) -> str:
    """``SHA256SUMS`` text (the format ``sha256sum -c`` reads), oldest release first."""
    return "".join(f"{sums[name]}  {name}\n" for name in sorted(sums, key=lambda n: semver(n[: -len(".json")])))


def release_problems(folder: Path) -> tuple[list[Problem], Path | None]:
    """Problems with the released snapshots, and the latest one if it can be trusted as the baseline.

    A snapshot is immutable: one missing from ``SHA256SUMS``, or whose bytes no longer have the sha256
    recorded there, is reported (KD507) and never used as the baseline. A release journal older ketdata
    left here is reported (KD510) and never read.
    """
    problems: list[Problem] = []
    if folder.is_symlink():
        msg = "the releases folder is a link; ketdata reads and writes release history only in a real folder"
        return [problem("KD017", str(folder), 1, 1, None, msg)], None
    if os.path.lexists(folder / OLD_JOURNAL):
        msg = ("is not used by ketdata, which never finishes anything from it (releases are transactions now); "
               "look at it, then remove it")  # fmt: skip
        problems.append(problem("KD510", str(folder / OLD_JOURNAL), 1, 1, None, msg))
    lines, malformed = _ledger(folder)
    problems += malformed
    sums, present = {name: digest for name, (digest, _) in lines.items()}, {p.name: p for p in _snapshots(folder)}
    ledger = str(folder / CHECKSUMS)
    for name in sorted(set(sums) | set(present)):
        path = folder / name
        if name not in present:
            problems.append(problem("KD507", ledger, lines[name][1], 1, None, f"lists {name}, which is gone"))
            continue
        try:
            content = read_regular(path)
        except OSError as exc:
            problems.append(problem("KD507", str(path), 1, 1, None, f"cannot be read: {exc.strerror or exc}"))
            continue
        digest = hashlib.sha256(content).hexdigest()
        problems += _named_version(path, content)
        if name not in sums:
            problems.append(problem("KD507", str(path), 1, 1, None, f"is not listed in {CHECKSUMS}"))
        elif digest != sums[name]:
            msg = f"has sha256 {digest}, not the {sums[name]} recorded when it was released"
            problems.append(problem("KD507", str(path), 1, 1, None, msg))
    problems += _unrecorded_releases(folder, present)
    latest = latest_snapshot(folder)
    trusted = latest is not None and not any(p.file in (str(latest), ledger) for p in problems)
    return problems, latest if trusted else None


_RANK = {"info": 0, "warning": 1, "error": 2}
# Which change of a rule's list lets more through, by rule kind: a word off the strong-wording list, a
# connective added to the words a statement may add to its quotes, a caveat kind that now also counts.
_LOOSER = {
    # A category or caveat kind taken off a rule about one subject frees what it read (KD606, KD619).
    "strong-wording": {
        "words": "taken off",
        "statuses": "taken off",
        "categories": "taken off",
        "caveat_kinds": "taken off",
    },
    "qualifier-words": {"words": "taken off"},
    "words-from-evidence": {"words": "added"},
    "caveat-coverage": {"categories": "taken off", "caveat_kinds": "added"},
    "status-in-scope": {"predicates": "taken off", "statuses": "taken off", "caveats": "taken off"},
}
# A policy record's fields whose change is weaker in one direction only (checked by `_policy_changed` itself):
# any other field that changed since the release is reported as changed, in whichever direction.
# A predicate's subject and object kinds (KD673-KD675): widened or removed is KD517, a first list only narrows.
_DIRECTED = {"predicate": frozenset({"categories", "expressed_by", "subject_kinds", "object_kinds"})}


def _named_version(path: Path, content: bytes) -> list[Problem]:
    """A snapshot ``X.json`` holds release X: a copy under another name (with its checksum) is no release of X."""
    try:
        inner = json.loads(content)["dataset"]["version"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return []  # not a snapshot at all: said where it is read (KD508)
    if inner == path.stem:
        return []
    lines = content.decode("utf-8", "replace").splitlines()
    line = next((n for n, text in enumerate(lines, 1) if '"dataset"' in text), 1)
    msg = f"is named for release {path.stem} but holds release {short(inner)}; a snapshot is named for its version"
    return [problem("KD516", str(path), line, 1, None, msg)]


def next_versions(release: str) -> tuple[str, str, str]:
    """The versions the release after ``release`` can have: the next patch, minor and major."""
    major, minor, patch = semver(release)
    return f"{major}.{minor}.{patch + 1}", f"{major}.{minor + 1}.0", f"{major + 1}.0.0"


_RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


def _unrecorded_releases(folder: Path, present: dict[str, Path]) -> list[Problem]:
    """A release the changelog beside ``releases/`` names whose snapshot is gone (KD521).

    ``ketdata release`` writes a release's snapshot, its ledger line and its changelog section in one
    transaction, so the three agree; a snapshot deleted with its ledger line still has its section, and a
    middle release cannot go missing unnoticed. (Deleting the section too is seen only in the history of git.)
    """
    changelog = folder.parent / "CHANGELOG.md"
    try:
        text, problems = utf8_text(read_regular(changelog), str(changelog))
    except OSError:
        return []  # no changelog beside the releases (a data folder on its own): nothing to hold them to
    if text is None:
        return problems  # `ketdata release` prepends to it: refused until it is UTF-8 again
    for m in _RELEASE_HEADING.finditer(text):
        name = f"{m.group(1)}.json"
        if name not in present and lookup(folder / name) is None:
            line = text.count("\n", 0, m.start()) + 1
            msg = (f"names release {m.group(1)}, but {folder.name}/ holds no {name}: the release history is "
                   "incomplete; restore the snapshot and its SHA256SUMS line from the release (git)")  # fmt: skip
            problems.append(problem("KD521", str(changelog), line, 1, None, msg))
    return problems


def missing_release(index: RecordIndex, folder: Path) -> list[Problem]:
    """The release ``dataset.yaml`` (or a record's version) says was cut, when the history beside it does not hold it.

    A dataset with a release date was released at its version, so its snapshot is the baseline the version
    rules judge every record against: without it (deleted, with its checksum line or not) those rules would
    silently judge against an older release, or not at all. A record above version 1 was released too,
    whatever ``release_date`` says. ``ketdata release`` refuses data with either (KD514): it would cut a
    version again, as a first release, over other content.
    """
    dataset = next(iter(index.kind("dataset")), None)
    if dataset is None or not isinstance(dataset.value.get("release_date"), str):
        return [] if dataset is None or latest_snapshot(folder) is not None else _released_records(index, folder)
    version = dataset.value.get("version")
    snapshot = folder / f"{version}.json" if isinstance(version, str) and _SEMVER.match(version) else None
    if snapshot is None or snapshot.is_file() or lookup(snapshot) is not None:
        return []  # no version to look for (the schema says so), or its snapshot (on disk, or being written)
    if not os.path.lexists(folder):
        msg = (f"says release {version} was cut on {dataset.value['release_date']}, but there is no release "
               f"history beside the data folder ({folder}): the version rules did not run; validate from the "
               "project that holds releases/, or restore it")  # fmt: skip
        return [dataset.problem("KD514", ("version",), msg)]
    msg = (f"says release {version} was cut on {dataset.value['release_date']}, but {folder.name}/ holds no "
           f"{version}.json: the release history is incomplete; the version rules cannot judge against it")  # fmt: skip
    return [dataset.problem("KD507", ("version",), msg)]


def _released_records(index: RecordIndex, folder: Path) -> list[Problem]:
    """Records above version 1 in data that says it was never released and has no release snapshot (KD514)."""
    later = [r for kind in VERSIONED for r in index.kind(kind)
             if type(r.value.get("version")) is int and r.value["version"] > 1]  # fmt: skip
    if not later:
        return []
    first, others = later[0], len(later) - 1
    more = f" (and {others} other record(s) above version 1)" if others else ""
    msg = (f"is at version {first.value['version']}{more}, so it was released, but there is no release "
           f"snapshot in {folder.name}/ beside the data folder: the version rules did not run; validate from the "
           "project that holds the release history, or restore it")  # fmt: skip
    return [first.problem("KD514", ("version",), msg)]


def future_release(dataset: RawRecord | None, today: datetime.date) -> list[Problem]:
    """KD530: a release date after today (UTC), which no release can have been cut on (`release --date` agrees)."""
    date = dataset.value.get("release_date") if dataset is not None else None
    if dataset is None or not isinstance(date, str) or not _DAY.fullmatch(date) or date <= today.isoformat():
        return []
    msg = f"release_date {short(date)} is after today ({today}): a release is dated the day it was cut"
    return [dataset.problem("KD530", ("release_date",), msg)]


def unreleased_reason(snapshot: Path) -> str | None:
    """Why a release snapshot (``X.Y.Z.json`` beside a ``SHA256SUMS``) may not be used, or None if it may.

    A file elsewhere, or one in a folder with no ledger, is the user's own export and is taken as given.
    """
    folder = snapshot.parent
    if not _SEMVER.match(snapshot.stem) or (not (folder / CHECKSUMS).exists() and not folder.is_symlink()):
        return None
    found, _ = release_problems(folder)
    bad = [p for p in found if p.file in (str(snapshot), str(folder), str(folder / CHECKSUMS))]
    return bad[0].message if bad else None


def _id(record: dict[str, Any]) -> str:
    rid = record["id"]
    if not isinstance(rid, str) or not isinstance(record.get("version"), int):
        raise TypeError(f"a record with id {short(rid)} and version {short(record.get('version'))}")
    return rid


def _placeless(record: dict[str, Any], sources: AbstractSet[str]) -> dict[str, Any]:
    """The record without the offsets and sections of its places in the given sources (for comparing words)."""

    def strip(place: Any) -> Any:
        if isinstance(place, dict) and place.get("source") in sources:
            return {k: v for k, v in place.items() if k not in ("start", "end", "section")}
        return place

    out = dict(record)
    for name in ("evidence", "readings"):
        if isinstance(out.get(name), list):
            out[name] = [strip(p) for p in out[name]]
    scope = out.get("scope")
    if isinstance(scope, dict) and isinstance(scope.get("spans"), list):
        out["scope"] = {**scope, "spans": [strip(p) for p in scope["spans"]]}
    return out


def _strs(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _kinds_widened(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """A predicate's subject or object kinds that let more concepts pass than in the release (KD673, KD674).

    A list absent from the release (or empty: a snapshot writes an unset list as []) said nothing yet: the first
    one only narrows. A list removed since lets every kind pass.
    """
    changed = []
    for name in ("subject_kinds", "object_kinds"):
        if not _strs(old.get(name)):
            continue
        if not isinstance(new.get(name), list):
            changed.append((name, f"its {name} were removed (any kind of concept passes)"))
        elif wider := sorted(set(_strs(new[name])) - set(_strs(old[name]))):
            changed.append((name, f"its {name} gained {short(', '.join(wider), 120)}"))
    return changed


def _plain(value: Any) -> Any:
    """A value compared as snapshots of every export format hold it: unset (null, [], {}) keys left out."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _rewritten(old: dict[str, Any], new: dict[str, Any], skip: AbstractSet[str]) -> list[tuple[str, str]]:
    """Each field (but ``skip``) of a policy record whose value differs from the release's, and how.

    Prose counts as much as a list: a decision row's ``why`` is the published reason its claims are graded as
    they are (A7-11), a rule's ``description`` what a reader takes it to check.
    """
    found = []
    for name in sorted((set(old) | set(new)) - skip - {"id"}):
        before, after = (_plain(v) if v not in ([], {}) else None for v in (old.get(name), new.get(name)))
        if before == after:
            continue
        if name == "decision" and isinstance(before, list) and isinstance(after, list):
            rows = [str(r.get("wording") if isinstance(r, dict) else r) for r in after if r not in before]
            how = (
                f"its decision rows {short('; '.join(rows), 160)} were rewritten or added"
                if rows
                else ("its decision table lost rows")
            )
        elif not isinstance(before, (list, dict)) and not isinstance(after, (list, dict)):
            how = f"its {name} went from {short(before, 80)} to {short(after, 80)}"
        else:
            how = f"its {name} changed (was {short(before, 80)})"
        found.append((name, how))
    return found


def _decides(status: dict[str, Any]) -> set[tuple[str, str, str | None, Any]]:
    """The kinds of statement a status's decision rows decide: (field, predicate or category, cue, experimental)."""
    keys = set()
    for row in status.get("decision") or ():
        if not isinstance(row, dict):
            continue
        cue = row["cue"].casefold() if isinstance(row.get("cue"), str) else None
        for field in ("predicates", "categories"):
            keys |= {(field, name, cue, row.get("experimental")) for name in _strs(row.get(field))}
    return keys


def _deciders(statuses: Any) -> dict[tuple[str, str, str | None, Any], set[str]]:
    found: dict[tuple[str, str, str | None, Any], set[str]] = {}
    for status in statuses:
        for key in _decides(status):
            found.setdefault(key, set()).add(str(status.get("id")))
    return found


def _key_text(key: tuple[str, str, str | None, Any]) -> str:
    field, name, cue, experimental = key
    where = "" if experimental is None else (" in the experimental passage" if experimental else " outside it")
    return f"{field[:-1] if field == 'predicates' else 'category'} {name} with {repr(cue) if cue else 'no cue'}{where}"


def _uncovered_spans(old: Any, new: Any, revised: AbstractSet[str]) -> bool:
    """Whether a released scope's spans (in a source whose text did not change) reach text the new ones do not."""
    spans = [s for s in (new if isinstance(new, list) else ()) if isinstance(s, dict)]
    for span in old if isinstance(old, list) else ():
        if not isinstance(span, dict) or span.get("source") in revised:
            continue
        start, end = span.get("start"), span.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        ours = sorted((s["start"], s["end"]) for s in spans if s.get("source") == span.get("source")
                      and isinstance(s.get("start"), int) and isinstance(s.get("end"), int))  # fmt: skip
        for a, b in ours:
            if a <= start < b:
                start = b
        if start < end:
            return True
    return False


def _current_spans(
    evidence: Any, index: RecordIndex, roles: tuple[str, ...] = ("statement",)
) -> list[tuple[str, int, int]]:
    """A record's stating spans that lie in its source's current text (not on an earlier revision)."""
    current = {str(r.id): r.value.get("sha256") for r in index.kind("source")}
    return [(span["source"], span["start"], span["end"]) for span in (evidence if isinstance(evidence, list) else ())
            if isinstance(span, dict) and span.get("role") in roles and span.get("source") in current
            and isinstance(span.get("start"), int) and isinstance(span.get("end"), int)
            and span.get("revision", current[span["source"]]) == current[span["source"]]]  # fmt: skip


def _quoted_by_another(
    span: tuple[str, int, int],
    record: RawRecord,
    index: RecordIndex,
    kinds: tuple[str, ...] = ("caveat",),
    roles: tuple[str, ...] = ("statement",),
) -> bool:
    """Whether an active record of ``kinds`` other than ``record`` states the whole span (in a span of ``roles``)."""
    source, start, end = span
    others = (r for kind in kinds for r in index.kind(kind) if r is not record and r.value.get("status") == "active")
    return any(s == source and a <= start and end <= b
               for r in others for s, a, b in _current_spans(r.value.get("evidence"), index, roles))  # fmt: skip


# A claim states its passage as a statement or as a list item; a caveat as a statement.
_STATING = ("statement", "item")


def _line_in(path: Path, record_id: str) -> int:
    needle = re.compile(rf'"id":\s*"{re.escape(record_id)}"')
    for number, line in enumerate(read_regular(path).decode("utf-8", "replace").splitlines(), 1):
        if needle.search(line):
            return number
    return 1


class VersionRules:
    """Compares the working records with the latest release snapshot."""

    def __init__(self, snapshot: Path) -> None:
        """Read the snapshot.

        Raises:
            DataError: It is not JSON, or not shaped like a snapshot (KD508).
        """
        self.snapshot = snapshot
        self.release = snapshot.stem
        self.revised: set[str] = set()  # the sources whose text changed since the release (set by `check`)
        try:
            doc = json.loads(read_regular(snapshot))
            self.released: dict[str, tuple[str, dict[str, Any]]] = {
                _id(r): (kind, r) for kind, attr in VERSIONED.items() for r in doc.get(attr, ())
            }
            # Each source's text as released: a span that only followed a new revision of it has not changed.
            self.texts = {str(r.get("id")): r.get("sha256") for r in doc.get("sources", ()) if isinstance(r, dict)}
            self.sources = {str(r.get("id")): r for r in doc.get("sources", ()) if isinstance(r, dict)}
            self.concepts = {str(r.get("id")): r for r in doc.get("concepts") or () if isinstance(r, dict)}
            info = doc.get("dataset") or {}
            self.version, self.date = semver(str(info.get("version", snapshot.stem))), info.get("release_date")
            self.maintainers = _plain(info.get("maintainers"))
            self.rules = {str(r["id"]): r for r in doc.get("rules") or () if isinstance(r, dict) and "id" in r}
            # The kind of every record id the release holds.
            self.kinds = {str(r["id"]): kind for kind, attr, _ in KINDS for r in doc.get(attr) or ()
                          if isinstance(r, dict) and "id" in r}  # fmt: skip
            self.policy = {(kind, str(r["id"])): r for kind, attr in POLICY.items() for r in doc.get(attr) or ()
                           if isinstance(r, dict) and "id" in r}  # fmt: skip
            self.policy_kinds = {kind for kind, attr in (*POLICY.items(), ("rule", "rules")) if doc.get(attr)}
            self.deciders = _deciders(r for (kind, _), r in self.policy.items() if kind == "evidence_status")
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            msg = f"is not a ketdata snapshot ({short(exc, 120)})"
            raise DataError([problem("KD508", str(snapshot), 1, 1, None, msg)]) from None

    def check(self, index: RecordIndex, unread: AbstractSet[str] = frozenset()) -> list[Problem]:
        """Problems of every versioned record (those that passed their schema) and of released ones now gone.

        A released record of a kind one of whose files could not be read is not called gone: its file's
        own error says what to fix, and a cascade of "withdraw it" would only mislead.
        """
        problems: list[Problem] = []
        present: set[str] = set()
        self.revised = {str(r.id) for r in index.records if r.kind == "source" and str(r.id) in self.texts
                        and r.value.get("sha256") != self.texts[str(r.id)]}  # fmt: skip
        rules: set[str] = set()
        live = {str(r.id) for r in index.kind("claim") if r.value.get("status") == "active"}
        for record in index.records:
            valid = index.is_valid(record)
            if record.kind in POLICY and valid:
                problems += self._policy_changed(record)
            if record.kind == "dataset" and valid:
                problems += self._dataset(record)
            if record.kind == "source" and valid:
                problems += self._provenance(record) + self._text_revised(record)
            if record.kind == "concept" and valid:
                problems += self._concept_rekinded(record)
            if record.kind == "rule" and record.id is not None:
                rules.add(record.id)
                problems += self._weakened(record) if valid else []
            if record.kind not in VERSIONED or record.id is None:
                continue
            present.add(record.id)
            if valid:
                problems += self._record(record) + self._withdrawn(record, index) + self._narrowed(record, live)
                problems += self._claim_narrowed(record, index) + self._says_less(record)
        for rid, (kind, _) in sorted(self.released.items()):
            if rid not in present and kind not in unread:
                msg = (f"{kind} {rid} is in release {self.release} but is gone; keep it and set its status to "
                       "withdrawn or deprecated, with a reason")  # fmt: skip
                problems.append(problem("KD504", str(self.snapshot), _line_in(self.snapshot, rid), 1, rid, msg))
        if "rule" not in unread:
            for rid in sorted(set(self.rules) - rules):
                msg = f"rule {rid} of release {self.release} is gone: what it checked is no longer checked"
                problems.append(problem("KD517", str(self.snapshot), _line_in(self.snapshot, rid), 1, rid, msg))
        return problems

    def _withdrawn(self, record: RawRecord, index: RecordIndex) -> list[Problem]:
        """A caveat active in the latest release that no longer reaches its claims, while the article still says it.

        Whatever its kind ("should only be used under the guidance of …", "not fully understood" as much as a
        safety warning), a caveat withdrawn or deprecated takes the article's words off every claim it qualified
        (A5-2), unless an active caveat quotes the same passage. A safety warning re-kinded warns no more.
        """
        kind, raw = self.released.get(str(record.id), ("", {}))
        if raw.get("status") != "active":
            return []
        if kind == "claim":
            return self._claim_withdrawn(record, index)
        if kind != "caveat":
            return []
        status, was = record.value.get("status"), raw.get("kind")
        if status == "active":
            return self._rekinded(record, was)
        said = _current_spans(record.value.get("evidence"), index)
        if not said or all(_quoted_by_another(span, record, index) for span in said):
            return []
        what = "an active safety warning" if was == "safety-warning" else f"an active {was} caveat"
        msg = (f"{record.id} was {what} in release {self.release} and is {status} now, while the article still "
               "says it and no active caveat quotes that passage: its claims lose it")  # fmt: skip
        return [record.problem("KD517", ("status",), msg)]

    def _rekinded(self, record: RawRecord, was: Any) -> list[Problem]:
        """KD517: an active caveat of the release filed under another kind now, whatever the two kinds (A7-05).

        A consumer selects caveats by kind (the FHIR caveat-kind code, the CSV ``kind``): the supervision
        requirement filed as a "limitation" is no longer one for it, and a safety warning re-kinded warns no more.
        """
        now = record.value.get("kind")
        if now == was:
            return []
        what = "an active safety warning" if was == "safety-warning" else f"an active {was} caveat"
        msg = (f"{record.id} was {what} in release {self.release} and is {short(now)} now: whoever selects its "
               "claims' caveats by kind no longer finds it there")  # fmt: skip
        return [record.problem("KD517", ("kind",), msg)]

    def _concept_rekinded(self, record: RawRecord) -> list[Problem]:
        """KD517: a concept of the release of another kind now (A7-05: a harm re-filed as a practice).

        A concept's kind decides which predicates may name it (KD673, KD674) and how every export files it;
        concepts have no version or review to show the change, so it is released only when a maintainer accepts it.
        """
        old = self.concepts.get(str(record.id))
        was, now = (old or {}).get("kind"), record.value.get("kind")
        if old is None or was is None or now == was:
            return []
        msg = (f"concept {record.id} was of kind {short(was)} in release {self.release} and is {short(now)} now: "
               "the predicates that may name it, and what every export files it as, change with it")  # fmt: skip
        return [record.problem("KD517", ("kind",), msg)]

    def _claim_withdrawn(self, record: RawRecord, index: RecordIndex) -> list[Problem]:
        """A risky claim active in the latest release withdrawn while the article still says it, and nothing else does.

        Deprecating a claim names the claim that states its words instead (KD580); withdrawing one names
        none, so the fact would leave the dataset unless another active claim or caveat states its passage. Only
        a claim of the categories whose claims need caveats (a harm, a side effect, a non-medical use, therapy
        practice: a ``caveat-coverage`` rule's) is held: its loss hides a warning; a street name may go.
        """
        risky = index.categories_under(c for r in index.valid("rule") if r.value.get("kind") == "caveat-coverage"
                                       for c in r.value.get("categories") or ())  # fmt: skip
        if record.value.get("status") != "withdrawn" or record.value.get("category") not in risky:
            return []
        said = _current_spans(record.value.get("evidence"), index, _STATING)
        if not said or all(_quoted_by_another(span, record, index, ("claim", "caveat"), _STATING) for span in said):
            return []
        msg = (
            f"{record.id} was an active claim of category {record.value.get('category')} in release {self.release} "
            "and is withdrawn now, while the article still says it and no active claim or caveat states that "
            "passage: a fact whose claims need caveats leaves the dataset"
        )
        return [record.problem("KD517", ("status",), msg)]

    def _claim_narrowed(self, record: RawRecord, index: RecordIndex) -> list[Problem]:
        """An active claim or caveat of the release stating less of the article now, the rest stated by no record.

        Narrowing a quote and excusing the rest by a ``leaves_out`` drops what the article says with it: claim-019
        without "particularly in cases where other treatments have been ineffective" (A6-10) widens the depression
        claim in every export. A split (another claim takes the rest) is no loss.
        """
        kind, raw = self.released.get(str(record.id), ("", {}))
        if kind not in VERSIONED or raw.get("status") != "active" or record.value.get("status") != "active":
            return []
        old = [s for s in raw.get("evidence") or () if isinstance(s, dict) and s.get("role") in _STATING
               and s.get("revision") in (None, self.texts.get(str(s.get("source"))))]  # fmt: skip
        ours = [{"source": s, "start": a, "end": b} for s, a, b in _current_spans(record.value.get("evidence"), index,
                                                                                 _STATING)]  # fmt: skip
        if not _uncovered_spans(old, ours, self.revised):
            return []
        others = (r for kind in ("claim", "caveat") for r in index.active(kind) if r is not record)
        ours += [{"source": s, "start": a, "end": b} for r in others
                 for s, a, b in _current_spans(r.value.get("evidence"), index, _STATING)]  # fmt: skip
        if not _uncovered_spans(old, ours, self.revised):
            return []
        msg = (f"{record.id} states less of the article than in release {self.release}, and no other active claim "
               "or caveat states the rest: what the article says with it (a qualifier, a condition) leaves the "
               "dataset")  # fmt: skip
        return [record.problem("KD517", ("evidence",), msg)]

    def _says_less(self, record: RawRecord) -> list[Problem]:
        """An active claim or caveat of the release whose statement drops words its quotes hold, or excuses more.

        Its quotes unchanged, a statement may drop the article's words behind a new ``leaves_out`` entry, whose
        ``why`` nothing can judge: "should only be used under the guidance of …" without "only" reads as a
        recommendation, and the safety warning without "confusion, and dizziness" warns of less (A7-14). The
        release's statement and leaves_out are the baseline, so the record is compared with itself only.
        """
        kind, raw = self.released.get(str(record.id), ("", {}))
        new = record.value
        if kind not in VERSIONED or raw.get("status") != "active" or new.get("status") != "active":
            return []
        if any(isinstance(s, dict) and s.get("source") in self.revised for s in new.get("evidence") or ()):
            return []  # its words follow a new revision of the article (`source update`), which review confirms
        found = []
        excused = {e.get("text") for e in raw.get("leaves_out") or () if isinstance(e, dict)}
        added = [e["text"] for e in new.get("leaves_out") or () if isinstance(e, dict)
                 and isinstance(e.get("text"), str) and e["text"] not in excused]  # fmt: skip
        if added:
            found.append(("leaves_out", f"its leaves_out now also names {short(', '.join(added), 120)}"))
        before, after = raw.get("statement"), new.get("statement")
        if isinstance(before, str) and isinstance(after, str) and before != after:
            quoted = frozenset().union(*(content_stems(s["quote"]) for s in new.get("evidence") or ()
                                         if isinstance(s, dict) and s.get("role") in _STATING
                                         and isinstance(s.get("quote"), str)))  # fmt: skip
            lost = (content_stems(before) - content_stems(after)) & quoted
            if lost:
                dropped = [w for w in words(before)[0] if stem(w) in lost]
                found.append(("statement", f"its statement dropped {short(', '.join(dropped), 120)}, which its "
                              "quotes still hold"))  # fmt: skip
        lead = f"{record.id} states less than in release {self.release}:"
        return [record.problem("KD517", (field,), f"{lead} {why}: what the article says with it leaves the dataset")
                for field, why in found]  # fmt: skip

    def _provenance(self, record: RawRecord) -> list[Problem]:
        """An author, URL, date, licence or title of a released source filled in or changed since the release.

        Sources carry no version and no review, so nothing else would stop an invented value: a person must
        say where it comes from, in the source's note, before it is released. So the change is an error (it
        stops ``validate`` and ``release``) unless the same change rewrote the note; then it is a warning a
        release prints, and which ends with it (A6-4: a warning alone was released, and the invented author
        became the baseline nothing warned about again). Refusing in ``release`` instead would refuse every
        later release too, however well the note says where a real author comes from. A title is watched
        with them: "(NIH patient fact sheet)" added to it attributes the article as much as an author does.
        """
        old = self.sources.get(str(record.id))
        if old is None:
            return []
        noted = (old.get("note") or None) != (record.value.get("note") or None)
        problems = []
        for field in (*PROVENANCE, *(("title",) if "title" in old else ())):
            before, after = old.get(field), record.value.get(field)
            if after is not None and after != before:
                was = f"{short(before)}" if before is not None else "null (unknown)"
                said = (
                    "the note changed with it: a maintainer must confirm it says where the value comes from"
                    if noted
                    else "its note is as released: say there where the value comes from, or set it back"
                )
                msg = f"{field} is {short(after)} now, {was} in release {self.release}: never guessed; {said}"
                severity = Severity.WARNING if noted else Severity.ERROR
                problems.append(record.problem("KD570", (field,), msg, severity=severity))
        return problems

    def _text_revised(self, record: RawRecord) -> list[Problem]:
        """KD517: the article's text is not the released one (A7-10).

        Its sha256 sits beside it in data/: an editor could rewrite the article ("bladder damage" made "stomach
        damage", a reassuring passage appended) with the quotes and the sha256 to match, and every check would
        read the new text as the article. A new revision (`ketdata source update`) is released only when a
        maintainer, having compared it with the article as published, accepts it by name at the release.
        """
        old, new = self.texts.get(str(record.id)), record.value.get("sha256")
        if old is None or new == old:
            return []
        msg = (f"the text of {record.id} is not the one of release {self.release} (sha256 {str(old)[:12]}… "
               f"then, {str(new)[:12]}… now): the article itself changed; compare it with the article as "
               "published before accepting it at the release")  # fmt: skip
        return [record.problem("KD517", ("sha256",), msg)]

    def _policy_changed(self, record: RawRecord) -> list[Problem]:
        """How a record that checks read as policy changed since the latest release (KD517).

        A decision-table row that now gives this status to a kind of statement another status (or none) gave in
        the release regrades claims; a predicate's categories or ``expressed_by`` phrases added let more
        statements fit it (A7-07: a side effect re-filed as a route), and a kind of concept added to its
        ``subject_kinds`` or ``object_kinds`` (or either list removed) more concepts. Any other field changed,
        prose included (a label, a definition, a decision row's ``why``), changes what the checks ask of every
        claim that uses
        the record or what every export says beside it ("established" redefined as "confirmed by randomised
        controlled trials", A6-12), and these records have no version or review to show it. A record new since
        the release is policy nobody confirmed yet (A7-15). A warning in validation: a maintainer may mean it,
        and names the record to ``ketdata release --accept-weaker``, which refuses without it.
        """
        old, new = self.policy.get((record.kind, str(record.id))), record.value
        if old is None:
            return self._new_policy(record, record.kind.replace("_", " "))
        changed: list[tuple[str, str]] = []
        if record.kind == "evidence_status":
            taken = sorted({_key_text(k) for k in _decides(new) if str(record.id) not in self.deciders.get(k, ())})
            if taken:
                changed.append(("decision", f"its decision table now gives it to {short(', '.join(taken), 160)}"))
        if record.kind == "predicate":
            # A predicate with no categories in the release declared none yet: its first list only narrows.
            if isinstance(old.get("categories"), list):
                wider = sorted(set(_strs(new.get("categories"))) - set(_strs(old.get("categories"))))
                if wider:
                    changed.append(("categories", f"its categories gained {short(', '.join(wider), 120)}"))
            phrases = sorted(set(_strs(new.get("expressed_by"))) - set(_strs(old.get("expressed_by"))))
            if phrases:
                said = short(", ".join(phrases), 120)
                changed.append(("expressed_by", f"its expressed_by gained {said}, so more statements fit it"))
            changed += _kinds_widened(old, new)
        skip = {name for name, _ in changed} | _DIRECTED.get(record.kind, frozenset())
        changed += _rewritten(old, new, skip)
        return [record.problem("KD517", (field,), f"{record.id} is read as a rule, and {why} since release "
                                f"{self.release}") for field, why in changed]  # fmt: skip

    def _new_policy(self, record: RawRecord, what: str) -> list[Problem]:
        """A policy record (status, predicate, category, rule) the release did not have, when it had such records.

        A new category can grade the side effects the article warns of ("occasional, resolve on their own",
        A7-15); a new rule, status or predicate decides what claims may say. A snapshot written before the
        release held records of this kind has nothing to compare with: nothing is reported.
        """
        if what.replace(" ", "_") not in self.policy_kinds:
            return []
        msg = (f"{what} {record.id} is new since release {self.release}: new policy, which every claim it reaches "
               "follows, is released only when a maintainer accepts it")  # fmt: skip
        return [record.problem("KD517", ("id",), msg)]

    def _narrowed(self, record: RawRecord, live: AbstractSet[str]) -> list[Problem]:
        """An active caveat of the release that reaches fewer live claims, or a narrower passage, than it did."""
        kind, raw = self.released.get(str(record.id), ("", {}))
        if kind != "caveat" or raw.get("status") != "active" or record.value.get("status") != "active":
            return []
        lost = sorted((set(_strs(raw.get("applies_to"))) - set(_strs(record.value.get("applies_to")))) & live)
        found = []
        if lost:
            found.append(("applies_to", f"no longer applies to {short(', '.join(lost), 120)}"))
        old, new = raw.get("scope") or {}, record.value.get("scope")
        new = new if isinstance(new, dict) else {}
        for name in ("claims", "sections"):
            gone = sorted(set(_strs(old.get(name))) - set(_strs(new.get(name))))
            if gone:
                found.append(("scope", f"its scope.{name} lost {short(', '.join(gone), 120)}"))
        if _uncovered_spans(old.get("spans"), new.get("spans"), self.revised):
            found.append(("scope", "its scope covers less of the article than it did"))
        lead = f"{record.id} was an active caveat in release {self.release} and"
        return [record.problem("KD517", (field,), f"{lead} {why}: the claims it no longer reaches lose its warning")
                for field, why in found]  # fmt: skip

    def _weakened(self, record: RawRecord) -> list[Problem]:
        """How a rule checks less than it did in the latest release (a rule in data can be switched off)."""
        old, new = self.rules.get(str(record.id)), record.value
        if old is None:
            return self._new_policy(record, "rule")
        weaker = []
        if _RANK.get(str(new.get("severity")), 0) < _RANK.get(str(old.get("severity")), 0):
            weaker.append(("severity", f"its severity went from {old.get('severity')} to {new.get('severity')}"))
        if new.get("kind") != old.get("kind"):
            weaker.append(("kind", f"it checks {short(new.get('kind'))} now, not {short(old.get('kind'))}"))
        looser = _LOOSER.get(str(new.get("kind")), {}) if new.get("kind") == old.get("kind") else {}
        for name, loosened_by in looser.items():
            before, after = set(map(str, old.get(name) or ())), set(map(str, new.get(name) or ()))
            moved = sorted(before - after if loosened_by == "taken off" else after - before)
            if moved:
                weaker.append((name, f"{name} {loosened_by}: {short(', '.join(moved), 120)}"))
        if new.get("kind") == old.get("kind"):
            # A field whose direction is not known (a decision-table rule's caveats, a description) counts either way.
            weaker += _rewritten(old, new, {"severity", "kind", *looser})
        return [record.problem("KD517", (field,), f"rule {record.id} checks less than in release {self.release}: "
                                f"{why}") for field, why in weaker]  # fmt: skip

    def _says_more(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        """Whether a record changed beyond places that only followed a new revision of their source.

        ``ketdata source update`` moves a span whose words and context stand unchanged: its offsets (and
        section) are where the text now has them, and its review still holds. Any other change does not.
        """
        if not self.revised:
            return True
        return bool(field_changes(_placeless(old, self.revised), _placeless(new, self.revised),
                                  ignore=frozenset({"version", "review"})))  # fmt: skip

    def _dataset(self, record: RawRecord) -> list[Problem]:
        """The dataset's version and release date never go back behind the latest release's."""
        problems = []
        version, date = record.value.get("version"), record.value.get("release_date")
        try:
            behind = semver(str(version)) < self.version
        except ValueError:
            behind = False  # not a version at all: the schema says so
        if behind:
            msg = (f"version {short(version)} is behind release {self.release}, the latest released; "
                   "a dataset version never goes back")  # fmt: skip
            problems.append(record.problem("KD511", ("version",), msg, f"set version: {self.release}"))
        elif isinstance(version, str) and _SEMVER.match(version) and version != self.release \
                and version not in next_versions(self.release):  # fmt: skip
            steps = ", ".join(next_versions(self.release))
            msg = (f"version {short(version)} jumps beyond the next release after {self.release} ({steps}); "
                   "`ketdata release` works the version out from the changes")  # fmt: skip
            problems.append(record.problem("KD515", ("version",), msg, f"set version: {self.release}"))
        if isinstance(date, str) and isinstance(self.date, str) and date < self.date:
            msg = f"release_date {short(date)} is before {self.date}, the date of release {self.release}"
            problems.append(record.problem("KD512", ("release_date",), msg, f"set release_date: '{self.date}'"))
        else:
            problems += self._released_date(record)
        return problems + self._maintainers_changed(record)

    def _maintainers_changed(self, record: RawRecord) -> list[Problem]:
        """KD572: the dataset's maintainers are not the released ones (A7-08).

        Every export names them as the dataset's publisher and author (FHIR ``publisher``, the SSSOM mapping set's
        creator, the data package's author): a clinic, a hospital or a named clinician put there attributes the
        gradings and code mappings to someone who never made them. The dataset has no version or review of its
        own and no note to say where a name comes from (KD570's way out), so the change is an error until a
        maintainer accepts it by name at the release (``ketdata release --accept-weaker <dataset id>``), which
        lists it in the changelog; the release is then the baseline.
        """
        new = _plain(record.value.get("maintainers"))
        if self.maintainers is None or new == self.maintainers:
            return []  # a snapshot without them (never written so) has nothing to compare with
        names = ", ".join(str(m.get("name")) for m in self.maintainers if isinstance(m, dict))
        msg = (f"maintainers changed since release {self.release} (were {short(names, 100)}): every export names "
               "them as the dataset's publisher; a maintainer confirms the change at the release: ketdata release "
               f"--accept-weaker {record.id}")  # fmt: skip
        return [record.problem("KD572", ("maintainers",), msg)]

    def _released_date(self, record: RawRecord) -> list[Problem]:
        """KD530: the dataset at a released version carries the date that release was cut on, as its snapshot."""
        version, date = record.value.get("version"), record.value.get("release_date")
        if version != self.release or not isinstance(self.date, str) or date == self.date:
            return []
        msg = (f"release_date {short(date)}, but release {self.release} was cut on {self.date} ({self.snapshot.name}): "
               "a released version keeps its date")  # fmt: skip
        return [record.problem("KD530", ("release_date",), msg, f"set release_date: '{self.date}'")]

    def _record(self, record: RawRecord) -> list[Problem]:
        rid = str(record.id)
        # Located only when there is a problem: a mark parses the record's file again.
        version = record.value["version"]
        if rid not in self.released:
            if version != 1:
                return [record.problem("KD506", ("version",), f"a new record starts at version 1, not {version}")]
            return []
        # Snapshots write unset fields as null or [] (since export format 2) or leave them out (before): compare
        # both sides in one shape.
        kind, raw = self.released[rid]
        old = normalise(kind, raw)
        if kind != record.kind:
            msg = f"{rid} was a {kind} in release {self.release}; ids are never reused"
            return [problem("KD505", record.file, *record.mark("id"), rid, msg)]
        if old.get("status") == "withdrawn" and record.value.get("status") != "withdrawn":
            msg = f"{rid} was withdrawn in release {self.release}; ids are never reused, give a new record a new id"
            return [problem("KD505", record.file, *record.mark("status"), rid, msg)]
        new = normalise(record.kind, record.value)
        # The review trail is not content: reviewing a record does not change its version.
        changed = [f.field for f in field_changes(old, new, ignore=frozenset({"version", "review"}))]
        before = old["version"]
        if isinstance(version, int) and version < before:
            msg = (
                f"version {version} is below {before}, its version in release {self.release}; a version never goes back"
            )
            return [record.problem("KD513", ("version",), msg, f"set version: {before + int(bool(changed))}")]
        review = new.get("review") or {}
        if changed and review.get("status") == "reviewed" and review == old.get("review") and self._says_more(old, new):
            msg = (
                f"changed since release {self.release} ({', '.join(changed)}) but its review of "
                f"{review.get('reviewed_on')} predates the change; review it again or mark it unreviewed"
            )
            return [problem("KD603", record.file, *record.mark("review"), rid, msg)]
        if changed and version == before:
            msg = (f"changed since release {self.release} ({', '.join(changed)}) but still at version {version}; "
                   f"set version: {before + 1}")  # fmt: skip
            return [record.problem("KD501", ("version",), msg)]
        if changed and version != before + 1:
            msg = f"version {version}, but release {self.release} has {before}: a change raises it by exactly one"
            return [record.problem("KD502", ("version",), msg, f"set version: {before + 1}")]
        if not changed and version != before:
            msg = f"version {version}, but nothing changed since release {self.release} (version {before})"
            return [record.problem("KD503", ("version",), msg, f"set version: {before}")]
        return []
