"""How a diff reads: as plain text for the terminal and as Markdown for changelogs and reviews."""

from __future__ import annotations

from typing import Any

from ketdata._io.escape import markdown_code, markdown_text
from ketdata._model.convert import KINDS
from ketdata._model.diff import Diff


def _show(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _heading(kind: str) -> str:
    return next((attr for k, attr, _ in KINDS if k == kind), kind).replace("_", " ")


def render_text(d: Diff) -> str:
    """The diff for a terminal: grouped by record kind, fields as ``old -> new``."""
    if not d:
        return f"no differences ({d.old_version} -> {d.new_version})\n"
    lines = [f"{d.old_version} -> {d.new_version}: {len(d.changes)} record(s) differ; release bump: {d.bump()}"]
    if d.schema_change:
        lines.append(f"schema version {d.old_schema} -> {d.new_schema} ({d.schema_change})")
    kind = None
    marks = {"added": "+", "removed": "-", "withdrawn": "-", "deprecated": "!", "changed": "~", "reactivated": "+"}
    for c in d.changes:
        if c.kind != kind:
            kind = c.kind
            lines.append(f"{_heading(kind)}:")
        versions = f" (v{c.old_version} -> v{c.new_version})" if c.old_version and c.new_version else ""
        lines.append(f"  {marks[c.change]} {c.id} {c.change}{versions}")
        lines += [f"      {f.field}: {_show(f.old)} -> {_show(f.new)}" for f in c.fields]
    return "\n".join(lines) + "\n"


def render_markdown(d: Diff) -> str:
    """The diff as Markdown: a section per record kind, a bullet per record, a sub-bullet per field."""
    if not d:
        return markdown_text(f"No differences between {d.old_version} and {d.new_version}.") + "\n"
    versions = markdown_text(f"{d.old_version} → {d.new_version}")
    lines = [f"**{versions}** — release bump: **{d.bump()}**", ""]
    kind = None
    for c in d.changes:
        if c.kind != kind:
            kind = c.kind
            lines += ["", f"### {_heading(kind).capitalize()}", ""]
        lines.append(f"- {markdown_code(c.id)} {c.change}")
        for f in c.fields:
            lines.append(f"  - {markdown_code(f.field)}: {markdown_text(f'{_show(f.old)} → {_show(f.new)}')}")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
