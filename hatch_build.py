"""The package version is derived at build time from ``data/dataset.yaml``: package and data cannot disagree.

A wheel ships exactly the release its version names: it is built only from exports that are whole (every
file has the sha256 its manifest lists) and are what ``data/`` makes now (the JSON snapshot, worked out
again here from the YAML files, has the same bytes), and only when ``data/`` is that release, i.e.
``releases/<version>.json`` as ``releases/SHA256SUMS`` recorded it (the same bytes, or the same records and
release date after a code-only change of the JSON's form). Otherwise the build stops and says why: run
``ketdata export``, or cut the release the changes call for (``ketdata release``). An editable install
reads the checkout itself and is never refused.
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


def unreleased_data(root: Path) -> str | None:
    """Why ``data/`` is not the release its version names (a wheel of X.Y.Z ships release X.Y.Z); None if it is.

    Between releases the data changes (records edited and bumped, validation clean), but the dataset's
    version stays the latest release's until ``ketdata release`` cuts the next one with its gates (no errors,
    nothing flagged in review, a changelog). A wheel built then would carry a released version number over
    other data: two different "3.3.0" could exist, and a pin would no longer pin the data.
    """
    version = dataset_version(root)
    sys.path.insert(0, str(root))
    try:
        return _differs_from_release(root, version)
    except Exception as exc:  # any failure to read the data or the release stops the build, with its reason
        return f"data/ cannot be compared with release {version} ({exc}); run `ketdata validate`"
    finally:
        sys.path.remove(str(root))


def _differs_from_release(root: Path, version: str) -> str | None:
    from ketdata._export import to_json
    from ketdata._model.diff import diff
    from ketdata._read.load import load_json
    from ketdata._read.paths import schema_version
    from ketdata._validation.folder import load_folder
    from ketdata._validation.history import CHECKSUMS, read_checksums

    snapshot = root / "releases" / f"{version}.json"
    if not snapshot.is_file():
        return (f"data/dataset.yaml says version {version}, which was never released (there is no "
                f"releases/{version}.json): cut it with `ketdata release`")  # fmt: skip
    content = snapshot.read_bytes()
    if read_checksums(snapshot.parent).get(snapshot.name) != hashlib.sha256(content).hexdigest():
        return (f"releases/{version}.json is not the snapshot of release {version} as releases/{CHECKSUMS} "
                "recorded it; restore both from the release (git), and run `ketdata validate`")  # fmt: skip
    current = load_folder(root / "data")
    if to_json(current).encode("utf-8") == content:
        return None
    released = load_json(snapshot)
    old_schema = str(json.loads(content).get("schema_version") or "") or None
    changes = diff(released, current, old_schema=old_schema, new_schema=schema_version())
    what = [f"{c.id if c.kind != 'dataset' else 'data/dataset.yaml'} {c.change}" for c in changes.changes[:3]]
    what += [f"the record schemas ({changes.old_schema} -> {changes.new_schema})"] if changes.schema_change else []
    if released.info.release_date != current.info.release_date:
        what.append(f"release_date {current.info.release_date!r}, not {released.info.release_date!r}")
    if not what:
        return None  # the same records and date in another JSON form: a code-only change (a post-release)
    more = len(changes.changes) - 3
    listed = ", ".join(what) + (f" and {more} more" if more > 0 else "")
    return (f"data/ is not release {version}, whose version a wheel would carry: changed since it was cut: "
            f"{listed}. Cut the release these changes call for (`ketdata release`; `ketdata release --dry-run` "
            f"shows it), or build from the commit of release {version}")  # fmt: skip


class CustomMetadataHook(MetadataHookInterface):
    """Sets ``version`` from the dataset record."""

    def update(self, metadata: dict[str, Any]) -> None:
        """Fill in the dynamic ``version`` field."""
        root = Path(self.root)
        package_version = runpy.run_path(str(root / "ketdata" / "_read" / "version.py"))["package_version"]
        metadata["version"] = package_version(dataset_version(root))


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Refuses to build a wheel of anything but the release its version names, from exports of that data."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Check the exports and the release (not for an editable install, which reads the checkout itself)."""
        if self.target_name != "wheel" or version == "editable":
            return
        why = stale_exports(Path(self.root))
        if why is not None:
            raise RuntimeError(f"not building a wheel: {why}; run `ketdata export` first")
        why = unreleased_data(Path(self.root))
        if why is not None:
            raise RuntimeError(f"not building a wheel: {why}")
