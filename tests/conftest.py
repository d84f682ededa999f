from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .helpers import DATA


@pytest.fixture(autouse=True, scope="session")
def _user_state_for_shared_fixtures(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fixtures shared by many tests (an export written once) keep their lock away from the user's own too."""
    os.environ["KETDATA_STATE_DIR"] = str(tmp_path_factory.mktemp("shared-user-state"))


@pytest.fixture(autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests (and the commands they run) keep their validation cache and state away from the user's own."""
    monkeypatch.setenv("KETDATA_CACHE_DIR", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.setenv("KETDATA_STATE_DIR", str(tmp_path_factory.mktemp("user-state")))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of the shipped data folder that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the project's data, release snapshots and changelog, as an editor's checkout has them."""
    root = tmp_path / "project"
    for name in ("data", "releases"):
        shutil.copytree(DATA.parent / name, root / name)
    shutil.copy(DATA.parent / "CHANGELOG.md", root / "CHANGELOG.md")
    return root
