"""End to end: ``benchmem compare`` on runs written by the real plugin (pytest + memray).

A small suite is run three times with ``--benchmark-memory --benchmark-json`` (its buffers
doubled in the last run) plus once without memory; every compare option is then exercised on
those files through ``pytest_benchmem.cli.main``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_benchmem import runs
from pytest_benchmem.cli import main
from pytest_benchmem.compare import natural_key

pytestmark = pytest.mark.e2e

SUITE = """
import itertools, os, pytest

SCALE = int(os.environ["BENCH_SCALE"])
_calls = itertools.count(1)


class TestBuffers:
    @pytest.mark.benchmark(group="buffers")
    @pytest.mark.parametrize("n", [1, 2])
    def test_alloc(self, benchmark, n):
        benchmark.extra_info["kind"] = "bytearray"
        benchmark(bytearray, n * SCALE * 4_000_000)


def test_flat(benchmark):
    benchmark(bytearray, 1_000_000)


def test_aaa_shrinks(benchmark):
    benchmark(bytearray, 3_000_000 // SCALE)


def test_growing(benchmark):
    # three consecutive calls allocate 1, 2 and 3 KB (in some order): the series varies
    benchmark(lambda: bytearray(1_000 * (next(_calls) % 3 + 1)))


if os.environ.get("BENCH_EXTRA"):
    def test_only_new(benchmark):
        benchmark(bytearray, 10)
"""
FAST = ["--benchmark-max-time=0", "--benchmark-min-rounds=1", "--benchmark-warmup=off"]
ALLOC1 = "test_suite.py::TestBuffers::test_alloc[1]"
ALLOC2 = "test_suite.py::TestBuffers::test_alloc[2]"
FLAT = "test_suite.py::test_flat"
GROWING = "test_suite.py::test_growing"
SHRINKS = "test_suite.py::test_aaa_shrinks"
ONLY_NEW = "test_suite.py::test_only_new"


@pytest.fixture(scope="module")
def plugin_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """base (3 memory passes), mid, new (buffers doubled, one more test), plain (no memory)."""
    root = tmp_path_factory.mktemp("e2e")
    (root / "test_suite.py").write_text(SUITE)
    out = root / "runs"
    out.mkdir()
    plans = {
        "base": ("1", ["--benchmark-memory", "--benchmark-memory-repeats=3"], {}),
        "mid": ("1", ["--benchmark-memory"], {}),
        "new": ("2", ["--benchmark-memory"], {"BENCH_EXTRA": "1"}),
        "plain": ("1", [], {}),
    }
    procs = {}
    for name, (scale, flags, extra_env) in plans.items():
        env = {**os.environ, "BENCH_SCALE": scale, **extra_env}
        target = (out if name != "plain" else root) / f"{name}.json"
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_suite.py"]
        argv += [*FAST, *flags, f"--benchmark-json={target}"]
        if name != "plain":
            argv.append(f"--benchmark-memory-label={name}")
        procs[name] = (target, subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.PIPE))
    paths = {}
    for name, (target, proc) in procs.items():
        stdout, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, stdout.decode()
        paths[name] = target
    return paths


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    runs.clear_cache()
    with pytest.raises(SystemExit) as info:
        main(["compare", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def _blob(path: Path) -> dict[str, dict[str, list[int]]]:
    doc = json.loads(path.read_text())
    return {b["fullname"]: b["extra_info"].get("benchmem", {}) for b in doc["benchmarks"]}


def _rows(out: str) -> list[list[str]]:
    """The data rows of a plain table (after the title, header and rule)."""
    lines = [line for line in out.splitlines() if line.strip()]
    return [line.split() for line in lines[3:] if line.startswith("test_suite")]


def _three(r: dict[str, Path]) -> list[Path]:
    return [r["base"], r["mid"], r["new"]]


def test_plugin_wrote_what_we_compare(plugin_runs: dict[str, Path]) -> None:
    loaded = runs.load_runs(_three(plugin_runs))
    assert [r.label for r in loaded] == ["base", "mid", "new"]
    assert loaded[0].by_id()[ALLOC1].value("peak") == pytest.approx(4_000_000, abs=64)
    assert loaded[2].by_id()[ALLOC1].value("peak") == pytest.approx(8_000_000, abs=64)
    assert dict(loaded[0].by_id()[ALLOC1].dims) == {"n": 1, "kind": "bytearray"}


def test_default_view_one_column_per_run_and_missing(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(capsys, *_three(plugin_runs))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "time (headline min): 3 runs, 6 ids; change = last run vs first; "
        "±IQR, n=rounds; noise rule: docs/compare.md"
    )
    header = lines[1].split()
    assert header[0] == "id"
    assert [h for h in header if h in ("base", "mid", "new")] == ["base", "mid", "new"]
    rows = {r[0]: r[1:] for r in _rows(out)}
    assert list(rows) == sorted(rows)  # --sort name is the default
    assert rows[ONLY_NEW][:2] == ["—", "—"]
    assert rows[ONLY_NEW][-2:] == ["—", "—"]


@pytest.mark.parametrize(
    ("metric", "field"),
    [
        ("peak", "peak_bytes"),
        ("memory", "peak_bytes"),
        ("allocated", "total_bytes"),
        ("allocations", "allocations"),
    ],
)
def test_each_memory_metric_csv_is_the_blob(
    capsys: pytest.CaptureFixture[str],
    plugin_runs: dict[str, Path],
    tmp_path: Path,
    metric: str,
    field: str,
) -> None:
    out_csv = tmp_path / f"{metric}.csv"
    code, out, _ = cli(capsys, *_three(plugin_runs), "--metric", metric, "--csv", out_csv)
    assert code == 0
    canonical = "peak" if metric == "memory" else metric
    assert out.startswith(f"{canonical} (headline min)")
    table = list(csv.DictReader(out_csv.open(newline="")))
    blobs = {name: _blob(plugin_runs[name]) for name in ("base", "mid", "new")}
    for row in table:
        for name in ("base", "mid", "new"):
            series = blobs[name].get(row["id"], {}).get(field)
            expected = "" if series is None else str(min(series))
            assert row[name] == expected, (row["id"], name)
    alloc = next(r for r in table if r["id"] == ALLOC1)
    if field != "allocations":
        assert float(alloc["change_pct"]) == pytest.approx(100.0, abs=0.01)


def test_time_metric_and_stats_use_pytest_benchmark_stats(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path], tmp_path: Path
) -> None:
    doc = json.loads(plugin_runs["base"].read_text())
    stats = {b["fullname"]: b["stats"] for b in doc["benchmarks"]}
    for stat in ("min", "max", "mean", "median", "stddev"):
        out_csv = tmp_path / f"{stat}.csv"
        code, _, _ = cli(capsys, *_three(plugin_runs), "--stat", stat, "--csv", out_csv)
        assert code == 0
        table = {r["id"]: r for r in csv.DictReader(out_csv.open(newline=""))}
        assert float(table[FLAT]["base"]) == pytest.approx(stats[FLAT][stat])


def test_stat_over_the_memory_series(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path], tmp_path: Path
) -> None:
    series = _blob(plugin_runs["base"])[GROWING]["peak_bytes"]
    assert len(series) == 3
    assert min(series) < max(series)
    got = {}
    for stat in ("min", "max", "mean", "median", "stddev"):
        out_csv = tmp_path / f"{stat}.csv"
        code, out, _ = cli(
            capsys, *_three(plugin_runs), "--metric", "peak", "--stat", stat, "--csv", out_csv
        )
        assert code == 0
        assert out.startswith(f"peak ({stat})")
        table = {r["id"]: r for r in csv.DictReader(out_csv.open(newline=""))}
        got[stat] = float(table[GROWING]["base"])
    assert got["min"] == min(series)
    assert got["max"] == max(series)
    assert got["mean"] == pytest.approx(sum(series) / 3)
    assert got["median"] == sorted(series)[1]
    assert got["stddev"] > 0


def test_each_sort_really_reorders(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    orders = {}
    for sort in ("name", "value", "change"):
        code, out, _ = cli(capsys, *_three(plugin_runs), "--metric", "peak", "--sort", sort)
        assert code == 0
        orders[sort] = [r[0] for r in _rows(out)]
    assert orders["name"] == sorted(orders["name"], key=natural_key)
    assert orders["value"][:4] == [ALLOC2, ALLOC1, SHRINKS, FLAT]  # largest in the last run
    assert orders["name"].index(SHRINKS) < orders["name"].index(FLAT)
    change = [i for i in orders["change"] if i != GROWING]  # its change varies run to run
    assert change[:2] in ([ALLOC1, ALLOC2], [ALLOC2, ALLOC1])  # +100% first
    assert change[-2:] == [SHRINKS, ONLY_NEW]  # -50%, then no change (missing in the first)
    assert len({tuple(o) for o in orders.values()}) == 3


def test_markdown_format(capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]) -> None:
    code, out, _ = cli(capsys, *_three(plugin_runs), "--metric", "peak", "--format", "md")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("**peak (headline min)")
    assert lines[2].startswith("| id | base (")
    assert lines[3].startswith("| :--- | ---: |")
    alloc = next(line for line in lines if f"`{ALLOC1}`" in line)
    assert alloc.endswith("| +100.0% |")


def test_directory_argument(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(capsys, plugin_runs["base"].parent, "--metric", "peak")
    assert code == 0
    # the directory's runs, sorted by file name: base, mid, new
    assert [h for h in out.splitlines()[1].split() if h in ("base", "mid", "new")] == [
        "base",
        "mid",
        "new",
    ]


def test_fail_on_catches_the_doubled_buffers(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(capsys, *_three(plugin_runs), "--fail-on", "peak:10%+1MiB")
    assert code == 1
    lines = out.splitlines()
    assert (
        "peak  test_suite.py::TestBuffers::test_alloc[1]: 3.81 MiB -> 7.63 MiB (+100.0%)" in lines
    )
    assert (
        "peak  test_suite.py::TestBuffers::test_alloc[2]: 7.63 MiB -> 15.3 MiB (+100.0%)" in lines
    )
    assert lines[-1].startswith("2 regressions past peak:10%+1MiB (base -> new")
    assert not any(FLAT in line or GROWING in line for line in lines if line.startswith("peak  "))


def test_fail_on_peak_10_percent_catches_4mb_to_8mb(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(capsys, plugin_runs["base"], plugin_runs["new"], "--fail-on", "peak:10%")
    assert code == 1
    assert f"peak  {ALLOC1}: 3.81 MiB -> 7.63 MiB (+100.0%)" in out.splitlines()


def test_fail_on_passes_within_the_rules(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(
        capsys, plugin_runs["base"], plugin_runs["new"], "--fail-on", "peak:20%+8MiB"
    )
    assert code == 0
    assert out.splitlines()[-1] == "no regressions: 5 compared within peak:20%+8MiB (base -> new)"
    code, out, _ = cli(
        capsys,
        plugin_runs["base"],
        plugin_runs["mid"],
        "--fail-on",
        "peak:10%+1MiB",
        "--fail-on",
        "allocations:5",
    )
    assert code == 0
    assert out.splitlines()[-1].startswith("no regressions: 10 compared")


def test_fail_on_without_memory_data_compares_nothing(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(capsys, plugin_runs["plain"], plugin_runs["new"], "--fail-on", "peak:10%")
    assert code == 1
    assert "no regressions" not in out
    assert "no peak data in 'plain'" in out
    assert out.splitlines()[-1].startswith("gate failed: nothing compared")


def test_metric_missing_everywhere(
    capsys: pytest.CaptureFixture[str], plugin_runs: dict[str, Path]
) -> None:
    code, out, err = cli(capsys, plugin_runs["plain"], plugin_runs["plain"], "--metric", "peak")
    assert code == 1
    assert out == ""
    assert err.startswith("benchmem: error: no run has peak data")
    assert err.count("\n") == 1
