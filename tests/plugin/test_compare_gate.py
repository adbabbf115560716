"""--benchmark-memory-compare[=REF] and --benchmark-memory-compare-fail on real saved runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_benchmem.baseline import storage_dir

MIB = 1024 * 1024
GROW = """
import os

def test_grow(benchmark):
    benchmark(bytearray, int(os.environ["SIZE"]))

def test_same(benchmark):
    benchmark(bytearray, 100_000)
"""


@pytest.fixture
def grow(suite, monkeypatch):
    suite.pytester.makepyfile(test_grow=GROW)

    def run(size_mib: float, *args: str) -> pytest.RunResult:
        monkeypatch.setenv("SIZE", str(int(size_mib * MIB)))
        return suite.run(*args)

    return run


def _row(result: pytest.RunResult, name: str) -> str:
    return next(line for line in result.outlines if line.startswith(name) and "│" in line)


def test_no_baseline_is_a_note_and_the_session_passes(grow):
    result = grow(1, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["benchmem: no memory baseline in .benchmarks (save one with --benchmark-save=NAME*"]
    )
    assert "base (" not in result.stdout.str()


def test_regression_fails_the_session_with_lines_and_summary(grow):
    grow(4, "--benchmark-memory", "--benchmark-save=base").assert_outcomes(passed=2)
    result = grow(8, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "benchmem: comparing memory against .benchmarks/*/0001_base.json",
            "benchmem: peak  test_grow.py::test_grow: 4 MiB -> 8 MiB (+100.0%)",
            "benchmem: 1 regression past peak:10% (0001_base -> this run, 2 compared)",
            "*2 passed*",
        ]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    # the table carries the baseline and the change in the peak column's unit
    header = next(line for line in result.outlines if line.startswith("Name (time"))
    assert header.endswith("│  Peak (KiB)  base (KiB)  Δ peak (KiB)")
    # the bytearray object's 56 B show as the .1 KiB
    assert _row(result, "test_grow").endswith("│     8,192.1     4,096.1      +4,096.0")


def test_growth_within_the_threshold_passes(grow):
    grow(4, "--benchmark-memory", "--benchmark-autosave").assert_outcomes(passed=2)
    result = grow(8, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:20%+8MiB")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["benchmem: no regressions: 2 compared within peak:20%+8MiB*"])


def test_compare_ref_picks_the_saved_run(grow):
    grow(1, "--benchmark-memory", "--benchmark-save=small").assert_outcomes(passed=2)
    grow(3, "--benchmark-memory", "--benchmark-save=big").assert_outcomes(passed=2)
    latest = grow(2, "--benchmark-memory", "--benchmark-memory-compare")
    latest.stdout.fnmatch_lines(["benchmem: comparing memory against *0002_big.json"])
    assert _row(latest, "test_grow").endswith(" -1,024.0")  # KiB: test_same sets the unit
    first = grow(2, "--benchmark-memory", "--benchmark-memory-compare=0001")
    first.stdout.fnmatch_lines(["benchmem: comparing memory against *0001_small.json"])
    assert _row(first, "test_grow").endswith(" +1,024.0")
    assert first.ret == latest.ret == pytest.ExitCode.OK


def _saved(suite) -> Path:
    (path,) = (suite.pytester.path / ".benchmarks").glob("*/0001_*.json")
    return path


def test_baseline_is_this_machines_latest_run_as_for_benchmark_compare(grow, suite):
    grow(4, "--benchmark-memory", "--benchmark-save=mine").assert_outcomes(passed=2)
    mine = _saved(suite)
    # a higher-numbered run saved by another interpreter (a cached .benchmarks in a CI matrix)
    other = suite.pytester.path / ".benchmarks" / "Linux-CPython-3.99-64bit" / "0009_other.json"
    other.parent.mkdir()
    other.write_text(mine.read_text())
    result = grow(8, "--benchmark-memory", "--benchmark-memory-compare")
    result.stdout.fnmatch_lines(
        [f"benchmem: comparing memory against .benchmarks/{mine.parent.name}/0001_mine.json"]
    )
    # a ref naming the other machine's run still finds it
    named = grow(
        8, "--benchmark-memory", "--benchmark-memory-compare=Linux-CPython-3.99-64bit/0009"
    )
    named.stdout.fnmatch_lines(["benchmem: comparing memory against *3.99-64bit/0009_other.json"])
    # only other machines' runs: no baseline, and the note says why
    mine.unlink()
    alone = grow(8, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%")
    assert alone.ret == pytest.ExitCode.OK
    alone.stdout.fnmatch_lines(
        [
            (
                f"benchmem: no memory baseline in .benchmarks/{mine.parent.name} (runs saved on "
                "other machines or Pythons are not compared)*"
            )
        ]
    )


def test_unknown_ref_stops_pytest_at_startup(grow):
    grow(1, "--benchmark-memory", "--benchmark-save=small").assert_outcomes(passed=2)
    result = grow(1, "--benchmark-memory", "--benchmark-memory-compare=0042")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --benchmark-memory-compare: no saved run matches '0042'*"])


def test_baseline_without_memory_is_a_note_without_a_gate(grow):
    grow(1, "--benchmark-save=timing-only").assert_outcomes(passed=2)
    result = grow(2, "--benchmark-memory", "--benchmark-memory-compare")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["benchmem: *0001_timing-only.json has no memory data*"])


def test_gate_against_a_baseline_without_memory_fails(grow):
    # a false green before: the gate passed because there was nothing to compare
    grow(1, "--benchmark-save=timing-only").assert_outcomes(passed=2)
    result = grow(2, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%+1MiB")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["benchmem: baseline has no memory: re-save it with --benchmark-memory (0001_*.json)"]
    )


@pytest.mark.parametrize("storage", ["missing", "empty"])
def test_unknown_ref_exits_4_without_saved_runs(grow, suite, storage):
    if storage == "empty":
        (suite.pytester.path / ".benchmarks").mkdir()
    result = grow(
        1,
        "--benchmark-memory",
        "--benchmark-memory-compare=0042",
        "--benchmark-memory-compare-fail=peak:10%",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --benchmark-memory-compare: no saved run matches '0042' in *.benchmarks*"]
    )
    assert "Traceback" not in result.stderr.str()


def test_no_saved_run_at_all_still_passes_the_latest_gate(grow):
    # the spec: without a saved baseline the gate finds nothing and passes (with a note)
    result = grow(1, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["benchmem: no memory baseline in .benchmarks*"])


def test_gate_that_compares_nothing_fails(grow):
    grow(1, "--benchmark-memory", "--benchmark-save=base").assert_outcomes(passed=2)
    # this session measures no memory: nothing to compare is not an all-clear
    result = grow(1, "--benchmark-memory-compare-fail=peak:10%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["benchmem: memory gate failed: this session measured no memory*"])


@pytest.mark.filterwarnings("ignore:Not saving anything")
def test_collect_only_is_not_gated(grow):
    grow(1, "--benchmark-memory", "--benchmark-save=base").assert_outcomes(passed=2)
    result = grow(1, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%", "--co")
    assert result.ret == pytest.ExitCode.OK
    assert "gate failed" not in result.stdout.str()


def test_gate_with_no_shared_ids_fails(grow, suite):
    grow(1, "--benchmark-memory", "--benchmark-save=base").assert_outcomes(passed=2)
    suite.pytester.makepyfile(
        test_other="def test_new(benchmark_memory):\n    benchmark_memory(bytearray, 10)\n"
    )
    result = grow(1, "test_other.py", "--benchmark-memory-compare-fail=peak:10%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["benchmem: *compared nothing*"])


def test_ini_rules_and_custom_storage(grow, suite):
    storage = suite.pytester.path / "store"
    grow(1, "--benchmark-memory", "--benchmark-save=a", f"--benchmark-storage={storage}")
    suite.pytester.makeini("[pytest]\nbenchmark_memory_compare_fail =\n    allocations:0\n")
    result = grow(1, "--benchmark-memory", f"--benchmark-storage=file://{storage}")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["benchmem: comparing memory against store/*/0001_a.json", "benchmem: no regressions*"]
    )


def test_storage_dir():
    cwd = Path("/work")
    assert storage_dir("file://./.benchmarks", cwd) == cwd / ".benchmarks"
    assert storage_dir("/abs/store", cwd) == Path("/abs/store")
    assert storage_dir("elasticsearch+http://host/index", cwd) is None


def test_baseline_of_another_mode_stops_the_session(grow):
    grow(1, "--benchmark-memory", "--benchmark-memory-mode=fast", "--benchmark-save=fast")
    result = grow(1, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    refusal = (
        "ERROR: --benchmark-memory-compare: memory measured in different modes is not "
        "compared: 0001_fast.json (fast, memray *); this session (exact, memray *); *"
        "--benchmark-memory-allow-mixed-modes*"
    )
    result.stderr.fnmatch_lines([refusal])
    allowed = grow(
        1,
        "--benchmark-memory",
        "--benchmark-memory-compare-fail=peak:10%",
        "--benchmark-memory-allow-mixed-modes",
    )
    allowed.stdout.fnmatch_lines(
        ["benchmem: note: memory compared across measurement modes*0001_fast.json (fast*"]
    )
    assert allowed.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    # the same mode on both sides compares as before
    same = grow(
        1,
        "--benchmark-memory",
        "--benchmark-memory-mode=fast",
        "--benchmark-memory-compare-fail=peak:10%",
    )
    assert same.ret == pytest.ExitCode.OK
    assert "different modes" not in same.stderr.str() + same.stdout.str()


def test_the_gate_under_xdist_says_it_needs_one_process(grow):
    """Issue 13 defect 9: under ``-n 2`` the workers measure in their own processes; the gate
    says plainly how to run it instead of "this session measured no memory"."""
    pytest.importorskip("xdist")
    grow(4, "--benchmark-memory", "--benchmark-save=base").assert_outcomes(passed=2)
    result = grow(8, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = (
        "ERROR: --benchmark-memory-compare does not work under pytest-xdist (-n 2): run the "
        "gated session in one process with -p no:xdist (or -n 0)"
    )
    result.stderr.fnmatch_lines([line])
    assert "measured no memory" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    again = grow(
        8, "--benchmark-memory", "--benchmark-memory-compare-fail=peak:10%", "-p", "no:xdist"
    )
    assert again.ret == pytest.ExitCode.TESTS_FAILED  # the gate works in one process
