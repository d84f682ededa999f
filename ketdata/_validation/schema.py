"""The JSON Schemas: loaded once per validation run, one validator per record kind, errors turned into problems."""

from __future__ import annotations

import copy
import datetime
import functools
import json
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ketdata._io.escape import find_unseen
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
        self._made: dict[str, KindValidator] = {}  # asked for once per record: looked up without a call

    def __getitem__(self, kind: str) -> KindValidator:
        made = self._made.get(kind)
        if made is None:
            if kind not in self._kinds:
                raise KeyError(kind)
            made = self._made[kind] = _compiled(self._text, kind)
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def build_validators(schemas: Mapping[str, dict[str, Any]]) -> Validators:
    """One validator per record schema, reused for every record (and, for the same schemas, every run)."""
    return Validators(schemas)


@functools.lru_cache(maxsize=32)
def _compiled(text: str, kind: str) -> KindValidator:
    schemas: dict[str, dict[str, Any]] = json.loads(text)
    return KindValidator(_exact_fast_check(SchemaSet(schemas).inline(schemas[kind])), text, kind)


def _exact_fast_check(schema: dict[str, Any]) -> Callable[[Any], Any]:
    """The fast check of the schema (fastjsonschema's code), with exact types: 453.0 and true are not integers.

    JSON Schema (since draft 6) counts a float with no fraction as an integer; ketdata does not, since
    Python code downstream that asks "is this an int?" would quietly skip its check. fastjsonschema's
    draft-4 type check is exactly that, so it replaces the later drafts' one; jsonschema gets the same
    rule from `exact_types`, and a test holds the two to agreeing.
    """
    from fastjsonschema.draft04 import CodeGeneratorDraft04
    from fastjsonschema.draft2019 import CodeGeneratorDraft2019
    from fastjsonschema.exceptions import JsonSchemaValueException
    from fastjsonschema.ref_resolver import RefResolver

    class Refused(JsonSchemaValueException):
        """A refusal that records nothing: made with the built-in exception's constructor, not a Python one."""

        __init__ = Exception.__init__

    class ExactTypes(CodeGeneratorDraft2019):
        generate_type = CodeGeneratorDraft04.generate_type

        def exc(self, msg: str, *args: Any, append_to_msg: str | None = None, rule: str | None = None) -> None:
            # Only "no" is asked of the fast check (jsonschema says why), so a refusal builds no message and
            # no copy of the schema: an if/then or oneOf branch refuses several times for every record.
            # oneOf, anyOf and not branches catch it as theirs, being a JsonSchemaValueException.
            self.l("raise Refused")

    resolver = RefResolver.from_schema(schema, store={})
    generator = ExactTypes(schema, resolver=resolver, use_default=False, use_formats=False)  # type: ignore[no-untyped-call]
    scope: dict[str, Any] = {**generator.global_state, "Refused": Refused}
    exec(generator.func_code, scope)  # fastjsonschema's own generated code, run as its compile() runs it
    return cast(Callable[[Any], Any], scope[resolver.get_scope_name()])


