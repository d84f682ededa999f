"""A JSON export read with exact types, on the standard library alone: what ``load_json`` trusts nothing without.

The shipped snapshot is served only when its manifest lists its sha256 (``paths``), so ketdata wrote it; a
file given by path (``load_json``, ``ketdata diff <file.json>``) may hold anything. It is refused, every
problem located at its line and column, when it repeats a key, holds a number that is not finite (``NaN``,
``Infinity``, ``1e999999``), a key its record type does not have, a value of another type than the record
class declares (``1.5`` or ``true`` for an integer, ``1`` for a boolean), or a record id twice. The types
come from the generated record classes (their ``__init__`` annotations), so they follow the schemas.

Then its values, as the YAML data's are: a value outside its field's vocabulary (KD107), text that breaks
its pattern (KD106), a character a reader cannot see, anywhere (KD108), a number out of bounds or a list
holding an item twice (``version: 0``, a negative offset: KD101), a date not on the calendar (KD109), a span
whose start is not before its end (KD304) or whose quote is not what the source's text, when it travels
along, holds there (KD303, KD305), and a reference to no record of its kind in the file (``evidence_status:
proven``: KD202). The vocabularies, patterns and bounds come from ``_model/constraints.py``, generated from
the schemas with the record classes; the references from ``_model/references.py``, which the validator
follows too.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import re

from ketdata._model.constraints import CHECKS, SCHEMA_VERSION
from ketdata._model.convert import KINDS, upgrade
from ketdata._model.frozen import Frozen
from ketdata._model.records import DatasetInfo
from ketdata._model.unseen import describe_char, find_unseen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    Path_: TypeAlias = tuple[str | int, ...]
    Found: TypeAlias = tuple[str, Path_, str]  # code, where in the document, message

HEAD = {"format": str, "format_version": int, "schema_version": str}
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SPACE = re.compile(r"[ \t\n\r]*")


class _Repeated(Exception):
    """A key twice in one object (json keeps the last silently)."""


def problems(text: str) -> tuple[Any, list[tuple[str, int, int, str | None, str]]]:
    """The document and its problems, each ``(code, line, column, record id, message)``; no document if unreadable.

    Raises:
        ValueError: The text is not JSON at all (the caller's "not a ketdata JSON export").
    """
    found: list[Found] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise _Repeated
        return out

    def constant(name: str) -> float:
        raise _NotFinite(name)

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise _NotFinite(literal)
        return value

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=number)
    except (_Repeated, _NotFinite):
        doc = None  # located by the scan below, which sees every repeat and every such number
    if doc is not None:
        found = _typed(doc)
        if not found:
            return doc, []
    offsets, scanned = _scan(text)
    if doc is None:
        found = scanned
        return None, [_placed(text, offsets, f, json.loads(text)) for f in found]  # json.loads: ids for the messages
    return doc, [_placed(text, offsets, f, doc) for f in found]


def located(text: str, doc: Any, found: list[Found]) -> list[tuple[str, int, int, str | None, str]]:
    """Problems found in a parsed document by others (``code``, path, message), placed at their line and column."""
    offsets = _scan(text)[0] if found else {}
    return [_placed(text, offsets, f, doc) for f in found]


class _NotFinite(ValueError):
    """A number JSON cannot hold as a finite value."""


def _placed(text: str, offsets: dict[Path_, int], found: Found, doc: Any) -> tuple[str, int, int, str | None, str]:
    code, where, message = found
    at = next((offsets[where[:n]] for n in range(len(where), -1, -1) if where[:n] in offsets), 0)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    record = None
    if len(where) >= 2 and isinstance(doc, dict) and isinstance(where[1], int):
        rows = doc.get(where[0])
        row = rows[where[1]] if isinstance(rows, list) and where[1] < len(rows) else None
        record = row.get("id") if isinstance(row, dict) and isinstance(row.get("id"), str) else None
    return code, line, column, record, f"{_dotted(where)}: {message}" if where else message


def _dotted(where: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")


def _typed(doc: Any) -> list[Found]:
    """Problems of a parsed document: unknown keys, wrong types, repeated record ids."""
    if not isinstance(doc, dict):
        return [("KD104", (), f"the document is {_kind(doc)}, not an object")]
    found: list[Found] = []
    lists = {attr: kind for kind, attr, _ in KINDS}
    for key, value in doc.items():
        if key in HEAD:
            if not _exact(value, HEAD[key]):
                found.append(("KD104", (key,), f"{_kind(value)}, not {_NAMES[HEAD[key]]}"))
        elif key == "dataset":
            found += _record(DatasetInfo, value, (key,))
        elif key in lists:
            found += _rows(lists[key], value, (key,))
        else:
            found.append(("KD102", (key,), "not a member of a ketdata JSON export"))
    found += _values(doc, typed=not found)
    ids: dict[str, Path_] = {}
    for _, attr, _ in KINDS:
        rows = doc.get(attr)
        for i, row in enumerate(rows if isinstance(rows, list) else ()):
            rid = row.get("id") if isinstance(row, dict) else None
            if isinstance(rid, str):
                if rid in ids:
                    found.append(("KD201", (attr, i, "id"), f"{rid!r} is already the id of {_dotted(ids[rid])}"))
                ids.setdefault(rid, (attr, i))
    return found


def _values(doc: dict[str, Any], *, typed: bool) -> list[Found]:
    """Problems of a document's values that their types cannot show (the module's second paragraph).

    References are followed only in a document whose every value has its type (``typed``): a list field
    given one string, or an id given a list, cannot say which ids it names.
    """
    from ketdata._model.convert import CLASSES

    # A fixed value (``const``) is today's: an older snapshot held its own (``reference`` named another path).
    current = doc.get("schema_version") == SCHEMA_VERSION
    found = _unseen(doc, ())
    if isinstance(doc.get("dataset"), dict):
        found += _checked(DatasetInfo, doc["dataset"], ("dataset",), current)
    for kind, attr, _ in KINDS:
        for i, row in enumerate(_list(doc.get(attr))):
            if isinstance(row, dict):  # as the file holds it: an older snapshot's upgrade adds values of its own
                found += _checked(CLASSES[kind], row, (attr, i), current)
    return found + _quotes(doc) + (_references(doc) if typed else [])


def _references(doc: dict[str, Any]) -> list[Found]:
    """References to no record of the kind they name (``evidence_status: proven``): the ids a snapshot holds."""
    from ketdata._model.references import REFERENCE_KINDS

    known = {kind: {r["id"] for r in _list(doc.get(attr))} for kind, attr, _ in KINDS}  # every id is a string here
    attrs = {kind: attr for kind, attr, _ in KINDS}
    found: list[Found] = []
    for (kind, *path), target in REFERENCE_KINDS.items():
        target = target or kind
        for i, row in enumerate(_list(doc.get(attrs[kind]))):
            for where, value in _at(row, (attrs[kind], i), path):
                if isinstance(value, str) and value not in known[target]:
                    found.append(("KD202", where, f"{_short(value)} is no {target.replace('_', ' ')} of this export"))
    return found


def _at(value: Any, where: Path_, path: list[str]) -> list[tuple[Path_, Any]]:
    """The values at a path of keys (each item of a list on the way), with where each stands."""
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _at(item, (*where, i), path)]
    if not path:
        return [(where, value)]
    return _at(value[path[0]], (*where, path[0]), path[1:]) if isinstance(value, dict) and path[0] in value else []


def _unseen(value: Any, where: Path_) -> list[Found]:
    """A character a reader cannot see or that turns the text around it, in any string (as the YAML reader finds)."""
    if isinstance(value, str):
        at = next(find_unseen(value), None)
        if at is None:
            return []
        return [("KD108", where, f"holds {describe_char(value[at])} at character {at + 1}, which a reader cannot see "
                                 "or which changes the text around it")]  # fmt: skip
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _unseen(item, (*where, key))]
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in _unseen(item, (*where, i))]
    return []


def _checked(cls: type[Frozen], raw: dict[str, Any], where: Path_, current: bool) -> list[Found]:
    """Problems of one record's values against its fields' checks, and of its nested records'."""
    checks = CHECKS.get(cls.__name__, {})
    found: list[Found] = []
    for name, value in raw.items():
        here = (*where, name)
        if name in checks:
            found += _check(checks[name], value, here, current)
        inner, many = cls._nested.get(name, (None, False))
        if inner is not None:
            items = [((*here, i), v) for i, v in enumerate(_list(value))] if many else [(here, value)]
            found += [f for at, item in items if isinstance(item, dict) for f in _checked(inner, item, at, current)]
    start, end = raw.get("start"), raw.get("end")
    if type(start) is int and type(end) is int and "end" in cls._fields and start >= end:
        found.append(("KD304", (*where, "start"), f"start {start} is not before end {end}"))
    return found


