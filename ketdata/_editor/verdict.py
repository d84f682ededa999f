"""A reviewer's verdict on one claim or caveat, written into its ``review`` block and nowhere else.

(Beside it, on a record a source update marked and whose mark the reviewer was shown, the mark's status: the
decision on the new reading. The evidence itself is never changed by a review.)

The write goes through the canonical formatter and the project's one transaction (under its lock, the
would-be file validated in memory), so no other byte of the file changes; it is refused when the record
changed since the reviewer saw it (optimistic concurrency, per record: a save to another record of the
same file is no conflict) and when the file is not in canonical form (formatting it would change more than
the review). ketdata never fills in a reviewer: the name and role are the reviewer's own words, trimmed of
surrounding spaces only.

Review-due policy: a confirmed record is due for review again one year after it was reviewed; a flagged
record gets no due date, since the flag itself (KD612) keeps it in the queue until it is changed and
reviewed again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator

from ketdata._editor.fmt import format_file, key_order
from ketdata._io.files import read_regular
from ketdata._io.transaction import TransactionError, commit, locked
from ketdata._io.yaml import read_documents
from ketdata._model.errors import UsageError
from ketdata._model.problems import Severity
from ketdata._model.review import Links, content_digest, due_after, review_links
from ketdata._model.unseen import find_unseen
from ketdata._read.paths import project_root, schema_dir
from ketdata._validation.folder import discover
from ketdata._validation.governance import REVIEWED
from ketdata._validation.pipeline import run_state
from ketdata._validation.review_log import appended, log_line
from ketdata._validation.reviewers import non_person

# The reasons a reviewer may flag a record, as the schema's reviewFlag lists them, with the words shown.
FLAGS: dict[str, str] = {
    "overstates-the-article": "Overstates the article",
    "hedge-or-qualifier-lost": "Hedge or qualifier lost",
    "wrong-category": "Wrong category",
    "wrong-evidence-status": "Wrong evidence status",
    "evidence-does-not-support": "Evidence does not support the claim",
    "caveat-missing-or-wrong": "Missing or wrong caveat",
    "code-wrong-or-too-strong": "Wrong or too-strong code",
}


class ReviewConflictError(UsageError):
    """The record changed on disk since the reviewer was shown it.

    Attributes:
        record_id: The record that changed, when known.
    """

    def __init__(self, message: str, record_id: str | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


class ReviewRefusedError(UsageError):
    """The verdict cannot be written as given (no reason for a flag, a name that is not plain text...)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a reviewer decided about one record.

    Attributes:
        status: ``reviewed`` (faithful to the article) or ``flagged``.
        reviewer: The reviewer's name, as typed.
        role: The reviewer's role, as typed.
        flags: The reasons for a flag, from `FLAGS`.
        note: The reviewer's note, or empty.
    """

    status: Literal["reviewed", "flagged"]
    reviewer: str
    role: str
    flags: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Restore:
    """A review block as it stood before a save, written back as it was (Undo).

    Attributes:
        block: The ``review`` mapping, exactly as it was read from the file.
        update: The status of the record's source update mark as it was, when the save decided it (else None).
    """

    block: dict[str, Any]
    update: str | None = None


def fingerprint(data: bytes) -> str:
    """The version of a file's bytes (sha256, hex)."""
    return hashlib.sha256(data).hexdigest()


def record_stamp(value: Any) -> str:
    """The version of one record as read from its file (sha256 of its values, hex): what a page showed."""
    plain = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def review_block(verdict: Verdict, today: datetime.date) -> dict[str, Any]:
    """The ``review`` mapping a verdict writes.

    Raises:
        ReviewRefusedError: A flag without a reason, or with an unknown one; a confirmation with reasons; no name.
    """
    name, role, note = verdict.reviewer.strip(), verdict.role.strip(), verdict.note.strip()
    if not name or not role:
        raise ReviewRefusedError("type your name and your role first: ketdata never records a reviewer for you")
    refused = not_a_person(name, role)
    if refused is not None:
        raise ReviewRefusedError(refused)
    unknown = [f for f in verdict.flags if f not in FLAGS]
    if unknown:
        raise ReviewRefusedError(f"unknown flag reason(s): {', '.join(unknown)}")
    if verdict.status == "flagged" and not verdict.flags:
        raise ReviewRefusedError("a flag needs at least one reason")
    if verdict.status == "reviewed" and verdict.flags:
        raise ReviewRefusedError("a confirmed record has no flag reasons; untick them, or flag it instead")
    _check_text({"name": name, "role": role, **({"note": note} if note else {})})
    block: dict[str, Any] = {"status": verdict.status, "reviewed_by": name, "reviewer_role": role}
    block["reviewed_on"] = today.isoformat()
    if verdict.status == "reviewed":
        block["review_due"] = due_after(today).isoformat()
    else:
        block["flags"] = [f for f in FLAGS if f in verdict.flags]
    if note:
        block["note"] = note
    return block


