"""Writes ``records.py`` from the JSON Schemas: the published contract is the record model's one source.

Run ``python ketdata/_model/codegen.py`` after changing a schema (it formats with ruff, one of the test
tools, and imports nothing of ketdata, so it runs whatever state the package is in);
``tests/test_architecture.py`` fails while the generated modules and the schemas disagree. It also writes
``constraints.py``: what a type cannot say of each field (its allowed values, pattern, bounds), which
``load_json`` checks on the standard library alone. Each object a
schema describes becomes a class named by its ``title``; each property a field with the schema's
description, its Python type, and a default when the property is optional (the schema's ``default``, else
None, or ``()`` for a list). Behaviour that is not data (a source's text, a coding's strength) lives in
hand-written bases named in `BASES`.

Never imported by ``ketdata.load()`` or the commands: it is a development tool.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
SCHEMAS = _HERE.parent.parent / "schema"
TARGET = _HERE / "records.py"
CONSTRAINTS = _HERE / "constraints.py"

# Top-level record kinds, in the order the module lists them (dependencies first).
KINDS = ("dataset", "source", "category", "evidence_status", "predicate", "concept", "claim", "caveat", "rule")

# Hand-written bases (in ``ketdata._model.behaviour``) that give a record class its methods.
BASES = {"Source": "SourceBase", "Coding": "CodingBase"}
# Classes whose base declares private fields (keyword-only, None by default, never exported).
PRIVATE = {"Source"}


@dataclass
class Field:
    """One property of a record class."""

    name: str
    annotation: str
    doc: str
    default: str | None  # Python source of the default, or None when the field is required
    nested: str | None = None  # the record class its value (or each item) is built from
    many: bool = False
    derived: bool = False  # filled in when the dataset is assembled (``x-derived``), never in the data files
    checks: dict[str, Any] = field(default_factory=dict)  # what the type cannot say: values, pattern, bounds


@dataclass
class RecordClass:
    """One object a schema describes."""

    name: str
    doc: str
    fields: list[Field] = field(default_factory=list)


class Generator:
    """Walks the schemas and collects the record classes, nested ones first."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.classes: dict[str, RecordClass] = {}
        self.named: dict[str, dict[str, Any]] = {}  # the checks of each shared definition (``text``) by its name

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """The subschema a ``$ref`` points at, merged under the referring node's own keywords."""
        ref = node.get("$ref")
        if ref is None:
            return node
        base, _, pointer = ref.partition("#")
        target: Any = self.schemas[base]
        for part in filter(None, pointer.split("/")):
            target = target[part]
        merged = {**self.resolve(target), **{k: v for k, v in node.items() if k != "$ref"}}
        return merged

    def type_of(self, node: dict[str, Any]) -> tuple[str, str | None, bool]:
        """The Python annotation of a subschema, the record class it builds (if any), and whether it is a list."""
        node = self.resolve(node)
        if "const" in node:
            return _SCALARS[_JSON_TYPES[type(node["const"])]], None, False
        if "enum" in node:
            return "Literal[" + ", ".join(json.dumps(v) for v in node["enum"]) + "]", None, False
        variants = node.get("anyOf") or node.get("oneOf")
        if variants and all("type" in self.resolve(v) or "$ref" in v for v in variants) and "type" not in node:
            parts = [self.type_of(v) for v in variants]
            nested = next((p[1] for p in parts if p[1]), None)
            return " | ".join(dict.fromkeys(p[0] for p in parts)), nested, False
        kind = node.get("type")
        if isinstance(kind, list):
            names = [_SCALARS[k] for k in kind]
            return " | ".join(names), None, False
        if kind == "array":
            inner, nested, _ = self.type_of(node["items"])
            return f"tuple[{inner}, ...]", nested, True
        if kind == "object":
            return self.record_class(node), self.record_class(node), False
        return _SCALARS[str(kind)], None, False

    def record_class(self, node: dict[str, Any]) -> str:
        """The class of an object subschema (collected once), by its title."""
        name = "".join(word[:1].upper() + word[1:] for word in node["title"].split())
        if name in self.classes:
            return name
        cls = RecordClass(name, node.get("description", node["title"]))
        self.classes[name] = cls  # before the fields: nested classes come after their parent in `classes`
        required = set(node.get("required", ()))
        # Fields derived at load (``x-derived``, a claim's caveats) are fields too, never in the data files.
        derived = node.get("x-derived", {})
        for prop, sub in {**node.get("properties", {}), **derived}.items():
            if sub.get("x-unreleased"):
                continue  # a working-state mark (a source update's) never reaches a loaded or exported record
            annotation, nested, many = self.type_of(sub)
            doc = self.resolve(sub).get("description", prop) if "description" not in sub else sub["description"]
            default = self.default(prop, sub, required, many)
            checks = self.checks(sub)
            cls.fields.append(Field(prop, annotation, doc, default, nested, many, prop in derived, checks))
        # A class needs its nested classes defined first: move it after them.
        del self.classes[name]
        self.classes[name] = cls
        return name

    def checks(self, node: dict[str, Any]) -> dict[str, Any]:
        """What a subschema says of a value beyond its type (enum, pattern, bounds, items), for ``load_json``.

        Conditions between fields (``if``/``then``) and whole objects are left to the schemas themselves.
        """
        resolved = self.resolve(node)
        variants = [v for v in resolved.get("anyOf") or resolved.get("oneOf") or () if self.resolve(v).get("type")
                    not in ("null", "object")]  # fmt: skip
        if len(variants) == 1:  # text or null: the text's checks, for a string
            resolved = {**self.resolve(variants[0]), **{k: v for k, v in resolved.items() if k in _CHECKED}}
        found = {key: resolved[key] for key in _CHECKED if key in resolved}
        if "enum" in found:
            found["enum"] = tuple(found["enum"])
        if "pattern" in found and "x-pattern-hint" in resolved:
            found["hint"] = resolved["x-pattern-hint"]
        if resolved.get("type") == "array" and (items := self.checks(resolved["items"])):
            found["items"] = items
        name = node.get("$ref", "").partition("#/$defs/")[2]
        if name and found and set(node) <= {"$ref", "description"}:  # a field that is the definition, no more
            self.named[name] = found
            found = {**found, "$def": name}
        return found

    def default(self, prop: str, sub: dict[str, Any], required: set[str], many: bool) -> str | None:
        """The Python source of an optional property's default; None for a required one."""
        if prop in required:
            return None
        resolved = self.resolve(sub)
        if "default" in resolved:
            return repr(resolved["default"])
        return "()" if many else "None"