def _is_integer(_checker: Any, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@functools.lru_cache(maxsize=32)
def _authority(text: str, kind: str) -> Draft202012Validator:
    from referencing import Registry, Resource

    schemas: dict[str, dict[str, Any]] = json.loads(text)
    registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return exact_types()(schemas[kind], registry=registry)


@functools.cache
def exact_types() -> type[Draft202012Validator]:
    """Draft 2020-12 with exact types: an integer is a Python int that is not a bool (453.0 is a number only)."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
    exact = validators.extend(Draft202012Validator, type_checker=checker)  # type: ignore[no-untyped-call]
    return cast("type[Draft202012Validator]", exact)


def _quoted_short(error: ValidationError) -> str:
    """The schema error's message, with the value it quotes whole (a 4 MB statement, say) cut like every other."""
    whole = repr(error.instance)
    return error.message.replace(whole, short(error.instance)) if len(whole) > 60 else error.message


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


def _hidden(text: str) -> str | None:
    """An unseen character of a value (reported by the reader, where it stands), or a trailing line break."""
    found = next(find_unseen(text), None)
    if found is not None:
        return text[found]
    return "\n" if text.endswith("\n") else None


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
        if isinstance(value, float) and value.is_integer() and error.validator_value == "integer":
            # JSON Schema would count 453.0 as an integer; ketdata does not (see _exact_fast_check).
            msg = f"{where}: {_describe(value)} is not an integer; write {int(value)}, without the decimal point"
        else:
            msg = f"{where}: {_describe(value)} is not of type {error.validator_value}"
        yield problem("KD104", record.file, line, col, rid, msg)
        return
    if error.validator == "pattern" and isinstance(error.instance, str) and (hidden := _hidden(error.instance)):
        if hidden == "\n":  # any other unseen character is the reader's to report (KD108), where it stands
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
    ruled_out = error.validator_value.get("required") if isinstance(error.validator_value, Mapping) else None
    if error.validator == "not" and ruled_out:
        # A field the object's other values rule out (flags on a confirmed review): say which, not the schema.
        names = " and ".join(repr(n) for n in ruled_out)
        msg = f"{where}: may not have {names} here: its other values rule it out"
        yield problem("KD101", record.file, line, col, rid, msg)
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
    yield problem("KD101", record.file, line, col, rid, f"{where}: {_quoted_short(error)}")


def schema_problems(validator: KindValidator, record: RawRecord) -> list[Problem]:
    """Problems of one record against its schema (none, cheaply, when it is valid)."""
    return schema_check(validator, record)[0]


Taken = dict[tuple[str | int, ...], Any]


def schema_check(validator: KindValidator, record: RawRecord) -> tuple[list[Problem], dict[str, Any], Taken]:
    """Problems of one record against its schema, its value with every value of a wrong type taken out, and those.

    The rules across records read the second, so none of them ever meets a value of a type other than the
    schema's: a field given a wrong type (``start: 453.0``, ``scope: true``, ``applies_to: [5]``) is reported
    here, at its line, and is absent for every later check, which then cannot pass on it either. The values
    taken out, by where they stood, let a rule still advise on one (the ids an id field could name).
    """
    if validator.is_valid(record.value):
        return [], record.value, {}
    errors = list(validator.full.iter_errors(record.value))
    problems = [p for e in errors if e.instance is not UNREADABLE for p in _problems_for(e, record)]
    taken = {tuple(e.absolute_path): e.instance for e in errors if _wrong_type(e)}
    return problems, _without(record.value, list(taken)) if taken else record.value, taken


def _kind(value: Any) -> str:
    return "bool" if isinstance(value, bool) else "number" if isinstance(value, int | float) else type(value).__name__


def _wrong_type(error: ValidationError) -> bool:
    """Whether the error says the value is of a type the schema does not allow there (not just a wrong value)."""
    if error.validator == "type":
        return True
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        return _kind(error.instance) not in {_kind(v) for v in allowed}  # type: ignore[union-attr]
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, bool] = {}
        for sub in error.context:
            here = not sub.relative_path and _wrong_type(sub)
            branches[sub.schema_path[0]] = branches.get(sub.schema_path[0], False) or here
        return len(branches) == len(error.validator_value) and all(branches.values())  # type: ignore[arg-type]
    return False


def _without(value: dict[str, Any], paths: list[tuple[str | int, ...]]) -> dict[str, Any]:
    """A copy of a record's value without the key holding each path's value (a list item takes its list)."""
    value = copy.deepcopy(value)
    for path in paths:
        keys = [i for i, part in enumerate(path) if isinstance(part, str)]
        if not keys:
            continue
        parent: Any = value
        for part in path[: keys[-1]]:
            if isinstance(parent, dict):
                parent = parent.get(part)
            elif isinstance(parent, list) and isinstance(part, int) and part < len(parent):
                parent = parent[part]
            else:
                parent = None
        if isinstance(parent, dict):
            parent.pop(path[keys[-1]], None)
    return value
