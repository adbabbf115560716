"""The sweep pipeline: provision every target in parallel, then run the suites one at a time.

``run_targets`` is what ``benchmem sweep`` (and bisect) call. It writes ``<out>/<label>.json``,
``<out>/logs/<label>/`` and the manifest after every step; Ctrl-C stops the running child,
records what is finished and re-raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from pytest_benchmem.errors import BenchmemError
from pytest_benchmem.files import unwritable, write_atomic

from .harness import build_harness
from .machine import start_probe
from .manifest import read_manifest
from .model import Stage, SweepOptions, TargetResult, TargetStatus
from .options import check_options
from .outlock import hold_out
from .plan import Shard, build_plan
from .process import Runner, SubprocessRunner
from .runall import run_all, settle_warmups
from .runone import SweepState, precheck, run_one, set_aside
from .spec import Target
from .venv import (
    LogDir,
    ProvisionConfig,
    Provisioned,
    cache_root,
)
from .venvspec import tree_fingerprint, venv_spec


class Progress(Protocol):
    """Receives progress events (the CLI shows them live or as plain lines)."""

    def phase(self, text: str) -> None:
        """A new phase starts (provisioning, running)."""

    def update(self, key: str, text: str) -> None:
        """A target (by label or key) moved on."""

    def done(self, result: TargetResult) -> None:
        """A target finished."""


INTERRUPTED = "interrupted before this target finished"
PENDING = "not run yet (the sweep had not reached it when this manifest was written)"


def provision_config(options: SweepOptions, cache: Path | None = None) -> ProvisionConfig:
    """The venv settings every target of a sweep shares (harness built or reused here)."""
    root = cache or cache_root()
    return ProvisionConfig(
        cache=root,
        harness=build_harness(root),
        python=options.python or sys.executable,
        pins=options.pins,
        as_of=options.as_of,
        find_links=tuple(
            str(Path(f).resolve()) if "://" not in f else f for f in options.find_links
        ),
        index_urls=options.index_urls,
        fresh=options.fresh,
    )


def target_config(cfg: ProvisionConfig, target: Target) -> ProvisionConfig:
    """The venv settings of one target (its own interpreter in a Python matrix)."""
    return cfg if target.python is None else replace(cfg, python=target.python)


def provision_all(
    targets: Sequence[Target],
    cfg: ProvisionConfig,
    logs_root: Path,
    runner: Runner,
    *,
    jobs: int,
    on_done: Callable[[Provisioned], None] | None = None,
    reserved: Iterable[str] = (),
    unavailable: Mapping[str, str] | None = None,
) -> list[Provisioned]:
    """Provision ``targets`` in parallel (at most ``jobs`` at once), results in target order.

    A target labelled by its resolved version whose label is taken (by another target or by
    ``reserved``, labels kept from an earlier sweep) fails at install under its own key. A
    target whose interpreter is in ``unavailable`` (python -> reason) fails at venv at once.
    """
    from .venv import provision_target

    taken = {t.label for t in targets if t.label} | set(reserved)
    lock = threading.Lock()
    missing = unavailable or {}

    def one(target: Target) -> Provisioned:
        logs = LogDir(logs_root / target.key)
        if logs.path.exists():
            shutil.rmtree(logs.path)
        if target.python in missing:
            prov = _no_python(target, logs, missing[str(target.python)])
        else:
            prov = provision_target(target, target_config(cfg, target), logs, runner)
        if getattr(runner, "stopped", False):  # uv was stopped by Ctrl-C: not a failure
            raise KeyboardInterrupt
        if prov.label != target.key:  # learned from the install: claim it, or fail
            with lock:
                clash = prov.label in taken
                taken.add(prov.label)
            if clash:
                msg = f"resolved label {prov.label!r} duplicates another target: name it LABEL=SPEC"
                prov = replace(prov, label=target.key, stage=Stage.INSTALL, reason=msg)
            else:
                logs.move(logs_root / prov.label)
        if on_done is not None:
            on_done(prov)
        return prov

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="benchmem-provision")
    futures: list[Future[Provisioned]] = [pool.submit(one, t) for t in targets]
    try:
        results = [f.result() for f in futures]
    except BaseException:
        for f in futures:
            f.cancel()
        if isinstance(runner, SubprocessRunner):
            runner.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _no_python(target: Target, logs: LogDir, reason: str) -> Provisioned:
    """A target of a Python matrix whose interpreter uv did not find: failed at venv."""
    logs.path.mkdir(parents=True, exist_ok=True)
    write_atomic(logs.next("python"), f"# {reason}\n")
    python = Path(str(target.python))
    return Provisioned(target, target.label or target.key, python, python, {}, Stage.VENV, reason)


def run_fingerprint(target: Target, cfg: ProvisionConfig, options: SweepOptions) -> str:
    """What must be unchanged for ``--resume`` to keep a finished run."""
    data: dict[str, object] = {
        "venv": venv_spec(target, target_config(cfg, target)),
        "suite": str(options.suite.resolve()),
        # what each run copies (the suite, or --copy-dir), without the sweep's own output
        "suite_tree": tree_fingerprint(
            (options.copy_dir or options.suite).resolve(), exclude=options.out.resolve()
        ),
        "copy_dir": str(options.copy_dir) if options.copy_dir else None,
        "memory": options.memory,
        "pytest_args": list(options.pytest_args),
        "env": list(options.env),
        "import_check": options.import_check,
    }
    if options.rounds != 1:  # kept out otherwise: earlier sweeps' fingerprints stay valid
        data["rounds"] = options.rounds
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _pending(target: Target, logs_root: Path, fingerprint: str) -> TargetResult:
    label = target.label or target.key
    return TargetResult(
        label, target.spec, TargetStatus.SKIPPED, None, PENDING, None, logs_root / label, {}, {},
        fingerprint=fingerprint,
    )  # fmt: skip


def run_targets(
    targets: Sequence[str],
    options: SweepOptions,
    *,
    manifest: str = "sweep.json",
    progress: Progress | None = None,
    runner: Runner | None = None,
    extra: Mapping[str, object] | None = None,
) -> list[TargetResult]:
    """Provision (parallel, reused), run the suite in each venv (one at a time), collect.

    Returns one ``TargetResult`` per target, in order. With ``options.resume`` a target whose
    run is complete and unchanged keeps its earlier result. ``KeyboardInterrupt`` propagates
    after the manifest records what finished. ``extra`` adds top-level manifest keys.
    """
    options = check_options(options)
    run = runner or SubprocessRunner()
    cfg = provision_config(options)
    plan = build_plan(targets, options, runner=run, uv=cfg.uv, env=cfg.env)
    shard = Shard.parse(options.shard) if options.shard else None
    picked = plan.select(options.only, shard)
    parsed = [plan.targets[i] for i in picked]
    unavailable = {
        str(t.python): str(i.error)
        for t, i in zip(plan.targets, plan.interpreters, strict=True)
        if i is not None and i.error
    }
    logs_root = options.out / "logs"
    options.out.mkdir(parents=True, exist_ok=True)
    fps = [run_fingerprint(t, cfg, options) for t in parsed]
    previous = read_manifest(options.out / manifest) if options.resume else {}
    state = SweepState(
        options, cfg, options.out / manifest, run, progress, [], extra, None, plan, picked
    )
    state.results = [_pending(t, logs_root, fp) for t, fp in zip(parsed, fps, strict=True)]
    expect = getattr(progress, "expect", None)  # a live display lists targets in order
    if callable(expect):
        expect([t.label or t.key for t in parsed])
    todo: list[int] = []
    for i, (target, fp) in enumerate(zip(parsed, fps, strict=True)):
        old = previous.get(target.label or "") or next(
            (r for r in previous.values() if r.spec == target.spec), None
        )
        if _complete(old, fp):
            assert old is not None
            state.results[i] = old
            state.tell(old.label, f"{old.status} (kept from the earlier sweep)")
            continue
        todo.append(i)
    with hold_out(options.out) as lock:
        state.lock = lock
        try:
            if todo:  # with --resume everything may be done already
                _execute(state, [parsed[i] for i in todo], todo, logs_root, unavailable)
                cfg.warmups.finish()  # after the last run: what the runs compiled, kept
        except KeyboardInterrupt:
            _stopped(state, INTERRUPTED)
            raise
        except (OSError, BenchmemError) as exc:  # e.g. a full disk: say which file
            error = exc if isinstance(exc, BenchmemError) else unwritable(exc)
            _stopped(state, f"not run: the sweep stopped: {error}")
            raise error from None
        finally:
            with contextlib.suppress(OSError, BenchmemError):  # the disk may still be full
                state.save()
    return state.recorded()


def _stopped(state: SweepState, reason: str) -> None:
    """Say in the manifest why the targets still pending did not run."""
    state.results = [
        replace(r, reason=reason) if r.status is TargetStatus.SKIPPED and r.reason == PENDING else r
        for r in state.results
    ]


def _complete(old: TargetResult | None, fingerprint: str) -> bool:
    """True when an earlier result can stand: finished, same fingerprint, its run still there."""
    if old is None or not old.ok or old.fingerprint != fingerprint or old.run_path is None:
        return False
    return old.run_path.is_file()


def _same_python(python: str) -> bool:
    return os.path.realpath(python) == os.path.realpath(sys.executable)


def _machine_info(
    state: SweepState, probe: tuple[Path, threading.Thread | None] | None
) -> Path | None:
    """The cpuinfo cache file once the probe is done (None: let pytest-benchmark probe)."""
    if probe is None:
        return None
    path, thread = probe
    if thread is not None:
        thread.join()
    return path if path.is_file() else None


def _execute(
    state: SweepState,
    targets: list[Target],
    slots: list[int],
    logs_root: Path,
    unavailable: Mapping[str, str],
) -> None:
    probe = start_probe(state.cfg.cache) if _same_python(state.cfg.python) and targets else None
    if state.progress is not None:
        state.progress.phase(f"provisioning {len(targets)} venv(s)")
    kept = {r.label for i, r in enumerate(state.results) if i not in slots}
    provs = provision_all(
        targets,
        state.cfg,
        logs_root,
        state.runner,
        jobs=state.options.jobs,
        reserved=kept,
        on_done=lambda p: _provisioned(state, p),
        unavailable=unavailable,
    )
    state.machine = _machine_info(state, probe)
    for slot, prov in zip(slots, provs, strict=True):
        state.results[slot] = replace(
            state.results[slot], label=prov.label, log_dir=logs_root / prov.label
        )
    state.save()
    settle_warmups(state, provs)  # no warm-up compiles beside a measurement
    if state.progress is not None:
        state.progress.phase("running suites")
    if state.options.rounds > 1:
        _interleave(state, slots, provs, logs_root)
        return
    run_all(state, slots, provs, logs_root)


def _interleave(
    state: SweepState, slots: list[int], provs: list[Provisioned], logs_root: Path
) -> None:
    """``--rounds N``: every target N times, alternating, then each one's rounds combined."""
    from .rounds import run_interleaved

    rounds = state.options.rounds
    previous = {
        s: set_aside(state.options.out / f"{p.label}.json")
        for s, p in zip(slots, provs, strict=True)
    }
    fingerprints = {id(p): state.results[s].fingerprint for s, p in zip(slots, provs, strict=True)}
    # memory is exact: round 1 measures it, the later rounds time only (much cheaper)
    timing = replace(state, options=replace(state.options, memory=False, profile=False))

    def run_round(prov: Provisioned, number: int) -> TargetResult:
        state.tell(prov.label, f"round {number} of {rounds}")
        return run_one(state if number == 1 else timing, prov, logs_root, fingerprints[id(prov)])

    def update(slot: int, result: TargetResult) -> None:
        state.results[slot] = result
        state.save()

    pairs = list(zip(slots, provs, strict=True))
    for slot, result in run_interleaved(pairs, rounds, state.options.out, run_round, update):
        if result.ok:
            previous[slot].unlink(missing_ok=True)
        state.results[slot] = result
        state.save()
        if state.progress is not None:
            state.progress.done(result)


def _provisioned(state: SweepState, prov: Provisioned) -> None:
    key = prov.target.label or prov.target.key
    rename = getattr(state.progress, "rename", None)
    if prov.label != key and callable(rename):
        rename(key, prov.label)
    ready = f"venv {'reused' if prov.reused else 'ready'}"
    if prov.note:
        ready = f"{ready}: {prov.note}"
    state.tell(prov.label, f"failed at {prov.stage}" if prov.stage else ready)
    precheck(state, prov, state.options.out / "logs")  # while the others are provisioned