# What an export line keeps of a field's schema (``_export/_json.py``): not minItems, as an unset list is [].
_CHECKED = ("enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum", "format", "uniqueItems")
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def _optional(annotation: str, default: str | None) -> str:
    if default == "None" and "None" not in annotation.split(" | "):
        return f"{annotation} | None"
    return annotation


def _docstring(cls: RecordClass) -> list[str]:
    summary, _, rest = _sentence(cls.doc).partition(". ")
    lines = [f'    """{summary if rest else summary.rstrip(".")}.' if rest else f'    """{summary}']
    if rest:
        lines += ["", *("    " + w for w in textwrap.wrap(rest, 112))]
    lines += ["", "    Attributes:"]
    for f in cls.fields:
        wrapped = textwrap.wrap(f"{f.name}: {_sentence(f.doc)}", 108, subsequent_indent="    ")
        lines += ["        " + w for w in wrapped]
    return [*lines, '    """']


def _sentence(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', "'''")
    return text if text.endswith((".", ")")) else text + "."


def _render(cls: RecordClass) -> list[str]:
    base = BASES.get(cls.name, "Frozen")
    private = base != "Frozen" and cls.name in PRIVATE
    lines = ["", "", f"class {cls.name}({base}):", *_docstring(cls), ""]
    names = tuple(f.name for f in cls.fields)
    lines.append(f"    __slots__ = {tuple(sorted(names))!r}")
    lines.append(f"    __match_args__ = {names!r}")
    lines.append(f"    _fields: ClassVar[tuple[str, ...]] = {names!r}")
    defaults = ", ".join(f"{f.name!r}: {f.default}" for f in cls.fields if f.default is not None)
    lines.append(f"    _defaults: ClassVar[dict[str, Any]] = {{{defaults}}}")
    nullable = sorted(f.name for f in cls.fields if f.default is None and "None" in f.annotation.split(" | "))
    lines.append(f"    _nullable: ClassVar[frozenset[str]] = frozenset({tuple(nullable)!r})")
    derived = tuple(f.name for f in cls.fields if f.derived)
    if derived:
        lines.append(f"    _derived: ClassVar[frozenset[str]] = frozenset({derived!r})")
    nested = ", ".join(f"{f.name!r}: ({f.nested}, {f.many})" for f in cls.fields if f.nested)
    lines.append(f"    _nested: ClassVar[dict[str, tuple[type[Frozen], bool]]] = {{{nested}}}")
    lines.append("")
    # Type checkers see each field as a read-only property (an assignment fails at run time too); at run
    # time the field is a slot, which costs nothing to read.
    lines.append("    if TYPE_CHECKING:")
    for f in cls.fields:
        lines += ["", "        @property", f"        def {f.name}(self) -> {_optional(f.annotation, f.default)}: ..."]
    lines += ["", "    def __init__(", "        self,", "        *,"]
    ordered = [f for f in cls.fields if f.default is None] + [f for f in cls.fields if f.default is not None]
    for f in ordered:
        default = "" if f.default is None else f" = {f.default}"
        lines.append(f"        {f.name}: {_optional(f.annotation, f.default)}{default},")
    if private:
        lines.append("        **private: Any,")
    lines.append("    ) -> None:")
    for f in cls.fields:
        lines.append(f"        _put(self, {f.name!r}, {f.name})")
    if private:
        lines.append("        self._init_private(private)")
    return lines


HEADER = '''"""The record types: immutable, slotted values, one class per object the JSON Schemas describe.

GENERATED by ``python ketdata/_model/codegen.py`` from ``schema/*.schema.json``: do not edit by hand.
Records are built with keyword arguments; each class lists its fields (``_fields``), the defaults of its
optional ones (``_defaults``) and the record class each nested field is built from (``_nested``), which is
all `ketdata._model.convert` needs to turn plain data into records and back.
"""

from __future__ import annotations

from ketdata._model.behaviour import CodingBase, SourceBase
from ketdata._model.frozen import Frozen

# typing costs more to import than loading the whole dataset: type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Literal, TypeAlias

_put = object.__setattr__'''


def _generator(schema_dir: Path) -> Generator:
    """A generator that has collected every record class of the schemas in ``schema_dir``."""
    schemas = {}
    for path in sorted(schema_dir.glob("*.schema.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        schemas[doc["$id"]] = doc
    gen = Generator(schemas)
    for kind in KINDS:
        gen.record_class(schemas[f"urn:ketdata:schema:{kind}"])
    return gen


def generate(schema_dir: Path = SCHEMAS) -> str:
    """The source of ``records.py`` for the schemas in ``schema_dir``."""
    gen = _generator(schema_dir)
    tops = [gen.record_class(gen.schemas[f"urn:ketdata:schema:{kind}"]) for kind in KINDS]
    lines = HEADER.split("\n")
    for cls in gen.classes.values():
        lines += _render(cls)
    kinds = " | ".join(t for t in tops if t != "DatasetInfo")
    lines += [
        "",
        "",
        f"Record: TypeAlias = {kinds}",
        '"""Any record a `Dataset` holds under an id (what ``Dataset.get`` returns)."""',
        "",
    ]
    return "\n".join(lines)


CONSTRAINTS_HEADER = '''"""What a type cannot say of each field: its allowed values, pattern and bounds, by class.

GENERATED by ``python ketdata/_model/codegen.py`` from ``schema/*.schema.json``: do not edit by hand.
``ketdata.load_json`` checks a file's values against these on the standard library alone, so a JSON export
from anywhere meets the same vocabularies and patterns as the YAML data. Each check holds the JSON Schema
keywords of its field (``enum``, ``const``, ``pattern`` with its ``hint``, ``minimum``...; ``items`` for each
item of a list), as an export line's schema keeps them. Conditions between fields are the schemas' own
(``ketdata diff`` applies them to a snapshot of today's schema).
"""

# ruff: noqa: E501  (the text pattern names its characters on one line, as the schema does)

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    Check: TypeAlias = dict[str, Any]'''


def generate_constraints(schema_dir: Path = SCHEMAS) -> str:
    """The source of ``constraints.py``: each record class's checks by field, shared definitions named once."""
    gen = _generator(schema_dir)
    lines = CONSTRAINTS_HEADER.split("\n")
    for name, check in sorted(gen.named.items()):
        lines += ["", f"{_constant(name)}: Check = {_check_source(gen, check, top=True)}"]
    version = gen.schemas["urn:ketdata:schema:common"]["x-schema-version"]
    lines += ["", f"SCHEMA_VERSION = {version!r}", '"""The version of the schemas the checks come from."""']
    lines += ["", "CHECKS: dict[str, dict[str, Check]] = {"]
    for cls in gen.classes.values():
        fields = [f"{f.name!r}: {_check_source(gen, f.checks)}" for f in cls.fields if f.checks]
        if fields:
            lines.append(f"    {cls.name!r}: {{{', '.join(fields)}}},")
    return "\n".join([*lines, "}", ""])


def _constant(name: str) -> str:
    return "".join(f"_{c}" if c.isupper() else c for c in name).upper()


def _check_source(gen: Generator, check: dict[str, Any], *, top: bool = False) -> str:
    if not top and "$def" in check:
        return _constant(check["$def"])
    parts = [f"{k!r}: {_check_source(gen, v) if k == 'items' else repr(v)}" for k, v in check.items() if k != "$def"]
    return "{" + ", ".join(parts) + "}"


def _formatted(source: str, target: Path) -> str:
    ruff = [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(target), "-"]
    return subprocess.run(ruff, input=source, capture_output=True, text=True, check=True).stdout


def render(schema_dir: Path = SCHEMAS) -> str:
    """`generate`'s source formatted as the project formats code (``ruff format``, from the test tools)."""
    return _formatted(generate(schema_dir), TARGET)


def render_constraints(schema_dir: Path = SCHEMAS) -> str:
    """`generate_constraints`'s source, formatted."""
    return _formatted(generate_constraints(schema_dir), CONSTRAINTS)


def main() -> int:
    """Write ``records.py`` and ``constraints.py``; with ``--check``, only say whether they are current (exit 1 if not).

    Returns:
        The exit code.
    """
    texts = {TARGET: render(), CONSTRAINTS: render_constraints()}
    if "--check" in sys.argv[1:]:
        stale = [p.name for p, text in texts.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        print(
            f"{', '.join(stale)} stale: run python ketdata/_model/codegen.py" if stale else "generated code is current"
        )
        return 1 if stale else 0
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
