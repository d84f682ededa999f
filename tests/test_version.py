"""One version to pin: the package version is the dataset version; the schema version is separate."""

from __future__ import annotations

import importlib.metadata

import pytest

import ketdata
from ketdata._read import version as _version

from .helpers import DATA


def test_package_version_is_the_dataset_version() -> None:
    data_version = ketdata.load(DATA).info.version
    assert ketdata.__version__ == ketdata.load().info.version == data_version
    installed = importlib.metadata.version("ketdata")
    assert installed == data_version, "the installed metadata is stale: reinstall with `pip install -e .`"


def test_a_code_only_fix_is_a_post_release_of_the_same_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_version, "POST_RELEASE", ("2.0.0", 1))
    assert _version.package_version("2.0.0") == "2.0.0.post1"
    # The next data release drops the suffix by itself.
    assert _version.package_version("2.1.0") == "2.1.0"


def test_no_post_release_is_left_pending() -> None:
    assert _version.POST_RELEASE is None or _version.POST_RELEASE[0] == ketdata.load(DATA).info.version
