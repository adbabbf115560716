"""Provisioning one target: a uv venv holding the target, the pins and our harness.

uv comes from the ``uv`` package (``uv.find_uv_bin()``), run with the caller's environment.
The harness is resolved once per sweep (``harnesslock``) and installed offline from uv's
cache; only the target is resolved, with that list as constraints. A target that conflicts
with the lock gets a venv of its own resolution: target + pins + harness pinned to the
driver's versions, else a free one where the target wins. Venvs live under the cache root,
keyed by their spec, and are reused while that spec (and the harness) is unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from pytest_benchmem.errors import ProvisionError
from pytest_benchmem.files import write_atomic

from .harness import Harness
from .harnesslock import HarnessLock, LockRequest, Locks
from .install import install_resolving, install_target
from .model import Stage
from .process import Command, CommandResult, Runner
from .spec import Target
from .venvcache import (
    VENV_MARKER,
    Lease,
    collect_old,
    current_venv,
    damage,
    installed_versions,
    locked,
    reusable,
    swap_link,
    venv_python,
)
from .venvspec import spec_key, venv_spec
from .warmup import Warmups

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pytest-benchmem (benchmem sweep).\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def cache_root() -> Path:
    """The sweep cache: ``$BENCHMEM_CACHE_DIR``, else ``$XDG_CACHE_HOME/benchmem``, else ~/.cache.

    The directory is created with a ``CACHEDIR.TAG`` and a ``.gitignore``.
    """
    env = os.environ.get("BENCHMEM_CACHE_DIR")
    if env:
        root = Path(env).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "benchmem"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tag = root / "CACHEDIR.TAG"
        if not tag.exists():
            write_atomic(tag, _CACHEDIR_TAG)
        ignore = root / ".gitignore"
        if not ignore.exists():
            write_atomic(ignore, "*\n")
    except OSError as exc:
        where = "BENCHMEM_CACHE_DIR" if env else "the sweep cache"
        msg = f"{where} {root}: cannot write there ({exc.strerror or exc})"
        raise ProvisionError(msg, hint="set BENCHMEM_CACHE_DIR to a writable directory") from None
    return root


def uv_bin() -> str:
    """The uv binary shipped by the ``uv`` package (never a system uv)."""
    try:
        from uv import find_uv_bin
    except ImportError:  # pragma: no cover - uv is a hard dependency
        msg = "the 'uv' package is not installed"
        raise ProvisionError(msg, hint="pip install uv") from None
    return str(find_uv_bin())


@dataclass
class LogDir:
    """A target's log directory: ``NN-<step>.log`` files numbered in order."""

    path: Path
    count: int = 0

    def next(self, step: str) -> Path:
        """The path of the next log file for ``step``."""
        self.count += 1
        return self.path / f"{self.count:02d}-{step}.log"

    def move(self, path: Path) -> None:
        """Rename the directory (an unlabelled target learns its label after install)."""
        if path == self.path:
            return
        if path.exists():
            shutil.rmtree(path)
        if self.path.exists():
            self.path.replace(path)
        self.path = path


@dataclass(frozen=True)
class ProvisionConfig:
    """What every venv of one sweep shares."""

    cache: Path
    harness: Harness
    python: str = sys.executable
    pins: tuple[str, ...] = ()
    as_of: str | None = None
    find_links: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()
    fresh: bool = False
    uv: str = field(default_factory=uv_bin)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    #: venvs (by key) already rebuilt by this sweep: ``fresh`` rebuilds each one once
    rebuilt: set[str] = field(default_factory=set, compare=False, repr=False)
    #: the harness locks of this sweep (one resolution per interpreter)
    locks: Locks = field(default_factory=Locks, compare=False, repr=False)
    #: the harness bytecode warm-ups of this sweep (one per lock, during provisioning)
    warmups: Warmups = field(default_factory=Warmups, compare=False, repr=False)

    def lock_request(self) -> LockRequest:
        """What this venv's harness lock depends on."""
        return LockRequest(
            self.uv, self.python, self.harness, self.pins, tuple(self.source_args()),
            self.env, self.fresh,
        )  # fmt: skip

    def source_args(self) -> list[str]:
        """uv's index, find-links and --as-of arguments."""
        args: list[str] = []
        for link in self.find_links:
            args += ["--find-links", link]
        for i, url in enumerate(self.index_urls):
            args += ["--index-url" if i == 0 else "--extra-index-url", url]
        if self.as_of:
            args += ["--exclude-newer", self.as_of, *self.harness.exclude_newer_args()]
        return args


