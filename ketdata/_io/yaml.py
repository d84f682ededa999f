"""Reading YAML data files safely, and finding the line and column of any key when a problem needs it.

Only libyaml's (or PyYAML's) safe composer is used; nodes are turned into Python values here so that
duplicate keys, aliases and tags are reported instead of silently resolved.
"""

from __future__ import annotations

import bisect
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import Any, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ketdata._io.escape import describe_char, find_unseen
from ketdata._io.files import read_regular, utf8_text
from ketdata._model.frozen import replace
from ketdata._model.problems import Problem, problem, short

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    warnings.warn("libyaml is not available; reading YAML with the slower pure-Python loader", stacklevel=1)
    _Loader = yaml.SafeLoader


MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 20

_T = "tag:yaml.org,2002:"
_STR = _T + "str"
_INT = _T + "int"
_SEQ = _T + "seq"
_MAP = _T + "map"
_SCALARS = {_T + n: n for n in ("str", "int", "float", "bool", "null", "timestamp")}
_CONSTRUCT = SafeConstructor()
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)

_TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "a boolean", "null": "null", "timestamp": "a date"}


class _Reader(_Loader):  # type: ignore[misc]
    """The safe loader, resolving the tag of a plain scalar that no implicit type can start with at once.

    Resolution is a Python call per scalar from libyaml's composer; most scalars are words (ids, text),
    which YAML reads as strings whatever follows their first character, so the regular expressions of
    the implicit types (bool, int, float, null, timestamp…) are tried only for the others.
    """

    _STARTS = frozenset(k for k in getattr(_Loader, "yaml_implicit_resolvers", {}) if k)
    _SIMPLE = None not in getattr(_Loader, "yaml_implicit_resolvers", {None: 0}) and not getattr(
        _Loader, "yaml_path_resolvers", True
    )

    if _SIMPLE:  # no path resolvers registered: nothing to follow down the tree and back up, per node

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            """Nothing to do: no path resolvers."""

        def ascend_resolver(self) -> None:
            """Nothing to do: no path resolvers."""

    # With the stock resolvers a plain scalar of ASCII digits (no leading zero) is an integer: neither a float
    # nor a timestamp can be digits alone. Offsets and versions are most of the scalars that start with one.
    _DIGITS = _SIMPLE and all(
        [tag for tag, _ in getattr(_Loader, "yaml_implicit_resolvers", {}).get(d, ())]
        == [_T + "float", _T + "int", _T + "timestamp"]
        for d in "0123456789"
    )

    # Each first character's implicit resolvers, tried here as the stock method tries them, without its call.
    _RESOLVERS = getattr(_Loader, "yaml_implicit_resolvers", {})

    def resolve(
        self,
        kind: type,
        value: Any,
        implicit: tuple[bool, bool],
        _starts: frozenset[str] = _STARTS,  # bound once: this runs for every node libyaml composes
        _simple: bool = _SIMPLE,
    ) -> str:
        if kind is ScalarNode:
            if _simple and (not implicit[0] or (value and value[0] not in _starts)):
                return _STR
            if self._DIGITS and value.isdigit() and value.isascii() and (value[0] != "0" or value == "0"):
                return _INT
            if _simple:  # 'null', 'true', 'not-applicable': the resolvers of its first character decide
                for tag, regexp in self._RESOLVERS.get(value[0] if value else "", ()):
                    if regexp.match(value):
                        return cast(str, tag)
                return _STR
        elif _simple:  # an untagged collection: nothing to resolve but its kind
            return _SEQ if kind is SequenceNode else _MAP
        return cast(str, super().resolve(kind, value, implicit))


Path_ = tuple[str | int, ...]


class _Unreadable:
    """Stands for a value that could not be read (already reported), so that no check reports it again."""

    def __repr__(self) -> str:
        return "<unreadable>"

    def __reduce__(self) -> str:
        return "UNREADABLE"  # the one instance, also after a forked child sends a record back


UNREADABLE = _Unreadable()


