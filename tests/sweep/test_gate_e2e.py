"""The gate end to end, with real uv venvs over toy wheels: a batch of runs starts together and
is measured one run at a time; ``--jobs 1`` runs them one after another.

The suite's conftest stamps (system-wide monotonic clock) each process's active times: its
start-up ``[start, collected]`` and its measured part ``[first test, unconfigure]``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from sweepfakes import run_cli as _cli
from test_sweep_e2e import FAST, frozen_harness, harness_snapshot  # noqa: F401

import toywheels

pytestmark = pytest.mark.e2e

MB = 1_000_000
VERSIONS = ("1.0", "2.0", "3.0")

STAMPS = '''"""Stamps this run's active times into $STAMP_DIR/<label>.json."""

import json
import os
import time
from pathlib import Path

import pytest

STAMPS = {"start": time.monotonic()}


def _save():
    path = Path(os.environ["STAMP_DIR"]) / (os.environ["BENCHMEM_LABEL"] + ".json")
    path.write_text(json.dumps(STAMPS))


def pytest_collection_finish(session):
    STAMPS["collected"] = time.monotonic()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    STAMPS.setdefault("first_test", time.monotonic())


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    STAMPS["last_test_end"] = time.monotonic()


def pytest_unconfigure(config):
    STAMPS["unconfigure"] = time.monotonic()
    _save()
'''


@pytest.fixture
def stamped_suite(tmp_path: Path) -> Path:
    suite = toywheels.write_toy_suite(tmp_path / "suite")
    (suite / "conftest.py").write_text(STAMPS)
    return suite


def _sweep(wheels: Path, suite: Path, out: Path, stamps: Path, jobs: int) -> dict:
    stamps.mkdir(parents=True, exist_ok=True)
    args = ["sweep", *(f"toypkg=={v}" for v in VERSIONS), "--suite", str(suite)]
    args += ["--find-links", str(wheels), "--out", str(out), "--jobs", str(jobs), *FAST]
    args += [f"--env=STAMP_DIR={stamps}"]
    assert _cli(args) == 0
    manifest = json.loads((out / "sweep.json").read_text())
    assert [(t["label"], t["status"]) for t in manifest["targets"]] == [(v, "ok") for v in VERSIONS]
    return manifest


def _stamps(stamps: Path) -> list[dict[str, float]]:
    return [json.loads((stamps / f"{v}.json").read_text()) for v in VERSIONS]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_runs_start_together_and_are_measured_apart_and_jobs_1_runs_them_in_turn(
    stamped_suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pytest_benchmem.sweep.gate.usable_cpus", lambda: len(VERSIONS))
    wheels = toywheels.build_toy_index(tmp_path / "wheels", dict.fromkeys(VERSIONS, MB))
    out = tmp_path / "out"
    manifest = _sweep(wheels, stamped_suite, out, tmp_path / "gated", jobs=3)
    runs = _stamps(tmp_path / "gated")
    # start-ups overlapped: every run started (and collected) before any run's first test
    assert max(r["collected"] for r in runs) < min(r["first_test"] for r in runs)
    # measured parts one at a time, in target order, and apart from every other active time
    measured = [(r["first_test"], r["unconfigure"]) for r in runs]
    assert [m[0] for m in measured] == sorted(m[0] for m in measured)
    for i, run in enumerate(runs):
        tests = (run["first_test"], run["last_test_end"])
        for j, other in enumerate(runs):
            if i != j:
                assert not _overlap(tests, (other["start"], other["collected"]))
                assert not _overlap(measured[i], measured[j])
    for target in manifest["targets"]:  # the wait at the gate is start-up, not the run
        durations = target["durations"]
        assert durations["startup"] > 0
        assert durations["run"] > 0
    for v in VERSIONS:
        (log,) = (out / "logs" / v).glob("*-run.log")
        assert "-p pytest_benchmem.inrun.gate" in log.read_text().splitlines()[0]

    # --jobs 1: one run after the other, as before the gate (the venvs are reused)
    manifest = _sweep(wheels, stamped_suite, out, tmp_path / "sequential", jobs=1)
    runs = _stamps(tmp_path / "sequential")
    for before, after in itertools.pairwise(runs):
        assert before["unconfigure"] < after["start"]
    assert all("startup" not in t["durations"] for t in manifest["targets"])
    for v in VERSIONS:
        (log,) = (out / "logs" / v).glob("*-run.log")
        assert "inrun.gate" not in log.read_text().splitlines()[0]
