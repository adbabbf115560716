"""--benchmark-memory on unchanged suites, the benchmark_memory fixture, repeats, trackers."""

from __future__ import annotations

import re

import pytest

from pytest_benchmem.metrics import OPTIONAL_SERIES, SERIES_KEYS

UNCHANGED = """
import pytest
from pytest_benchmem.measure import tracking_active

SEEN = {}

def build(n, tag):
    SEEN.setdefault(tag, []).append(tracking_active())
    return bytearray(n)

@pytest.mark.parametrize("n", [1_000, 2_000_000])
def test_call(benchmark, n):
    assert len(benchmark(build, n, f"call{n}")) == n

def test_pedantic(benchmark):
    benchmark.pedantic(build, args=(3_000_000, "ped"), rounds=4, warmup_rounds=1)

def test_pedantic_setup(benchmark):
    def setup():
        SEEN.setdefault("setup", []).append(tracking_active())
        return (4_000_000, "setup-call"), {}
    benchmark.pedantic(build, setup=setup, rounds=3)

def test_zz_tracking_report():
    for tag, flags in SEEN.items():
        print(f"TRACK {tag} {''.join('T' if f else '.' for f in flags)}")
"""


def _tracks(result: pytest.RunResult) -> dict[str, str]:
    found = re.findall(r"TRACK (\S+) ([.T]+)", result.stdout.str())
    return dict(found)


def test_unchanged_suite_gets_blob_timing_and_untracked_rounds(suite):
    suite.pytester.makepyfile(test_unchanged=UNCHANGED)
    result = suite.run("--benchmark-memory", "-s")
    result.assert_outcomes(passed=5)
    benches = suite.benchmarks()
    assert set(benches) == {
        "test_call[1000]",
        "test_call[2000000]",
        "test_pedantic",
        "test_pedantic_setup",
    }
    for bench in benches.values():
        blob = bench["extra_info"]["benchmem"]
        assert set(blob) == set(SERIES_KEYS) - OPTIONAL_SERIES  # rss only with isolate=True
        assert all(len(v) == 1 and isinstance(v[0], int) for v in blob.values())
        assert bench["stats"]["rounds"] >= 1
        assert bench["stats"]["min"] > 0
    assert (
        2_000_000
        <= benches["test_call[2000000]"]["extra_info"]["benchmem"]["peak_bytes"][0]
        < 2_000_512  # build's frame object and the bytearray object, with its buffer
    )
    # setup builds the arguments untracked; only the call's bytearray is in the pass
    ped = benches["test_pedantic_setup"]["extra_info"]["benchmem"]
    assert 4_000_000 <= ped["peak_bytes"][0] < 4_000_512
    # build's frame object, the bytearray and its buffer, and build's own bookkeeping (SEEN:
    # its default list, the bool list's growth, call arguments; every pass starts with
    # CPython's free lists empty, so each of these is an allocation)
    assert 3 <= ped["allocations"][0] < 16
    tracks = _tracks(result)
    # every timed call (calibration, rounds, warmup) ran with no tracker, and so did the
    # priming run (under a no-op profile function, no memray window); the kept pass is last
    for tag in ("call1000", "call2000000", "ped", "setup-call"):
        assert tracks[tag].endswith("..T"), tracks[tag]
        assert "T" not in tracks[tag][:-1]
    assert "T" not in tracks["setup"]


def test_without_the_flag_plain_benchmarks_are_not_measured(suite):
    suite.pytester.makepyfile(test_unchanged=UNCHANGED)
    result = suite.run()
    result.assert_outcomes(passed=5)
    assert all("benchmem" not in b["extra_info"] for b in suite.benchmarks().values())


