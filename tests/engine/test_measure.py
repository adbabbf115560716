"""The memray engine: exact peaks, counts, and a clean first window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy
import pytest

from pytest_benchmem import MemoryResult, measure_memory, measure_peak
from pytest_benchmem.errors import MeasureError
from pytest_benchmem.measure import run_passes, tracking_active


@pytest.mark.parametrize("size", [10_000_000, 100_000_000])
def test_bytearray_peak_is_exact(size):
    result = measure_memory(lambda: bytearray(size))
    assert size <= result.peak_bytes <= size + 64
    assert result.allocations == 1
    assert size <= result.total_bytes <= size + 64


def test_numpy_native_allocation():
    assert measure_peak(lambda: numpy.ones(10**7)) == 80_000_000


def test_noop_is_under_a_kib():
    assert measure_peak(lambda: None) < 1024


def test_deterministic_series_over_five_passes():
    result = measure_memory(lambda: [bytes(1000) for _ in range(100)] and bytearray(2_000_000), 5)
    assert result.repeats == 5
    assert len(set(result.peak_series)) == 1
    assert len(set(result.allocations_series)) == 1
    assert result.peak_bytes == result.peak_bytes_max == result.peak_series[0]


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
    assert seen == [True]
    assert not tracking_active()


def test_prepare_runs_untracked_before_each_pass():
    calls = []

    def prepare():
        calls.append(tracking_active())
        buf = bytearray(5_000_000)  # allocated outside the window: not in the peak
        return lambda: buf.count(0)

    result = run_passes(prepare, 3)
    assert calls == [False, False, False]
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


def test_trace_python_allocators_sees_small_objects_exactly():
    def tuples():
        return [(i, i * i) for i in range(10_000)]

    result = measure_memory(tuples, 3, trace_python_allocators=True)
    assert len(set(result.peak_series)) == 1
    assert 900_000 < result.peak_bytes < 2_000_000
    assert result.allocations > 10_000  # every tuple and int, not a few arenas
    assert measure_peak(lambda: bytearray(10_000_000), trace_python_allocators=True) >= 10_000_000


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


def test_traced_first_pass_over_unseen_code_is_exact():
    # The first traced pass over code objects no profiler has seen must read what every
    # later pass reads (CPython allocates each code's line table on first profiling).
    action = _fresh_code("unseen_a")
    first = measure_memory(action, 1, trace_python_allocators=True)
    again = measure_memory(action, 2, trace_python_allocators=True)
    assert first.peak_series == (again.peak_series[0],) == (again.peak_series[1],)
    assert first.allocations == again.allocations
    assert first.total_bytes == again.total_bytes
    # a second, independent copy of the same code reads the very same bytes
    assert measure_memory(_fresh_code("unseen_b"), 1, trace_python_allocators=True) == first
