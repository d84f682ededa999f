"""The package version: the version of the dataset it ships, so that pinning one pins the other.

Read by the build (``hatch_build.py``) for the package metadata and by ``ketdata.__version__`` at run time.
"""

from __future__ import annotations

# A fix to the code alone, shipping the same data, is a PEP 440 post-release of that dataset version:
# ("2.0.0", 1) makes the package 2.0.0.post1. It names the dataset version it fixes, so the next data
# release drops the suffix by itself.
POST_RELEASE: tuple[str, int] | None = None


def package_version(dataset_version: str) -> str:
    """The package version for a dataset version: the same, or its post-release for a code-only fix."""
    if POST_RELEASE is not None and POST_RELEASE[0] == dataset_version:
        return f"{dataset_version}.post{POST_RELEASE[1]}"
    return dataset_version
