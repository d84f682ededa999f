"""Outside consumers of the exports, run as a pipeline would run them: no ketdata code between file and tool.

Ajv runs under Node from ``tests/js`` (its own package.json and lock, installed by ``npm ci`` into a folder of
the test session); fhirpathpy runs in a virtual environment of its own (see ``fhirpath_python``).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile
import venv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import yaml
from referencing import Registry, Resource

from ketdata._model.convert import KINDS

from .helpers import ROOT

JS = Path(__file__).parent / "js"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
Case = tuple[str, Any]  # the $id of a schema, and an instance


def shipped_schemas() -> list[dict[str, Any]]:
    """Every schema ketdata ships: the record schemas and the export's line and document schemas."""
    paths = sorted((ROOT / "schema").glob("*.schema.json")) + sorted((ROOT / "exports/json").glob("*.schema.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def install_node_packages(folder: Path) -> Path:
    """``npm ci`` of the JavaScript consumer (Ajv, ajv-formats) into ``folder``; the script's path there."""
    for name in ("package.json", "package-lock.json", "validate.mjs"):
        shutil.copy(JS / name, folder / name)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, check=True)
    return folder / "validate.mjs"


def ajv_verdicts(script: Path, schemas: Sequence[dict[str, Any]], cases: Sequence[Case]) -> dict[str, Any]:
    """Ajv's compile errors by schema id (None when it compiled) and its verdict on each case."""
    payload = json.dumps({"schemas": list(schemas), "cases": [list(c) for c in cases]})
    done = subprocess.run(["node", str(script)], input=payload, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def python_verdicts(schemas: Sequence[dict[str, Any]], cases: Sequence[Case]) -> list[bool]:
    """Python jsonschema's verdicts, format assertions on (as Ajv with ajv-formats)."""
    registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    by_id = {s["$id"]: s for s in schemas}
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    made = {i: jsonschema.Draft202012Validator(s, registry=registry, format_checker=checker) for i, s in by_id.items()}
    return [bool(made[i].is_valid(instance)) for i, instance in cases]


def rust_verdicts(schemas: Sequence[dict[str, Any]], cases: Sequence[Case]) -> list[bool]:
    """jsonschema-rs's verdicts, format assertions on."""
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas])
    made = {s["$id"]: jsonschema_rs.validator_for(s, registry=registry, validate_formats=True) for s in schemas}
    return [bool(made[i].is_valid(instance)) for i, instance in cases]


def _kind_of(path: Path, data: Path) -> str | None:
    if path == data / "dataset.yaml":
        return "dataset"
    stems = {stem: kind for kind, _, stem in KINDS}
    top = path.relative_to(data).parts[0]
    return stems.get(top.removesuffix(".yaml"))


def _json_ready(value: Any) -> bool:
    try:
        return json.loads(json.dumps(value, allow_nan=False)) == value
    except (TypeError, ValueError):
        return False


class _NoAliases(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases (the corpus has an alias bomb, which the validator refuses)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("alias")
        return super().compose_node(parent, index)


# Dates stay text, as a JSON pipeline would have them.
_NoAliases.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def folder_cases(data: Path) -> Iterator[Case]:
    """Every record of a YAML data folder, read by PyYAML alone, against its record schema.

    Documents YAML cannot read, or whose values JSON cannot hold (an unquoted date, say), are left out: they
    never reach a schema as JSON.
    """
    for path in sorted(data.rglob("*.yaml")):
        kind = _kind_of(path, data)
        if kind is None or path.is_symlink() or not path.is_file() or path.stat().st_size > 1_000_000:
            continue
        try:
            documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_NoAliases))
        except Exception:  # whatever PyYAML cannot make into values never reaches a schema
            continue
        yield from ((f"urn:ketdata:schema:{kind}", d) for d in documents if d is not None and _json_ready(d))


