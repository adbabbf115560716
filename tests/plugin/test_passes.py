"""How the memory passes run (issue 12 items 7, 9, 10), on real plugin runs through pytester:
untracked warm-up runs, several calls per pass, ``repeats=auto`` with its caps, and the split
table. Each bad value is a one-line error."""

from __future__ import annotations

import pytest

from pytest_benchmem.measure import AUTO_CAP, settled

#: these tests count calls pass by pass: the fast mode has no discarded first traced pass (the
#: exact default adds one, see tests/plugin/test_measuring.py and test_memory_mode.py)
FAST_MODE = "--benchmark-memory-mode=fast"

# setup hands each call the next size (MB) from SIZES and counts the calls (setup and target);
# timing runs exactly one round (pedantic, rounds=1), so memory pass k gets SIZES[1 + k]
COUNTING = """
import os
import pytest

SIZES = [int(v) for v in os.environ.get("SIZES", "1").split(",")]
SEEN = {"setup": 0, "target": 0}


def setup():
    SEEN["setup"] += 1
    size = SIZES[min(SEEN["setup"] - 1, len(SIZES) - 1)]
    return (size,), {}


def target(size):
    SEEN["target"] += 1
    return bytearray(size * 1_000_000)


def run(benchmark_memory):
    benchmark_memory.pedantic(target, setup=setup, rounds=1, iterations=1)
    benchmark_memory.extra_info["seen"] = dict(SEEN)
"""


def counting_suite(suite, body: str) -> None:
    suite.pytester.makepyfile(counting=COUNTING, test_counting=body)


