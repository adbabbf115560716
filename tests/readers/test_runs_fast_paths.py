"""The reader's fast paths (one-pass series, inlined stats checks, errors formatted only when
raised) accept and refuse exactly what the plain rules do, with the same messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_benchmem.errors import SchemaError
from pytest_benchmem.runs import load_run

GOOD = {"min": 1e-3, "max": 2e-3, "mean": 1.5e-3, "stddev": 1e-4, "median": 1.4e-3, "rounds": 3}


def _run(tmp_path: Path, blob: object = None, stats: object = None) -> Path:
    info = {} if blob is None else {"benchmem": blob}
    bench = {
        "name": "test_a",
        "fullname": "t.py::test_a",
        "params": None,
        "extra_info": info,
        "stats": dict(GOOD) if stats is None else stats,
    }
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"benchmarks": [bench]}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([5], (5.0,)),
        ([0], (0.0,)),
        ([5.5], (5.5,)),
        ([1, 2.5, 3], (1.0, 2.5, 3.0)),
        ([3, 1, 2], (3.0, 1.0, 2.0)),
    ],
)
def test_series_read_as_floats(tmp_path, series, expected):
    run = load_run(_run(tmp_path, {"peak_bytes": series}))
    assert run.benchmarks[0].memory == {"peak_bytes": expected}


@pytest.mark.parametrize("series", [[-1], [True], [None], ["1"], [1, -2], [1, True], [], 5])
def test_bad_series_refused_with_the_benchmark_named(tmp_path, series):
    with pytest.raises(SchemaError, match=r"benchmark 't.py::test_a': extra_info.benchmem.peak_"):
        load_run(_run(tmp_path, {"peak_bytes": series}))


def test_length_mismatch_reported_before_an_implausible_value(tmp_path):
    blob = {"peak_bytes": [2**64, 1], "allocations": [1]}
    with pytest.raises(SchemaError, match="series differ in length"):
        load_run(_run(tmp_path, blob))
    blob = {"peak_bytes": [1], "allocations": [2**64]}
    with pytest.raises(SchemaError, match=r"allocations holds 1.84467e\+19, not a plausible"):
        load_run(_run(tmp_path, blob))


@pytest.mark.parametrize(
    ("key", "value"), [("min", True), ("max", None), ("mean", "1"), ("stddev", 10**400)]
)
def test_bad_stat_named(tmp_path, key, value):
    stats = {**GOOD, key: value}
    with pytest.raises(SchemaError, match=rf"stats\.{key} must be a number"):
        load_run(_run(tmp_path, {"peak_bytes": [1]}, stats))


def test_non_finite_stat_refused(tmp_path):
    path = _run(tmp_path, {"peak_bytes": [1]})
    path.write_text(path.read_text().replace('"median": 0.0014', '"median": Infinity'))
    with pytest.raises(SchemaError, match=r"stats\.median must be a number, got inf"):
        load_run(path)
