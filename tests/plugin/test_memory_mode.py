"""The memory mode: exact (Python objects one by one) by default, fast (arenas) on request."""

from __future__ import annotations

import json

import pytest

#: short timing, as the suite fixture uses (conftest modules are not importable here)
FAST = ("-p", "no:cacheprovider", "--benchmark-min-rounds=1", "--benchmark-max-time=0")

SMALL_OBJECTS = """
import pytest

@pytest.mark.benchmem(repeats=3)
def test_tuples(benchmark):
    benchmark(lambda: [(i, i * i) for i in range(10_000)])

def test_buffer(benchmark_memory):
    benchmark_memory(bytearray, 10_000_000)
"""

#: the three pure-Python workloads whose default peaks must not move between processes
WORKLOADS = """
import json

DOCUMENT = json.dumps(
    [{"id": i, "name": f"item-{i}", "tags": ["a", "b", str(i)], "value": i * 1.5, "ok": i % 2 == 0}
     for i in range(11_000)]
)
assert 900_000 < len(DOCUMENT) < 1_200_000, len(DOCUMENT)

def test_tuples(benchmark):
    benchmark(lambda: [(i, i * i) for i in range(10_000)])

def test_json(benchmark):
    benchmark(json.loads, DOCUMENT)

def test_dict(benchmark):
    benchmark(lambda: {i: i for i in range(100_000)})
"""


def _mode_of(suite):
    return suite.doc()["benchmem"]["mode"], suite.doc()["benchmem"]["trace_python_allocators"]


def test_exact_by_default_and_recorded(suite):
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    suite.run("--benchmark-memory").assert_outcomes(passed=2)
    assert _mode_of(suite) == ("exact", True)
    benches = suite.benchmarks()
    peaks = benches["test_tuples"]["extra_info"]["benchmem"]["peak_bytes"]
    # 10,000 two-tuples and their ints, seen object by object: about 1.1 MB, every pass alike
    assert len(peaks) == 3
    assert len(set(peaks)) == 1
    assert 900_000 < peaks[0] < 2_000_000
    buffer = benches["test_buffer"]["extra_info"]["benchmem"]
    assert 10_000_000 <= buffer["peak_bytes"][0] <= 10_000_064
    # the bytearray object and its buffer
    assert buffer["allocations"] == [2]


@pytest.mark.parametrize(
    ("args", "ini"),
    [
        (("--benchmark-memory-mode=fast",), None),
        ((), "benchmark_memory_mode = fast"),
        # an explicit "false" of the older key meant "no tracing": the fast mode
        ((), "benchmark_memory_trace_python_allocators = false"),
        (("--benchmark-memory-mode=fast",), "benchmark_memory_mode = exact"),
    ],
)
def test_fast_mode_sees_arenas(suite, args, ini):
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    if ini:
        suite.pytester.makeini(f"[pytest]\n{ini}\n")
    suite.run("--benchmark-memory", *args).assert_outcomes(passed=2)
    assert _mode_of(suite) == ("fast", False)
    buffer = suite.benchmarks()["test_buffer"]["extra_info"]["benchmem"]
    # pymalloc's arenas: only the buffer's malloc is seen
    assert buffer["allocations"] == [1]
    assert 10_000_000 <= buffer["peak_bytes"][0] <= 10_000_064


@pytest.mark.parametrize(
    ("args", "ini"),
    [
        (("--benchmark-memory-trace-python-allocators",), None),
        ((), "benchmark_memory_trace_python_allocators = true"),
        (("--benchmark-memory-mode=exact",), "benchmark_memory_mode = fast"),
        (("--benchmark-memory-trace-python-allocators",), "benchmark_memory_mode = fast"),
    ],
)
def test_exact_spellings(suite, args, ini):
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    if ini:
        suite.pytester.makeini(f"[pytest]\n{ini}\n")
    suite.run("--benchmark-memory", *args).assert_outcomes(passed=2)
    assert _mode_of(suite) == ("exact", True)


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (
            ("--benchmark-memory-mode=fast", "--benchmark-memory-trace-python-allocators"),
            None,
            "*--benchmark-memory-mode=fast contradicts --benchmark-memory-trace-python-allocators*",
        ),
        (
            (),
            "benchmark_memory_mode = fast\nbenchmark_memory_trace_python_allocators = true",
            "*benchmark_memory_mode = fast contradicts benchmark_memory_trace_python_allocators*",
        ),
        ((), "benchmark_memory_mode = arena", "*benchmark_memory_mode*unknown memory mode*"),
        ((), "benchmark_memory_trace_python_allocators = maybe", "*expected true or false*"),
        (("--benchmark-memory-mode=arena",), None, "*--benchmark-memory-mode*invalid choice*"),
    ],
)
def test_bad_or_contradicting_modes_stop_at_startup(suite, args, ini, message):
    suite.pytester.makepyfile(test_small=SMALL_OBJECTS)
    if ini:
        suite.pytester.makeini(f"[pytest]\n{ini}\n")
    result = suite.run("--benchmark-memory", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_flags_are_listed_in_help(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*--benchmark-memory-mode=MODE*", "*--benchmark-memory-trace-python-allocators*"]
    )


def test_pure_python_peaks_identical_across_five_processes(suite):
    """Acceptance: 10k tuples, json.loads of ~1 MB, a dict of 100k ints, in 5 pytest processes."""
    pytester = suite.pytester
    pytester.makepyfile(test_workloads=WORKLOADS)
    seen: dict[str, list[int]] = {}
    for index in range(5):
        out = pytester.path / f"run{index}.json"
        result = pytester.runpytest_subprocess(
            *FAST, "--benchmark-memory", f"--benchmark-json={out}"
        )
        result.assert_outcomes(passed=3)
        doc = json.loads(out.read_text())
        assert doc["benchmem"]["mode"] == "exact"
        for bench in doc["benchmarks"]:
            seen.setdefault(bench["name"], []).extend(bench["extra_info"]["benchmem"]["peak_bytes"])
    assert sorted(seen) == ["test_dict", "test_json", "test_tuples"]
    for name, peaks in seen.items():
        assert len(peaks) == 5, name
        assert len(set(peaks)) == 1, (name, peaks)
    # and the figures are object sizes, not arenas
    assert 1_000_000 < seen["test_tuples"][0] < 1_500_000
    assert 5_000_000 < seen["test_dict"][0] < 12_000_000