@dataclass(frozen=True)
class Provisioned:
    """A target's venv, or the stage and reason it could not be made."""

    target: Target
    label: str
    venv: Path
    python: Path
    versions: Mapping[str, str]
    stage: Stage | None = None
    reason: str | None = None
    durations: Mapping[str, float] = field(default_factory=dict)
    resolution: str | None = None
    reused: bool = False
    key: str = ""
    note: str | None = None  # said to the user (e.g. a damaged cached venv was rebuilt)
    lock: HarnessLock | None = None  # the harness lock installed (None: resolved on its own)
    lease: Lease | None = field(default=None, compare=False, repr=False)


def _probe(venv: Path) -> list[str]:
    """The venv's top-level site-packages entries, checked on every reuse (``damage``)."""
    found: list[str] = []
    for site in sorted(venv.glob("lib/python*/site-packages")):
        found += sorted(
            str(p.relative_to(venv))
            for p in site.iterdir()
            if not p.name.startswith((".", "_")) and p.name != "__pycache__"
        )
    return found


def uv_reason(outcome: CommandResult) -> str:
    """The one-line reason of a failed uv command (its ``error:`` lines, else the tail)."""
    lines = outcome.output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), None)
    if start is None:
        return outcome.tail() or f"exit code {outcome.returncode}"
    kept = [line.strip() for line in lines[start:] if line.strip() and line.strip() != "hint:"]
    return " ".join(kept)[:600]


def provision_target(
    target: Target, cfg: ProvisionConfig, logs: LogDir, runner: Runner
) -> Provisioned:
    """Create (or reuse) the venv of ``target`` and install it with the harness.

    The result holds a ``Lease`` on its venv (``release_venv`` when done with it).
    """
    spec = venv_spec(target, cfg)
    # Keyed without the harness: a new harness rebuilds the venv (beside the old one).
    key = spec_key({k: v for k, v in spec.items() if not k.startswith("harness")})
    root = cfg.cache / "venvs"
    try:
        root.mkdir(parents=True, exist_ok=True)
        # Two targets (or two sweeps) wanting the same venv: one builds it, the other reuses
        # it. Leases are taken and old venvs removed only under this lock.
        with locked(root / (key + ".lock")):
            return _provision(target, cfg, logs, runner, spec=spec, key=key)
    except OSError as exc:  # the cache is damaged (a file where a directory belongs, ...)
        where = exc.filename or root
        reason = f"cannot use the venv cache at {where}: {exc.strerror or exc}"
        label = target.label or target.key
        venv = root / key
        return Provisioned(target, label, venv, venv_python(venv), {}, Stage.VENV, reason, key=key)


def release_venv(prov: Provisioned) -> None:
    """Release the lease ``provision_target`` took on the venv (no-op without one)."""
    if prov.lease is not None:
        prov.lease.release()


def _reuse(target: Target, venv: Path, recorded: Mapping[str, object], key: str) -> Provisioned:
    versions = {str(k): str(v) for k, v in dict(recorded["versions"]).items()}  # type: ignore[call-overload]
    resolution = str(recorded.get("resolution", "pinned"))
    lock = HarnessLock.from_json(recorded.get("lock"))
    return Provisioned(
        target, _label(target, versions), venv, venv_python(venv), versions,
        resolution=resolution, reused=True, key=key, lease=Lease(venv), lock=lock,
    )  # fmt: skip


