"""Atomic file writes: the one writer behind every file the CLI, the plots and the sweep write.

A temp file beside the target, then ``os.replace``: a reader never sees half a file, and an
interrupted or failed write leaves the old file in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import UsageError


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, creating the parent directory.

    The file gets the usual ``0o666 & ~umask`` mode (not ``mkstemp``'s 0600). A path that
    cannot be written (a directory, a missing or read-only parent, a full disk) raises
    ``UsageError`` naming ``path`` and the reason, never the temp file.
    """
    target = Path(path)
    if target.is_dir():
        msg = f"cannot write {str(target)!r}: it is a directory"
        raise UsageError(msg)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise unwritable(exc, target) from None
    try:
        _fill(fd, payload)
        Path(tmp).chmod(0o666 & ~_umask())
        Path(tmp).replace(target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise unwritable(exc, target) from None
        raise
    return target


def move_atomic(source: str | Path, path: str | Path) -> Path:
    """Put the finished file ``source`` (written by a child process) in place as ``path``.

    ``os.replace`` within one directory: atomic, and errors name ``path`` like
    ``write_atomic``'s.
    """
    target = Path(path)
    try:
        Path(source).replace(target)
    except OSError as exc:
        raise unwritable(exc, target) from None
    return target


def _fill(fd: int, payload: bytes) -> None:
    """Write ``payload`` to the temp file ``fd`` and close it (a seam for fault tests)."""
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def unwritable(exc: OSError, target: Path | None = None) -> UsageError:
    """``cannot write 'PATH': REASON`` for an ``OSError`` met writing ``target`` (by default
    the file the error names)."""
    if target is None:
        target = Path(os.fsdecode(exc.filename)) if exc.filename else Path("?")
    reason = exc.strerror or str(exc)
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        reason = f"{str(blocker)!r} is a file, not a directory"
    return UsageError(f"cannot write {str(target)!r}: {reason}")
