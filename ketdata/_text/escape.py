"""Escaping, one function per output format: every value from the data goes through one of these.

Data is never markup or code wherever it lands: a CSV cell never starts a spreadsheet formula, XHTML
narratives hold only escaped text made of characters XML 1.0 allows, and Markdown shows the text as
written, never a link, an emphasis, a heading or a list that the data did not mean to make. Links are
built by the code only.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

# Spreadsheets read a cell starting with one of these as a formula (OWASP's list, with the full-width
# forms some locales treat the same); a leading apostrophe is the customary "this is text" mark, so it
# is escaped too, which keeps the escaping reversible.
_FORMULA_START = frozenset("=+-@\t\r\n'\uff1d\uff0b\uff0d\uff20")
# XML 1.0's Char production: anything else (C0 controls, lone surrogates, U+FFFE, U+FFFF) is not allowed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Markdown punctuation that can start markup inline: emphasis, code, links, images, raw HTML, entities,
# tables, strikethrough, and e-mail autolinks (GFM). Backslash escapes for what both CommonMark and
# Python-Markdown (the docs site) take escaped; character references for the rest, whose backslash
# Python-Markdown would show.
_MD_INLINE = re.compile(r"[\\`*_{}\[\]#!]")
_MD_REFERENCE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "~": "&#126;", "@": "&#64;"}
_MD_REFERENCED = re.compile("[&<>|~@]")
# GFM turns bare URLs into links: break the pattern without changing the text a reader sees.
_MD_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9]):(?=//)|(?<=\bwww)\.")
# A line starting with one of these would be a list item, a heading underline or a block quote.
_MD_BLOCK = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet runs: a text cell that could start a formula gets a ``'``.

    Numbers and booleans are written as they are (a negative number is not a formula); null is empty.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in _FORMULA_START else text


def csv_text(cell: str) -> str:
    """The text a CSV text cell written by `csv_cell` holds (the inverse of its escaping)."""
    return cell[1:] if cell[:1] == "'" else cell


def xhtml_text(text: str) -> str:
    """Text as XHTML character data: markup characters escaped, characters XML 1.0 forbids replaced by U+FFFD."""
    return html.escape(_NOT_XML.sub("\ufffd", text), quote=True)


def markdown_text(text: str) -> str:
    """Text as one line of Markdown that renders as exactly this text: no markup, no link, no block."""
    # Space at either end is not shown in Markdown, and space at the start of a line makes a code block.
    line = _MD_INLINE.sub(r"\\\g<0>", " ".join(text.splitlines()).strip())
    line = _MD_REFERENCED.sub(lambda m: _MD_REFERENCE[m.group()], line)
    line = _MD_AUTOLINK.sub(lambda m: "&#58;" if m.group() == ":" else "\\.", line)
    return _MD_BLOCK.sub(_block_escaped, line)


def _block_escaped(m: re.Match[str]) -> str:
    lead, mark, number, end = m.groups()
    return f"{lead}\\{mark}" if mark else f"{lead}{number}\\{end}"


def markdown_code(text: str) -> str:
    """Text as a Markdown code span (ids, field names), fenced with more backticks than it holds."""
    line = " ".join(text.splitlines())
    fence = "`" * (max((len(run) for run in re.findall("`+", line)), default=0) + 1)
    pad = " " if line[:1] in ("`", " ") or line[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{line}{pad}{fence}"


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
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def unseen(char: str) -> bool:
    """Whether a character is one a reader cannot see, or one that changes the direction or lines of what follows.

    By Unicode properties, so new code points are covered as `unicodedata` learns them: general categories
    Cc, Cf, Cs, Zl and Zp, every Default_Ignorable_Code_Point, and the noncharacters (U+FFFE, U+FDD0…).
    Tab and line feed are controls too; callers that allow them say so.
    """
    code = ord(char)
    if unicodedata.category(char) in _UNSEEN_CATEGORIES or any(lo <= code <= hi for lo, hi in _IGNORABLE):
        return True
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def find_unseen(text: str, allowed: str = "\t\n") -> Iterator[int]:
    """The offsets of the characters in ``text`` that `unseen` names, except those in ``allowed``.

    Linear, and cheap on text that is mostly ASCII: only control characters and non-ASCII ones are looked at.
    """
    for pattern in (_ASCII_CONTROL, _NON_ASCII):
        for m in pattern.finditer(text):
            if m.group() not in allowed and unseen(m.group()):
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