def export_cases(exports: Path) -> Iterator[Case]:
    """Every NDJSON line against its line schema, and the JSON document against its own."""
    for _, attr, _ in KINDS:
        for line in (exports / "json" / f"{attr}.ndjson").read_text(encoding="utf-8").splitlines():
            yield f"urn:ketdata:export:json:{attr}", json.loads(line)
    yield "urn:ketdata:export:json", json.loads((exports / "json/ketdata.json").read_text(encoding="utf-8"))


def unique(cases: Iterable[Case]) -> list[Case]:
    """The cases without repeats (the corpus lays its files over copies of the shipped data)."""
    seen: dict[str, Case] = {}
    for schema_id, instance in cases:
        seen.setdefault(json.dumps([schema_id, instance], sort_keys=True), (schema_id, instance))
    return list(seen.values())


def probe_schemas(schemas: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One schema per distinct ``pattern`` in the shipped schemas, by the pattern itself."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(schemas))
    return {p: {"$schema": DRAFT, "$id": f"urn:probe:{n}", "type": "string", "pattern": p}
            for n, p in enumerate(sorted(found))}  # fmt: skip


# Characters on which regular-expression engines are known to disagree: what \s, \d, \w, '.', '$' and case
# folding mean, line ends, invisible and direction characters, astral code points.
PROBE_CHARS = (
    "\t\n\v\f\r \x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # white space
    "\x00\x7f\x9f\xad\u034f\u061c\u200b\u200e\u202e\u2066\u3164\ufe0f\ufff9\uffff"  # control, invisible
    "\U000110bd\U0001d173\U000e0001\U000e0100\U0001f600\U00010000"  # astral: invisible ones and others
    "aZ09_-.=+@/%:'\"\uff1d\uff20\u0660\u00e9\u0130\u017f\u212a\u00df"  # ASCII, Arabic-Indic digit, case folding traps
)


def probe_strings() -> list[str]:
    """Short strings around each probe character, at the start, the end and inside, plus a few ids."""
    out = ["", "a", "claim-001", "caveat-001", "1.0.0", "2024-02-30", "2024-02-29", "http://x.org/a", "A.1-2"]
    for c in PROBE_CHARS:
        out += [c, "a" + c, c + "a", "a" + c + "a", "claim-001" + c, "x_y" + c, "2024-01-01" + c]
    return out


def fhirpath_python(folder: Path) -> Path:
    """A virtual environment of its own for fhirpathpy, as a pipeline that evaluates FHIRPath would have it.

    fhirpathpy needs an ANTLR runtime newer than linkml (under sssom) allows, so the two cannot share one
    environment without pip downgrading one of them; each consumer gets the environment it asks for.
    """
    venv.create(folder, with_pip=True)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    requirements = Path(__file__).parent / "fhirpath-requirements.txt"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
    return python


_FHIRPATH_WORKER = """
import json, sys
from fhirpathpy import evaluate
from fhirpathpy.models import models
for line in sys.stdin:
    ask = json.loads(line)
    try:
        out = {"value": evaluate(ask["node"], ask["expression"], ask["env"], models["r5"])}
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out, default=str), flush=True)
"""


class FhirPath:
    """fhirpathpy (FHIR R5 model), running in its own environment: one process answering one question a line."""

    def __init__(self, python: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        self.process = subprocess.Popen([str(python), "-c", _FHIRPATH_WORKER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip

    def evaluate(self, node: Any, expression: str, env: dict[str, Any] | None = None) -> list[Any]:
        """What the expression selects in the resource (or any JSON node), as fhirpathpy's ``evaluate``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"node": node, "expression": expression, "env": env or {}}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert "error" not in answer, (expression, answer["error"])
        value: list[Any] = answer["value"]
        return value

    def close(self) -> None:
        """End the worker."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@functools.cache
def fhirpath() -> FhirPath:
    """The test session's FHIRPath engine, made the first time a test asks (its environment in a temporary folder)."""
    folder = Path(tempfile.mkdtemp(prefix="ketdata-fhirpath-"))
    engine = FhirPath(fhirpath_python(folder))

    def done() -> None:
        engine.close()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(done)
    return engine
