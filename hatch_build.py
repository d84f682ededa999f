"""The package version is derived at build time from ``data/dataset.yaml``: package and data cannot disagree."""

from __future__ import annotations

import json
import marshal
import re
import runpy
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

_VERSION = re.compile(r"""^version:\s*['"]?([0-9]+\.[0-9]+\.[0-9]+)['"]?\s*$""", re.MULTILINE)


class CustomMetadataHook(MetadataHookInterface):
    """Sets ``version`` from the dataset record (PyYAML is not a build requirement, so a pattern reads it)."""

    def update(self, metadata: dict[str, Any]) -> None:
        """Fill in the dynamic ``version`` field."""
        root = Path(self.root)
        found = _VERSION.search((root / "data" / "dataset.yaml").read_text(encoding="utf-8"))
        if found is None:
            raise ValueError("data/dataset.yaml has no 'version: X.Y.Z' line")
        package_version = runpy.run_path(str(root / "ketdata" / "_read" / "version.py"))["package_version"]
        metadata["version"] = package_version(found.group(1))


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Ships the JSON snapshot also as marshal data, which ``load()`` reads without importing ``json``.

    The JSON export stays the public format; this is the same document in the form the standard library reads
    fastest (a test holds the two to the same records).
    """

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Write the marshal copy into the build folder and map it into the wheel."""
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        document = json.loads((root / "exports" / "json" / "ketdata.json").read_text(encoding="utf-8"))
        out = Path(self.directory) / "ketdata.marshal"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(marshal.dumps(document))
        build_data["force_include"][str(out)] = "ketdata/_data/ketdata.marshal"
