"""Compiled bytecode of the locked harness, shared by the venvs that install the same lock.

A new venv's first pytest run compiles every module it imports (pytest, pluggy, memray, ...:
about a second). The venvs of one harness lock hold the same files, hardlinked from uv's
cache, so the ``.pyc`` files one run wrote are valid in every other: ``harvest`` keeps them in
the sweep cache (``bytecode/<lock key>/``), ``plant`` links them into a venv before its run.
Python checks each ``.pyc`` against its source's mtime and size and recompiles on a mismatch
(e.g. uv copied instead of linking), so a planted file is never used for a different source.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from packaging.utils import canonicalize_name

STORE = "bytecode"


def store_dir(cache: Path, lock_key: str) -> Path:
    """Where the bytecode of one harness lock is kept."""
    return cache / STORE / lock_key


def _site_packages(venv: Path) -> Path | None:
    return next(iter(sorted(venv.glob("lib/python*/site-packages"))), None)


def _link(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except FileExistsError:
        return
    except OSError:  # another filesystem: a copy, moved into place whole
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        shutil.copy2(source, tmp)
        tmp.replace(dest)


def plant(venv: Path, store: Path) -> int:
    """Link the stored ``.pyc`` files into ``venv`` where its source is and none is; the count."""
    site = _site_packages(venv)
    if site is None or not store.is_dir():
        return 0
    planted = 0
    for pyc in store.rglob("*.pyc"):
        rel = pyc.relative_to(store)
        dest = site / rel
        if dest.exists() or not dest.parent.parent.is_dir():
            continue
        with contextlib.suppress(OSError):
            _link(pyc, dest)
            planted += 1
    return planted


def _sources(site: Path, names: set[str]) -> Iterator[Path]:
    """The ``.py`` files (relative to ``site``) of the installed distributions in ``names``."""
    for info in site.glob("*.dist-info"):
        name = canonicalize_name(info.name[: -len(".dist-info")].rpartition("-")[0])
        if name not in names:
            continue
        try:
            record = (info / "RECORD").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in record.splitlines():
            path = line.partition(",")[0]
            if path.endswith(".py") and not path.startswith(("..", "/")):
                yield Path(path)


def harvest(venv: Path, store: Path, names: Iterable[str]) -> int:
    """Keep the ``.pyc`` files ``venv``'s runs wrote for the distributions in ``names``."""
    site = _site_packages(venv)
    if site is None:
        return 0
    wanted = {str(canonicalize_name(n)) for n in names}
    kept = 0
    for source in _sources(site, wanted):
        cache = site / source.parent / "__pycache__"
        # python's own name and pytest's assertion-rewritten one (plugins): stem.<tag>*.pyc
        for pyc in cache.glob(f"{source.stem}.*.pyc") if cache.is_dir() else ():
            dest = store / pyc.relative_to(site)
            if dest.exists():
                continue
            with contextlib.suppress(OSError):
                _link(pyc, dest)
                kept += 1
    return kept
