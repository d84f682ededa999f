"""Escaping, one function per output format: every value from the data goes through one of these.

Data is never markup or code wherever it lands: a CSV cell never starts a spreadsheet formula (such text
is refused, never altered), XHTML narratives hold only escaped text made of characters XML 1.0 allows, and
Markdown shows the text as written, never a link, an emphasis, a heading or a list that the data did not
mean to make. Links are built by the code only.
"""

from __future__ import annotations

import html
import io
import json
import re
import unicodedata
from typing import Any, TextIO

from ketdata._model.problems import readable

# What a reader cannot see, and the terminal's sanitizer, live with the record model (a problem prints
# through them); they are this module's too, as every output sink's escaping is.
from ketdata._model.unseen import describe_char as describe_char
from ketdata._model.unseen import find_unseen as find_unseen
from ketdata._model.unseen import terminal_text as terminal_text
from ketdata._model.unseen import unseen as unseen

# Spreadsheets read a cell starting with one of these as a formula (OWASP's list). A character whose NFKC form
# starts with one (full-width, small, superscript forms some locales treat the same) is refused too, so the
# guard needs no hand list of look-alikes. The data never starts a text so (validation refuses it in every
# field, the schema's text pattern lists the same characters), so a cell is written exactly as the value is,
# and a value that would start a formula is refused, never altered.
_FORMULA = "=+-@\t\r"


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula: its first character, NFKC-normalised, starts one."""
    return bool(text) and unicodedata.normalize("NFKC", text[0])[:1] in _FORMULA


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


class UnsafeCellError(ValueError):
    """A text that a spreadsheet would run as a formula, refused by the CSV sink."""


def csv_cell(value: Any) -> str:
    """A value as a CSV cell, exactly: text as it is, numbers and booleans as JSON writes them, null empty.

    Raises:
        UnsafeCellError: The value is text that starts a spreadsheet formula (the data's validation
            refuses such text in every field, so the export never meets one).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if starts_formula(text):
        raise UnsafeCellError(f"{text[:40]!r} would start a spreadsheet formula in a CSV cell")
    return text


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


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


class Terminal(io.TextIOBase):
    """A terminal (or whatever reads the command's output): everything written passes `terminal_text`.

    This is the terminal's one sanitizer: no value, message, path or argument printed by any command
    reaches it with a raw escape sequence, control, bidi or zero-width character. JSON output stays
    JSON that means the same, as such characters only ever stand inside its strings.
    """

    def __init__(self, stream: TextIO, *, json: bool = False, messages: bool = False) -> None:
        """Wrap ``stream``; ``json`` for JSON output, ``messages`` for the messages' stream (stderr).

        Messages (never data, which goes to stdout) have each overlong word and line cut (`readable`): an id
        or an argument a message names can be megabytes long.
        """
        super().__init__()
        self.stream, self.json, self.messages = stream, json, messages
        self._binary: Any = None  # the stream's byte layer, once what its text layer held is flushed

    def write(self, text: str) -> int:
        clean = terminal_text(text, json=self.json)
        clean = readable(clean) if self.messages else clean
        binary = self._binary or self._bytes()
        if binary is None:
            self.stream.write(clean)
            return len(text)
        # A pipe whose reader went away during a large write takes part of it and breaks; the byte layer says so
        # only by a short count, which the text layer drops with the rest of the text. Writing on until every byte
        # is taken raises the broken pipe instead (exit 141), so a cut output never ends as if it had finished.
        data = memoryview(self._encoded(clean))
        while data:
            data = data[binary.write(data) :]
        return len(text)

    def _encoded(self, text: str) -> bytes:
        r"""The text in the stream's encoding; a character it cannot hold written as an escape, never an error.

        A Latin-1 terminal or a ``LANG=C`` cron job is an ordinary place to run a command. JSON output escapes
        such a character as JSON does (``\u2026``, a surrogate pair beyond the BMP), so it stays the same JSON.
        """
        encoding = self.stream.encoding or "utf-8"
        try:
            return text.encode(encoding, self.stream.errors or "strict")
        except UnicodeEncodeError:
            if self.json:
                text = _NOT_ASCII.sub(lambda m: json.dumps(m.group())[1:-1], text)
            return text.encode(encoding, "backslashreplace")

    def _bytes(self) -> Any:
        binary = getattr(self.stream, "buffer", None)
        if binary is not None:
            self.stream.flush()  # the text written before, in order
            self._binary = binary
        return binary

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def writable(self) -> bool:
        return True
