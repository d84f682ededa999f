"""Reading YAML data files safely, keeping the line and column of every key.

Only libyaml's (or PyYAML's) safe composer is used; nodes are turned into Python values here so that
duplicate keys, aliases and tags are reported instead of silently resolved.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ketdata._problems import Problem, problem

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    warnings.warn("libyaml is not available; reading YAML with the slower pure-Python loader", stacklevel=1)
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 20

_T = "tag:yaml.org,2002:"
_SCALARS = {_T + n: n for n in ("str", "int", "float", "bool", "null", "timestamp")}
_CONSTRUCT = SafeConstructor()
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)

Path_ = tuple[str | int, ...]
Marks = dict[Path_, tuple[int, int]]


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its value and where each key and item stands (1-based line, column)."""

    value: Any
    line: int
    column: int
    marks: Marks = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def mark(self, path: Path_) -> tuple[int, int]:
        """The place of the deepest key or item along ``path`` that has one."""
        for end in range(len(path), 0, -1):
            found = self.marks.get(path[:end])
            if found:
                return found
        return (self.line, self.column)


class _Converter:
    def __init__(self, file: str, doc: Document) -> None:
        self.file = file
        self.doc = doc
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def _report(self, code: str, node: Node, message: str) -> None:
        m = node.start_mark
        self.problems.append(problem(code, self.file, m.line + 1, m.column + 1, None, message))

    def convert(self, node: Node, path: Path_) -> Any:
        if id(node) in self._seen:
            self._report("KD006", node, "alias refers to a value already given; aliases are not allowed")
            return None
        self._seen.add(id(node))
        if len(path) > MAX_DEPTH:
            self._report("KD011", node, f"value nested deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _T + "seq":
                self._report("KD007", node, f"tag {node.tag!r} is not allowed")
            return [self._item(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _item(self, node: Node, path: Path_) -> Any:
        self.doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        return self.convert(node, path)

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        if node.tag != _T + "map":
            self._report("KD007", node, f"tag {node.tag!r} is not allowed")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, path)
            if not isinstance(key, str):
                self._report("KD014", key_node, f"key {key!r} is not a string")
                key = str(key)
            if key in result:
                first = self.doc.marks[(*path, key)][0]
                self._report("KD005", key_node, f"duplicate key {key!r} (first given on line {first})")
                continue
            self.doc.marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _scalar(self, node: Node) -> Any:
        assert isinstance(node, ScalarNode)
        kind = _SCALARS.get(node.tag)
        if kind is None:
            self._report("KD007", node, f"tag {node.tag!r} is not allowed")
            return node.value
        if kind == "str":
            return node.value
        return _CONSTRUCT.construct_object(node, deep=True)


def _decode(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [problem("KD002", file, 1, 1, None, "file starts with a UTF-8 byte-order mark")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8"
        return None, [problem("KD001", file, line, column, None, msg)]


def _anchor_problems(text: str, file: str) -> list[Problem]:
    found: list[Problem] = []
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            continue
        what = f"alias *{anchor}" if isinstance(event, yaml.AliasEvent) else f"anchor &{anchor}"
        m = event.start_mark
        line, column = (m.line + 1, m.column + 1) if m else (1, 1)
        found.append(problem("KD006", file, line, column, None, f"{what} is not allowed"))
    return found


def _syntax_problem(exc: yaml.YAMLError, text: str, file: str) -> Problem:
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    trouble, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    # An unclosed quote or bracket is found only at the end of the file: point at where it was opened.
    if context_mark is not None and (mark is None or "end of stream" in str(trouble)):
        mark = context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = " ".join(str(p) for p in (context, trouble) if p) or str(exc)
    tab = _TAB_INDENT.search(text)
    if tab:
        tab_line = text.count("\n", 0, tab.start()) + 1
        return problem("KD004", file, tab_line, tab.end() - tab.start(), None, "tab character used for indentation")
    return problem("KD003", file, line, column, None, what)


def read_documents(data: bytes, file: str) -> tuple[list[Document], list[Problem]]:
    """Parse a data file's bytes into documents with marks, and every problem found on the way.

    Args:
        data: The file's bytes.
        file: The path to report problems against.

    Returns:
        The documents (empty when the file cannot be parsed) and the problems.
    """
    if len(data) > MAX_FILE_BYTES:
        msg = f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}"
        return [], [problem("KD010", file, 1, 1, None, msg)]
    text, problems = _decode(data, file)
    if text is None:
        return [], problems
    try:
        if "&" in text or "*" in text:
            problems = _anchor_problems(text, file)
            if problems:
                return [], problems
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        return [], [_syntax_problem(exc, text, file)]
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at 1000 levels itself
        return [], [problem("KD011", file, 1, 1, None, "values nested too deeply to read")]
    documents: list[Document] = []
    for node in nodes:
        if node is None:
            continue
        doc = Document(None, node.start_mark.line + 1, node.start_mark.column + 1)
        converter = _Converter(file, doc)
        doc.value = converter.convert(node, ())
        doc.problems = converter.problems
        documents.append(doc)
    if not documents:
        problems.append(problem("KD009", file, 1, 1, None, "file holds no records"))
    return documents, problems


def iter_mappings(documents: list[Document], file: str) -> Iterator[tuple[Document, list[Problem]]]:
    """Each document that is a mapping with its problems (named after its id), or a problem for one that is not."""
    for doc in documents:
        if isinstance(doc.value, dict):
            rid = doc.value.get("id")
            named = rid if isinstance(rid, str) else None
            yield doc, [replace(p, record_id=named) for p in doc.problems]
        else:
            kind = type(doc.value).__name__
            msg = f"document is a {kind}, not a mapping; each document must be one record"
            yield doc, [*doc.problems, problem("KD008", file, doc.line, doc.column, None, msg)]
