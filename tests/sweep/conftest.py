"""Sweep test fixtures: a private cache per test, a toy suite, a cached CPU probe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sweepfakes import FakeRunner

import toywheels
from pytest_benchmem.sweep.machine import cpuinfo_path, probe


@pytest.fixture(scope="session")
def cpuinfo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real machine probe per test session (py-cpuinfo and the timer: 2-3 s)."""
    path = tmp_path_factory.mktemp("cpu") / "machine.json"
    probe(path)
    data = json.loads(path.read_text())
    data["cpu"]["benchmem_test"] = "cached"  # lets e2e tests see the cache was used
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(autouse=True)
def sweep_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Path:
    """BENCHMEM_CACHE_DIR points at a private directory; the CPU probe is pre-seeded."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(cache))
    target = cpuinfo_path(cache)
    target.parent.mkdir(parents=True, exist_ok=True)
    if "e2e" in request.keywords:
        shutil.copy(request.getfixturevalue("cpuinfo_file"), target)
    else:
        target.write_text(json.dumps({"cpu": {"brand_raw": "fake cpu"}, "processor": "fake"}))
    return cache


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    """A directory holding the toy suite (one benchmark calling toypkg.work())."""
    return toywheels.write_toy_suite(tmp_path / "suite")


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> FakeRunner:
    """Every runner the CLI makes is this fake (the real one would call uv)."""
    fake = FakeRunner()
    monkeypatch.setattr("pytest_benchmem.sweep.pipeline.SubprocessRunner", lambda: fake)
    return fake
