"""The harness bytecode, compiled once per harness lock while the sweep provisions.

As soon as the first new venv of a lock has its harness installed, one small pytest run starts
in it in the background: a one-benchmark suite with a suite run's flags and in-run plugins, so
it imports (and compiles) what a run imports: pytest and its plugins, pytest-benchmark, our
plugin, its memory pass and memray. Its ``.pyc`` files go to the bytecode store; every run of
the lock waits for it and gets them planted first (``Warmups.ready``), so no suite run
compiles the harness. A store a warm-up filled is not harvested again; otherwise what the
runs compiled is kept once, after the last run (``Warmups.finish``), never between runs.
On the driver's own interpreter no warm-up runs when ``seed`` can give the venv the driver's
own compiled harness (same sources: the harness lock mirrors the driver's versions).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_benchmem.inrun.machine import CPUINFO_ENV

from .bytecode import harvest, identity, is_warm, mark_warm, plant, store_dir
from .gate import GATE_PLUGIN
from .harnesslock import HarnessLock
from .process import Command, Runner, SubprocessRunner
from .seed import seed

WARMUP_LOG = "harness-warmup-{key}.log"
#: A warm-up that hangs (a plugin waiting on something) is stopped: the runs wait for it.
WARMUP_TIMEOUT_S = 120.0
#: The in-run plugins a suite run loads (``runone``): compiled by the warm-up too (each does
#: nothing without its environment variable; the machine one gets a stand-in answer).
RUN_PLUGINS = ("pytest_benchmem.inrun.machine", "pytest_benchmem.inrun.isolation", GATE_PLUGIN)
#: The distributions a suite run imports from, seeded from the driver (``seed``): pytest and
#: its requirements, pytest-benchmark, memray's own modules (its report UI, rich, textual and
#: jinja2, is never imported in a run: ``memlib`` stands rich in) and our plugin. Another
#: distribution's module a suite imports is compiled where it is first imported, as usual.
RUN_DISTS = frozenset(
    {
        "pytest", "pluggy", "iniconfig", "packaging", "pygments", "pytest-benchmark",
        "memray", "typing-extensions", "platformdirs", "pytest-benchmem",
    }
)  # fmt: skip
_SUITE = "def test_benchmem_warmup(benchmark):\n    benchmark(bytearray, 64)\n"
# pytest-benchmark's machine answers (no py-cpuinfo, no precision spin, no ``uname -p``):
# stand-ins, the warm-up's JSON is discarded
_MACHINE = {"cpu": {}, "perf_counter_precision": 1e-9, "processor": ""}


def harness_names(lock: HarnessLock) -> tuple[str, ...]:
    """The distributions whose bytecode is kept: the lock's and our harness."""
    return (*lock.names(), "pytest-benchmem")


def warmup_argv(python: Path, suite: Path) -> list[str]:
    """The warm-up's pytest command line: a suite run's (``suite.pytest_argv``) flags."""
    argv = [str(python), "-m", "pytest", str(suite), "--benchmark-only"]
    for plugin in RUN_PLUGINS:
        argv += ["-p", plugin]
    argv += [f"--benchmark-json={suite / 'warmup.json'}", "--benchmark-memory"]
    return [*argv, "--benchmark-min-rounds=1", "--benchmark-max-time=0"]


def _same(python: str) -> bool:
    return bool(python) and os.path.realpath(python) == os.path.realpath(sys.executable)


def driver_sites(names: tuple[str, ...]) -> tuple[str, ...]:
    """The directories this interpreter's distributions ``names`` are installed in, and the
    one this running ``pytest_benchmem`` is imported from (a source tree when installed
    editable: the harness wheel is built from it, so its files are the same bytes)."""
    import importlib.metadata as md

    import pytest_benchmem

    found: dict[str, None] = {}
    for name in names:
        with contextlib.suppress(md.PackageNotFoundError, OSError):
            found[str(Path(str(md.distribution(name).locate_file(""))).resolve())] = None
    found[str(Path(pytest_benchmem.__file__).resolve().parent.parent)] = None
    return tuple(found)


