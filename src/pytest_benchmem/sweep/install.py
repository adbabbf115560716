"""Installing a target into its new venv: the locked harness offline, then the target.

``install_target`` installs the sweep's harness lock (``harnesslock``) with ``--no-deps`` from
uv's cache and resolves only the target and the pins, with the lock as constraints. When the
target needs other versions than the lock, ``install_resolving`` does what a venv of its own
needs: one resolution with the harness pinned to the driver's versions, else a free one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .harness import mentions_pin
from .harnesslock import HarnessLock
from .process import Command, CommandResult, Runner

if TYPE_CHECKING:
    from pathlib import Path

    from .spec import Target
    from .venv import LogDir, ProvisionConfig


def install_target(
    target: Target, cfg: ProvisionConfig, python: Path, logs: LogDir, runner: Runner
) -> tuple[list[CommandResult], str, str | None]:
    """The locked harness offline, then the target against it: (results, resolution, note).

    The resolution is ``"conflict"`` when the target needs other versions than the lock has
    (the caller then resolves it on its own in a clean venv).
    """
    lock = cfg.locks.get(cfg.lock_request(), cfg.cache, logs.path.parent, runner)
    if isinstance(lock, str):
        done, resolution = install_resolving(target, cfg, python, logs, runner)
        return done, resolution, f"the harness could not be locked ({lock}): resolved on its own"
    done = install_locked(target, cfg, python, logs, runner, lock=lock)
    if done[-1].ok or not lock.conflicts(done[-1].output):
        return done, "locked", None
    note = (
        f"{target.spec} needs other versions than the locked harness: resolved its venv on its "
        f"own (see {done[-1].command.log.name})"
    )
    return done, "conflict", note


def install_locked(
    target: Target,
    cfg: ProvisionConfig,
    python: Path,
    logs: LogDir,
    runner: Runner,
    *,
    lock: HarnessLock,
) -> list[CommandResult]:
    """The lock with ``--no-deps`` offline (online only when uv's cache lacks a wheel), then
    the target and pins resolved with the lock as constraints."""
    base = (cfg.uv, "pip", "install", "--python", str(python), *cfg.source_args())
    harness = ("--no-deps", "-r", str(lock.path), str(cfg.harness.wheel))
    where = python.parent
    done = [runner(Command((*base, "--offline", *harness), where, logs.next("harness"), cfg.env))]
    if not done[-1].ok:  # a wheel not in uv's cache (pruned, never fetched): the same list
        done.append(runner(Command((*base, *harness), where, logs.next("harness"), cfg.env)))
        if not done[-1].ok:
            return done
    # the harness is in place: its bytecode compiles beside the rest of provisioning
    venv, root = python.parent.parent, logs.path.parent
    cfg.warmups.start(lock, venv, cache=cfg.cache, env=cfg.env, logs=root, runner=runner)
    # requirements after "--": a pin (or target) can never be read by uv as an option
    tail = ("-c", str(lock.path), "--", target.install, *cfg.pins)
    done.append(runner(Command((*base, *tail), where, logs.next("install"), cfg.env)))
    return done


def install_resolving(
    target: Target, cfg: ProvisionConfig, python: Path, logs: LogDir, runner: Runner
) -> tuple[list[CommandResult], str]:
    """One resolution with the harness pinned; on a harness conflict, a free one."""
    base = [cfg.uv, "pip", "install", "--python", str(python), *cfg.source_args()]
    tail = [target.install, *cfg.pins]
    wheel = str(cfg.harness.wheel)
    pinned = runner(
        Command(
            (*base, "--", *tail, *cfg.harness.pins, wheel),
            python.parent,
            logs.next("install"),
            cfg.env,
        )
    )
    if pinned.ok or not mentions_pin(pinned.output, cfg.harness):
        return [pinned], "pinned"
    free = runner(
        Command((*base, "--", *tail, wheel), python.parent, logs.next("install-free"), cfg.env)
    )
    return [pinned, free], "free"
