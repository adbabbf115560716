"""The benchmem marker (validation, ceilings) and the flags (defaults, ini keys, bad values)."""

from __future__ import annotations

import pytest

from pytest_benchmem.errors import UsageError
from pytest_benchmem.marker import parse_marker

CEILINGS = """
import pytest

@pytest.mark.benchmem(max_peak="3MiB")
def test_under(benchmark_memory):
    benchmark_memory(bytearray, 2 * 1024 * 1024)

@pytest.mark.benchmem(max_peak="100MiB")
def test_build(benchmark_memory):
    benchmark_memory(bytearray, 117 * 1024 * 1024)

@pytest.mark.benchmem(max_allocated=1000, max_allocations=0)
def test_two_limits(benchmark):
    benchmark(bytearray, 5000)

@pytest.mark.benchmem(max_allocations=2, repeats=2)
def test_count_ok(benchmark_memory):
    benchmark_memory(bytearray, 5000)
"""


def test_ceilings_pass_under_and_fail_over_keeping_the_timing_row(suite):
    suite.pytester.makepyfile(test_ceil=CEILINGS)
    result = suite.run("--benchmark-memory")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*test_build: peak 117 MiB exceeds max_peak 100 MiB*"])
    result.stdout.fnmatch_lines(
        [
            "*test_two_limits: allocated 4.9 KiB exceeds max_allocated 1000 B",
            "test_two_limits: allocations 2 exceeds max_allocations 0",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    benches = suite.benchmarks()
    # the benchmark is recorded before the ceiling fails the test
    assert set(benches) == {"test_under", "test_build", "test_two_limits", "test_count_ok"}
    assert benches["test_build"]["stats"]["rounds"] >= 1
    assert benches["test_build"]["extra_info"]["benchmem"]["peak_bytes"][0] >= 117 * 1024 * 1024


def test_ceilings_are_a_no_op_without_measurement(suite):
    suite.pytester.makepyfile(test_ceil=CEILINGS)
    result = suite.run("-k", "two_limits")
    result.assert_outcomes(passed=1, deselected=3)


UNCHECKED = """
import pytest

@pytest.mark.benchmem(max_peak="1MiB")
def test_plain(benchmark):
    benchmark(bytearray, 5_000_000)

@pytest.mark.benchmem(max_allocations=10)
def test_also_plain(benchmark):
    benchmark(bytearray, 10)

@pytest.mark.benchmem(max_peak="100MiB")
def test_measured(benchmark_memory):
    benchmark_memory(bytearray, 10)

def test_no_ceiling(benchmark):
    benchmark(bytearray, 10)

@pytest.mark.skip(reason="not run")
@pytest.mark.benchmem(max_peak="1MiB")
def test_skipped(benchmark):
    benchmark(bytearray, 10)
"""


def test_unchecked_ceilings_are_listed_as_a_warning(suite):
    # the spec makes the marker a no-op without measurement; the summary now says so
    suite.pytester.makepyfile(test_unchecked=UNCHECKED)
    result = suite.run()
    result.assert_outcomes(passed=4, skipped=1)
    warning = "benchmem: warning: memory ceilings not checked, no memory was measured *: "
    result.stdout.fnmatch_lines([f"{warning}test_plain, test_also_plain"])
    measured = suite.run("--benchmark-memory")
    assert measured.ret == pytest.ExitCode.TESTS_FAILED  # test_plain's 5 MB > 1 MiB
    assert "ceilings not checked" not in measured.stdout.str()


LEVELS = """
import pytest

pytestmark = pytest.mark.benchmem(repeats=2, max_allocations=5)


@pytest.mark.benchmem(max_peak="1KiB")
class TestCls:
    @pytest.mark.benchmem(repeats=3)
    def test_method(self, benchmark):
        benchmark(bytearray, 2000)

    @pytest.mark.benchmem(max_peak="4KiB")
    def test_closest_wins(self, benchmark):
        benchmark(bytearray, 2000)
"""


def test_markers_at_several_levels_combine_kwarg_by_kwarg(suite):
    suite.pytester.makepyfile(test_levels=LEVELS)
    result = suite.run("--benchmark-memory")
    result.assert_outcomes(passed=1, failed=1)
    # the class's ceiling applies to the method that only sets repeats
    result.stdout.fnmatch_lines(["*test_method: peak 2.0 KiB exceeds max_peak 1.0 KiB*"])
    benches = suite.benchmarks()
    assert len(benches["test_method"]["extra_info"]["benchmem"]["peak_bytes"]) == 3
    # repeats from the module where nothing closer sets it
    assert len(benches["test_closest_wins"]["extra_info"]["benchmem"]["peak_bytes"]) == 2


BAD_MARKERS = [
    ('max_peak="12 parsecs"', "test_bad0: @pytest.mark.benchmem: max_peak: *'12 parsecs'*"),
    ("max_peak=-5", "test_bad1: @pytest.mark.benchmem: max_peak: *negative*-5*"),
    ("max_allocations=-1", "test_bad2: @pytest.mark.benchmem: max_allocations: *-1*"),
    ("repeats=True", "test_bad3: @pytest.mark.benchmem: repeats: *True*"),
    ("repeats=0", "test_bad4: @pytest.mark.benchmem: repeats: *>= 1*0*"),
    ("max_allocated=True", "test_bad5: @pytest.mark.benchmem: max_allocated: *True*"),
    ("max_pea=5", "test_bad6: @pytest.mark.benchmem: unknown keyword argument 'max_pea'*"),
    ("3", "test_bad7: @pytest.mark.benchmem takes keyword arguments only*"),
]


@pytest.mark.parametrize("flag", [[], ["--benchmark-memory"]])
def test_bad_marker_is_a_clear_error_naming_test_and_kwarg(suite, flag):
    # even tests use benchmark_memory, odd ones plain benchmark: both validate the marker
    tests = []
    for i, (kwargs, _) in enumerate(BAD_MARKERS):
        fixture = "benchmark" if i % 2 else "benchmark_memory"
        tests.append(
            f"@pytest.mark.benchmem({kwargs})\n"
            f"def test_bad{i}({fixture}):\n    {fixture}(bytearray, 10)\n"
        )
    fine = "def test_fine(benchmark_memory):\n    benchmark_memory(bytearray, 10)\n"
    suite.pytester.makepyfile("import pytest\n\n" + "\n".join([*tests, fine]))
    result = suite.run(*flag)
    result.assert_outcomes(passed=1, errors=len(BAD_MARKERS))
    result.stdout.fnmatch_lines_random([expected for _, expected in BAD_MARKERS])
    out = result.stdout.str()
    assert "Traceback" not in out
    assert "During handling" not in out


def test_parse_marker_values():
    spec = parse_marker("t", (), {"repeats": 3, "max_peak": "1KiB", "max_allocations": "7"})
    assert spec.repeats == 3
    assert spec.ceilings == {"max_peak": 1024, "max_allocations": 7}
    assert parse_marker("t", (), {}).ceilings is None
    with pytest.raises(UsageError, match=r"t: @pytest\.mark\.benchmem: max_allocated"):
        parse_marker("t", (), {"max_allocated": "lots"})


SIMPLE = """
def test_one(benchmark):
    benchmark(bytearray, 10)
"""


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("--benchmark-memory-columns=bogus", "--benchmark-memory-columns: unknown value 'bogus'*"),
        ("--benchmark-memory-columns=,", "--benchmark-memory-columns: expected a comma-separated*"),
        ("--benchmark-memory-stats=p99", "--benchmark-memory-stats: unknown value 'p99'*"),
        (
            "--benchmark-memory-repeats=0",
            "--benchmark-memory-repeats: expected a whole number >= 1*",
        ),
        ("--benchmark-memory-repeats=two", "--benchmark-memory-repeats: *'two'*"),
        ("--benchmark-memory-compare-fail=peak", "--benchmark-memory-compare-fail: bad threshold*"),
        ("--benchmark-memory-compare-fail=peak:lots", "--benchmark-memory-compare-fail: *'lots'*"),
        (
            "--benchmark-memory-compare-fail=bogus:5%",
            "--benchmark-memory-compare-fail: *unknown field*",
        ),
        (
            "--benchmark-memory-compare-fail=time:1ms",
            "--benchmark-memory-compare-fail: *time is gated*",
        ),
    ],
)
def test_bad_flag_stops_pytest_at_startup(suite, flag, message):
    suite.pytester.makepyfile(test_simple=SIMPLE)
    result = suite.run("--benchmark-memory", flag)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "test_one" not in result.stdout.str()
    # pytest-benchmark's argparse opens the JSON file; nothing was written to it
    assert not suite.json.exists() or suite.json.stat().st_size == 0


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (
            "benchmark_memory_columns = peak,nope",
            "--benchmark-memory-columns: unknown value 'nope'*",
        ),
        ("benchmark_memory_stats = p50", "--benchmark-memory-stats: unknown value 'p50'*"),
        ("benchmark_memory_repeats = 0", "--benchmark-memory-repeats:*"),
        (
            "benchmark_memory_compare_fail = peak:",
            "--benchmark-memory-compare-fail: bad threshold*",
        ),
        (
            "benchmark_memory = maybe",
            "ini key benchmark_memory: invalid truth value 'maybe' (expected true or false)",
        ),
    ],
)
def test_bad_ini_value_stops_pytest_at_startup(suite, ini, message):
    suite.pytester.makepyfile(test_simple=SIMPLE)
    suite.pytester.makeini(f"[pytest]\n{ini}\n")
    result = suite.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_command_line_wins_over_ini(suite):
    suite.pytester.makepyfile(test_simple=SIMPLE)
    suite.pytester.makeini("[pytest]\nbenchmark_memory_repeats = 0\nbenchmark_memory = false\n")
    result = suite.run("--benchmark-memory-repeats=2", "--benchmark-memory")
    result.assert_outcomes(passed=1)
    assert len(suite.benchmarks()["test_one"]["extra_info"]["benchmem"]["peak_bytes"]) == 2


def test_help_lists_every_flag(pytester):
    result = pytester.runpytest("--help")
    for flag in (
        "--benchmark-memory ",
        "--benchmark-memory-repeats=N",
        "--benchmark-memory-columns=COLS",
        "--benchmark-memory-stats=STATS",
        "--benchmark-memory-compare=?REF?",
        "--benchmark-memory-compare-fail=FIELD:THRESHOLD",
        "--benchmark-memory-label=LABEL",
    ):
        result.stdout.fnmatch_lines([f"*{flag}*"])
    for key in (
        "benchmark_memory ",
        "benchmark_memory_repeats",
        "benchmark_memory_columns",
        "benchmark_memory_stats",
        "benchmark_memory_compare ",
        "benchmark_memory_compare_fail",
        "benchmark_memory_label",
    ):
        result.stdout.fnmatch_lines([f"*{key}*"])