def _check(check: dict[str, Any], value: Any, where: Path_, current: bool) -> list[Found]:
    """Problems of one value against the JSON Schema keywords of its field (as ``_model/constraints.py`` holds them)."""
    if isinstance(value, list):
        found: list[Found] = []
        if check.get("uniqueItems"):
            seen: set[str] = set()
            for i, item in enumerate(value):
                key = json.dumps(item, sort_keys=True)
                if key in seen:
                    found.append(("KD101", (*where, i), f"{_short(item)} is in the list already"))
                seen.add(key)
        inner = check.get("items")
        return found + [f for i, item in enumerate(value) for f in _check(inner, item, (*where, i), current)] \
            if inner else found  # fmt: skip
    if isinstance(value, str):
        return _check_text(check, value, where, current)
    if type(value) in (int, float):
        if value < check.get("minimum", value):
            return [("KD101", where, f"{value!r} is less than the minimum of {check['minimum']}")]
        if value > check.get("maximum", value):
            return [("KD101", where, f"{value!r} is more than the maximum of {check['maximum']}")]
    return []


def _check_text(check: dict[str, Any], value: str, where: Path_, current: bool) -> list[Found]:
    allowed = check.get("enum") or ((check["const"],) if "const" in check and current else ())
    if allowed and value not in allowed:
        return [("KD107", where, f"{_short(value)} is not one of {', '.join(map(repr, allowed))}")]
    if next(find_unseen(value), None) is not None:
        return []  # reported where it stands (KD108), as the YAML reader does
    if "pattern" in check and not re.search(check["pattern"], value):
        return [("KD106", where, f"{_short(value)} is not valid: {check.get('hint') or 'match ' + check['pattern']}")]
    if not check.get("minLength", 0) <= len(value) <= check.get("maxLength", len(value)):
        bound = f"at least {check['minLength']}" if len(value) < check.get("minLength", 0) else \
            f"at most {check['maxLength']}"  # fmt: skip
        return [("KD101", where, f"{_short(value)} holds {len(value)} characters; {bound} are allowed")]
    if check.get("format") == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return [("KD109", where, f"{_short(value)} is not a date on the calendar")]
    return []


