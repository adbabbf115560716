"""Compiled bytecode of the locked harness, shared by the venvs that install the same lock.

A new venv's first pytest run would compile every module it imports (pytest, pluggy, memray,
...: about a second). The venvs of one harness lock hold the same files, hardlinked from uv's
cache, so the ``.pyc`` files compiled in one are valid in every other: ``harvest`` keeps them
in the sweep cache (``bytecode/<lock key>/``), ``plant`` links them into a venv before its run.
Python checks each ``.pyc`` against its source's mtime and size and recompiles on a mismatch
(e.g. uv copied instead of linking), so a planted file is never used for a different source.
Store files are only ever linked or renamed into place whole: concurrent sweeps share them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from packaging.utils import canonicalize_name

STORE = "bytecode"
#: The store's note that a warm-up filled it, for the sources of one ``identity``.
WARM_MARKER = ".warm.json"


def store_dir(cache: Path, lock_key: str) -> Path:
    """Where the bytecode of one harness lock is kept."""
    return cache / STORE / lock_key


def site_packages(venv: Path) -> Path | None:
    """The venv's site-packages directory (None when there is none)."""
    return next(iter(sorted(venv.glob("lib/python*/site-packages"))), None)


def _dist_infos(site: Path, names: Iterable[str]) -> Iterator[Path]:
    """The ``.dist-info`` directories in ``site`` of the distributions named in ``names``."""
    wanted = {str(canonicalize_name(n)) for n in names}
    for info in sorted(site.glob("*.dist-info")):
        if canonicalize_name(info.name[: -len(".dist-info")].rpartition("-")[0]) in wanted:
            yield info


def identity(venv: Path, names: Iterable[str]) -> str:
    """Which extraction of the distributions ``names`` the venv's files are (their
    ``METADATA`` files' names, sizes and mtimes: uv links them from its cache with the
    sources, so a re-extracted distribution, whose ``.pyc`` files no longer match, changes it)."""
    site = site_packages(venv)
    h = hashlib.sha256()
    for info in _dist_infos(site, names) if site is not None else ():
        with contextlib.suppress(OSError):
            st = (info / "METADATA").stat()
            h.update(f"{info.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def is_warm(store: Path, ident: str) -> bool:
    """True when a warm-up filled ``store`` for sources of identity ``ident``."""
    try:
        data = json.loads((store / WARM_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("identity") == ident


def mark_warm(store: Path, ident: str, files: int) -> None:
    """Note that a warm-up filled ``store`` (written atomically)."""
    from pytest_benchmem.files import write_atomic

    write_atomic(store / WARM_MARKER, json.dumps({"identity": ident, "files": files}) + "\n")


def _link(source: Path, dest: Path, *, replace: bool = False) -> bool:
    """Link ``source`` at ``dest`` (a whole copy on another filesystem); False when ``dest``
    was there already and is kept. ``replace`` puts the new file in its place atomically."""
    if not replace:
        try:
            os.link(source, dest)
        except FileExistsError:
            return False
        except OSError:  # another filesystem: a copy, moved into place whole
            pass
        else:
            return True
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copy2(source, tmp)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def plant(venv: Path, store: Path) -> int:
    """Link the stored ``.pyc`` files into ``venv`` where its source is and none is; the count."""
    site = site_packages(venv)
    if site is None or not store.is_dir():
        return 0
    planted = 0
    for walked, _, files in os.walk(store):
        folder = Path(walked)
        if folder.name != "__pycache__":
            continue
        dest = site / folder.relative_to(store)
        if not dest.parent.is_dir():  # the distribution is not in this venv
            continue
        try:
            have = {p.name for p in dest.iterdir()}
        except FileNotFoundError:
            have = set()
        missing = [n for n in files if n.endswith(".pyc") and n not in have]
        with contextlib.suppress(OSError):
            if missing:
                dest.mkdir(exist_ok=True)
            for name in missing:
                planted += _link(folder / name, dest / name)
    return planted


def source_dirs(site: Path, names: Iterable[str]) -> dict[str, set[str]]:
    """The module stems (``.py`` files) of the distributions ``names``, by folder in ``site``."""
    found: dict[str, set[str]] = {}
    for info in _dist_infos(site, names):
        try:
            record = (info / "RECORD").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in record.splitlines():
            path = line.partition(",")[0]
            if path.endswith(".py") and not path.startswith(("..", "/")):
                folder, _, name = path.rpartition("/")
                found.setdefault(folder, set()).add(name[: -len(".py")])
    return found


def harvest(venv: Path, store: Path, names: Iterable[str], *, replace: bool = False) -> int:
    """Keep the ``.pyc`` files ``venv`` holds for the distributions in ``names``; the count.

    Python's own names and pytest's assertion-rewritten ones (plugins): ``stem.<tag>*.pyc``.
    A file the store has is kept unless ``replace`` (a warm-up's, for other sources).
    """
    site = site_packages(venv)
    if site is None:
        return 0
    kept = 0
    for folder, stems in source_dirs(site, names).items():
        cache = site / folder / "__pycache__"
        try:
            entries = [e.name for e in os.scandir(cache) if e.name.endswith(".pyc")]
        except OSError:
            continue
        pycs = [n for n in entries if n.partition(".")[0] in stems]
        if not pycs:
            continue
        dest = store / folder / "__pycache__"
        with contextlib.suppress(OSError):
            dest.mkdir(parents=True, exist_ok=True)
            for name in pycs:
                if replace and _same_file(cache / name, dest / name):
                    continue
                kept += _link(cache / name, dest / name, replace=replace)
    return kept


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
