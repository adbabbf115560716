"""A numpy benchmark with native stacks: growth is attributed to the Python line calling numpy."""

from __future__ import annotations

import pytest

from pytest_benchmem import attribution

np = pytest.importorskip("numpy")

FAST = ("-p", "no:cacheprovider", "--benchmark-min-rounds=1", "--benchmark-max-time=0")
SUITE = """
import os

import numpy as np


def make():
    base = np.ones(1_000)
    grid = np.zeros(int(os.environ["N"]))
    return base, grid


def test_make(benchmark):
    benchmark(make)
"""


def test_numpy_growth_lands_on_the_calling_line(pytester, monkeypatch):
    pytester.makepyfile(test_np=SUITE)
    for label, n in (("a", 1_000_000), ("b", 3_000_000)):
        monkeypatch.setenv("N", str(n))
        result = pytester.runpytest(
            *FAST,
            f"--benchmark-memory-profile=caps-{label}",
            "--benchmark-memory-profile-native",
            f"--benchmark-json={label}.json",
        )
        result.assert_outcomes(passed=1)
    (diff,) = attribution.diff_runs(pytester.path / "a.json", pytester.path / "b.json")
    top = diff.changes[0]
    assert top.key == "test_np:make"
    source = (pytester.path / "test_np.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "grid = np.zeros" in text)
    assert (top.line_before, top.line_after) == (line, line)
    assert abs(top.delta - 16_000_000) <= 0.01 * 16_000_000
    assert top.stack[0].native  # the allocation itself happened in C
    assert any(not f.native and f.site == "test_np:make" for f in top.stack)
    assert diff.after.native
    assert diff.before.native
    assert abs(diff.sum_delta - diff.peak_delta) <= 0.01 * abs(diff.peak_delta)
