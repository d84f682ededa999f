"""JSON that ketdata wrote, read without importing ``json``: the interpreter's own scanner that ``json`` drives.

``import json`` brings in ``re``, ``enum``, ``functools`` and ``collections``: about 5 ms, as much as all the rest
of a downstream ``import ketdata; ketdata.load()`` (``docs/performance.md``). The read path scans the shipped
snapshot and its manifest with ``_json``'s C scanner directly, and hands anything the scanner does not take
whole (no C scanner on this interpreter, leading or trailing non-whitespace, a byte-order mark, bad JSON) to
``json.loads``: what is returned is always what ``json.loads`` returns, and every error is the one it raises.
The scanner is only a shortcut: any failure of it, of any kind, goes to ``json.loads``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# What json.decoder skips after a value: JSON's own four whitespace characters, no others.
_WHITESPACE = " \t\n\r"


class _Context:
    """The settings ``json.loads`` gives its scanner when called without options."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    # json maps NaN, Infinity and -Infinity to the floats that float() makes of the same words.
    parse_constant = float


def loads(data: bytes) -> Any:
    """The value ``json.loads(data)`` returns, for the same bytes; its errors are the ones it raises."""
    try:
        from _json import make_scanner

        text = data.decode("utf-8")
        # typeshed types the context as the scanner class itself; the C scanner reads only the six settings.
        value, end = make_scanner(_Context())(text, 0)  # type: ignore[arg-type]
    # Any failure at all: the scanner reports bad JSON through ``json.decoder``, and when that is not imported
    # yet it fails with a SystemError ("returned NULL without setting an exception"). json.loads then decides.
    except Exception:
        pass
    else:
        if not text[end:].strip(_WHITESPACE):
            return value
    import json

    return json.loads(data)
