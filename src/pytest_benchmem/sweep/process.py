"""The sweep's only subprocess owner: a ``Command`` runs to a ``CommandResult`` and a log file.

Every command gets a log (argv, cwd, exit code, output) written atomically when it ends.
``Runner`` is the seam unit tests replace with a fake, so the whole pipeline runs without uv.
Ctrl-C stops the running child at once and removes its partial output; inside
``terminate_as_interrupt`` so does SIGTERM (a cancelled CI job, ``timeout``).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import ClassVar, Protocol

from pytest_benchmem.files import write_atomic

_KILL_GRACE_S = 3.0


@dataclass(frozen=True)
class Command:
    """One subprocess to run: argv, working directory, environment and its log file."""

    argv: tuple[str, ...]
    cwd: Path
    log: Path
    env: Mapping[str, str] | None = None
    timeout: float | None = None
    pass_fds: tuple[int, ...] = ()  # descriptors the child keeps (the out directory's lock)
    # seconds so far the child has waited on purpose (at the sweep's gate): not in ``timeout``
    held: Callable[[], float] | None = None

    @property
    def step(self) -> str:
        """The log file's step name (``NN-<step>.log`` -> ``<step>``)."""
        return self.log.stem.partition("-")[2] or self.log.stem


@dataclass(frozen=True)
class CommandResult:
    """How a command ended: exit code, combined stdout/stderr, wall time in seconds."""

    command: Command
    returncode: int
    output: str
    duration: float = 0.0
    timed_out: bool = False  # killed (with its whole process group) at ``command.timeout``

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0."""
        return self.returncode == 0

    def tail(self, lines: int = 6) -> str:
        """The last non-empty output lines, joined with `` | `` (a one-line failure reason)."""
        kept = [line.strip() for line in self.output.splitlines() if line.strip()]
        return " | ".join(kept[-lines:])


class Runner(Protocol):
    """Runs a ``Command`` to completion and writes its log (the test seam)."""

    def __call__(self, command: Command) -> CommandResult:
        """Run ``command`` and return its ``CommandResult``."""
        ...


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within this block SIGTERM raises ``KeyboardInterrupt``, so it stops like Ctrl-C.

    Without it a terminated driver dies at once, leaving its running child (in its own
    session) orphaned and the child's partial output behind. Main thread only (else a no-op).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def format_log(command: Command, returncode: int | str, output: str, duration: float) -> str:
    """A command's log text: argv, cwd, exit code, duration, then its output."""
    return (
        f"$ {' '.join(command.argv)}\n"
        f"# cwd: {command.cwd}\n"
        f"# exit code: {returncode}\n"
        f"# duration: {duration:.3f}s\n"
        f"{'-' * 72}\n"
        f"{output}"
    )


