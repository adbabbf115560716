"""The memray engine: exact peaks, counts, and a clean first window."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import numpy
import pytest

from pytest_benchmem import MemoryResult, measure_memory, measure_peak
from pytest_benchmem.errors import MeasureError
from pytest_benchmem.measure import run_passes, tracking_active


@pytest.mark.parametrize("size", [10_000_000, 100_000_000])
def test_bytearray_peak_is_exact(size):
    result = measure_memory(functools.partial(bytearray, size))
    assert size <= result.peak_bytes <= size + 64
    # the default exact mode sees the bytearray object and its buffer
    assert result.allocations == 2
    assert size <= result.total_bytes <= size + 64


def test_fast_mode_sees_only_the_buffer():
    result = measure_memory(functools.partial(bytearray, 10_000_000), mode="fast")
    assert result.peak_bytes == 10_000_001
    assert result.allocations == 1
    buffer = functools.partial(bytearray, 10_000_000)
    assert measure_peak(buffer, trace_python_allocators=False) == 10_000_001


def test_a_python_function_in_the_window_adds_its_frame_object():
    # traced Python allocators see the frame object memray's profiler makes for each call
    peak = measure_peak(lambda: bytearray(10_000_000))
    assert 10_000_064 < peak <= 10_000_512


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "arena"}, "unknown memory mode"),
        ({"mode": "fast", "trace_python_allocators": True}, "contradicts"),
    ],
)
def test_bad_mode_keywords(kwargs, message):
    with pytest.raises(ValueError, match=message):
        measure_memory(int, **kwargs)


def test_numpy_native_allocation():
    assert measure_peak(lambda: numpy.ones(10**7), mode="fast") == 80_000_000
    # exact: the ndarray object and its shape around the 80 MB buffer
    assert 80_000_000 < measure_peak(functools.partial(numpy.ones, 10**7)) <= 80_001_024


def test_noop_is_under_a_kib():
    assert measure_peak(lambda: None) < 1024


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_deterministic_series_over_five_passes(mode):
    result = measure_memory(
        lambda: [bytes(1000) for _ in range(100)] and bytearray(2_000_000), 5, mode=mode
    )
    assert result.repeats == 5
    # the standalone API measures cold: in the exact mode pass 1 may find free lists empty
    steady = slice(1, None) if mode == "exact" else slice(None)
    assert len(set(result.peak_series[steady])) == 1
    assert len(set(result.allocations_series[steady])) == 1
    assert result.peak_bytes == result.peak_series[-1]


def test_blob_has_three_series():
    blob = measure_memory(lambda: bytearray(1000), 2).to_blob()
    assert set(blob) == {"peak_bytes", "allocations", "total_bytes"}
    assert all(len(v) == 2 and all(isinstance(x, int) for x in v) for v in blob.values())


def test_headline_is_min():
    result = MemoryResult.from_passes([(30, 3, 300), (10, 1, 100), (20, 2, 200)])
    assert (result.peak_bytes, result.peak_bytes_max, result.allocations) == (10, 30, 1)
    assert result.total_bytes == 100
    with pytest.raises(ValueError):
        MemoryResult.from_passes([])


def test_tracking_flag_only_inside_the_window():
    seen = []
    measure_memory(lambda: seen.append(tracking_active()))
    assert seen == [True]  # the standalone API measures cold: no discarded pass
    assert not tracking_active()


def test_prepare_runs_untracked_before_each_pass():
    calls = []

    def prepare():
        calls.append(tracking_active())
        buf = bytearray(5_000_000)  # allocated outside the window: not in the peak
        return lambda: buf.count(0)

    result = run_passes(prepare, 3)
    assert calls == [False] * 4  # the discarded first traced pass, then three kept ones
    assert result.peak_bytes < 1024


@pytest.mark.parametrize("repeats", [0, -1, True, 1.5])
def test_bad_repeats(repeats):
    with pytest.raises(ValueError, match="repeats"):
        measure_memory(lambda: None, repeats)


def test_active_tracker_is_a_clear_error(tmp_path):
    import memray

    with (
        memray.Tracker(tmp_path / "outer.bin"),
        pytest.raises(MeasureError, match="already active"),
    ):
        measure_peak(lambda: None)
    # and the engine still works afterwards
    assert measure_peak(lambda: bytearray(1_000_000)) >= 1_000_000


@pytest.mark.parametrize("keywords", [{}, {"mode": "exact"}, {"trace_python_allocators": True}])
def test_exact_mode_sees_small_objects_exactly(keywords):
    def tuples():
        return [(i, i * i) for i in range(10_000)]

    result = measure_memory(tuples, 3, **keywords)
    # a cold first pass (it can differ either way, by what the process ran before), then
    # the steady state
    assert result.peak_series[1] == result.peak_series[2]
    assert result.peak_bytes == min(result.peak_series)
    assert 900_000 < result.peak_bytes < 2_000_000
    assert result.allocations > 10_000  # every tuple and int, not a few arenas


def _fresh_code(name: str) -> Callable[[], object]:
    """A function whose code objects no profiler has seen yet (compiled here, just now)."""
    source = (
        f"def {name}():\n"
        "    key = lambda x: x[::-1]\n"
        "    return sorted([str(i) for i in range(2_000)], key=key)\n"
    )
    space: dict[str, Any] = {}
    exec(compile(source, f"<{name}>", "exec"), space)
    return cast("Callable[[], object]", space[name])


def _primed(action: Callable[[], object], repeats: int) -> MemoryResult:
    """The plugin's engine: exact mode, the action primed once before the kept passes (the
    standalone measure_memory measures cold, as the spec says)."""
    return run_passes(lambda: action, repeats)


def test_traced_first_pass_over_unseen_code_is_exact():
    # The first traced pass over code objects no profiler has seen must read what every
    # later pass reads (CPython allocates each code's line table on first profiling).
    action = _fresh_code("unseen_a")
    first = _primed(action, 1)
    again = _primed(action, 2)
    assert first.peak_series == (again.peak_series[0],) == (again.peak_series[1],)
    assert first.allocations == again.allocations
    assert first.total_bytes == again.total_bytes
    # a second, independent copy of the same code reads the very same bytes
    assert _primed(_fresh_code("unseen_b"), 1) == first