def test_warmup_flag_and_marker_run_untracked_before_the_passes(suite, monkeypatch):
    monkeypatch.setenv("SIZES", "1")
    counting_suite(
        suite,
        """
import pytest
from counting import run

def test_flag(benchmark_memory):
    run(benchmark_memory)

@pytest.mark.benchmem(warmup=0, repeats=2)
def test_marker_wins(benchmark_memory):
    run(benchmark_memory)
""",
    )
    result = suite.run(FAST_MODE, "--benchmark-memory-warmup=3", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    benches = suite.benchmarks()
    # timing 1 + warm-up 3 + one pass; both test share the counters: 5 then 5 + 1 + 2
    assert benches["test_flag"]["extra_info"]["seen"] == {"setup": 5, "target": 5}
    assert benches["test_marker_wins"]["extra_info"]["seen"] == {"setup": 8, "target": 8}
    # the warm-up runs are not measured: one pass per repeat, each one 1 MB call
    assert len(benches["test_flag"]["extra_info"]["benchmem"]["peak_bytes"]) == 1
    peaks = benches["test_marker_wins"]["extra_info"]["benchmem"]["peak_bytes"]
    assert len(peaks) == 2
    assert all(1_000_000 <= p < 1_100_000 for p in peaks), peaks


def test_warmup_ini_key(suite, monkeypatch):
    monkeypatch.setenv("SIZES", "1")
    counting_suite(
        suite,
        "from counting import run\ndef test_a(benchmark_memory):\n    run(benchmark_memory)\n",
    )
    suite.pytester.makeini("[pytest]\nbenchmark_memory_warmup = 2\n")
    suite.run(FAST_MODE).assert_outcomes(passed=1)
    assert suite.benchmarks()["test_a"]["extra_info"]["seen"] == {"setup": 4, "target": 4}


def test_calls_make_n_invocations_inside_one_tracked_pass(suite, monkeypatch):
    monkeypatch.setenv("SIZES", "1")
    counting_suite(
        suite,
        """
import pytest
from counting import run

@pytest.mark.benchmem(calls=5, repeats=2)
def test_five(benchmark_memory):
    run(benchmark_memory)
""",
    )
    suite.run(FAST_MODE).assert_outcomes(passed=1)
    bench = suite.benchmarks()["test_five"]
    blob = bench["extra_info"]["benchmem"]
    # timing 1 + 2 passes x 5 calls, setup once per call (untracked, before each pass)
    assert bench["extra_info"]["seen"] == {"setup": 11, "target": 11}
    assert blob["calls"] == 5
    for peak, total in zip(blob["peak_bytes"], blob["total_bytes"], strict=True):
        # each call's 1 MB is freed before the next: the peak is one call's, the total five
        assert 1_000_000 <= peak < 1_100_000
        assert 5_000_000 <= total < 5_500_000


def test_calls_under_the_plain_benchmark_patch(suite):
    suite.pytester.makepyfile(
        """
import pytest

@pytest.mark.benchmem(calls=3)
def test_three(benchmark):
    benchmark(bytearray, 2_000_000)
"""
    )
    suite.run(FAST_MODE, "--benchmark-memory").assert_outcomes(passed=1)
    blob = suite.benchmarks()["test_three"]["extra_info"]["benchmem"]
    assert blob["calls"] == 3
    assert 6_000_000 <= blob["total_bytes"][0] < 6_100_000
    assert 2_000_000 <= blob["peak_bytes"][0] < 2_100_000


AUTO_SUITE = """
from counting import run

def test_auto(benchmark_memory):
    run(benchmark_memory)
"""


@pytest.mark.parametrize(
    ("sizes", "args", "passes"),
    [
        # 5, 4, 3, then 3 and 3 do not lower the minimum: five passes (a time cap far away,
        # so a loaded machine cannot stop it early)
        ("9,5,4,3,3,3,3,3,3,3,3,3", ("--benchmark-memory-max-time=600s",), 5),
        # always lower: the cap of 10
        (
            "30,20,19,18,17,16,15,14,13,12,11,10,9,8",
            ("--benchmark-memory-max-time=600s",),
            AUTO_CAP,
        ),
        # one pass takes more than 1 ms: the time cap stops after the first
        ("30,20,19,18,17,16,15,14,13,12,11,10,9,8", ("--benchmark-memory-max-time=1ms",), 1),
    ],
)
def test_repeats_auto(suite, monkeypatch, sizes, args, passes):
    monkeypatch.setenv("SIZES", sizes)
    counting_suite(suite, AUTO_SUITE)
    suite.run(FAST_MODE, "--benchmark-memory-repeats=auto", *args).assert_outcomes(passed=1)
    peaks = suite.benchmarks()["test_auto"]["extra_info"]["benchmem"]["peak_bytes"]
    assert len(peaks) == passes, peaks
    expected = [int(v) for v in sizes.split(",")][1 : 1 + passes]
    assert [p // 1_000_000 for p in peaks] == expected


def test_repeats_auto_in_the_marker(suite, monkeypatch):
    monkeypatch.setenv("SIZES", "9,2,2,2,2")
    counting_suite(
        suite,
        """
import pytest
from counting import run

@pytest.mark.benchmem(repeats="auto")
def test_auto(benchmark_memory):
    run(benchmark_memory)
""",
    )
    suite.run(FAST_MODE).assert_outcomes(passed=1)
    peaks = suite.benchmarks()["test_auto"]["extra_info"]["benchmem"]["peak_bytes"]
    assert len(peaks) == 3  # 2, then 2 and 2 do not lower it


def test_settled_rule():
    assert not settled([5], 0.0, 1.0)
    assert not settled([5, 4], 0.0, 1.0)
    assert not settled([5, 4, 3], 0.0, 1.0)
    assert settled([5, 5, 5], 0.0, 1.0)
    assert settled([5, 6, 5], 0.0, 1.0)
    assert not settled([5, 6, 4], 0.0, 1.0)
    assert settled([5], 1.0, 1.0)
    assert settled(list(range(AUTO_CAP, 0, -1)), 0.0, 1.0)


TABLE_SUITE = """
import pytest

@pytest.mark.parametrize("mib", [2, 3])
def test_alloc(benchmark, mib):
    benchmark(bytearray, mib * 1024 * 1024)
"""


def test_split_table_leaves_pytest_benchmarks_table_alone(suite):
    suite.pytester.makepyfile(test_suite=TABLE_SUITE)
    result = suite.run(FAST_MODE, "--benchmark-memory", "--benchmark-memory-table=split")
    result.assert_outcomes(passed=2)
    lines = result.outlines
    title = next(i for i, line in enumerate(lines) if "benchmark: 2 tests" in line)
    legend = lines.index("Legend:")
    own = lines[title:legend]
    assert not any("│" in line or "Peak" in line for line in own), own
    header = next(line for line in own if line.startswith("Name (time in"))
    assert header.rstrip().endswith("Iterations")
    memory = lines[legend:]
    start = next(i for i, line in enumerate(memory) if " benchmem: memory " in line)
    block = memory[start : start + 6]
    assert block[1].startswith("Name"), block
    assert "│" in block[1], block
    assert "Peak (MiB)" in block[1], block
    rows = {line.split()[0]: line for line in block if line.startswith("test_alloc")}
    assert rows["test_alloc[2]"].endswith(" 2.0")
    assert rows["test_alloc[3]"].endswith(" 3.0")
    assert "memory shown separately" not in result.stdout.str()
    # the ini key, and combined (the default) folds the columns in
    suite.pytester.makeini("[pytest]\nbenchmark_memory_table = combined\n")
    combined = suite.run(FAST_MODE, "--benchmark-memory")
    assert any(line.startswith("Name (time in") and "│" in line for line in combined.outlines)
    assert not any(" benchmem: memory " in line for line in combined.outlines)


BAD_FLAGS = [
    ("--benchmark-memory-warmup=-1", "--benchmark-memory-warmup: expected a whole number*"),
    ("--benchmark-memory-warmup=²", "--benchmark-memory-warmup: expected a whole number*'²'*"),
    ("--benchmark-memory-warmup=1001", "--benchmark-memory-warmup: *0 to 1,000*"),
    ("--benchmark-memory-repeats=²", "--benchmark-memory-repeats: *or 'auto', got '²'"),
    ("--benchmark-memory-repeats=autox", "--benchmark-memory-repeats: *'autox'"),
    ("--benchmark-memory-max-time=0", "--benchmark-memory-max-time: expected a duration above 0*"),
    ("--benchmark-memory-max-time=1e400", "--benchmark-memory-max-time: *"),
    ("--benchmark-memory-max-time=soon", "--benchmark-memory-max-time: expected a duration*"),
    ("--benchmark-memory-table=wide", "--benchmark-memory-table: expected combined or split*"),
]


def test_bad_flags_are_one_line_usage_errors(suite):
    suite.pytester.makepyfile(
        test_simple="def test_one(benchmark):\n    benchmark(bytearray, 10)\n"
    )
    for flag, message in BAD_FLAGS:
        result = suite.run(FAST_MODE, "--benchmark-memory", flag)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, flag
        result.stderr.fnmatch_lines([f"ERROR: {message}"])
        assert "Traceback" not in result.stderr.str() + result.stdout.str()


BAD_MARKERS = """
import pytest

@pytest.mark.benchmem(warmup=-1)
def test_warmup_negative(benchmark_memory):
    benchmark_memory(bytearray, 10)

@pytest.mark.benchmem(warmup="²")
def test_warmup_superscript(benchmark_memory):
    benchmark_memory(bytearray, 10)

@pytest.mark.benchmem(calls=0)
def test_calls_zero(benchmark_memory):
    benchmark_memory(bytearray, 10)

@pytest.mark.benchmem(calls=True)
def test_calls_bool(benchmark_memory):
    benchmark_memory(bytearray, 10)

@pytest.mark.benchmem(calls=10_000_000)
def test_calls_huge(benchmark_memory):
    benchmark_memory(bytearray, 10)

@pytest.mark.benchmem(repeats="often")
def test_repeats_word(benchmark_memory):
    benchmark_memory(bytearray, 10)
"""


def test_bad_marker_kwargs_fail_their_test_in_one_line(suite):
    suite.pytester.makepyfile(test_bad=BAD_MARKERS)
    result = suite.run(FAST_MODE)
    result.assert_outcomes(errors=6)
    where = "@pytest.mark.benchmem"
    result.stdout.fnmatch_lines_random(
        [
            f"test_warmup_negative: {where}: warmup: expected a whole number from 0 to 1,000, *-1",
            f"test_warmup_superscript: {where}: warmup: expected a whole number *got '²'",
            f"test_calls_zero: {where}: calls: expected a whole number from 1 to 1,000,000, got 0",
            f"test_calls_bool: {where}: calls: *got True",
            f"test_calls_huge: {where}: calls: *got 10000000",
            f"test_repeats_word: {where}: repeats: *or 'auto', got 'often'",
        ]
    )
    assert "Traceback" not in result.stdout.str()
