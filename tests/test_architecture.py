"""The design holds: one source for the record model, rooms that import only downwards, no import cycles."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ketdata"

# Lowest first: a room may import only from the rooms listed before it (and from itself).
LAYERS = ("_model", "_io", "_read", "_validation", "_export", "_editor", "_workbench", "_cli")


def _codegen() -> object:
    spec = importlib.util.spec_from_file_location("codegen", PACKAGE / "_model" / "codegen.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["codegen"] = module
    spec.loader.exec_module(module)
    return module


def test_records_are_generated_from_the_schemas() -> None:
    """records.py is what the generator writes for today's schemas: the two cannot drift."""
    result = subprocess.run(
        [sys.executable, str(PACKAGE / "_model" / "codegen.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_schema_field_added_in_one_place_reaches_the_class(tmp_path: Path) -> None:
    """Adding a property to a schema is all it takes for the class, its docs and its converter to have it."""
    import json
    import shutil

    schemas = shutil.copytree(ROOT / "schema", tmp_path / "schema")
    claim = json.loads((schemas / "claim.schema.json").read_text(encoding="utf-8"))
    claim["properties"]["modality"] = {"description": "How firmly the triple holds.", "enum": ["can", "does"]}
    (schemas / "claim.schema.json").write_text(json.dumps(claim), encoding="utf-8")
    source = _codegen().render(schemas)  # type: ignore[attr-defined]
    claim_class = source[source.index("class Claim(") : source.index("class SourceRange(")]
    assert 'modality: Literal["can", "does"] | None = None,' in claim_class
    assert "modality: How firmly the triple holds." in claim_class
    assert '_put(self, "modality", modality)' in claim_class


def test_a_vocabulary_changed_in_a_schema_reaches_load_json_checks(tmp_path: Path) -> None:
    """The values ``load_json`` allows come from the schemas too (``constraints.py``), not from a hand list."""
    import json
    import shutil

    schemas = shutil.copytree(ROOT / "schema", tmp_path / "schema")
    common = json.loads((schemas / "common.schema.json").read_text(encoding="utf-8"))
    common["$defs"]["status"]["enum"].append("archived")
    (schemas / "common.schema.json").write_text(json.dumps(common), encoding="utf-8")
    source = _codegen().render_constraints(schemas)  # type: ignore[attr-defined]
    assert 'STATUS: Check = {"enum": ("active", "deprecated", "withdrawn", "archived")}' in source
    assert '"status": STATUS' in source[source.index('"Claim": {') :]


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of the nodes under ``if TYPE_CHECKING:``: imports for type checkers, never run."""
    blocks = [n for n in ast.walk(tree) if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    return {id(inner) for block in blocks for stmt in block.body for inner in ast.walk(stmt)}


def _imports(path: Path) -> set[str]:
    """Every ketdata module a file imports when it runs, at the top or inside a function."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ketdata"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("ketdata"))
    return found


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ketdata"


def test_rooms_import_only_downwards() -> None:
    """Each room imports only from the rooms below it, counting imports inside functions too."""
    rank = {room: i for i, room in enumerate(LAYERS)}
    offenders = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _room(module) in rank
        and _room(target) != _room(module)
        and rank.get(_room(target), len(LAYERS)) > rank[_room(module)]
    ]
    assert offenders == []


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or through others (imports inside functions included)."""
    graph = _graph()
    offenders: list[str] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            if component:
                offenders.append(" <-> ".join(sorted([node, *component])))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert offenders == []


def test_import_linter_contracts_hold() -> None:
    """The same layering, checked by import-linter (the tool a contributor may already know)."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--config", str(ROOT / ".importlinter")], capture_output=True,
                            text=True, cwd=ROOT)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _private_names(path: Path, where: str, modules: set[str]) -> list[str]:
    """Each ``from <ketdata module> import _name`` in a file where ``_name`` is not itself a module.

    A private module (``ketdata._io.safe_write``) may be imported; a name inside a module that starts with an
    underscore is that module's own. Dunder names (``__version__``) are public by convention.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.level or not (node.module or "").startswith("ketdata"):
            continue
        for alias in node.names:
            name = alias.name
            private = name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
            if private and f"{node.module}.{name}" not in modules:
                found.append(f"{where} imports {name} from {node.module}")
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    """A name starting with "_" is used only in its own module: what others need is public, with a docstring."""
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    paths = sorted(PACKAGE.rglob("*.py"))
    offenders = [found for path in paths for found in _private_names(path, _module(path), modules)]
    assert offenders == []


def test_the_private_name_scan_sees_what_it_must(tmp_path: Path) -> None:
    """The scan flags a private name, and passes a private module, a public name renamed private, a dunder."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from ketdata._validation.words import stem as _stem\n"
        "from ketdata._validation import words\n"
        "from ketdata._workbench import _http\n"
        "from ketdata._version import __version__\n"
        "def f():\n"
        "    from ketdata._validation.governance import _Active\n",
        encoding="utf-8",
    )
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    (found,) = _private_names(planted, "planted", modules)
    assert found.endswith("imports _Active from ketdata._validation.governance")
