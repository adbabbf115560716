"""The memray engine: peak, allocation count and total bytes of one call, pass by pass.

Each pass wraps exactly one call in its own memray window (``window.track``), whose capture
is read (``memread``) and deleted. The first tracking windows of a process measure
memray's own tare (what an empty window records); the first of them can also record a stray
allocation of memray's own, so the tare is the minimum of two and no pass is ever first.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .modes import MemoryMode, resolve_mode
from .window import capture_dir, prime, track, tracking_active

__all__ = [
    "AUTO_CAP",
    "Keep",
    "MemoryResult",
    "measure_memory",
    "measure_peak",
    "measure_tare",
    "run_passes",
    "settled",
    "tracking_active",
]

#: per tracing mode: (allocations, bytes) memray's own exit path records in every window
_tare: dict[bool, tuple[int, int]] = {}


@dataclass(frozen=True)
class Keep:
    """Keep the capture of the representative pass (the one giving the headline peak).

    ``sink(path)`` gets the pass's memray file before the private temp dir is deleted, and
    moves or copies it where it belongs (``captures.CaptureKeeper``); no extra pass is run.
    ``native_traces`` records native (C) stacks in every pass.
    """

    sink: Callable[[str], None]
    native_traces: bool = False


@dataclass(frozen=True)
class MemoryResult:
    """Memory of one measured action, every pass kept.

    Attributes:
        peak_bytes: headline peak, the minimum of ``peak_series``.
        peak_bytes_max: the maximum of ``peak_series``.
        allocations: headline allocation count (minimum over passes).
        total_bytes: headline total bytes allocated (minimum over passes).
        repeats: number of passes.
        peak_series / allocations_series / total_bytes_series: one entry per pass.
        rss_bytes / rss_series: whole-process peak RSS of each isolated pass
            (``isolate=True``; see :mod:`pytest_benchmem.isolate`), else None / ().
        rss_base_series: each isolated process's RSS just before the call.
    """

    peak_bytes: int
    peak_bytes_max: int
    allocations: int
    total_bytes: int
    repeats: int
    peak_series: tuple[int, ...] = field(default=())
    allocations_series: tuple[int, ...] = field(default=())
    total_bytes_series: tuple[int, ...] = field(default=())
    rss_bytes: int | None = None
    rss_series: tuple[int, ...] = field(default=())
    rss_base_series: tuple[int, ...] = field(default=())

    @classmethod
    def from_passes(cls, passes: Sequence[tuple[int, int, int]]) -> MemoryResult:
        """Build a result from ``(peak, allocations, total_bytes)`` per pass."""
        if not passes:
            msg = "at least one pass is needed"
            raise ValueError(msg)
        peaks = tuple(p[0] for p in passes)
        allocs = tuple(p[1] for p in passes)
        totals = tuple(p[2] for p in passes)
        return cls(
            peak_bytes=min(peaks),
            peak_bytes_max=max(peaks),
            allocations=min(allocs),
            total_bytes=min(totals),
            repeats=len(passes),
            peak_series=peaks,
            allocations_series=allocs,
            total_bytes_series=totals,
        )

    def with_rss(self, passes: Sequence[tuple[int, int]]) -> MemoryResult:
        """This result with ``(peak RSS, RSS before the call)`` of isolated passes."""
        peaks = tuple(peak for peak, _ in passes)
        bases = tuple(base for _, base in passes)
        return replace(self, rss_bytes=min(peaks), rss_series=peaks, rss_base_series=bases)

    def to_blob(self) -> dict[str, list[int]]:
        """The ``extra_info["benchmem"]`` blob: three per-pass series (four when isolated)."""
        blob = {
            "peak_bytes": list(self.peak_series),
            "allocations": list(self.allocations_series),
            "total_bytes": list(self.total_bytes_series),
        }
        if self.rss_series:
            blob["rss_bytes"] = list(self.rss_series)
            blob["rss_base_bytes"] = list(self.rss_base_series)
        return blob


def _tare_of(directory: str, python_allocators: bool) -> tuple[int, int]:
    """Allocations and bytes that an empty window records in this mode (measured once).

    With Python allocators traced, ``Tracker.__exit__`` allocates two small method objects
    (2 x 72 B on memray 1.20) inside the window, after the action has returned: they are
    subtracted from every pass's allocation count and total bytes. They come after the
    action, so they touch the peak only of an action whose own peak is below them.
    """
    found = _tare.get(python_allocators)
    if found is None:
        from .memread import read_stats  # lazy: ``import pytest_benchmem`` stays this module

        seen = []
        for index in range(2):  # the first traced window can hold memray's own first objects
            path = str(Path(directory) / f"tare-{index}.bin")
            track(path, int, python_allocators=python_allocators)  # int(): allocates nothing
            _, allocations, total = read_stats(path)
            Path(path).unlink(missing_ok=True)
            seen.append((allocations, total))
        found = _tare[python_allocators] = min(seen)
    return found


def measure_tare(trace_python_allocators: bool = True) -> None:
    """Import memray and measure its tare for this mode now, once per process.

    The plugin calls it when collection is done, before the first test: memray's import, its
    one-time set-up and the two tare windows (about 40 ms in a fresh process) then belong to
    the run's start-up, which a sweep overlaps with other runs' (its gate opens after
    collection), instead of to the first measurement. The tare is the same whenever it is
    measured (an empty window's own allocations), and no pass is ever first either way.

    Raises:
        MeasureError: when another memray Tracker is already active.
    """
    if trace_python_allocators in _tare:
        return
    directory = capture_dir()
    try:
        _tare_of(directory, trace_python_allocators)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _net(measured: tuple[int, int, int], tare: tuple[int, int]) -> tuple[int, int, int]:
    """A pass's (peak, allocations, total) without memray's own exit-path allocations."""
    peak, allocations, total = measured
    allocations = max(allocations - tare[0], 0)
    total = max(total - tare[1], 0)
    # the exit path allocates after the action, on top of what the action left alive: a
    # peak above everything the action allocated was (partly) memray's, and the action's
    # own can be no higher than its total (e.g. ``sum(range(100))``: 144 B read, 80 B
    # allocated, both objects alive together); with nothing allocated, the peak is 0
    return (min(peak, total), allocations, total)


def _representative(kept: str | None, path: str, passes: Sequence[tuple[int, int, int]]) -> str:
    """The file of the first pass with the minimum peak so far; the other one is deleted."""
    if kept is None or passes[-1][0] < min(p[0] for p in passes[:-1]):
        if kept is not None:
            Path(kept).unlink(missing_ok=True)
        return path
    Path(path).unlink(missing_ok=True)
    return kept


#: ``repeats="auto"``: at most this many passes
AUTO_CAP = 10


def settled(peaks: Sequence[int], elapsed: float, max_time: float) -> bool:
    """``repeats="auto"``: stop when two passes in a row did not lower the minimum peak,
    after ``AUTO_CAP`` passes, or once ``max_time`` seconds have gone by."""
    if len(peaks) >= AUTO_CAP or elapsed >= max_time:
        return True
    return len(peaks) >= 3 and min(peaks[:-2]) <= min(peaks[-2:])


def _check_counts(repeats: int | str, warmup: int) -> None:
    if repeats != "auto" and (
        isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1
    ):
        msg = f"repeats must be a whole number >= 1 or 'auto', got {repeats!r}"
        raise ValueError(msg)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        msg = f"warmup must be a whole number >= 0, got {warmup!r}"
        raise ValueError(msg)


def run_passes(
    prepare: Callable[[], Callable[[], Any]],
    repeats: int | str = 1,
    *,
    trace_python_allocators: bool = True,
    discard_first: bool = True,
    warmup: int = 0,
    max_time: float = 1.0,
    keep: Keep | None = None,
) -> MemoryResult:
    """Measure ``repeats`` passes; ``prepare`` runs untracked before each and returns the action.

    With ``trace_python_allocators`` (the default, the exact mode) memray records Python
    objects one by one instead of the pymalloc arenas they live in: exact and reproducible
    for small-object workloads, slower to track. ``False`` is the fast (arena) mode.
    ``discard_first`` (exact mode only) runs the action once first, untracked, under a
    profiler (``window.prime``), so every kept pass starts from the same state; the
    standalone API measures cold instead.

    Raises:
        MeasureError: when another memray Tracker is already active.
        ValueError: when ``repeats`` < 1 or ``warmup`` < 0.
    """
    from .memread import read_stats  # lazy: ``import pytest_benchmem`` stays this module

    _check_counts(repeats, warmup)
    directory = capture_dir()
    try:
        # first: the process's first memray window (a tare window) can record memray's own
        # first objects; the tare is the minimum of two windows, and no pass is ever first
        tare = _tare_of(directory, trace_python_allocators)
        for _ in range(warmup):
            prepare()()
        if trace_python_allocators and discard_first:
            prime(directory, prepare())
        passes: list[tuple[int, int, int]] = []
        kept: str | None = None
        native = keep is not None and keep.native_traces
        start = time.perf_counter()
        for index in range(AUTO_CAP if repeats == "auto" else int(repeats)):
            action = prepare()
            path = str(Path(directory) / f"pass-{index}.bin")
            track(path, action, python_allocators=trace_python_allocators, native_traces=native)
            passes.append(_net(read_stats(path), tare))
            if keep is None:
                Path(path).unlink(missing_ok=True)
            else:
                kept = _representative(kept, path, passes)
            peaks = [p[0] for p in passes]
            if repeats == "auto" and settled(peaks, time.perf_counter() - start, max_time):
                break
        if keep is not None and kept is not None:
            keep.sink(kept)
        return MemoryResult.from_passes(passes)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def measure_memory(
    action: Callable[[], object],
    repeats: int | str = 1,
    *,
    mode: MemoryMode | str | None = None,
    trace_python_allocators: bool | None = None,
    warmup: int = 0,
    max_time: float = 1.0,
) -> MemoryResult:
    """Measure ``action()`` (a zero-argument callable) in ``repeats`` memray passes.

    By default there is no warm-up call: the first pass measures a cold call (in the exact
    mode a cold call also finds CPython's free lists empty, so pass 1 can read more than the
    passes after it: the headline is the min); ``warmup`` runs it that many times untracked
    first. ``repeats="auto"`` measures until the minimum settles (see :func:`run_passes`).
    ``mode`` is ``"exact"`` (the default: every Python object traced at its own size) or
    ``"fast"`` (small objects seen only through pymalloc's arenas: cheaper, not
    reproducible); see ``docs/metrics.md``. ``trace_python_allocators=True``/``False`` is the
    older spelling of exact/fast.

    Raises:
        ValueError: bad ``repeats``/``warmup``, unknown ``mode``, or ``mode`` contradicting
            ``trace_python_allocators``.

    Example:
        >>> result = measure_memory(functools.partial(bytearray, 10_000_000))
        >>> 10_000_000 <= result.peak_bytes <= 10_000_064, result.allocations
        (True, 2)
    """
    chosen = resolve_mode(mode, trace_python_allocators)
    return run_passes(
        lambda: action,
        repeats,
        trace_python_allocators=chosen.traces_python,
        discard_first=False,
        warmup=warmup,
        max_time=max_time,
    )


def measure_peak(
    action: Callable[[], object],
    repeats: int = 1,
    *,
    mode: MemoryMode | str | None = None,
    trace_python_allocators: bool | None = None,
) -> int:
    """Peak bytes of ``action()``, the minimum over ``repeats`` passes (``mode`` as
    :func:`measure_memory`)."""
    return measure_memory(
        action, repeats, mode=mode, trace_python_allocators=trace_python_allocators
    ).peak_bytes
