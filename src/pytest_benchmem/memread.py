"""Reading memray captures: a pass's statistics, and the allocations live at its peak.

``measure`` reads each pass with ``read_stats``; ``attribution`` reads kept captures with
``read_peak_records``. memray is imported here lazily, inside the functions, as in ``measure``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import MeasureError


def read_stats(path: str) -> tuple[int, int, int]:
    """A capture's (peak bytes, allocations, total bytes), from memray's native statistics."""
    from .memlib import load

    load()
    try:
        from memray._memray import compute_statistics
    except ImportError:  # pragma: no cover - older/newer memray without the native stats
        return _read_records(path)
    stats = compute_statistics(path, num_largest=1)
    return (
        int(stats.peak_memory_allocated),
        int(stats.total_num_allocations),
        int(stats.total_memory_allocated),
    )


def _read_records(path: str) -> tuple[int, int, int]:  # pragma: no cover - fallback
    from .memlib import load

    memray = load()
    kinds = memray.AllocatorType
    frees = {kinds.FREE, kinds.MUNMAP, kinds.PYMALLOC_FREE}
    reader = memray.FileReader(path)
    try:
        records = [r for r in reader.get_allocation_records() if r.allocator not in frees]
        return int(reader.metadata.peak_memory), len(records), sum(r.size for r in records)
    finally:
        reader.close()


Frames = tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class PeakRecords:
    """What a kept capture holds at its peak, straight from memray (read by ``attribution``).

    ``records``: one ``(bytes, allocations, python_stack, hybrid_stack)`` per live stack,
    stacks as ``(function, file, line)`` innermost first; ``hybrid_stack`` (Python and native
    frames interleaved) only for captures with native traces, else None.
    """

    peak: int
    native: bool
    records: tuple[tuple[int, int, Frames, Frames | None], ...]
    python_allocators: bool = False


def read_peak_records(path: str | os.PathLike[str]) -> PeakRecords:
    """The allocations live at the high-water mark of memray capture ``path``.

    Raises:
        MeasureError: the file is missing, not a memray capture, or from another memray.
    """
    from .memlib import load

    FileReader = load().FileReader  # noqa: N806 - memray's class
    shown = os.fspath(path)
    if not Path(shown).is_file():
        msg = f"capture {shown!r} does not exist"
        raise MeasureError(msg)
    try:
        reader = FileReader(shown)
        records = reader.get_high_watermark_allocation_records(merge_threads=True)
        native = bool(reader.metadata.has_native_traces)
        rows = tuple(
            (
                int(r.size),
                int(r.n_allocations),
                tuple(r.stack_trace()),
                tuple(r.hybrid_stack_trace()) if native else None,
            )
            for r in records
        )
        peak = int(reader.metadata.peak_memory)
        traced = bool(getattr(reader.metadata, "trace_python_allocators", False))
        reader.close()
    except (OSError, RuntimeError, ValueError) as exc:
        reason = str(exc).split(": iostream error")[0].rstrip(".")
        if "incompatible with this version" in reason:
            from importlib.metadata import version

            reason = (
                "it was written by another memray version "
                f"(this is memray {version('memray')}: read it with the memray that wrote it)"
            )
        msg = f"cannot read memray capture {shown!r}: {reason}"
        raise MeasureError(msg) from None
    return PeakRecords(peak=peak, native=native, records=rows, python_allocators=traced)
