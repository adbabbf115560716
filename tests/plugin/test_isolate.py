"""``@pytest.mark.benchmem(isolate=True)`` on real plugin runs: whole-process peak RSS from a
fresh spawned process, the ``rss`` metric in the table, the ceilings, both gates, compare and
plot, and a one-line error for each way it can fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# imported before pytester snapshots sys.modules (multiprocessing and numpy, which plotting
# imports, must not be loaded twice in one process)
import pytest_benchmem.isolate
import pytest_benchmem.plotting
from pytest_benchmem.cli import main

MB = 1_000_000
MIB = 1024 * 1024

SUITE = """
import os
import pytest

SIZE = int(os.environ.get("SIZE_MIB", "50")) * 1024 * 1024


def noop():
    pass


def grow():
    block = bytearray(b"x") * SIZE  # every page written: resident, not just reserved
    return len(block)


@pytest.mark.benchmem(isolate=True)
def test_noop(benchmark_memory):
    benchmark_memory(noop)


@pytest.mark.benchmem(isolate=True, repeats=2, max_rss="1GiB")
def test_grow(benchmark_memory):
    benchmark_memory(grow)


def test_in_process(benchmark_memory):
    benchmark_memory(grow)
"""


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_isolate_reads_the_whole_process_rss(suite, monkeypatch):
    suite.pytester.makepyfile(test_iso=SUITE)
    result = suite.run("--benchmark-memory-columns=peak,rss")
    result.assert_outcomes(passed=3)
    benches = suite.benchmarks()
    grow = benches["test_grow"]["extra_info"]["benchmem"]
    noop = benches["test_noop"]["extra_info"]["benchmem"]
    assert len(grow["rss_bytes"]) == len(grow["rss_base_bytes"]) == 2
    for peak, base in zip(grow["rss_bytes"], grow["rss_base_bytes"], strict=True):
        # a 50 MiB allocation reads at least 50 MB above the child's own baseline
        assert peak - base >= 50 * MB, (peak, base)
        assert peak - base < 60 * MB, (peak, base)
    # a fresh interpreter is tens of MB: RSS sees what memray does not attribute to the call
    assert noop["rss_bytes"][0] > 5 * MB
    # memray's peak: noop's own frame object (exact mode sees it), nothing of the process
    assert noop["peak_bytes"][0] < 1024
    assert noop["rss_bytes"][0] - noop["rss_base_bytes"][0] < 5 * MB
    # memray's figures are unchanged by isolate
    assert 50 * MIB <= grow["peak_bytes"][0] < 50 * MIB + 1000
    # readers without isolate=True: no rss in the blob
    assert "rss_bytes" not in benches["test_in_process"]["extra_info"]["benchmem"]
    header = next(line for line in result.outlines if line.startswith("Name (time in"))
    assert header.endswith("RSS min (MiB)  RSS mean (MiB)  RSS max (MiB)"), header
    row = next(line for line in result.outlines if line.startswith("test_in_process"))
    assert row.rstrip().endswith("-"), row  # no rss for the in-process benchmark


def test_rss_is_a_metric_of_ceilings_gates_compare_and_plot(suite, monkeypatch, capsys, tmp_path):
    suite.pytester.makepyfile(test_iso=SUITE)
    first = tmp_path / "first.json"
    monkeypatch.setenv("SIZE_MIB", "20")
    suite.run("--benchmark-autosave").assert_outcomes(passed=3)
    shutil.copy(suite.json, first)

    # 20 -> 60 MiB: the pytest-side gate and the ceiling both see the growth
    monkeypatch.setenv("SIZE_MIB", "60")
    suite.pytester.makepyfile(test_iso=SUITE.replace('max_rss="1GiB"', 'max_rss="40MiB"'))
    result = suite.run("--benchmark-memory-compare-fail=rss:10%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*test_grow: rss * MiB exceeds max_rss 40.0 MiB*"])
    result.stdout.fnmatch_lines(["benchmem: *rss*test_grow*"])
    second = suite.json

    code, out, err = cli(
        capsys, "compare", first, second, "--metric", "rss", "--fail-on", "rss:10%"
    )
    assert code == 1, err
    assert "test_grow" in out
    code, out, err = cli(
        capsys, "compare", first, second, "--metric", "rss", "--fail-on", "rss:500%"
    )
    assert code == 0, err
    html = tmp_path / "rss.html"
    code, out, err = cli(capsys, "plot", first, second, "--metric", "rss", "-o", html)
    assert code == 0, err
    assert "of rss" in out
    assert html.stat().st_size > 1000


def test_runs_without_rss_say_so_in_one_line(capsys):
    golden = Path(__file__).parents[1] / "data" / "runs"
    runs = [golden / "pytest-benchmark-4.0.0.json", golden / "pytest-benchmark-5.3.1.json"]
    code, _, err = cli(capsys, "compare", *runs, "--metric", "rss")
    assert code != 0
    assert err.startswith("benchmem: error: ")
    assert err.count("\n") == 1
    assert "rss" in err


FAILING = """
import os
import threading
import multiprocessing
import signal
import pytest