FIXTURE = """
import pytest

def make(n):
    return bytearray(n)

def test_call(benchmark_memory):
    assert benchmark_memory.peak_bytes is None and benchmark_memory.result is None
    out = benchmark_memory(make, 1_000_000)
    assert len(out) == 1_000_000
    assert 1_000_000 <= benchmark_memory.peak_bytes < 1_000_512
    # make's frame, bytearray's argument tuple (every pass starts with empty free lists),
    # the object and its buffer
    assert benchmark_memory.result.allocations == 4
    series = benchmark_memory.extra_info["benchmem"]["peak_bytes"]
    assert min(series) == benchmark_memory.peak_bytes
    assert list(benchmark_memory.result.peak_series) == series
    benchmark_memory.extra_info["size"] = 1_000_000

@pytest.mark.benchmem(repeats=2)
def test_marker_repeats(benchmark_memory):
    benchmark_memory(make, 10_000)

def test_pedantic_setup_teardown(benchmark_memory):
    calls = {"setup": 0, "teardown": 0}
    def setup():
        calls["setup"] += 1
        return (bytearray(5_000_000),), {}   # a big argument built untracked
    def teardown(buf):
        calls["teardown"] += 1
    result = benchmark_memory.pedantic(len, setup=setup, teardown=teardown, rounds=2,
                                       warmup_rounds=1)
    assert result == 5_000_000
    assert benchmark_memory.peak_bytes < 1024
    assert calls["setup"] == calls["teardown"]

def test_pedantic_args(benchmark_memory):
    benchmark_memory.pedantic(make, args=(2_000_000,), iterations=2, rounds=2)
    assert benchmark_memory.peak_bytes >= 2_000_000
"""


@pytest.mark.parametrize("flag", [[], ["--benchmark-memory"]])
def test_fixture_forms_and_repeats(suite, flag):
    suite.pytester.makepyfile(test_fixture=FIXTURE)
    result = suite.run("--benchmark-memory-repeats=3", *flag)
    result.assert_outcomes(passed=4)
    benches = suite.benchmarks()
    assert benches["test_call"]["extra_info"]["size"] == 1_000_000
    assert len(benches["test_call"]["extra_info"]["benchmem"]["peak_bytes"]) == 3
    blob = benches["test_marker_repeats"]["extra_info"]["benchmem"]
    assert all(len(series) == 2 for series in blob.values())
    # --benchmark-memory does not add a second measurement to benchmark_memory tests
    assert len(benches["test_pedantic_args"]["extra_info"]["benchmem"]["total_bytes"]) == 3


def test_default_is_one_pass_and_ini_sets_repeats(suite):
    suite.pytester.makepyfile(test_fixture=FIXTURE)
    suite.run().assert_outcomes(passed=4)
    assert suite.benchmarks()["test_call"]["extra_info"]["benchmem"]["peak_bytes"].__len__() == 1
    suite.pytester.makeini("[pytest]\nbenchmark_memory_repeats = 4\n")
    suite.run().assert_outcomes(passed=4)
    assert len(suite.benchmarks()["test_call"]["extra_info"]["benchmem"]["allocations"]) == 4


def test_ini_turns_the_patch_on(suite):
    suite.pytester.makepyfile(test_unchanged=UNCHANGED)
    suite.pytester.makeini("[pytest]\nbenchmark_memory = true\n")
    suite.run().assert_outcomes(passed=5)
    assert all("benchmem" in b["extra_info"] for b in suite.benchmarks().values())


def test_fixture_used_twice_is_pytest_benchmarks_error(suite):
    suite.pytester.makepyfile(
        """
        def test_twice(benchmark_memory):
            benchmark_memory(len, "a")
            benchmark_memory(len, "b")
        """
    )
    result = suite.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FixtureAlreadyUsed*"])


ACTIVE = """
import memray
import pytest

def test_fixture(benchmark_memory):
    benchmark_memory(bytearray, 1000)

def test_plain(benchmark):
    benchmark(bytearray, 1000)

def test_user_tracker(benchmark_memory, tmp_path):
    with memray.Tracker(tmp_path / "mine.bin"):
        benchmark_memory(bytearray, 1000)

def test_after(benchmark_memory):
    benchmark_memory(bytearray, 1000)
"""


def test_user_tracker_fails_only_that_test(suite):
    suite.pytester.makepyfile(test_active=ACTIVE)
    result = suite.run("--benchmark-memory")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_user_tracker: cannot measure memory: a memray Tracker is already active*"]
    )
    assert "Traceback" not in result.stdout.str()
    assert "test_after" in suite.benchmarks()


def test_pytest_memray_tracker_fails_the_measured_tests(suite):
    suite.pytester.makepyfile(test_active=ACTIVE)
    result = suite.run("--benchmark-memory", "--memray", "-k", "not user_tracker")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            (
                "*test_fixture: cannot measure memory: a memray Tracker is already active"
                "*pytest --memray*"
            )
        ]
    )
    assert "During handling" not in result.stdout.str()
