"""The harness lock: the harness requirements resolved once per sweep (per interpreter).

``uv pip compile`` turns the harness requirements (pytest, pytest-benchmark and memray at the
driver's versions, their dependencies, the sweep's ``--pin``s) into an exact list, kept in the
sweep cache. On the driver's own interpreter it resolves offline first, from uv's cache, with
the driver's installed versions as constraints (the harness then mirrors the driver); the
index is asked only when that fails. Each new venv installs the list offline from uv's cache,
without resolving, and only the target's own requirement is resolved against the index, with
the list as constraints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .harness import RUNTIME_REQUIRES, Harness, closure
from .process import Command, Runner

LOCK_LOG = "harness-lock-{key}.log"


@dataclass(frozen=True)
class HarnessLock:
    """An exact harness list (``name==version`` lines) in ``path``, for one interpreter."""

    path: Path
    requirements: tuple[str, ...]
    key: str

    def names(self) -> tuple[str, ...]:
        """Canonical names of the locked distributions."""
        return tuple(canonicalize_name(Requirement(r).name) for r in self.requirements)

    def to_json(self) -> dict[str, object]:
        """The lock as a venv's marker records it."""
        return {"key": self.key, "file": str(self.path), "requirements": list(self.requirements)}

    @classmethod
    def from_json(cls, data: object) -> HarnessLock | None:
        """A lock recorded by ``to_json`` (None when absent or malformed)."""
        if not isinstance(data, dict):
            return None
        key, file, reqs = data.get("key"), data.get("file"), data.get("requirements")
        if not (isinstance(key, str) and isinstance(file, str) and isinstance(reqs, list)):
            return None
        return cls(Path(file), tuple(str(r) for r in reqs), key)

    def conflicts(self, output: str) -> bool:
        """True when a failed uv resolution names a locked distribution (the target needs
        another version of it than the lock has)."""
        if "No solution found" not in output:
            return False
        names = "|".join(re.escape(n) for n in self.names())
        return re.search(rf"(?<![\w-])({names})(?![\w-])", output, re.IGNORECASE) is not None


@dataclass(frozen=True)
class LockRequest:
    """What a lock depends on (its cache key): interpreter, requirements, uv source args."""

    uv: str
    python: str
    harness: Harness
    pins: tuple[str, ...]
    source_args: tuple[str, ...]
    env: Mapping[str, str]
    fresh: bool

    def inputs(self) -> list[str]:
        """The requirements resolved: the driver's pins, the harness's needs, the sweep's pins."""
        return [*self.harness.pins, *RUNTIME_REQUIRES, *self.pins]

    def key(self) -> str:
        data = {
            "python": os.path.realpath(self.python),
            "inputs": self.inputs(),
            "sources": list(self.source_args),
            "harness": self.harness.digest,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def read_lock(path: Path, key: str) -> HarnessLock | None:
    """A lock file written earlier, or None when it is missing or unreadable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    reqs = tuple(ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
    try:
        if not reqs or not all("==" in r and Requirement(r) for r in reqs):
            return None
    except InvalidRequirement:
        return None
    return HarnessLock(path, reqs, key)


def driver_constraints(request: LockRequest, folder: Path) -> Path | None:
    """The driver's installed versions of the harness closure as a constraints file, when the
    sweep runs on the driver's interpreter (None otherwise: they may not fit another one)."""
    import importlib.metadata as md
    import sys

    from pytest_benchmem.files import write_atomic

    if os.path.realpath(request.python) != os.path.realpath(sys.executable):
        return None
    lines = []
    for name in closure(()):
        with contextlib.suppress(md.PackageNotFoundError):
            lines.append(f"{name}=={md.version(name)}")
    if not lines:
        return None
    path = folder / f"driver-{request.key()}.txt"
    write_atomic(path, "\n".join(lines) + "\n")
    return path


def compile_lock(
    request: LockRequest, cache: Path, log: Path, runner: Runner, extra: Sequence[str] = ()
) -> HarnessLock | str:
    """Resolve the harness with ``uv pip compile`` (``extra``: more uv arguments); the lock,
    or why it failed."""
    key = request.key()
    folder = cache / "harness"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"lock-{key}.in"
    target = folder / f"lock-{key}.txt"
    from pytest_benchmem.files import write_atomic

    write_atomic(source, "\n".join(request.inputs()) + "\n")
    tmp = folder / f"lock-{key}.{os.getpid()}.{threading.get_ident()}.tmp"
    argv = [request.uv, "pip", "compile", "--python", request.python, "--quiet"]
    argv += ["--no-header", "--no-annotate", *request.source_args, *extra]
    argv += ["--output-file", str(tmp), str(source)]
    outcome = runner(Command(tuple(argv), folder, log, request.env))
    try:
        if not outcome.ok:
            return outcome.tail(3) or f"uv pip compile exit code {outcome.returncode}"
        lock = read_lock(tmp, key)
        if lock is None:
            return f"uv pip compile wrote no usable lock (see {log})"
        tmp.replace(target)
        return HarnessLock(target, lock.requirements, key)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass
class Locks:
    """The harness locks of one sweep: one per interpreter, made on first need.

    A lock kept in the cache from an earlier sweep is reused as is (the same harness versions
    for every venv built later); ``--fresh`` resolves it once more, once per sweep.
    """

    _made: dict[str, HarnessLock | str] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def get(
        self, request: LockRequest, cache: Path, logs: Path, runner: Runner
    ) -> HarnessLock | str:
        """The lock for ``request`` (or why the harness could not be locked)."""
        key = request.key()
        with self._guard:  # one resolution per interpreter, whichever venv asks first
            if key not in self._made:
                kept = (
                    None if request.fresh else read_lock(cache / "harness" / f"lock-{key}.txt", key)
                )
                self._made[key] = kept or self._resolve(request, cache, logs, runner)
            return self._made[key]

    @staticmethod
    def _resolve(
        request: LockRequest, cache: Path, logs: Path, runner: Runner
    ) -> HarnessLock | str:
        """Offline with the driver's versions as constraints, then online with them, then
        plainly online: the first lock that resolves."""
        folder = cache / "harness"
        folder.mkdir(parents=True, exist_ok=True)
        attempts: list[tuple[str, tuple[str, ...]]] = []
        driver = driver_constraints(request, folder)
        if driver is not None:
            attempts += [("", ("--offline", "-c", str(driver))), ("-online", ("-c", str(driver)))]
        attempts.append(("-free" if attempts else "", ()))
        made: HarnessLock | str = "no resolution tried"
        for suffix, extra in attempts:
            log = logs / LOCK_LOG.format(key=request.key()[:8] + suffix)
            made = compile_lock(request, cache, log, runner, extra)
            if isinstance(made, HarnessLock):
                break
        return made

    def find(self, request: LockRequest) -> HarnessLock | None:
        """The lock this sweep made for ``request`` (None: not made, or it failed)."""
        with self._guard:
            made = self._made.get(request.key())
        return made if isinstance(made, HarnessLock) else None

    def made(self) -> Sequence[HarnessLock]:
        """The locks this sweep used."""
        with self._guard:
            return [v for v in self._made.values() if isinstance(v, HarnessLock)]
