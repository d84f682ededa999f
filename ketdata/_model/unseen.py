"""Characters a reader cannot see, by Unicode properties, and text made safe to print to a terminal.

The one definition of an "unseen" character: validation refuses them wherever data is read, and the
terminal sink (`terminal_text`, which every command's output passes) shows them escaped.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

# Code points a reader cannot see that Unicode marks Default_Ignorable_Code_Point without their being
# format characters (Other_Default_Ignorable_Code_Point and Variation_Selector, which `unicodedata`
# does not expose): combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and
# other variation selectors, and the reserved ranges Unicode keeps ignorable (tags and their block).
_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2065, 0x2065),
              (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))  # fmt: skip
# Categories whose every character is unseen or changes what follows: controls (C0, DEL, C1), format
# characters (bidi controls, zero-width characters, soft hyphen, tags), surrogates, line and paragraph
# separators.
_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Symbols drawn as nothing, or as a box standing for something that is not there (attack8 A8-07): a blank
# braille pattern reads as a space that is no space, the object replacement character as an empty box.
_BLANK_SYMBOLS = frozenset({0x2800, 0xFFFC})
# Combining marks of canonical combining class 1 (Overlay) strike through the letter they follow: "not" with
# U+0336 after each letter reads as a word deleted while the text still says it, in every export that shows it.
_OVERLAY = 1
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_SEEN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"  # what neither expression matches in ASCII text


@functools.cache
def unseen(char: str) -> bool:
    """Whether a character is one a reader cannot see, or one that changes the direction or lines of what follows.

    By Unicode properties, so new code points are covered as `unicodedata` learns them: general categories
    Cc, Cf, Cs, Zl and Zp, every Default_Ignorable_Code_Point, the noncharacters (U+FFFE, U+FDD0…), the
    overlay marks that strike a letter through (combining class 1: U+0336…), and two blank symbols (U+2800,
    U+FFFC).
    Tab and line feed are controls too; callers that allow them say so.
    """
    code = ord(char)
    if unicodedata.category(char) in _UNSEEN_CATEGORIES or any(lo <= code <= hi for lo, hi in _IGNORABLE):
        return True
    if code in _BLANK_SYMBOLS or unicodedata.combining(char) == _OVERLAY:
        return True
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def find_unseen(text: str, allowed: str = "\t\n") -> Iterator[int]:
    """The offsets of the characters in ``text`` that `unseen` names, except those in ``allowed``.

    Linear, and cheap on text that is mostly ASCII: only control characters and non-ASCII ones are looked at.
    """
    if text.isascii() and not text.encode("ascii").translate(None, _SEEN_ASCII):
        return  # ASCII, no control but tab and line feed: one pass in C (the expressions step by character)
    for pattern in (_ASCII_CONTROL, _NON_ASCII):
        # The distinct characters first, at C speed: a long text repeats a few (a no-break space, a dash).
        wanted = {c for c in set(pattern.findall(text)) if c not in allowed and unseen(c)}
        if wanted:
            for m in pattern.finditer(text):
                if m.group() in wanted:
                    yield m.start()


def describe_char(char: str) -> str:
    """A character as a reader of a message can tell it: ``U+202E (RIGHT-TO-LEFT OVERRIDE)``."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"


def terminal_text(text: str, *, newlines: bool = True, json: bool = False) -> str:
    r"""Text safe to print to a terminal: every unseen character escaped, never raw.

    Escape sequences, C1 controls, carriage returns, bidi controls and zero-width characters would
    recolour, rewrite or reorder what the reader sees; each is shown as ``\u001b``, ``\u202e``… (and
    an astral one as ``\U000e0041``, or as a JSON surrogate pair with ``json``, so JSON stays JSON and
    means the same). Tab, and line feed unless ``newlines`` is false, are kept.
    """
    keep = "\t\n" if newlines else "\t"
    positions = [i for pattern in (_ASCII_CONTROL, _NON_ASCII, _LINE_FEED) for i in _hits(pattern, text, keep)]
    if not positions:
        return text
    out, last = [], 0
    for i in sorted(positions):
        out += [text[last:i], _escaped(text[i], json)]
        last = i + 1
    return "".join([*out, text[last:]])


_LINE_FEED = re.compile("\n")


def encodable_text(text: str, encoding: str | None, *, json: bool = False) -> str:
    r"""The text with every character the output's encoding cannot hold escaped as in `terminal_text`.

    A Latin-1 terminal or a cron job under ``LANG=C`` is an ordinary place to print to: "…" shows there as
    ``\u2026`` (in JSON too, where it means the same), never as an error.
    """
    if encoding is None:
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return "".join(char if _holds(char, encoding) else _escaped(char, json) for char in text)
    except LookupError:
        return text
    return text


def _holds(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _hits(pattern: re.Pattern[str], text: str, keep: str) -> Iterator[int]:
    return (m.start() for m in pattern.finditer(text) if m.group() not in keep and unseen(m.group()))


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f"}  # as JSON and Python write them


def _escaped(char: str, json: bool) -> str:
    code = ord(char)
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    if json:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\U{code:08x}"
