from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import DATA


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of the shipped data folder that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target