def not_a_person(name: str, role: str) -> str | None:
    """Why a reviewer's typed name and role cannot be recorded, when either declares a non-person (KD714); else None."""
    for what, typed in (("name", name), ("role", role)):
        word = non_person(typed)
        if word is not None:
            return (f"your {what} {typed!r} declares a non-person ({word!r}): only a person who did the review is "
                    "recorded as its reviewer; an AI, an assistant, a bot, a script or ketdata never is")  # fmt: skip
    return None


def plain_text(typed: str) -> bool:
    """Whether typed text is what the schema's ``text`` type takes, invisible characters beyond its pattern too.

    A reviewer's name, role and note are recorded as typed, so this is asked when they are typed and again
    when a review is written.
    """
    common = json.loads(read_regular(schema_dir() / "common.schema.json"))
    valid = Draft202012Validator(common["$defs"]["text"]).is_valid(typed)
    return valid and next(find_unseen(typed, ""), None) is None


def _check_text(values: dict[str, str]) -> None:
    for field, value in values.items():
        if not plain_text(value):
            raise ReviewRefusedError(
                f"the {field} must be one line of plain text, up to 2000 characters, not starting with = + - or @"
            )


def record_file(folder: Path, record_id: str) -> tuple[Path, str]:
    """The data file holding a claim or caveat, and its kind.

    Raises:
        ReviewRefusedError: No claim or caveat has that id.
    """
    path, kind, _, _ = _find(folder, record_id)
    return path, kind


def _find(folder: Path, record_id: str) -> tuple[Path, str, bytes, Any]:
    """The file of a claim or caveat, its kind, the bytes read, and the record's value in them (one read)."""
    files, _ = discover(folder)
    for data_file in files:
        if data_file.kind not in REVIEWED:
            continue
        data = read_regular(data_file.path)
        documents, _ = read_documents(data, str(data_file.path))
        for d in documents:
            if isinstance(d.value, dict) and d.value.get("id") == record_id:
                return data_file.path, data_file.kind, data, d.value
    raise ReviewRefusedError(f"no claim or caveat {record_id!r} in {folder}")


def update_decision(value: Any, verdict: Verdict | Restore, *, source_update: bool) -> str | None:
    """The status a save gives the record's source update mark, or None when it leaves the mark alone.

    A confirmation confirms the new reading the mark shows, a flag flags it; Undo puts back the status it had.
    Only a save made where the mark was shown (``source_update``) decides it, and only a mark there is.
    """
    mark = value.get("source_update") if isinstance(value, dict) else None
    if not isinstance(mark, dict):
        return None
    if isinstance(verdict, Restore):
        return verdict.update
    if not source_update:
        return None
    return "confirmed" if verdict.status == "reviewed" else "flagged"


def saved_value(
    value: dict[str, Any], block: dict[str, Any], decision: str | None, caveats: Links = ()
) -> dict[str, Any]:
    """The record as a save leaves it: its review block, and its source update's status when decided.

    ``caveats`` are what a claim's review row shows of other records (`review_links`), which its review covers.
    """
    after = {**value, "review": with_content_digest(block, value, caveats)}
    if decision is not None:
        after["source_update"] = {**value["source_update"], "status": decision}
    return after


def with_content_digest(block: dict[str, Any], value: Any, caveats: Links = ()) -> dict[str, Any]:
    """The review block as written for a record whose value the reviewer saw: a verdict gains the digest of it.

    A later change to the record (or to the caveats linked to a claim) then voids the review (KD641). A block
    restored by Undo keeps its own.
    """
    if block.get("status") not in ("reviewed", "flagged") or "content_sha256" in block or not isinstance(value, dict):
        return block
    return {**block, "content_sha256": content_digest(value, caveats)}


def folder_links(folder: Path) -> dict[str, Links]:
    """What each claim's review row shows of other records, as a data folder's files hold them now (`review_links`)."""
    files, _ = discover(folder)
    values: list[tuple[str, Any]] = []
    for data_file in files:
        if data_file.kind in ("caveat", "claim", "concept", "predicate"):
            documents, _ = read_documents(read_regular(data_file.path), str(data_file.path))
            values += [(data_file.kind, d.value) for d in documents]
    return review_links(values)


@dataclass(frozen=True, slots=True)
class Save:
    """One verdict of a save, on one record.

    Attributes:
        record_id: The claim or caveat reviewed.
        verdict: What the reviewer decided, or the block to restore.
        seen: The `record_stamp` of the record as the reviewer was shown it.
        source_update: The reviewer was shown the record's source update mark (``ketdata source update``): a
            confirmation confirms its new reading, a flag flags it. The evidence itself is never changed here.
    """

    record_id: str
    verdict: Verdict | Restore
    seen: str
    source_update: bool = False


def write_review(
    folder: Path,
    record_id: str,
    verdict: Verdict | Restore,
    seen: str,
    today: datetime.date,
    *,
    source_update: bool = False,
) -> Path:
    """Write a verdict (or a review block restored by Undo) into a record's review block; returns the file written.

    Args:
        folder: The data folder.
        record_id: The claim or caveat reviewed.
        verdict: What the reviewer decided, or the block to restore.
        seen: The `record_stamp` of the record as the reviewer was shown it.
        today: The review date.
        source_update: See `Save`.

    Raises:
        ReviewConflictError: The record changed since then: nothing is written.
        ReviewRefusedError: The verdict is incomplete, the file is not in canonical form, the record would
            no longer match its schema, the record is flagged and unchanged since (a flag is cleared by
            changing the record), or the folder cannot be changed safely (an untrusted journal, a lock held
            too long).
    """
    return write_reviews(folder, [Save(record_id, verdict, seen, source_update)], today)[0]