def _quotes(doc: dict[str, Any]) -> list[Found]:
    """Evidence spans whose quote is not what their source's text holds at their offsets, when the text travels along.

    A span made against an earlier revision (``revision``) quotes a text the export does not hold: not checked.
    """
    texts = {s["id"]: s["text"] for s in _list(doc.get("sources")) if isinstance(s, dict) and isinstance(
             s.get("id"), str) and isinstance(s.get("text"), str)}  # fmt: skip
    found: list[Found] = []
    for _, attr, _ in KINDS:
        for i, row in enumerate(_list(doc.get(attr))):
            spans = row.get("evidence") if isinstance(row, dict) else None
            for n, span in enumerate(_list(spans)):
                where = (attr, i, "evidence", n)
                source = span.get("source") if isinstance(span, dict) else None
                # Of any other type (a list, an object) it is reported as such, and names no text to compare.
                if isinstance(source, str) and source in texts and span.get("revision") is None:
                    found += _quoted(texts[source], span, where)
    return found


def _quoted(text: str, span: dict[str, Any], where: Path_) -> list[Found]:
    start, end, quote = span.get("start"), span.get("end"), span.get("quote")
    if not (type(start) is int and type(end) is int and isinstance(quote, str)) or not 0 <= start < end:
        return []  # a wrong type or order is reported already
    if end > len(text):
        return [("KD303", (*where, "end"), f"[{start}, {end}) lies outside the source text ({len(text)} code points)")]
    if text[start:end] != quote:
        return [("KD305", (*where, "quote"), f"is not what the source holds at [{start}, {end}): "
                                             f"{_short(text[start:end])}")]  # fmt: skip
    return []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:59]}…"


def _rows(kind: str, rows: Any, where: Path_) -> list[Found]:
    if not isinstance(rows, list):
        return [("KD104", where, f"{_kind(rows)}, not a list of records")]
    from ketdata._model.convert import CLASSES

    found: list[Found] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            found.append(("KD104", (*where, i), f"{_kind(row)}, not a record"))
        else:
            try:
                upgraded = upgrade(kind, row)
            except (TypeError, ValueError, AttributeError):
                upgraded = row  # a value the upgrade cannot read either: reported as it stands
            found += _record(CLASSES[kind], upgraded, (*where, i))
    return found


def _record(cls: type[Frozen], raw: Any, where: Path_) -> list[Found]:
    if not isinstance(raw, dict):
        return [("KD104", where, f"{_kind(raw)}, not an object")]
    declared = _annotations(cls)
    found: list[Found] = [("KD102", (*where, k), f"not a field of {cls.__name__}") for k in raw if k not in declared]
    for name, annotation in declared.items():
        if name in raw:
            found += _value(annotation, raw[name], (*where, name))
        elif name in cls._fields and name not in (*cls._defaults, *cls._nullable, *getattr(cls, "_derived", ())):
            found.append(("KD103", where, f"the field {name!r} is missing"))
    return found


def _annotations(cls: type[Frozen]) -> dict[str, str]:
    declared = {k: v for k, v in cls.__init__.__annotations__.items() if k in cls._fields}
    return {**declared, "text": "str"} if cls.__name__ == "Source" else declared  # the article travels along


