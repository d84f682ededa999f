"""The JSON Schemas: loaded once per validation run, one validator per record kind, errors turned into problems."""

from __future__ import annotations

import datetime
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ketdata._io.yaml import UNREADABLE
from ketdata._model.problems import Problem, problem, short
from ketdata._validation.folder import RawRecord
from ketdata._validation.refs import SchemaSet

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

COMMON = "common"


@dataclass(frozen=True, slots=True)
class KindValidator:
    """A record kind's schema, compiled twice: a fast yes/no check, and jsonschema for located errors.

    The fast check is fastjsonschema's code generated from the same schema; jsonschema stays the
    authority and runs only on the records the fast check rejects, so a run where every record passes
    never imports it (about 90 ms here).
    """

    fast: Callable[[Any], Any]
    schemas: str
    kind: str

    @property
    def full(self) -> Draft202012Validator:
        """The jsonschema validator for the kind, made the first time a record needs it."""
        return _authority(self.schemas, self.kind)

    def is_valid(self, value: Any) -> bool:
        """Whether the value meets the schema (jsonschema decides whenever the fast check says no)."""
        try:
            self.fast(value)
        except Exception:  # any refusal by the fast path defers to jsonschema
            return bool(self.full.is_valid(value))
        return True


class Validators(Mapping[str, KindValidator]):
    """The validators of a set of schemas, one per record kind, each made the first time it is asked for.

    Generating a fast check's code costs more than validating the shipped data, so it is done only for
    the kinds a run meets (with the cache, only those of the files that changed) and only once per
    process for the same schemas; a validator holds no state between records.
    """

    def __init__(self, schemas: Mapping[str, dict[str, Any]]) -> None:
        self._text = json.dumps(schemas, sort_keys=True)
        self._kinds = [name for name in schemas if name != COMMON]

    def __getitem__(self, kind: str) -> KindValidator:
        if kind not in self._kinds:
            raise KeyError(kind)
        return _compiled(self._text, kind)

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def build_validators(schemas: Mapping[str, dict[str, Any]]) -> Validators:
    """One validator per record schema, reused for every record (and, for the same schemas, every run)."""
    return Validators(schemas)


@functools.lru_cache(maxsize=32)
def _compiled(text: str, kind: str) -> KindValidator:
    import fastjsonschema

    schemas: dict[str, dict[str, Any]] = json.loads(text)
    fast = fastjsonschema.compile(SchemaSet(schemas).inline(schemas[kind]), use_default=False, use_formats=False)
    return KindValidator(fast, text, kind)


@functools.lru_cache(maxsize=32)
def _authority(text: str, kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas: dict[str, dict[str, Any]] = json.loads(text)
    registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return Draft202012Validator(schemas[kind], registry=registry)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {short(value)}"
    return short(value)


def _expects_string(error: ValidationError) -> bool:
    expected = error.validator_value
    return expected == "string" or (isinstance(expected, list) and "string" in expected)


def _field(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "record"


# Characters a reader cannot see, or that change the direction or the lines of what follows (KD108); the
# C0 control characters stay KD106, as they always were.
_HIDDEN = re.compile("[\x80-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u08e2\u115f\u1160\u17b4\u17b5"
                     "\u180b-\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\uffa0\ufeff"
                     "\ufff9-\ufffb\ufffe\uffff\ud800-\udfff\U000110bd\U0001d173-\U0001d17a\U000e0000-\U000e007f"
                     "\U000e0100-\U000e01ef]|\n(?![\\s\\S])")  # fmt: skip


def _hidden(text: str) -> str | None:
    match = _HIDDEN.search(text)
    return match.group() if match else None


def _hidden_problem(record: RawRecord, path: tuple[str | int, ...], text: str, char: str) -> Problem:
    line, col = record.mark(*path)
    name = unicodedata.name(char, "a control character")
    source_line = record.doc_line(line) or ""
    at = source_line.find(char, col)
    where = f"line {line}, column {at + 1}" if at >= 0 else f"character {text.index(char) + 1} of the value"
    msg = f"{_field(path)}: holds U+{ord(char):04X} ({name}), which a reader cannot see or which hides the text"
    hint = f"delete the U+{ord(char):04X} at {where} (it may look like nothing, or like a line break)"
    return problem("KD108", record.file, line, col, record.id, msg, hint)


def _problems_for(error: ValidationError, record: RawRecord) -> Iterator[Problem]:
    path = tuple(error.absolute_path)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    rid, where = record.id, _field(path)
    line, col = record.mark(*path)
    if error.validator == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        for key in sorted(set(cast(dict[str, Any], error.instance)) - allowed):
            kline, kcol = record.mark(*path, key)
            yield problem(
                "KD102",
                record.file,
                kline,
                kcol,
                rid,
                f"unknown key {key!r} in {where}",
                f"allowed keys: {', '.join(sorted(allowed))}",
            )
        return
    if error.validator == "required":
        yield problem("KD103", record.file, line, col, rid, f"{where}: {error.message}")
        return
    if error.validator == "type":
        value = error.instance
        if _expects_string(error) and (isinstance(value, (bool, int, float, datetime.date)) or value is None):
            yield problem(
                "KD105",
                record.file,
                line,
                col,
                rid,
                f"{where}: YAML read {_describe(value)} where text is expected; quote the value",
            )
            return
        yield problem(
            "KD104", record.file, line, col, rid, f"{where}: {_describe(value)} is not of type {error.validator_value}"
        )
        return
    if error.validator == "pattern" and isinstance(error.instance, str) and (hidden := _hidden(error.instance)):
        yield _hidden_problem(record, path, error.instance, hidden)
        return
    if error.validator == "pattern":
        hint = schema.get("x-pattern-hint") or f"match the pattern {error.validator_value}"
        yield problem(
            "KD106", record.file, line, col, rid, f"{where}: {_describe(error.instance)} is not valid: {hint}"
        )
        return
    if error.validator == "enum":
        values = ", ".join(repr(v) for v in error.validator_value)  # type: ignore[union-attr]
        yield problem(
            "KD107", record.file, line, col, rid, f"{where}: {_describe(error.instance)} is not one of {values}"
        )
        return
    if error.validator == "oneOf" and path[-1:] == ("object",):
        yield problem(
            "KD101",
            record.file,
            line,
            col,
            rid,
            "object: give either 'concept' (a concept id) or 'value' (a literal, with an optional 'quantity')",
        )
        return
    yield problem("KD101", record.file, line, col, rid, f"{where}: {error.message}")


def schema_problems(validator: KindValidator, record: RawRecord) -> list[Problem]:
    """Problems of one record against its schema (none, cheaply, when it is valid)."""
    if validator.is_valid(record.value):
        return []
    errors = (e for e in validator.full.iter_errors(record.value) if e.instance is not UNREADABLE)
    return [p for e in errors for p in _problems_for(e, record)]
