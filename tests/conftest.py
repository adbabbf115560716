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


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never append to a real GitHub Actions job summary (they set their own)."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
