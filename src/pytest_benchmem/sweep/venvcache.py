"""The venv cache: which cached venv is current, reuse checks, leases and locks.

Built venvs live at ``venvs/<key>-<random>`` with a ``venvs/<key>`` link to the current one.
A ``Lease`` (shared ``flock``) keeps a venv in use from being removed; ``locked`` serialises
the builders of one key; ``collect_old`` removes superseded venvs nobody holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

VENV_MARKER = "benchmem-venv.json"


def venv_python(venv: Path) -> Path:
    """The interpreter inside a venv."""
    if os.name == "nt":  # pragma: no cover - Linux/macOS are the supported platforms
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def _header(lines: list[str], name: str) -> str | None:
    prefix = name.lower() + ":"
    for line in lines:
        if not line.strip():  # the headers end at the first blank line
            break
        if line.lower().startswith(prefix):
            return line[len(prefix) :].strip()
    return None


def installed_versions(venv: Path) -> dict[str, str] | None:
    """Canonical name -> version of every distribution in the venv's site-packages, read from
    the ``*.dist-info/METADATA`` headers (no interpreter started); None without site-packages.
    """
    sites = sorted(venv.glob("lib/python*/site-packages"))
    if not sites:
        return None
    found: dict[str, str] = {}
    for info in sorted(p for site in sites for p in site.glob("*.dist-info")):
        try:
            with (info / "METADATA").open(encoding="utf-8", errors="replace") as handle:
                lines = [next(handle, "") for _ in range(40)]
        except OSError:
            continue
        name, version = _header(lines, "Name"), _header(lines, "Version")
        if name and version:
            found.setdefault(re.sub(r"[-_.]+", "-", name).lower(), version)
    return found


def reusable(venv: Path, spec: Mapping[str, object]) -> dict[str, object] | None:
    try:
        data = json.loads((venv / VENV_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("spec") != spec:
        return None
    if not isinstance(data.get("versions"), dict):
        return None
    return data


def recorded(venv: Path, key: str) -> object:
    """What ``record`` added to the venv's marker under ``key`` (None when nothing)."""
    try:
        data = json.loads((venv / VENV_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get(key) if isinstance(data, dict) else None


def record(venv: Path, key: str, value: object) -> None:
    """Add ``key`` to the venv's marker (rewritten atomically); a no-op without a marker.

    Best effort: what is recorded only saves work later (a full disk loses nothing here).
    """
    from pytest_benchmem.errors import BenchmemError
    from pytest_benchmem.files import write_atomic

    try:
        data = json.loads((venv / VENV_MARKER).read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get(key) != value:
            data[key] = value
            write_atomic(venv / VENV_MARKER, json.dumps(data, indent=1))
    except (OSError, ValueError, BenchmemError):
        return


def damage(venv: Path, recorded: Mapping[str, object]) -> str | None:
    """What is missing from a reused venv (its interpreter, or a top-level site-packages
    entry recorded when it was built), or None when it looks whole. Cheap: a few ``stat``s."""
    if not venv_python(venv).exists():  # follows the link: the base interpreter too
        return f"its interpreter {venv_python(venv)} is gone"
    probe = recorded.get("probe")
    for rel in probe if isinstance(probe, list) else []:
        if not (venv / str(rel)).exists():
            return f"{venv / str(rel)} is gone"
    return None


class Lease:
    """A shared lock on one built venv, held while a sweep uses it.

    A rebuild (``--fresh``, a new harness, damage) never deletes a venv somebody holds a
    lease on: it builds beside it and swaps the ``venvs/<key>`` link; the old directory goes
    once no lease holds it. Leases die with their process (``flock``).
    """

    def __init__(self, venv: Path) -> None:
        import fcntl

        self.path = venv
        self._handle: IO[str] | None = use_lock(venv).open("a")
        fcntl.flock(self._handle, fcntl.LOCK_SH)

    def release(self) -> None:
        """Let the venv go (idempotent)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def use_lock(venv: Path) -> Path:
    return venv.with_name(venv.name + ".use")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (POSIX ``flock``)."""
    import fcntl

    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_venv(link: Path) -> Path | None:
    """The built venv ``venvs/<key>`` points at; anything else found there is removed."""
    if link.is_symlink():
        return link.parent / link.readlink()
    if link.is_dir():  # an older layout, or junk: nobody can hold a lease on it
        shutil.rmtree(link)
    elif link.exists():
        link.unlink()
    return None


def swap_link(link: Path, venv: Path) -> None:
    """Point ``link`` at ``venv`` atomically."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(venv.name)
    tmp.replace(link)


def collect_old(link: Path, keep: Path | None) -> None:
    """Remove the built venvs of this key that are neither current nor leased."""
    import fcntl

    for old in link.parent.glob(f"{link.name}-*"):
        if old == keep or old.suffix == ".use":
            continue
        lock = use_lock(old)
        with lock.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another sweep still runs in it
            shutil.rmtree(old, ignore_errors=True)
            lock.unlink(missing_ok=True)