class NodeCache:
    """The node trees of a folder's files, composed again only when a problem needs a line and column.

    Values are read without keeping any node, which holds memory flat on large datasets; the few
    records that have a problem pay for a second parse of their file. The last few files stay cached.
    """

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._files: dict[str, list[Node]] = {}

    def documents(self, file: str) -> list[Node]:
        """The document nodes of a file, from the cache or parsed again."""
        nodes = self._files.pop(file, None)
        if nodes is None:
            try:
                text = read_regular(Path(file)).decode("utf-8")
                nodes = [n for n in yaml.compose_all(text, Loader=_Reader) if n is not None]
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                nodes = []
        self._files[file] = nodes
        while len(self._files) > self.keep:
            del self._files[next(iter(self._files))]
        return nodes


def _at(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(node: Node, path: Path_) -> tuple[int, int] | None:
    """The place of the deepest key or item along ``path`` in a node tree."""
    found = None
    for part in path:
        if isinstance(node, MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
            if pair is None:
                break
            found, node = _at(pair[0]), pair[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            found = _at(node)
        else:
            break
    return found


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its value, where it starts, and the problems met reading it."""

    value: Any
    line: int
    column: int
    file: str = ""
    index: int = 0
    cache: NodeCache | None = None
    problems: list[Problem] = field(default_factory=list)
    ascii: bool = False
    """True when every value is ASCII text (a check of non-ASCII letters has nothing to look at)."""

    def mark(self, path: Path_) -> tuple[int, int]:
        """The 1-based line and column of the deepest key or item along ``path`` (or the document's start)."""
        nodes = self.cache.documents(self.file) if self.cache and path else []
        found = _walk(nodes[self.index], path) if self.index < len(nodes) else None
        return found or (self.line, self.column)


class _Converter:
    """Turns a document's nodes into plain values, reporting what a plain safe load would hide."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.problems: list[Problem] = []
        # Whether every value is ASCII, as far as escapes go: only a double-quoted scalar can make a character
        # its file does not hold.
        self.ascii = True

    def _report(self, code: str, node: Node, message: str) -> None:
        line, column = _at(node)
        self.problems.append(problem(code, self.file, line, column, None, message))

    def convert(self, node: Node, depth: int = 0) -> Any:
        # No alias can reach here: a text with '&' or '*' is scanned for anchors and refused first.
        if depth > MAX_DEPTH:
            self._report("KD011", node, f"value nested deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(node, ScalarNode):
            if node.tag != _STR:
                return self._scalar(node)
            if node.style == '"':
                self._escaped_unseen(node)
                self.ascii = self.ascii and node.value.isascii()
            return node.value
        if isinstance(node, MappingNode):
            return self._mapping(node, depth)
        if node.tag != _SEQ:
            self._report("KD007", node, f"tag {node.tag!r} is not allowed")
        if depth >= MAX_DEPTH:
            return [self.convert(item, depth + 1) for item in node.value]
        # Items of plain or single-quoted text (ids, mostly) are taken as they are, as in a mapping.
        return [_short(item.value) if type(item) is ScalarNode and item.tag == _STR and item.style != '"'
                else self.convert(item, depth + 1) for item in node.value]  # fmt: skip

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        if node.tag != _MAP:
            self._report("KD007", node, f"tag {node.tag!r} is not allowed")
        result: dict[str, Any] = {}
        first: dict[str, Node] = {}
        # Most keys and values are plain or single-quoted text: taken as they are, without a call each.
        inline = depth < MAX_DEPTH
        scalar, text = ScalarNode, _STR  # local names: this loop runs for every key of every record
        for key_node, value_node in node.value:
            if type(key_node) is scalar and key_node.tag == text and key_node.style != '"':
                key = intern(key_node.value)  # every record repeats the same few keys: one string each
            else:
                key = self.convert(key_node, depth)
            if not isinstance(key, str):
                self._report("KD014", key_node, f"key {key!r} is not a string")
                key = str(key)
            if key in first:
                line = _at(first[key])[0]
                self._report("KD005", key_node, f"duplicate key {key!r} (first given on line {line})")
                continue
            first[key] = key_node
            if inline and type(value_node) is scalar and value_node.tag == text and value_node.style != '"':
                result[key] = _short(value_node.value)
            else:
                result[key] = self.convert(value_node, depth + 1)
        return result

    def _escaped_unseen(self, node: ScalarNode) -> None:
        """Report an unseen character that a double-quoted scalar makes with an escape.

        Raw ones are reported where they stand, by `_raw_unseen`.
        """
        source = self.text[node.start_mark.index : node.end_mark.index]
        if "\\" not in source:
            return
        made = {node.value[i] for i in find_unseen(node.value)} - set(source)
        for char in sorted(made):
            msg = f"the value holds {describe_char(char)}, written as an escape, which a reader cannot see"
            self._report("KD108", node, msg)

    def _scalar(self, node: ScalarNode) -> Any:
        kind = _SCALARS.get(node.tag)
        if kind is None:
            self._report("KD007", node, f"tag {node.tag!r} is not allowed")
            return UNREADABLE  # never constructed, and never read by a later check either
        if kind == "int" and not _DECIMAL.fullmatch(node.value):
            # YAML 1.1 also reads 010 (octal), 0x1C5, 0b101, 7:33 (base 60), 4_53 and +2: each hides its value.
            self._report("KD016", node, f"{short(node.value)} is an integer only in YAML 1.1's other notations; "
                         "write it in plain decimal digits")  # fmt: skip
            return UNREADABLE
        try:
            if kind == "int":
                return int(node.value)  # plain decimal digits, as the constructor reads them (and refuses too many)
            return _CONSTRUCT.construct_object(node, deep=True)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
            # '!!int abc', '!!bool maybe', '!!timestamp nope', 2020-02-30, or an integer of thousands of digits.
            self._report("KD016", node, f"{short(node.value)} cannot be read as {_TYPE_NAMES[kind]}")
            return UNREADABLE


def _short(text: str) -> str:
    """A short text as one shared string: ids and names recur across thousands of records, prose does not."""
    return intern(text) if len(text) <= 40 else text


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


def _raw_unseen(text: str, file: str, limit: int = 20) -> list[Problem]:
    """Every unseen character standing raw in the text (a bidi control, ESC, U+200B…), at its line and column.

    Carriage returns are line breaks to YAML, and tab and line feed are layout; anything else `unseen`
    names is reported, the first ``limit`` of them.
    """
    found = []
    for i in find_unseen(text, "\t\n\r"):
        line = text.count("\n", 0, i) + 1
        column = i - text.rfind("\n", 0, i)
        msg = f"holds {describe_char(text[i])}, which a reader cannot see or which changes the text around it"
        found.append(problem("KD108", file, line, column, None, msg, f"delete the character at line {line}, "
                             f"column {column} (it may look like nothing, or like a line break)"))  # fmt: skip
        if len(found) == limit:
            break
    return found


def _layout_tabs(text: str, file: str, limit: int = 20) -> list[Problem]:
    """Every tab that separates tokens (``version:<TAB>3``, before a comment), at its line and column.

    YAML forbids tabs in indentation (a syntax error, KD004); libyaml takes one as separation, where it is
    as invisible as in indentation and makes the file differ from its canonical form. A tab inside a value
    is the value's own (each field's rules judge it), and one inside a comment is no layout.
    """
    try:
        scalars = [(t.start_mark.index, t.end_mark.index) for t in yaml.scan(text, Loader=_Loader)
                   if isinstance(t, yaml.ScalarToken)]  # fmt: skip
    except yaml.YAMLError:
        return []  # a scanner that refuses the tab has failed the parse already: reported there
    ends = dict(scalars)
    starts = [a for a, _ in scalars]
    found = []
    for tab in re.finditer("\t", text):
        i, begin = tab.start(), text.rfind("\n", 0, tab.start()) + 1
        k = bisect.bisect_right(starts, i) - 1
        if (k >= 0 and i < scalars[k][1]) or _in_comment(text, begin, i, ends):
            continue
        found.append(_layout_tab(file, text.count("\n", 0, i) + 1, i - begin + 1))
        if len(found) == limit:
            break
    return found


def _layout_tab(file: str, line: int, column: int) -> Problem:
    msg = "tab character used to separate YAML tokens; only spaces may lay out a data file"
    return problem("KD004", file, line, column, None, msg, "run `ketdata fmt`: it writes spaces")


def _in_comment(text: str, begin: int, at: int, scalars: dict[int, int]) -> bool:
    """Whether a ``#`` outside every value stands on the line before ``at``."""
    j = begin
    while j < at:
        if j in scalars:
            j = scalars[j]
        elif text[j] == "#":
            return True
        else:
            j += 1
    return False


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
    if mark is not None and text[mark.index : mark.index + 1] == "\t":  # the pure-Python scanner's separation tab
        return _layout_tab(file, line, column)
    return problem("KD003", file, line, column, None, what)


def read_documents(data: bytes, file: str, cache: NodeCache | None = None) -> tuple[list[Document], list[Problem]]:
    """Parse a data file's bytes into documents with marks, and every problem found on the way.

    Args:
        data: The file's bytes.
        file: The path to report problems against (and to parse again for marks).
        cache: Where node trees are kept for marks; without one, problems point at documents' starts.

    Returns:
        The documents (empty when the file cannot be parsed) and the problems.
    """
    if len(data) > MAX_FILE_BYTES:
        msg = f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}"
        return [], [problem("KD010", file, 1, 1, None, msg)]
    text, problems = utf8_text(data, file)
    if text is None:
        return [], problems
    unseen = _raw_unseen(text, file)
    ascii = text.isascii()
    documents: list[Document] = []
    try:
        if "&" in text or "*" in text:
            problems = _anchor_problems(text, file)
            if problems:
                return [], problems
        # Each document is converted as soon as it is composed, so a file's node trees never pile up.
        for node in yaml.compose_all(text, Loader=_Reader):
            if node is None:
                continue
            converter = _Converter(file, text)
            value = converter.convert(node)
            line, column = _at(node)
            plain = ascii and converter.ascii
            documents.append(Document(value, line, column, file, len(documents), cache, converter.problems, plain))
    except yaml.reader.ReaderError as exc:
        # A character YAML refuses outright (ESC, a C1 control): reported where it stands, not as a syntax error.
        return [], unseen or [_reader_problem(exc, text, file)]
    except yaml.YAMLError as exc:
        return [], [*unseen, _syntax_problem(exc, text, file)]
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at 1000 levels itself
        return [], [problem("KD011", file, 1, 1, None, "values nested too deeply to read")]
    if not documents:
        problems.append(problem("KD009", file, 1, 1, None, "file holds no records"))
    if "\t" in text:
        unseen = sorted([*unseen, *_layout_tabs(text, file)], key=lambda p: (p.line, p.column))
    for found in unseen:
        # Each belongs to the record it stands in (the last one starting on or before its line).
        owner = next((d for d in reversed(documents) if d.line <= found.line), None)
        (owner.problems if owner is not None else problems).append(found)
    return documents, problems


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    # libyaml gives the offset in UTF-8 bytes.
    at = len(text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore"))
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1]
    return problem("KD108", file, line, column, None, f"holds {describe_char(char)}, which YAML does not allow")


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


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, which also quotes a string a YAML 1.2 reader would take for a number.

    PyYAML resolves plain scalars by YAML 1.1, so it quotes ``0x1F`` and ``yes`` but writes ``1e3``, ``1.0e3``,
    ``+.5`` and ``0o17`` plain: text to PyYAML, numbers to every YAML 1.2 reader (ruamel.yaml, Node's
    ``yaml``). Resolving those forms too makes the emitter quote them, so a file reads the same in both.
    """


# The YAML 1.2 core schema's numbers that YAML 1.1 reads as text (spec 1.2.2, section 10.3.2).
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)  # fmt: skip
_Dumper.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^0o[0-7]+$"), ["0"])


def dump(value: Any, width: int) -> str:
    """``value`` as block-style YAML that YAML 1.1 and YAML 1.2 readers read alike (keys in the order given)."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=width)