def in_child():
    return multiprocessing.parent_process() is not None


def die(sig):
    if in_child():  # the timing rounds in the session survive; the spawned child dies
        os.kill(os.getpid(), sig)


def boom():
    if in_child():
        raise ValueError("bad\\ninput")


def take(lock):
    return lock


@pytest.mark.benchmem(isolate=True)
def test_lambda(benchmark_memory):
    benchmark_memory(lambda: bytearray(10))


@pytest.mark.benchmem(isolate=True)
def test_closure(benchmark_memory):
    size = 10

    def inner():
        return bytearray(size)

    benchmark_memory(inner)


@pytest.mark.benchmem(isolate=True)
def test_killed(benchmark_memory):
    benchmark_memory(die, signal.SIGKILL)


@pytest.mark.benchmem(isolate=True)
def test_segv(benchmark_memory):
    benchmark_memory(die, signal.SIGSEGV)


@pytest.mark.benchmem(isolate=True)
def test_raises(benchmark_memory):
    benchmark_memory(boom)


@pytest.mark.benchmem(isolate=True)
def test_unpicklable_argument(benchmark_memory):
    benchmark_memory(take, threading.Lock())


@pytest.mark.benchmem(isolate="yes")
def test_bad_isolate(benchmark_memory):
    benchmark_memory(take, 1)


@pytest.mark.benchmem(max_rss="1GiB")
def test_rss_ceiling_without_isolate(benchmark_memory):
    benchmark_memory(take, 1)
"""


def test_each_failure_is_one_line(suite):
    suite.pytester.makepyfile(test_failing=FAILING)
    result = suite.run()
    result.assert_outcomes(failed=6, errors=2)
    top_level = "use a top-level function of a module, not a lambda, closure or nested*"
    result.stdout.fnmatch_lines_random(
        [
            f"test_lambda: isolate=True * 'test_lambda.<locals>.<lambda>' cannot be * {top_level}",
            f"test_closure: isolate=True * 'test_closure.<locals>.inner' cannot be * {top_level}",
            "test_killed: the isolated memory pass (pid *) was killed by SIGKILL*",
            "test_segv: the isolated memory pass (pid *) was killed by SIGSEGV",
            "test_raises: the isolated memory pass failed: ValueError: bad input",
            "test_unpicklable_argument: isolate=True * arguments cannot be sent there (TypeError*",
            "test_bad_isolate: @pytest.mark.benchmem: isolate: expected True or False, got 'yes'",
            "test_rss_ceiling_without_isolate: @pytest.mark.benchmem: max_rss needs isolate=True*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


# -- the child's side and the death notes, in this process (the spawned child is not traced
# by coverage) -------------------------------------------------------------------------------
def grow_mib(mib: int) -> int:
    return len(bytearray(b"x") * (mib * MIB))


def needs_memory() -> None:
    raise MemoryError


def setup_two() -> tuple[tuple[int], dict[str, object]]:
    return (2,), {}


def child_reply(payload: bytes) -> object:
    import multiprocessing

    receiver, sender = multiprocessing.Pipe(duplex=False)
    pytest_benchmem.isolate.child_main(sender, payload)
    return receiver.recv()


def test_child_main_replies_in_one_message():
    from pytest_benchmem.isolate import pickled

    status, (peak, base) = child_reply(pickled(grow_mib, (), None, setup=setup_two, calls=2))
    assert status == "ok"
    assert peak >= base > 0
    assert child_reply(pickled(needs_memory, (), None)) == (
        "error",
        "ran out of memory (MemoryError) in the isolated process",
    )
    assert child_reply(pickled(grow_mib, ("x",), None))[0] == "error"


def test_death_notes():
    import signal

    from pytest_benchmem.isolate import death, oom_kills

    before = oom_kills()
    assert death(-signal.SIGTERM) == "was killed by SIGTERM"
    assert death(-99) == "was killed by signal 99"
    assert death(3) == "exited with code 3 before reporting"
    assert "out-of-memory killer" in death(-signal.SIGKILL, None)
    if before is not None:  # no OOM kill happened meanwhile: a plain SIGKILL
        assert death(-signal.SIGKILL, before) == "was killed by SIGKILL"
        assert "out of memory" in death(-signal.SIGKILL, before - 1)
