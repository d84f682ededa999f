"""The semantic difference between two versions of the dataset, and the version bump it requires."""

from __future__ import annotations

from ketdata._model.diff import Diff, FieldChange, RecordChange, diff

__all__ = ["Diff", "FieldChange", "RecordChange", "diff"]
