"""The gate: a sweep's suite run waits, after collection, until the driver lets it measure.

The driver starts the runs of a batch together (start-up is not measured, so it may overlap)
and lets them measure one at a time. Each run gets one end of a socket pair (its descriptor
number in ``BENCHMEM_GATE_FD``) and loads this plugin (``-p pytest_benchmem.inrun.gate``). In
``pytest_runtestloop``, before any test or session fixture, the run sends ``READY`` and blocks
in a read until the driver sends ``GO``; end of file (the driver is gone) stops the run with
exit code ``EXIT_CODE`` and one ``benchmem gate:`` line. Without the variable, in xdist
workers, under ``--collect-only`` and when the descriptor is not a socket: nothing happens.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Any

import pytest

GATE_ENV = "BENCHMEM_GATE_FD"
READY = b"r"
GO = b"g"
EXIT_CODE = 88
MARK = "benchmem gate: "

_fd_key = pytest.StashKey[int]()


def _socket_fd(value: str | None) -> int | None:
    """The descriptor named by ``value`` when it is an open socket (else None)."""
    try:
        fd = int(value or "")
        return fd if fd >= 0 and stat.S_ISSOCK(os.fstat(fd).st_mode) else None
    except (ValueError, OSError):
        return None


def pytest_configure(config: pytest.Config) -> None:
    """Take the descriptor out of the environment: the suite's own children never see it."""
    value = os.environ.pop(GATE_ENV, None)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    fd = _socket_fd(value)
    if fd is None:
        return
    os.set_inheritable(fd, False)  # noqa: FBT003 - positional only
    if config.option.collectonly:
        os.close(fd)  # nothing will be measured: the driver sees end of file
        return
    config.stash[_fd_key] = fd


def _wait_for_go(fd: int) -> bytes:
    """Say ready, then block in a read until the driver answers (b"" at end of file)."""
    try:
        os.write(fd, READY)
        return os.read(fd, 1)
    except OSError:
        return b""
    finally:
        os.close(fd)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Any:
    """Wait at the gate after collection, before the first test (and its session fixtures)."""
    fd = session.config.stash.get(_fd_key, None)
    if fd is None:
        return None
    del session.config.stash[_fd_key]
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        os.close(fd)  # pytest stops on the collection errors: nothing to measure
        return None
    if _wait_for_go(fd) != GO:
        reason = "the sweep driver is gone (end of file at the gate): stopped before any test"
        sys.stderr.write(f"{MARK}{reason}\n")
        sys.stderr.flush()
        pytest.exit(f"{MARK}{reason}", returncode=EXIT_CODE)
    return None


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the descriptor of a run that never reached the gate (an error before the tests)."""
    fd = config.stash.get(_fd_key, None)
    if fd is not None:
        del config.stash[_fd_key]
        os.close(fd)
