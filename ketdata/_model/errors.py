"""The one exception hierarchy: what ketdata raises on purpose, and the exit code the CLI gives each.

Anything ketdata raises that is not a `KetdataError` (or an `OSError` from the machine) is a bug in
ketdata, and the CLI says so instead of blaming the user.
"""

from __future__ import annotations

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class KetdataError(Exception):
    """The base of every error ketdata raises on purpose; ``exit_code`` is what the CLI exits with."""

    exit_code: int = EXIT_USAGE


class UsageError(KetdataError):
    """What was asked cannot be done as asked: a bad argument, a missing folder, a missing extra."""


class UnknownRecordError(UsageError, KeyError):
    """No record of the asked type has this id.

    Attributes:
        kind: The record type asked for, e.g. ``claim``.
        record_id: The id that matched nothing.
        suggestions: Up to three near misses, closest first.
    """

    def __init__(self, kind: str, record_id: object, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(record_id)
        self.kind = kind
        self.record_id = record_id
        self.suggestions = suggestions

    def __str__(self) -> str:
        shown = repr(self.record_id)
        shown = shown if len(shown) <= 60 else f"{shown[:59]}…"  # an id of any length makes a one-line message
        hint = f" (did you mean {', '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        return f"no {self.kind} with id {shown}{hint}"


class ExportTargetError(UsageError):
    """The export folder cannot be written as asked (it holds files ketdata did not write, or is a link)."""


class MissingExtraError(UsageError):
    """A command needs an optional part of ketdata that is not installed; the message names the extra."""