@dataclass
class SubprocessRunner:
    """The real runner: child output goes to a part file, the log is written when it ends."""

    _live: set[subprocess.Popen[bytes]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: bool = False
    gates: ClassVar[bool] = True  # its children can be held at the sweep's gate (real processes)

    def __call__(self, command: Command) -> CommandResult:
        """Run ``command`` (environment passed as given, never a shell) and log it."""
        if self._stopped:
            raise KeyboardInterrupt
        command.log.parent.mkdir(parents=True, exist_ok=True)
        part = command.log.with_name(command.log.name + ".part")
        start = time.perf_counter()
        try:
            returncode, timed_out = self._run(command, part)
            output = part.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError as exc:
            missing = f" ({exc.filename})" if exc.filename else ""
            if not command.cwd.is_dir():
                missing = f" (its working directory {command.cwd} is gone)"
            returncode, output = 127, f"cannot run {command.argv[0]}: {exc.strerror}{missing}\n"
            timed_out = False
        except KeyboardInterrupt:
            # the log still tells what ran and that it was stopped, then the stop goes on
            output = part.read_text(encoding="utf-8", errors="replace") if part.exists() else ""
            took = time.perf_counter() - start
            write_atomic(command.log, format_log(command, "interrupted", output, took))
            raise
        finally:
            part.unlink(missing_ok=True)
        duration = time.perf_counter() - start
        # stopped by stop_all from another thread (Ctrl-C while it ran in a gated batch)
        shown: int | str = "interrupted" if self._stopped else returncode
        write_atomic(command.log, format_log(command, shown, output, duration))
        return CommandResult(command, returncode, output, duration, timed_out)

    def _run(self, command: Command, part: Path) -> tuple[int, bool]:
        with part.open("wb") as sink:
            proc = subprocess.Popen(
                command.argv,
                cwd=command.cwd,
                env=dict(command.env) if command.env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=command.pass_fds,
                preexec_fn=_die_with_parent(),  # noqa: PLW1509 - async-signal-safe calls only
            )
            with self._lock:
                self._live.add(proc)
            try:
                return _wait(proc, command), False
            except subprocess.TimeoutExpired:  # the whole group: pytest and its children
                _stop(proc, signal.SIGKILL)
                sink.write(f"\n[benchmem] timed out after {command.timeout:g}s\n".encode())
                return 124, True
            except BaseException:
                _stop(proc)
                raise
            finally:
                with self._lock:
                    self._live.discard(proc)

    @property
    def stopped(self) -> bool:
        """True once ``stop_all`` ran: what ends now ended because it was stopped."""
        return self._stopped

    def stop_all(self) -> None:
        """Stop every child still running (called when the sweep is interrupted)."""
        with self._lock:
            self._stopped = True
            live = list(self._live)
        for proc in live:
            _stop(proc)


def _wait(proc: subprocess.Popen[bytes], command: Command) -> int:
    """Wait for the child to exit; ``TimeoutExpired`` once it has used ``command.timeout``.

    With ``command.held`` the time the child waited at the gate does not count: the budget
    is its own start-up and its run after the gate opened. Where Linux gives a pidfd, the
    wait sleeps in ``select`` until the child exits (Popen's own timed wait polls every 50 ms:
    the driver would wake 20 times a second beside a measurement).
    """
    if command.timeout is None:
        return proc.wait()
    start = time.monotonic()
    pidfd = _pidfd(proc.pid)
    try:
        while True:
            held = command.held() if command.held is not None else 0.0
            left = command.timeout - (time.monotonic() - start - held)
            if left <= 0:
                raise subprocess.TimeoutExpired(command.argv, command.timeout)
            if pidfd is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    return proc.wait(timeout=min(left, 0.5))
                continue
            select.select([pidfd], [], [], left)  # readable once the child has exited
            code = proc.poll()
            if code is not None:
                return code
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` exits (Linux >= 5.3), else None."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:  # pragma: no cover - not Linux
        return None
    try:
        return int(opener(pid))
    except OSError:  # pragma: no cover - an old kernel or a seccomp filter
        return None


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child die with this process (Linux PR_SET_PDEATHSIG).

    A SIGKILLed driver runs no cleanup: without this its pytest (in its own session) would
    live on and write into the sweep's directory. Everything is resolved before the fork.
    """
    if not sys.platform.startswith("linux"):  # pragma: no cover - Linux is where we test
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None
    parent = os.getpid()
    set_pdeathsig, kill = 1, int(signal.SIGKILL)

    def preexec() -> None:
        prctl(set_pdeathsig, kill, 0, 0, 0)
        if os.getppid() != parent:  # the driver died before prctl took effect
            os._exit(1)

    return preexec


def _stop(proc: subprocess.Popen[bytes], first: signal.Signals = signal.SIGINT) -> None:
    """Signal the child's process group (SIGINT: let it clean up), then SIGKILL it if it
    has not exited in time."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, first)
        proc.wait(timeout=_KILL_GRACE_S)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.wait()


def _kill_group(pgid: int) -> None:
    """SIGKILL every process left in the group ``pgid`` (no-op when it is empty)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
