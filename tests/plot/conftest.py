"""Fixtures for the plot tests: a runner for the ``benchmem`` CLI and run files on disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from plotruns import entry, scaling_suite, write_run

from clirun import Result, run_benchmem


@pytest.fixture
def benchmem(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``benchmem ARGS...`` in-process through ``main`` (the console-script entry)."""
    return lambda *args: run_benchmem(capsys, *args)


@pytest.fixture
def one_run(tmp_path: Path) -> Path:
    """A single run over ``n`` with a ``kind`` dim and three memory passes per benchmark."""
    return write_run(tmp_path / "runs" / "base.json", scaling_suite(repeats=3))


@pytest.fixture
def two_runs(tmp_path: Path) -> list[Path]:
    """Base and new runs of the scaling suite; the new one is 2x heavier and 1.5x slower."""
    base = write_run(tmp_path / "runs" / "base.json", scaling_suite())
    new = write_run(tmp_path / "runs" / "new.json", scaling_suite(2.0))
    return [base, new]


@pytest.fixture
def three_runs(tmp_path: Path) -> list[Path]:
    """Three labelled runs (1.0, 2.0, 3.0) of the scaling suite growing 1x, 2x, 4x."""
    return [
        write_run(tmp_path / "sweep" / f"v{i}.json", scaling_suite(2.0**i), label=f"{i + 1}.0")
        for i in range(3)
    ]


@pytest.fixture
def ragged_run(tmp_path: Path) -> Path:
    """A run where some benchmarks lack the ``kind`` dim (colour) and the ``phase`` dim (facet)."""
    benches = [
        entry("test_r.py::test_a[list-10]", peak=[800], params={"kind": "list", "n": 10}),
        entry("test_r.py::test_a[list-1000]", peak=[80000], params={"kind": "list", "n": 1000}),
        entry("test_r.py::test_b[10]", peak=[400], params={"n": 10}, extra={"phase": "build"}),
        entry(
            "test_r.py::test_b[1000]", peak=[40000], params={"n": 1000}, extra={"phase": "build"}
        ),
        entry("test_r.py::test_c[100]", peak=[1200], params={"n": 100}),
    ]
    return write_run(tmp_path / "ragged.json", benches)