def _provision(
    target: Target,
    cfg: ProvisionConfig,
    logs: LogDir,
    runner: Runner,
    *,
    spec: Mapping[str, object],
    key: str,
) -> Provisioned:
    link = cfg.cache / "venvs" / key
    current = current_venv(link)
    note = None
    fresh = cfg.fresh and key not in cfg.rebuilt  # two targets of one spec: built once
    recorded = None if fresh or current is None else reusable(current, spec)
    if recorded is not None and current is not None:
        broken = damage(current, recorded)
        if broken is None:
            collect_old(link, current)
            return _reuse(target, current, recorded, key)
        note = f"the cached venv was damaged ({broken}): rebuilt it"
    venv = link.with_name(f"{key}-{secrets.token_hex(4)}")
    built = _build(target, cfg, logs, runner, venv=venv, spec=spec, key=key)
    if built.stage is not None:
        cfg.warmups.settle(venv)  # a warm-up may still be compiling in it
        shutil.rmtree(venv, ignore_errors=True)
        return built
    lease = Lease(venv)
    swap_link(link, venv)
    cfg.rebuilt.add(key)
    cfg.warmups.beside(functools.partial(_collect_old, link, venv))  # off the critical path
    notes = [n for n in (note, built.note) if n]
    return replace(built, lease=lease, note="; ".join(notes) or None)


def _collect_old(link: Path, keep: Path) -> None:
    """Remove the venvs of ``link``'s key that ``keep`` replaced (under the key's lock)."""
    with contextlib.suppress(OSError), locked(link.with_name(link.name + ".lock")):
        collect_old(link, keep)


def _build(
    target: Target,
    cfg: ProvisionConfig,
    logs: LogDir,
    runner: Runner,
    *,
    venv: Path,
    spec: Mapping[str, object],
    key: str,
) -> Provisioned:
    python = venv_python(venv)
    label = target.label or target.key
    durations: dict[str, float] = {}

    def failed(stage: Stage, reason: str) -> Provisioned:
        return Provisioned(target, label, venv, python, {}, stage, reason, durations, key=key)

    ahead = _lock_ahead(cfg, logs, runner)  # the harness lock resolves while uv makes the venv
    made = _make_venv(cfg, venv, logs, runner)
    durations["venv"] = made.duration
    if not made.ok:
        return failed(Stage.VENV, uv_reason(made))
    outcome, resolution, note = install_target(target, cfg, python, logs, runner)
    ahead.join()
    if resolution == "conflict":  # a clean venv for the target's own resolution
        cfg.warmups.settle(venv)
        shutil.rmtree(venv, ignore_errors=True)
        made = _make_venv(cfg, venv, logs, runner)
        if not made.ok:
            return failed(Stage.VENV, uv_reason(made))
        again, resolution = install_resolving(target, cfg, python, logs, runner)
        outcome += again
    durations["install"] = sum(o.duration for o in outcome)
    if not outcome[-1].ok:
        return failed(Stage.INSTALL, uv_reason(outcome[-1]))
    versions = installed_versions(venv)  # read from the dist-infos: no interpreter started
    if not versions:
        return failed(Stage.INSTALL, f"the venv {venv} has no installed distributions")
    lock = cfg.locks.find(cfg.lock_request()) if resolution == "locked" else None
    marker = {
        "spec": spec,
        "versions": versions,
        "resolution": resolution,
        "probe": _probe(venv),
        "lock": lock.to_json() if lock else None,
    }
    write_atomic(venv / VENV_MARKER, json.dumps(marker, indent=1))
    return Provisioned(
        target, _label(target, versions), venv, python, versions, None, None,
        durations, resolution, key=key, note=note, lock=lock,
    )  # fmt: skip


def _lock_ahead(cfg: ProvisionConfig, logs: LogDir, runner: Runner) -> threading.Thread:
    """Start resolving the sweep's harness lock (``Locks.get``: once per sweep, whichever
    venv asks first; the others wait for it there) beside the venv's creation."""
    request = cfg.lock_request()

    def resolve() -> None:
        with contextlib.suppress(OSError, KeyboardInterrupt):  # the install asks again
            cfg.locks.get(request, cfg.cache, logs.path.parent, runner)

    thread = threading.Thread(target=resolve, name="benchmem-lock", daemon=True)
    thread.start()
    return thread


def _make_venv(cfg: ProvisionConfig, venv: Path, logs: LogDir, runner: Runner) -> CommandResult:
    argv = (cfg.uv, "venv", "--no-project", "--python", cfg.python, str(venv))
    return runner(Command(argv, venv.parent, logs.next("venv"), cfg.env))


def _label(target: Target, versions: Mapping[str, str]) -> str:
    if target.label:
        return target.label
    if target.name and target.name in versions:
        return versions[target.name] + target.suffix
    return target.key
