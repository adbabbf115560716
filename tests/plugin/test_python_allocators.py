"""--benchmark-memory-trace-python-allocators: Python objects tracked one by one."""

from __future__ import annotations

import pytest

SMALL_OBJECTS = """
import pytest

@pytest.mark.benchmem(repeats=3)
def test_tuples(benchmark):
    benchmark(lambda: [(i, i * i) for i in range(10_000)])

def test_buffer(benchmark_memory):
    benchmark_memory(bytearray, 10_000_000)
"""


@pytest.mark.parametrize("how", ["flag", "ini"])
def test_small_objects_are_exact_and_stable(suite, how):
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    if how == "ini":
        suite.pytester.makeini("[pytest]\nbenchmark_memory_trace_python_allocators = true\n")
        result = suite.run("--benchmark-memory")
    else:
        result = suite.run("--benchmark-memory", "--benchmark-memory-trace-python-allocators")
    result.assert_outcomes(passed=2)
    benches = suite.benchmarks()
    peaks = benches["test_tuples"]["extra_info"]["benchmem"]["peak_bytes"]
    # 10,000 two-tuples and their ints, seen object by object: about 1.1 MB, every pass alike
    assert len(peaks) == 3
    assert len(set(peaks)) == 1
    assert 900_000 < peaks[0] < 2_000_000
    buffer = benches["test_buffer"]["extra_info"]["benchmem"]["peak_bytes"][0]
    assert 10_000_000 <= buffer <= 10_001_024
    assert suite.doc()["benchmem"]["trace_python_allocators"] is True


def test_off_by_default_and_recorded(suite):
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    suite.run("--benchmark-memory").assert_outcomes(passed=2)
    assert suite.doc()["benchmem"]["trace_python_allocators"] is False
    # pymalloc's arenas: one allocation for the buffer, as memray sees malloc
    buffer = suite.benchmarks()["test_buffer"]["extra_info"]["benchmem"]
    assert buffer["allocations"] == [1]


def test_flag_is_listed_in_help(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--benchmark-memory-trace-python-allocators*"])


def test_traced_peaks_are_identical_across_processes(suite):
    # Each run is a fresh process whose profiler has seen none of the suite's code: every
    # pass of every run reads the same bytes (no first-pass or first-process excess).
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    args = ("-p", "no:cacheprovider", "--benchmark-min-rounds=1", "--benchmark-max-time=0")
    args += (f"--benchmark-json={suite.json}", "--benchmark-memory")
    args += ("--benchmark-memory-trace-python-allocators",)
    series = []
    for _ in range(2):
        suite.pytester.runpytest_subprocess(*args).assert_outcomes(passed=2)
        blob = suite.benchmarks()["test_tuples"]["extra_info"]["benchmem"]
        series.append((blob["peak_bytes"], blob["allocations"], blob["total_bytes"]))
    assert series[0] == series[1]
    assert len(set(series[0][0])) == 1
