"""The package version is derived at build time from ``data/dataset.yaml``: package and data cannot disagree."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

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
        package_version = runpy.run_path(str(root / "ketdata" / "_version.py"))["package_version"]
        metadata["version"] = package_version(found.group(1))
