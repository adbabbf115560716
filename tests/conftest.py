"""Shared test fixtures: paths to the golden pytest-benchmark runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "runs"


@pytest.fixture
def golden_dir(tmp_path: Path) -> Path:
    """A private copy of the golden runs (never edit the originals)."""
    target = tmp_path / "golden"
    shutil.copytree(GOLDEN, target)
    return target
