"""Every exception ketdata raises on purpose; all derive from `KetdataError`.

- `DataError`: the data has problems (``problems`` lists them); the CLI exits 1.
- `UsageError`: what was asked cannot be done as asked; the CLI exits 2. Its kinds: `UnknownRecordError`
  (also a `KeyError`), `ExportTargetError`, `MissingExtraError`.
"""

from __future__ import annotations

from ketdata._model.errors import ExportTargetError, KetdataError, MissingExtraError, UnknownRecordError, UsageError
from ketdata._model.problems import DataError

__all__ = [
    "DataError",
    "ExportTargetError",
    "KetdataError",
    "MissingExtraError",
    "UnknownRecordError",
    "UsageError",
]