def _value(annotation: str, value: Any, where: Path_) -> list[Found]:
    """Problems of one value against its field's annotation (``int``, ``str | None``, ``tuple[X, ...]``...)."""
    options = _options(annotation)
    if value is None:
        return [] if "None" in options else [("KD104", where, f"null, not {_wanted(options)}")]
    for option in options:
        if option.startswith("tuple["):
            if isinstance(value, list):
                inner = option[len("tuple[") : -len(", ...]")]
                return [f for i, v in enumerate(value) for f in _value(inner, v, (*where, i))]
        elif option.startswith("Literal["):
            # The type only: an older snapshot's upgrade fills in values of its own ("unknown" confidence);
            # `ketdata diff` checks the values of a current one against the export's schema.
            if isinstance(value, str):
                return []
        elif option in _SCALAR:
            if _exact(value, _SCALAR[option]):
                return []
        elif option != "None":
            cls = _record_class(option)
            if isinstance(value, dict):
                return _record(cls, value, where)
    return [("KD104", where, f"{_kind(value)}, not {_wanted(options)}")]


def _options(annotation: str) -> list[str]:
    # Split on the top-level " | " only ("tuple[Literal['a', 'b'], ...] | None").
    parts, depth, start = [], 0, 0
    for i, char in enumerate(annotation):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0 and annotation.startswith(" | ", i):
            parts.append(annotation[start:i])
            start = i + 3
    return [*parts, annotation[start:]]


def _record_class(name: str) -> type[Frozen]:
    from ketdata._model import records

    cls: type[Frozen] = getattr(records, name)
    return cls


_SCALAR: dict[str, type] = {"int": int, "str": str, "bool": bool, "float": float}
_NAMES = {int: "an integer", str: "a string", bool: "true or false", float: "a number"}


def _exact(value: Any, kind: type) -> bool:
    """Whether a JSON value is exactly of the kind: true is no integer, 2.0 is no integer, 1 is no boolean."""
    if kind is float:  # a JSON number: an integer or a finite float, never a boolean
        return type(value) in (int, float)
    return type(value) is kind


def _wanted(options: list[str]) -> str:
    def name(option: str) -> str:
        if option.startswith("tuple["):
            return "a list"
        if option.startswith("Literal["):
            return "a string"
        if option == "None":
            return "null"
        return _NAMES[_SCALAR[option]] if option in _SCALAR else "an object"

    return " or ".join(dict.fromkeys(name(o) for o in options))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string"
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def _scan(text: str) -> tuple[dict[Path_, int], list[Found]]:
    """Where each value of a JSON text starts, by path; and its repeated keys and numbers that are not finite."""
    offsets: dict[Path_, int] = {}
    found: list[Found] = []
    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]

    def value(i: int, where: Path_, depth: int) -> int:
        i = _SPACE.match(text, i).end()  # type: ignore[union-attr]
        offsets.setdefault(where, i)
        if depth > 200:
            raise ValueError("too deeply nested")
        char = text[i : i + 1]
        if char == "{":
            i, seen = _SPACE.match(text, i + 1).end(), set()  # type: ignore[union-attr]
            if text[i : i + 1] == "}":
                return i + 1
            while True:
                key, end = scanstring(text, i + 1)
                if key in seen:
                    found.append(("KD005", (*where, key), "this key appears twice in one object; JSON keeps the last"))
                    offsets[(*where, key)] = i
                seen.add(key)
                i = _SPACE.match(text, end).end() + 1  # type: ignore[union-attr]  # past ':'
                i = _SPACE.match(text, value(i, (*where, key), depth + 1)).end()  # type: ignore[union-attr]
                if text[i : i + 1] != ",":
                    return i + 1
                i = _SPACE.match(text, i + 1).end()  # type: ignore[union-attr]
        if char == "[":
            i, n = _SPACE.match(text, i + 1).end(), 0  # type: ignore[union-attr]
            if text[i : i + 1] == "]":
                return i + 1
            while True:
                i = _SPACE.match(text, value(i, (*where, n), depth + 1)).end()  # type: ignore[union-attr]
                n += 1
                if text[i : i + 1] != ",":
                    return i + 1
                i += 1
        if char == '"':
            return int(scanstring(text, i + 1)[1])
        for word in ("true", "false", "null", "NaN", "Infinity", "-Infinity"):
            if text.startswith(word, i):
                if word.endswith(("NaN", "Infinity")):
                    found.append(("KD104", where, f"{word} is not a number JSON allows; write a finite number"))
                return i + len(word)
        literal = _NUMBER.match(text, i)
        if literal is None:
            raise ValueError(f"unexpected character at {i}")
        if not literal.group().lstrip("-").isdigit() and not math.isfinite(float(literal.group())):
            found.append(("KD104", where, f"{literal.group()[:40]} is too large to be a finite number"))
        return literal.end()

    # The text parsed as JSON already; a scan that loses its way only places problems less precisely.
    with contextlib.suppress(ValueError, IndexError):
        value(0, (), 0)
    return offsets, found
