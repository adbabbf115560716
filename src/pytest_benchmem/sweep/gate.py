"""The driver's side of the gate: a batch of suite runs starts together, measures one at a time.

``run_batch`` starts every run of a batch at once (each in its own thread, each with one end
of a socket pair), waits until every run is ready at the gate (``inrun.gate``) or has ended
without reaching it, then opens the gates one at a time in order: run k gets ``GO`` and the
next one only once run k is completely done (its process ended and the driver's work for it,
the run's job and ``on_result``, finished). While one run measures, every other is blocked
in a read. Ctrl-C stops every run and never hangs here: all waits are short and repeated.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from pytest_benchmem.inrun.gate import GATE_ENV, GO, READY

__all__ = ["GATE_ENV", "GateEnd", "batch_size", "batches", "run_batch", "usable_cpus"]

R = TypeVar("R")
POLL_S = 0.1  # how often a wait looks up (Ctrl-C, a run's thread ending)
GATE_PLUGIN = "pytest_benchmem.inrun.gate"


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where known, else the machine's)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        with contextlib.suppress(OSError):
            return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)


def batch_size(jobs: int) -> int:
    """How many runs start together: ``--jobs``, at most one per usable CPU."""
    return max(1, min(jobs, usable_cpus()))


def batches(count: int, size: int) -> list[range]:
    """Indexes ``0..count-1`` cut into consecutive batches of at most ``size``."""
    step = max(1, size)
    return [range(i, min(i + step, count)) for i in range(0, count, step)]


@dataclass
class GateEnd:
    """One run's gate as the driver holds it: the child's descriptor and the gate's times.

    ``fd`` goes to the run (``pass_fds`` and ``BENCHMEM_GATE_FD``). ``held`` is what the run's
    ``--timeout`` does not count: the seconds it has waited at the gate for the runs before it.
    """

    driver: socket.socket
    child: socket.socket
    ready_at: float | None = None
    opened_at: float | None = None

    @property
    def fd(self) -> int:
        """The descriptor the run inherits."""
        return self.child.fileno()

    def env(self) -> dict[str, str]:
        """What the run's environment adds."""
        return {GATE_ENV: str(self.fd)}

    def held(self) -> float:
        """Seconds the run has waited at the gate (ready, not yet opened)."""
        if self.ready_at is None:
            return 0.0
        return (self.opened_at or time.monotonic()) - self.ready_at

    def close(self) -> None:
        """Both ends: a run still waiting at the gate reads end of file and stops."""
        self.child.close()
        self.driver.close()


def open_gate() -> GateEnd:
    """A new socket pair for one run."""
    driver, child = socket.socketpair()
    return GateEnd(driver, child)


@dataclass
class _Slot(Generic[R]):
    gate: GateEnd
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None
    ready: bool = False


def run_batch(
    jobs: Sequence[Callable[[GateEnd], R]],
    on_result: Callable[[int, R], None],
    *,
    stop: Callable[[], None] | None = None,
    on_open: Callable[[int], None] | None = None,
) -> None:
    """Run ``jobs`` (one suite run each, given its gate) started together, measured in order.

    ``on_result(i, result)`` runs in this thread, in order, before gate ``i + 1`` opens. An
    exception of a job (or Ctrl-C here) calls ``stop`` (stop every child), closes every gate
    (runs still waiting stop at end of file), waits for the jobs' threads and is re-raised.
    ``on_open(i)`` says gate ``i`` opens (a progress line).
    """
    slots = [_Slot[R](open_gate()) for _ in jobs]
    threads = [
        threading.Thread(target=_work, args=(job, slot), name=f"benchmem-run-{i}", daemon=True)
        for i, (job, slot) in enumerate(zip(jobs, slots, strict=True))
    ]
    try:
        for thread in threads:
            thread.start()
        _await_ready(slots)  # no start-up overlaps a measurement
        for i, slot in enumerate(slots):
            if on_open is not None and slot.ready and not slot.done.is_set():
                on_open(i)
            on_result(i, _measure(slot))
    except BaseException:
        if stop is not None:
            stop()
        for slot in slots:
            slot.gate.close()
        for thread in threads:
            while thread.is_alive():
                thread.join(POLL_S)
        raise
    finally:
        for slot in slots:
            slot.gate.close()


def _measure(slot: _Slot[R]) -> R:
    """Open one run's gate (when it is waiting there) and wait until its job is done."""
    if slot.ready and slot.error is None:
        slot.gate.opened_at = time.monotonic()
        with contextlib.suppress(OSError):  # it may have died meanwhile
            slot.gate.driver.sendall(GO)
    # an untimed wait: the driver sleeps while the run is measured (no timer wakes it beside
    # the measurement); Ctrl-C still interrupts it (lock waits take signals on POSIX)
    slot.done.wait()
    if slot.error is not None:
        raise slot.error
    return cast(R, slot.result)  # set: the job raised nothing


def _work(job: Callable[[GateEnd], R], slot: _Slot[R]) -> None:
    try:
        slot.result = job(slot.gate)
    except BaseException as exc:  # handed to the coordinating thread
        slot.error = exc
    finally:
        slot.done.set()
        # the run's process has ended: with the driver's copy closed too, the coordinator's
        # select wakes at once (end of file) instead of at its next look
        slot.gate.child.close()


def _await_ready(slots: Sequence[_Slot[R]]) -> None:
    """Block until every run said ready or its job ended (crash, collection error, ...)."""
    with selectors.DefaultSelector() as selector:
        for slot in slots:
            selector.register(slot.gate.driver, selectors.EVENT_READ, slot)
        waiting = set(range(len(slots)))
        while waiting:
            for key, _ in selector.select(POLL_S):
                slot = key.data
                with contextlib.suppress(OSError):
                    if slot.gate.driver.recv(1) == READY:
                        slot.ready = True
                        slot.gate.ready_at = time.monotonic()
                selector.unregister(key.fileobj)  # said ready, or end of file: no more reads
            waiting = {i for i in waiting if not (slots[i].ready or slots[i].done.is_set())}
