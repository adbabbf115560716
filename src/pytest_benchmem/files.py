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
        raise _unwritable(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        Path(tmp).chmod(0o666 & ~_umask())
        Path(tmp).replace(target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _unwritable(target, exc) from None
        raise
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _unwritable(target: Path, exc: OSError) -> UsageError:
    reason = exc.strerror or str(exc)
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        reason = f"{str(blocker)!r} is a file, not a directory"
    return UsageError(f"cannot write {str(target)!r}: {reason}")
