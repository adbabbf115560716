"""Whole-process memory: ``@pytest.mark.benchmem(isolate=True)``.

Each pass runs the benchmarked call in a fresh process (multiprocessing's *spawn* context, so
nothing is inherited from the test session) and reads that process's peak resident set size
afterwards: what ``top`` shows, interpreter and imports included, which memray does not
attribute to the call. The call is sent to the child by pickling, so it must be a top-level
function; a child that dies is reported with the signal (or out-of-memory) that killed it.
"""

from __future__ import annotations

import multiprocessing
import pickle
import resource
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import MeasureError

_STATUS = Path("/proc/self/status")
#: where Linux counts out-of-memory kills of this cgroup (v2, then v1)
_OOM_COUNTERS = (
    Path("/sys/fs/cgroup/memory.events"),
    Path("/sys/fs/cgroup/memory/memory.oom_control"),
)
#: what the child sends back: ("ok", (peak RSS, RSS before the call)) or ("error", one line)
Reply = tuple[str, tuple[int, int] | str]


def _status(key: str) -> int | None:
    try:
        for line in _STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux, or no /proc
        pass
    return None  # pragma: no cover


def peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux VmHWM, else ``ru_maxrss``)."""
    peak = _status("VmHWM:")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover
    return int(maxrss) if sys.platform == "darwin" else int(maxrss) * 1024  # pragma: no cover


def current_rss() -> int:
    """This process's resident set size now, in bytes (Linux VmRSS; else the peak so far)."""
    now = _status("VmRSS:")
    return peak_rss() if now is None else now


def _call_in_child(payload: bytes) -> tuple[int, int]:
    target, args, kwargs, setup, teardown, calls = pickle.loads(payload)  # noqa: S301 - ours
    prepared = []
    for _ in range(calls):
        call_args, call_kwargs = args, kwargs
        if setup is not None:
            supplied = setup()
            if supplied:
                call_args, call_kwargs = supplied
        prepared.append((call_args, call_kwargs))
    base = current_rss()
    for call_args, call_kwargs in prepared:
        target(*call_args, **call_kwargs)
    rss = peak_rss()
    if teardown is not None:
        for call_args, call_kwargs in prepared:
            teardown(*call_args, **call_kwargs)
    return rss, base


def child_main(conn: Any, payload: bytes) -> None:
    """The spawned process: run the call(s), send back the peak RSS or one line of error."""
    try:
        reply: Reply = ("ok", _call_in_child(payload))
    except MemoryError:
        reply = ("error", "ran out of memory (MemoryError) in the isolated process")
    except BaseException as exc:
        text = " ".join(str(exc).split())
        reply = ("error", f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
    conn.send(reply)
    conn.close()


def _name(function: object) -> str:
    return str(getattr(function, "__qualname__", None) or type(function).__name__)


def pickled(
    target: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any] | None,
    *,
    setup: Callable[[], Any] | None = None,
    teardown: Callable[..., Any] | None = None,
    calls: int = 1,
) -> bytes:
    """Everything the child needs, pickled; a lambda or closure is a one-line MeasureError."""
    for role, function in (("function", target), ("setup", setup), ("teardown", teardown)):
        if function is None:
            continue
        try:
            pickle.dumps(function)
        except Exception as exc:
            msg = (
                f"isolate=True runs the benchmark in a fresh process, and its {role} "
                f"{_name(function)!r} cannot be sent there ({type(exc).__name__}): use a "
                "top-level function of a module, not a lambda, closure or nested function"
            )
            raise MeasureError(msg) from None
    try:
        return pickle.dumps((target, tuple(args), dict(kwargs or {}), setup, teardown, calls))
    except Exception as exc:
        msg = (
            "isolate=True runs the benchmark in a fresh process, and its arguments cannot be "
            f"sent there ({type(exc).__name__}: {exc}): pass picklable arguments, or build "
            "them in a top-level setup function"
        )
        raise MeasureError(msg) from None


def oom_kills() -> int | None:
    """The cgroup's count of out-of-memory kills so far, or None where it cannot be read."""
    for path in _OOM_COUNTERS:
        try:
            text = path.read_text(encoding="ascii")
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return None


def death(exitcode: int | None, ooms_before: int | None = None) -> str:
    """How a child that sent nothing back ended, in words (``ooms_before``: the cgroup's
    OOM-kill count when it started, to tell the OOM killer from another SIGKILL)."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGKILL:
            after = oom_kills()
            if ooms_before is not None and after is not None and after > ooms_before:
                return "was killed by the kernel's out-of-memory killer (SIGKILL): out of memory"
            if ooms_before is None or after is None:
                return f"was killed by {name} (the out-of-memory killer sends it)"
        return f"was killed by {name}"
    return f"exited with code {exitcode} before reporting"


def run_isolated(payload: bytes) -> tuple[int, int]:
    """One pass in a fresh spawned process: its peak RSS and its RSS just before the call.

    Raises:
        MeasureError: the call failed in the child, or the child died (signal, OOM).
    """
    context = multiprocessing.get_context("spawn")
    ooms = oom_kills()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(sender, payload), daemon=True)
    process.start()
    sender.close()
    try:
        reply: Reply | None = receiver.recv()
    except EOFError:
        reply = None
    finally:
        receiver.close()
        process.join()
    if reply is None:
        msg = f"the isolated memory pass (pid {process.pid}) {death(process.exitcode, ooms)}"
        raise MeasureError(msg)
    status, value = reply
    if status != "ok" or isinstance(value, str):
        msg = f"the isolated memory pass failed: {value}"
        raise MeasureError(msg)
    return value


def rss_passes(payload: bytes, passes: int) -> list[tuple[int, int]]:
    """``(peak RSS, RSS before the call)`` of ``passes`` fresh processes, each making the
    pickled call(s) once."""
    return [run_isolated(payload) for _ in range(passes)]
