"""The harness bytecode seeded from the driver's own, instead of compiled by a warm-up run.

The harness lock mirrors the driver's versions (``harness.driver_pins``), so on the driver's own
interpreter a new venv's harness sources are, file for file, the driver's copies (the same
bytes, other paths and mtimes). ``seed`` gives the venv the driver's compiled code for every
source whose bytes are the driver's copy's and whose driver ``.pyc`` is valid for that copy:

- Python's own ``.pyc`` (timestamp-based: magic number, flags 0, the source's mtime and size):
  the driver's code with a header stamped for the venv's source, as Python would write it;
- pytest's assertion-rewritten plugin modules (``<stem>.<tag>-pytest-<version>.pyc``,
  hash-based: the source's hash): copied as they are, when the hash is the source's.

Python (and pytest) load these as any ``.pyc``: the stamp or hash is checked against the
source, and the code's file name is set to the venv's path. A source that differs, or whose
driver copy has no valid ``.pyc``, is left to be compiled where it is first imported. Nothing
is ever written over an existing file; each file is written whole (temp file, then rename).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .bytecode import site_packages, source_dirs

_HEADER = 16  # magic (4), flags (4), mtime + size (8) or source hash (8)
_HASHED = b"\x03\x00\x00\x00"  # pytest's checked-hash pycs


def _stamp(path: Path) -> bytes:
    """The header Python writes for ``path``'s timestamp-based ``.pyc``."""
    st = path.stat()
    mtime, size = int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF
    return (
        importlib.util.MAGIC_NUMBER
        + bytes(4)
        + mtime.to_bytes(4, "little")
        + size.to_bytes(4, "little")
    )


def _write_new(target: Path, payload: bytes) -> bool:
    """Write ``target`` whole unless it exists (another process may be writing it too)."""
    if target.exists():
        return False
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.seed")
    try:
        tmp.write_bytes(payload)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _driver_copy(rel: str, data: bytes, sites: Sequence[str]) -> Path | None:
    """The driver's copy of site-relative ``rel`` holding the same bytes as ``data``."""
    for site in sites:
        theirs = Path(site) / rel
        with contextlib.suppress(OSError):
            if theirs.stat().st_size == len(data) and theirs.read_bytes() == data:
                return theirs
    return None


def _listing(cache: Path, listings: dict[Path, list[str]]) -> list[str]:
    """The file names in the driver's ``__pycache__`` folder ``cache``, read once per seed."""
    found = listings.get(cache)
    if found is None:
        try:
            found = [entry.name for entry in os.scandir(cache)]
        except OSError:
            found = []
        listings[cache] = found
    return found


def _seed_one(source: Path, rel: str, sites: Sequence[str], listings: dict[Path, list[str]]) -> int:
    """Seed the ``.pyc`` files of one venv source from the driver's copy; the number written."""
    data = source.read_bytes()
    theirs = _driver_copy(rel, data, sites)
    if theirs is None:
        return 0
    written = 0
    mine = Path(importlib.util.cache_from_source(str(source)))
    their_pyc = Path(importlib.util.cache_from_source(str(theirs)))
    with contextlib.suppress(OSError):
        pyc = their_pyc.read_bytes()
        if len(pyc) > _HEADER and pyc[:_HEADER] == _stamp(theirs):
            written += _write_new(mine, _stamp(source) + pyc[_HEADER:])
    tag = f"{source.stem}.{sys.implementation.cache_tag}-pytest-"
    digest = importlib.util.source_hash(data)[:8]
    for name in _listing(their_pyc.parent, listings):
        if not (name.startswith(tag) and name.endswith(".pyc")):
            continue
        with contextlib.suppress(OSError):
            rewritten = (their_pyc.parent / name).read_bytes()
            if rewritten[4:8] == _HASHED and rewritten[8:16] == digest:
                written += _write_new(mine.with_name(name), rewritten)
    return written


def seed(venv: Path, names: Iterable[str], sites: Sequence[str]) -> int:
    """Give ``venv`` the driver's compiled code for the distributions ``names`` where it fits.

    ``sites``: the driver's directories holding those distributions (``warmup.driver_sites``);
    only for a venv of the driver's own interpreter. Returns the number of files written.
    """
    site = site_packages(venv)
    if site is None or not sites:
        return 0
    written = 0
    listings: dict[Path, list[str]] = {}
    for folder, stems in source_dirs(site, names).items():
        for stem in sorted(stems):
            rel = f"{folder}/{stem}.py" if folder else f"{stem}.py"
            with contextlib.suppress(OSError):
                written += _seed_one(site / rel, rel, sites, listings)
    return written
