"""One target's run inside a sweep: the sweep's state, the per-target setup, the suite run.

``SweepState`` is what one ``run_targets`` call carries; ``ready_target`` is the one per-target
setup (environment, in-run plugins, isolation check) shared with the ``provision`` API;
``run_one`` runs a provisioned target's suite and turns the outcome into a ``TargetResult``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_benchmem.inrun.isolation import ISOLATION_ENV
from pytest_benchmem.inrun.isolation import settings as isolation_settings

from .gate import GATE_PLUGIN, GateEnd
from .machine import CPUINFO_ENV
from .manifest import write_manifest
from .model import Stage, SweepOptions, TargetResult, TargetStatus
from .plan import Plan, plan_record
from .process import Runner
from .suite import check_isolation, prepare_cwd, run_env, run_suite
from .venv import LogDir, ProvisionConfig, Provisioned
from .venvcache import record, recorded

if TYPE_CHECKING:
    from .pipeline import Progress


@dataclass
class SweepState:
    """The state of one ``run_targets`` call."""

    options: SweepOptions
    cfg: ProvisionConfig
    manifest: Path
    runner: Runner
    progress: Progress | None
    results: list[TargetResult]
    extra: Mapping[str, object] | None = None
    machine: Path | None = None  # cached cpuinfo for pytest-benchmark's machine_info
    plan: Plan | None = None
    picked: Sequence[int] = ()  # the plan entries this sweep (or shard) runs
    lock: int | None = None  # the out directory's lock, inherited by each suite run

    def save(self) -> None:
        h = self.cfg.harness
        harness: dict[str, object] = {"version": h.version, "digest": h.digest}
        harness |= {"source": str(h.source), "wheel": str(h.wheel), "pins": list(h.pins)}
        locks = self.cfg.locks.made()  # resolved once per interpreter, installed offline
        if locks:
            harness["locked"] = [
                {"file": str(lock.path), "requirements": list(lock.requirements)} for lock in locks
            ]
        extra = dict(self.extra or {})
        if self.plan is not None:
            extra |= plan_record(self.plan, self.picked, self.options)
        write_manifest(self.manifest, self.recorded(), self.options, harness=harness, extra=extra)

    def recorded(self) -> list[TargetResult]:
        """The results, each with its interpreter in ``extra["python"]`` in a Python matrix."""
        if self.plan is None:
            return list(self.results)
        interps = [self.plan.interpreters[i] for i in self.picked]
        return [
            r if p is None else replace(r, extra={**r.extra, "python": p.to_json()})
            for r, p in zip(self.results, interps, strict=True)
        ]

    def tell(self, key: str, text: str) -> None:
        if self.progress is not None:
            self.progress.update(key, text)


@dataclass(frozen=True)
class Ready:
    """A provisioned target made ready to run: its environment, in-run plugins, or why not."""

    env: dict[str, str]
    plugins: tuple[str, ...]
    reason: str | None  # the isolation check failed


def ready_target(
    prov: Provisioned,
    options: SweepOptions,
    cfg: ProvisionConfig,
    *,
    cwd: Path,
    suite: Path,
    logs: LogDir,
    runner: Runner,
    machine: Path | None = None,
) -> Ready:
    """The one per-target setup behind both ``run_targets`` and the ``provision`` API.

    The run's environment (``--env`` included), the in-run plugins, and the isolation check.
    """
    env = run_env(cfg.env, prov.venv, prov.label, prov.target.spec)
    env.update(options.env_vars())
    plugins: tuple[str, ...] = ()
    if machine is not None:
        env[CPUINFO_ENV] = str(machine)
        plugins = ("pytest_benchmem.inrun.machine",)
    check = isolation_check(prov, options)
    known = passed_before(prov, check)
    if known is not None:  # a venv that passed this check (and is whole): in-run only
        env[ISOLATION_ENV] = isolation_settings(*known)
        return Ready(env, (*plugins, "pytest_benchmem.inrun.isolation"), None)
    reason, found = check_isolation(
        prov,
        cwd=cwd,
        suite=suite,
        env=env,
        import_check=options.import_check,
        logs=logs,
        runner=runner,
    )
    if reason is None and found is not None and found.module and found.prefix:
        # the same check once more inside the run, after pytest set up its sys.path
        env[ISOLATION_ENV] = isolation_settings(found.module, found.prefix)
        plugins = (*plugins, "pytest_benchmem.inrun.isolation")
        passed = {"check": check, "module": found.module, "prefix": found.prefix}
        record(prov.venv, "isolation", passed)
    return Ready(env, plugins, reason)


def isolation_check(prov: Provisioned, options: SweepOptions) -> dict[str, object]:
    """What the isolation check of ``prov`` checks (a recorded pass holds for this only)."""
    return {"name": prov.target.name, "import_check": options.import_check}


def passed_before(prov: Provisioned, check: Mapping[str, object]) -> tuple[str, str] | None:
    """(module, prefix) of the isolation check the venv passed before, for ``check``.

    Recorded in the venv when it passed: during provisioning (``precheck``) or an earlier
    run. A reused venv is whole (``venvcache.damage``: its recorded site-packages entries,
    each distribution's ``dist-info`` with its version, are all there), so the check would
    find what it found then; the in-run check still runs in every run, with the suite copied
    anew (a local directory that shadows the package is caught there).
    """
    known = recorded(prov.venv, "isolation")
    if not isinstance(known, dict) or known.get("check") != check:
        return None
    module, prefix = known.get("module"), known.get("prefix")
    if isinstance(module, str) and isinstance(prefix, str) and module and prefix:
        return module, prefix
    return None


def precheck(state: SweepState, prov: Provisioned, logs_root: Path) -> None:
    """The isolation check of a newly provisioned venv, right away (in the provisioning
    thread, in parallel with the others, before any suite runs). A pass is recorded in the
    venv and its run skips the check; a failure is left to the run, which checks again and
    reports it."""
    if prov.stage is not None or passed_before(prov, isolation_check(prov, state.options)):
        return
    log_dir = logs_root / prov.label
    logs = LogDir(log_dir, count=len(list(log_dir.glob("*.log"))) if log_dir.is_dir() else 0)
    cwd, suite = prepare_cwd(state.options)
    try:
        ready_target(
            prov, state.options, state.cfg, cwd=cwd, suite=suite, logs=logs, runner=state.runner
        )
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


def run_one(
    state: SweepState,
    prov: Provisioned,
    logs_root: Path,
    fingerprint: str,
    gate: GateEnd | None = None,
) -> TargetResult:
    """Run ``prov``'s suite once (isolation check first) and say how it went.

    With ``gate`` the run waits after collection until the driver opens it (``sweep.gate``);
    its durations then say ``startup`` (start to the gate opening) and ``run`` (after it).
    """
    log_dir = logs_root / prov.label
    durations = dict(prov.durations)

    def result(
        status: TargetStatus, stage: Stage | None, reason: str | None, run: Path | None
    ) -> TargetResult:
        return TargetResult(
            prov.label, prov.target.spec, status, stage, reason, run, log_dir, prov.versions,
            durations, prov.resolution, prov.reused, fingerprint,
            {"note": prov.note} if prov.note else {},
        )  # fmt: skip

    if prov.stage is not None:
        return result(TargetStatus.FAILED, prov.stage, prov.reason, None)
    logs = LogDir(log_dir, count=len(list(log_dir.glob("*.log"))) if log_dir.is_dir() else 0)
    cwd, suite = prepare_cwd(state.options)
    # the lock's bytecode, compiled while provisioning, planted (provisioning's work done)
    state.cfg.warmups.ready(prov.venv, prov.lock, state.cfg.cache)
    try:
        state.tell(prov.label, "isolation check")
        ready = ready_target(
            prov, state.options, state.cfg, cwd=cwd, suite=suite, logs=logs,
            runner=state.runner, machine=state.machine,
        )  # fmt: skip
        if ready.reason is not None:
            return result(TargetStatus.FAILED, Stage.ISOLATION, ready.reason, None)
        env, plugins = ready.env, ready.plugins
        fds = () if state.lock is None else (state.lock,)
        if gate is not None:
            env, plugins, fds = env | gate.env(), (*plugins, GATE_PLUGIN), (*fds, gate.fd)
        state.tell(
            prov.label, "running the suite" if gate is None else "starting (measured in turn)"
        )
        began = time.monotonic()
        ran = run_suite(
            prov,
            cwd=cwd,
            suite=suite,
            options=state.options,
            env=env,
            logs=logs,
            runner=state.runner,
            plugins=plugins,
            pass_fds=fds,
            held=None if gate is None else gate.held,
        )
        durations["run"] = ran.duration
        if gate is not None:  # the wait at the gate is start-up, not the run
            opened = gate.opened_at
            startup = ran.duration if opened is None else min(ran.duration, opened - began)
            durations["startup"] = startup
            durations["run"] = ran.duration - startup
        return result(ran.status, ran.stage, ran.reason, ran.run_path)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


def set_aside(run: Path) -> Path:
    """Move an earlier sweep's ``<label>.json`` to ``<label>.json.previous`` before a rerun.

    A rerun that fails must not leave the old result under the label (``compare DIR`` and
    ``plot DIR`` would read it as this sweep's); it stays readable under the new name.
    Returns the ``.previous`` path (which exists only if something was set aside, now or
    by an earlier failed rerun).
    """
    previous = run.with_name(run.name + ".previous")
    if run.is_file():
        run.replace(previous)
    return previous
