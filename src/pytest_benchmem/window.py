"""One memray window around one call: the tracker, a settled heap, and the priming run.

``measure`` runs its passes through :func:`track`; this module and ``memread`` are the only
ones that touch memray (imported through ``memlib``, lazily). Each window writes to a
private temp dir (on tmpfs when there is one) that ``measure`` deletes after reading.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import MeasureError

_SHM = Path("/dev/shm")  # noqa: S108 - tmpfs base; mkdtemp makes a private dir in it
_state = threading.local()


def tracking_active() -> bool:
    """True while this module's tracker is recording (used to prove timing ran untracked)."""
    return bool(getattr(_state, "active", False))


def capture_dir() -> str:
    """A private temp dir for one measurement's captures (on tmpfs when there is one)."""
    base = str(_SHM) if _SHM.is_dir() and os.access(_SHM, os.W_OK) else None
    return tempfile.mkdtemp(prefix="benchmem-", dir=base)


@contextmanager
def frozen_heap() -> Iterator[Callable[[], None]]:
    """Collections inside the window see only what the action allocated.

    ``gc.freeze()`` moves every object that exists before the window out of the collector's
    reach (O(1)), so a collection the action triggers frees only the action's garbage and
    never runs the finalizers of older garbage inside the window (``logging``'s weakref
    callbacks for handlers dropped by an earlier test: 524 B in one pass and not the next).
    It yields ``fresh_start``, to call right before the action: a collection of the (now
    empty) generations, which resets the collector's counters (a collection the action
    triggers comes at the same point of every pass) and empties CPython's free lists (the
    action's first objects are allocated, not taken from whatever the tracker's own start-up
    left there: 6 tuples in one pass and not the next). The objects are unfrozen after the
    window. When the process froze objects itself, nothing is frozen or collected.

    ``gc.callbacks`` are suspended for the window (and restored after it): a callback runs
    at every collection and allocates (hypothesis registers one that times the collector,
    15 allocations and 1,162 B per collection), which is not the action's memory.
    """
    callbacks = list(gc.callbacks)
    gc.callbacks.clear()
    try:
        if gc.get_freeze_count():
            yield _nothing
            return
        gc.freeze()
        try:
            yield _collect
        finally:
            gc.unfreeze()
    finally:
        gc.callbacks[:] = callbacks


def _nothing() -> None:
    return None


def _collect() -> None:
    gc.collect()


def track(
    path: str,
    action: Callable[[], object],
    *,
    python_allocators: bool = False,
    native_traces: bool = False,
) -> None:
    """Run ``action()`` in one memray window writing capture ``path``.

    Raises:
        MeasureError: when another memray Tracker is already active.
    """
    from .memlib import load

    memray = load()
    with frozen_heap() as fresh_start:
        try:
            tracker = memray.Tracker(
                path, trace_python_allocators=python_allocators, native_traces=native_traces
            )
            tracker.__enter__()
        except RuntimeError as exc:
            msg = (
                "cannot measure memory: a memray Tracker is already active in this process "
                "(pytest --memray or your own memray.Tracker); only one can run at a time"
            )
            raise MeasureError(msg, hint=f"memray said: {exc}") from None
        _state.active = True
        try:
            fresh_start()
            action()
        finally:
            _state.active = False
            tracker.__exit__(None, None, None)


def prime(directory: str, action: Callable[[], object]) -> None:
    """Run ``action`` once under a profiler, untracked, before the traced passes.

    The first time a profiler (memray's included) sees a code object, CPython 3.11 allocates
    that code's line table with ``PyMem_Malloc``, which a traced pass records (58-96 B per
    new code object). Running the action once under a profiler builds those tables first,
    and leaves the state Python objects start from (e.g. free lists) as a kept pass's.

    On CPython 3.11 the profiler is a no-op profile function, in this thread and in the ones
    the action starts: no memray window is opened (each window costs memray's symbol
    patching, 5-15 ms; on ``fib(22)`` the no-op hook took 13.9 ms, cProfile 20.6 ms, an
    arena window 33.4 ms). Elsewhere (where the first-sight allocations differ), or when a
    profiler is already installed (which the hook would replace), the action runs in a
    discarded arena-mode memray window, as a kept pass would see it.
    """
    if sys.version_info[:2] == (3, 11) and sys.getprofile() is threading.getprofile() is None:
        _profiled(action)
    else:
        arena_prime(directory, action)


def arena_prime(directory: str, action: Callable[[], object]) -> None:
    """The priming run in a discarded arena-mode memray window (any Python version)."""
    throwaway = str(Path(directory) / "discard.bin")
    track(throwaway, action, python_allocators=False)
    Path(throwaway).unlink(missing_ok=True)


def _profiled(action: Callable[[], object]) -> None:
    """``action()`` under a no-op profile function, in this thread and the ones it starts."""
    running = [True]

    def hook(frame: object, event: str, arg: object) -> None:
        # any profile function passes through CPython's call_trace, which builds the line
        # tables; in a thread that outlives the action, the hook removes itself
        if not running[0]:
            sys.setprofile(None)

    with frozen_heap() as fresh_start:  # the collector and free lists as a pass finds them
        threading.setprofile(hook)
        sys.setprofile(hook)
        try:
            fresh_start()
            action()
        finally:
            sys.setprofile(None)
            running[0] = False
            threading.setprofile(None)
