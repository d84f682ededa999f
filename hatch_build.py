"""The package version is derived at build time from ``data/dataset.yaml``: package and data cannot disagree.

A wheel never ships data older than its version: it is built only from exports that are whole (every file
has the sha256 its manifest lists) and are what ``data/`` makes now (the JSON snapshot, worked out again
here from the YAML files, has the same bytes); otherwise the build stops and says to run ``ketdata export``.
"""

from __future__ import annotations

import hashlib
import json
import runpy
import sys
from pathlib import Path
from typing import Any

import yaml
from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface


def dataset_version(root: Path) -> str:
    """The dataset's version, read as YAML (``version :`` and ``'version':`` are the same key)."""
    record = yaml.safe_load((root / "data" / "dataset.yaml").read_text(encoding="utf-8"))
    version = record.get("version") if isinstance(record, dict) else None
    if not isinstance(version, str):
        raise ValueError("data/dataset.yaml has no 'version: X.Y.Z'")
    return version


def stale_exports(root: Path) -> str | None:
    """Why ``exports/`` may not go into a wheel (not whole, or not what ``data/`` makes now); None if it may."""
    exports = root / "exports"
    try:
        manifest = json.loads((exports / "manifest.json").read_bytes())
        for entry in manifest["files"]:
            if hashlib.sha256((exports / entry["path"]).read_bytes()).hexdigest() != entry["sha256"]:
                return f"exports/{entry['path']} does not have the sha256 exports/manifest.json lists"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"exports/ is not a whole export ({exc})"
    if manifest.get("dataset_version") != dataset_version(root):
        return "exports/manifest.json is for another dataset version than data/dataset.yaml"
    sys.path.insert(0, str(root))
    try:
        from ketdata._export import to_json
        from ketdata._validation.folder import load_folder

        made = to_json(load_folder(root / "data")).encode("utf-8")
    except Exception as exc:  # any failure to read the data stops the build, with its reason
        return f"data/ cannot be read ({exc}); run `ketdata validate`"
    finally:
        sys.path.remove(str(root))
    if made != (exports / "json" / "ketdata.json").read_bytes():
        return "exports/json/ketdata.json is not what data/ holds now"
    return None


class CustomMetadataHook(MetadataHookInterface):
    """Sets ``version`` from the dataset record."""

    def update(self, metadata: dict[str, Any]) -> None:
        """Fill in the dynamic ``version`` field."""
        root = Path(self.root)
        package_version = runpy.run_path(str(root / "ketdata" / "_read" / "version.py"))["package_version"]
        metadata["version"] = package_version(dataset_version(root))


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Refuses to build a wheel from exports that are not what ``data/`` holds: a wheel never ships old data."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Check the exports (not for an editable install, which reads the checkout itself)."""
        if self.target_name != "wheel" or version == "editable":
            return
        why = stale_exports(Path(self.root))
        if why is not None:
            raise RuntimeError(f"not building a wheel: {why}; run `ketdata export` first")