def warmup_env(base: Mapping[str, str], venv: Path, machine: Path) -> dict[str, str]:
    """A suite run's environment (``suite.run_env``: bytecode written), the machine answered."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in base.items() if k not in drop}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), base.get("PATH", "")])
    env[CPUINFO_ENV] = str(machine)
    return env


@dataclass(frozen=True)
class WarmupJob:
    """One warm-up: the venv it runs in, the store it fills, how it runs."""

    venv: Path
    store: Path
    names: tuple[str, ...]
    ident: str
    env: Mapping[str, str]
    log: Path
    sites: tuple[str, ...] = ()  # the driver's directories holding harness files (``seed``)


def warm_up(job: WarmupJob, runner: Runner) -> int:
    """Seed ``job.venv`` from the driver (its interpreter), else run the warm-up there; keep
    its bytecode; the number of files kept.

    The store is marked warm only when the run passed (else what it compiled is kept anyway:
    every file is valid for its source, and the runs compile the rest).
    """
    if job.sites:  # the driver's interpreter: its own compiled harness, no warm-up run
        seeded = seed(job.venv, [n for n in job.names if n in RUN_DISTS], job.sites)
        if seeded:
            kept = harvest(job.venv, job.store, job.names, replace=True)
            mark_warm(job.store, job.ident, kept)
            return kept
    folder = Path(tempfile.mkdtemp(prefix="benchmem-warmup-")).resolve()
    try:
        (folder / "test_benchmem_warmup.py").write_text(_SUITE, encoding="utf-8")
        machine = folder / "machine.json"
        machine.write_text(json.dumps(_MACHINE), encoding="utf-8")
        python = job.venv / "bin" / "python"
        env = warmup_env(job.env, job.venv, machine)
        argv = tuple(warmup_argv(python, folder))
        outcome = runner(Command(argv, folder, job.log, env, timeout=WARMUP_TIMEOUT_S))
        kept = harvest(job.venv, job.store, job.names, replace=True)
        if outcome.ok:
            mark_warm(job.store, job.ident, kept)
        return kept
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _quietly(job: WarmupJob, runner: Runner) -> None:
    """The warm-up thread: a warm-up that cannot run only costs the runs their compile."""
    with contextlib.suppress(OSError, KeyboardInterrupt):
        warm_up(job, runner)


@dataclass
class Warmups:
    """The warm-ups of one sweep (at most one per harness lock) and where they planted."""

    _threads: dict[str, threading.Thread] = field(default_factory=dict)  # by lock key
    _venvs: dict[Path, threading.Thread] = field(default_factory=dict)  # where each runs
    _planted: set[Path] = field(default_factory=set)
    _pending: dict[Path, tuple[Path, tuple[str, ...]]] = field(default_factory=dict)
    _seeding: set[str] = field(default_factory=set)  # lock keys seeded in this sweep
    _beside: list[threading.Thread] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def beside(self, work: Callable[[], None]) -> None:
        """Provisioning work for the background (removing the venvs a rebuild replaced):
        every run waits for it, as for the warm-ups (``ready``)."""
        thread = threading.Thread(target=work, name="benchmem-beside", daemon=True)
        with self._guard:
            self._beside.append(thread)
            thread.start()

    def start(
        self,
        lock: HarnessLock,
        venv: Path,
        *,
        cache: Path,
        env: Mapping[str, str],
        logs: Path,
        runner: Runner,
        python: str = "",
    ) -> bool:
        """Start the lock's warm-up in ``venv`` (harness installed) unless one ran or runs.

        Only with the real runner (a fake one has no venv to compile in). True when started.
        ``python``: the venv's interpreter; when it is the driver's, the driver's own compiled
        harness files seed the venv where they fit (``seed``), and no warm-up run is needed.
        """
        if not isinstance(runner, SubprocessRunner):
            return False
        store, names = store_dir(cache, lock.key), harness_names(lock)
        with self._guard:
            if lock.key in self._threads:
                return False
            ident = identity(venv, names)
            if is_warm(store, ident):
                self._threads[lock.key] = threading.Thread()  # never started: nothing to wait for
                return False
            log = logs / WARMUP_LOG.format(key=lock.key[:8])
            sites = driver_sites(names) if _same(python) else ()
            if sites:
                self._seeding.add(lock.key)
            job = WarmupJob(venv, store, names, ident, dict(env), log, sites)
            thread = threading.Thread(
                target=_quietly, args=(job, runner), name="benchmem-warmup", daemon=True
            )
            self._threads[lock.key] = self._venvs[venv] = thread
            thread.start()  # under the guard: whoever finds it can join it
        return True

    def settle(self, venv: Path) -> None:
        """Wait for the warm-up running in ``venv`` (before that venv is removed)."""
        with self._guard:
            thread = self._venvs.get(venv)
        if thread is not None and thread.ident is not None:
            thread.join()

    def ready(self, venv: Path, lock: HarnessLock | None, cache: Path) -> int:
        """Before a run in ``venv``: wait for its lock's warm-up (and the background work),
        then plant the lock's bytecode (once per venv and sweep); the number planted."""
        with self._guard:
            waits: list[threading.Thread | None] = [*self._beside]
            waits.append(self._threads.get(lock.key) if lock is not None else None)
        for thread in waits:
            if thread is not None and thread.ident is not None:
                thread.join()
        if lock is None:
            return 0
        with self._guard:
            if venv in self._planted:
                return 0
            self._planted.add(venv)
        store, names = store_dir(cache, lock.key), harness_names(lock)
        planted = plant(venv, store)
        # what the runs compile is kept at finish: for a store no warm-up filled, and for one
        # seeded in this sweep (the driver's bytecode lacked some of what a run imports)
        with self._guard:
            seeded = lock.key in self._seeding
        if seeded or not is_warm(store, identity(venv, names)):
            with self._guard:
                self._pending[venv] = (store, names)
        return planted

    def finish(self) -> int:
        """After the last run: keep what runs compiled for a lock no warm-up filled, or one
        seeded in this sweep."""
        with self._guard:
            pending, self._pending = self._pending, {}
        kept = 0
        for venv, (store, names) in pending.items():
            with contextlib.suppress(OSError):
                kept += harvest(venv, store, names)
        return kept