def write_reviews(folder: Path, saves: list[Save], today: datetime.date) -> list[Path]:
    """Write several verdicts as one change, all or nothing; returns the files written (in the order of ``saves``).

    Raises:
        ReviewConflictError: One of the records changed since the reviewer saw it (its ``record_id`` says
            which): nothing is written.
        ReviewRefusedError: As for `write_review`, for any one of them: nothing is written.
    """
    blocks = [
        dict(s.verdict.block) if isinstance(s.verdict, Restore) else review_block(s.verdict, today) for s in saves
    ]
    # The lock keeps every other writer (another save, `new`, `fmt`, `release`) out from the check on.
    try:
        with locked(project_root(folder)):
            return _write_locked(folder, saves, blocks)
    except TransactionError as exc:
        raise ReviewRefusedError(str(exc)) from None


def _write_locked(folder: Path, saves: list[Save], blocks: list[dict[str, Any]]) -> list[Path]:
    files: dict[Path, tuple[str, bytes, dict[str, tuple[dict[str, Any], str | None]]]] = {}
    written, logged = [], []
    links = folder_links(folder)
    for save, block in zip(saves, blocks, strict=True):
        path, kind, read, value = _find(folder, save.record_id)
        if record_stamp(value) != save.seen:
            raise ReviewConflictError(
                f"{save.record_id} changed on disk since the page showed it; nothing was written", save.record_id
            )
        caveats = links.get(save.record_id, ()) if kind == "claim" else ()
        _refuse_unchanged_flag(save, value, caveats)
        decision = update_decision(value, save.verdict, source_update=save.source_update)
        written_block = with_content_digest(block, value, caveats)
        files.setdefault(path, (kind, read, {}))[2][save.record_id] = (written_block, decision)
        written.append(path)
        logged.append(log_line(save.record_id, written_block))
    new = {path: _reviewed_file(path, kind, changes) for path, (kind, _, changes) in files.items()}
    # Each block written is logged with it, in the same transaction (`review_log`: KD715, KD716).
    log, log_bytes = appended(folder, logged)
    new[log] = log_bytes
    # The would-be files, validated in memory: a review never leaves a record that does not match its schema.
    ids = {save.record_id for save in saves}
    would_be = run_state(folder, new).problems
    broken = [p for p in would_be if p.record_id in ids and p.severity is Severity.ERROR and p.code < "KD2"]
    if broken:
        raise ReviewRefusedError(f"with this review {broken[0].record_id} would not match its schema: "
                                 f"{broken[0].message}")  # fmt: skip
    # A text editor (which takes no lock) may have saved while the new text was made: each file must still be
    # the bytes checked above.
    for path, (_, read, changes) in files.items():
        if fingerprint(read_regular(path)) != fingerprint(read):
            first = next(iter(changes))
            raise ReviewConflictError(
                f"{path.name} changed on disk while {first} was being saved; nothing was written", first
            )
    commit(project_root(folder), new)
    return written


def _refuse_unchanged_flag(save: Save, value: Any, caveats: Links) -> None:
    """A flag is cleared by changing the record and reviewing it again, never by confirming what was flagged."""
    review = value.get("review") if isinstance(value, dict) else None
    if not isinstance(save.verdict, Verdict) or save.verdict.status != "reviewed" or not isinstance(review, dict):
        return
    if review.get("status") == "flagged" and review.get("content_sha256") == content_digest(value, caveats):
        raise ReviewRefusedError(
            f"{save.record_id} is flagged and unchanged since the flag: change the record as the flag asks, "
            "then review it again (or undo the flag)"
        )


def _reviewed_file(path: Path, kind: str, changes: dict[str, tuple[dict[str, Any], str | None]]) -> bytes:
    """A file's canonical text with the review blocks (and source update decisions) of ``changes`` set."""
    order = key_order()
    before = format_file(path, kind, order)
    if before.text is None or before.changed:
        why = before.skipped or "is not in canonical form"
        raise ReviewRefusedError(f"{path.name} {why}: run `ketdata fmt` first, so that a review changes nothing else")
    changed: list[str] = []

    def set_review(values: list[Any]) -> None:
        for value in values:
            if isinstance(value, dict) and value.get("id") in changes:
                block, decision = changes[value["id"]]
                value["review"] = block
                if decision is not None:
                    value["source_update"]["status"] = decision
                changed.append(value["id"])

    after = format_file(path, kind, order, set_review)
    if sorted(changed) != sorted(changes) or after.text is None:
        missing = sorted(set(changes) - set(changed)) or sorted(changes)
        raise ReviewRefusedError(f"{missing[0]} could not be found again in {path.name}")
    return after.text.encode("utf-8")
