"""``benchmem plot --stat`` on a real plugin run: each stat reduces the per-pass series."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# imported before pytester snapshots sys.modules: numpy cannot be loaded twice in a process
from pytest_benchmem.plotting.data import load_dataset

SUITE = """
import pytest

CALLS = {"n": 0}


def grow(n):
    # every call allocates 1 MB more than the last, so the passes differ
    CALLS["n"] += 1
    return bytearray(n * 1_000_000 + CALLS["n"] * 1_000_000)


@pytest.mark.benchmem(repeats=3)
@pytest.mark.parametrize("n", [1, 4])
def test_grow(benchmark_memory, n):
    benchmark_memory(grow, n)
"""


@pytest.fixture
def grown_run(pytester: pytest.Pytester) -> Path:
    pytester.makepyfile(test_grow=SUITE)
    out = pytester.path / "run.json"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0",
        "--benchmark-disable-gc",
        f"--benchmark-json={out}",
    )
    result.assert_outcomes(passed=2)
    return out


def test_stat_changes_the_plotted_values(benchmem, grown_run: Path, tmp_path: Path) -> None:

    series = {
        b["param"]: b["extra_info"]["benchmem"]["peak_bytes"]
        for b in json.loads(grown_run.read_text())["benchmarks"]
    }
    assert all(len(set(s)) == 3 for s in series.values()), series
    values = {}
    for stat in ("min", "max", "mean"):
        dataset = load_dataset([grown_run], "peak", stat=stat)
        values[stat] = sorted(point.value for point in dataset.points)
    expected = {
        stat: sorted(
            {"min": min, "max": max, "mean": lambda s: sum(s) / len(s)}[stat](s)
            for s in series.values()
        )
        for stat in values
    }
    assert values["min"] < values["mean"] < values["max"]
    for stat, got in values.items():
        assert got == pytest.approx(expected[stat]), stat

    out = tmp_path / "max.html"
    result = benchmem("plot", grown_run, "--metric", "peak", "--stat", "MAX", "-o", out)
    assert result.code == 0, result.err
    assert "scaling view of peak (max): 2 id(s)" in result.out
    assert out.is_file()


BAD = [
    (["--stat", "p99"], "unknown stat 'p99'"),
    (["--metric", "peak", "--stat", "iqr"], "unknown stat 'iqr'"),
    (["--metric", "time", "--stat", "ops"], "--stat ops is a rate"),
]


def test_default_file_name_and_bad_stats(benchmem, grown_run: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = benchmem("plot", grown_run, "--metric", "peak", "--stat", "median")
    assert result.code == 0, result.err
    assert (tmp_path / ".benchmarks" / "plots" / "scaling-peak-median-run.html").is_file()
    for args, needle in BAD:
        result = benchmem("plot", grown_run, *args, "-o", tmp_path / "x.html")
        assert result.code != 0
        assert result.err.startswith("benchmem: error: "), result.err
        assert result.err.count("\n") == 1
        assert needle in result.err
        assert not (tmp_path / "x.html").exists()
