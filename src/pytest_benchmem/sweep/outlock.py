"""One sweep at a time per output directory: ``<out>/.benchmem.lock`` holds the writer's pid.

The lock is an ``flock`` on that file, held for the whole sweep and inherited by the suite
runs it starts (``pass_fds``): a run left behind by a killed driver still holds it, so
neither a ``--resume`` nor a second sweep starts writing beside it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from pytest_benchmem.errors import UsageError

LOCK_NAME = ".benchmem.lock"


@contextlib.contextmanager
def hold_out(out: Path) -> Iterator[int]:
    """Hold ``out``'s lock (yields its file descriptor); UsageError when somebody holds it."""
    import fcntl

    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            msg = (
                f"{out} is in use by another sweep (pid {holder}, or a suite run it left "
                "running): wait for it to end or stop it, then run again"
            )
            raise UsageError(msg) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)
