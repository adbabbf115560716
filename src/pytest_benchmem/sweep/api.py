"""The Python API of the sweep: ``provision`` and ``sweep`` over the parts ``run_targets`` uses.

``sweep(["pkg==1.0", "pkg==2.0"], run)`` calls ``run(venv)`` once per provisioned venv (in
order) and returns the labels that failed. Users import these from ``pytest_benchmem.sweep``.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_benchmem.files import write_atomic

from .model import Stage, SweepOptions
from .options import check_options
from .pipeline import provision_all, provision_config
from .process import Runner, SubprocessRunner
from .runone import ready_target
from .spec import parse_targets
from .suite import prepare_cwd, run_env
from .venv import LogDir, ProvisionConfig, Provisioned, cache_root, release_venv


@dataclass(frozen=True)
class Venv:
    """A provisioned target as the API hands it to ``run``.

    Attributes:
        label: the run's label (``1.0`` for ``pkg==1.0``).
        spec: what was installed.
        python: the venv's interpreter.
        env: the environment to run it with (PYTHONPATH cleared, BENCHMEM_LABEL/SPEC set).
        cwd: a fresh directory (holding a copy of ``suite`` when one was given).
        stage: the stage that failed (venv, install, isolation), or None.
        reason: why it failed, or None.
        versions: the installed distributions and versions.
        log_dir: where its commands' logs are.
        suite: the suite's copy inside ``cwd`` (None when no suite was given).
    """

    label: str
    spec: str
    python: Path
    env: Mapping[str, str]
    cwd: Path
    stage: Stage | None = None
    reason: str | None = None
    versions: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path = Path()
    suite: Path | None = None

    @property
    def failed(self) -> bool:
        """True when the venv could not be made ready."""
        return self.stage is not None


def _expand(versions: Sequence[str], package: str | None) -> list[str]:
    """With ``package``, bare versions (``"1.0"``) become ``package==1.0``."""
    if package is None:
        return list(versions)
    return [f"{package}=={v}" if v[:1].isdigit() and "=" not in v else v for v in versions]


def provision(
    versions: Sequence[str],
    *,
    package: str | None = None,
    suite: str | Path | None = None,
    out: str | Path = ".benchmarks/sweep",
    runner: Runner | None = None,
    **options: object,
) -> Iterator[Venv]:
    """Provision one venv per target (in parallel) and yield them in order as ``Venv`` objects.

    ``versions`` are sweep targets (``pkg==1.0``, ``LABEL=SPEC``) or, with ``package``, bare
    versions. Other keywords are ``SweepOptions`` fields: pins, as_of, import_check, copy_dir,
    find_links, index_urls, python, jobs, fresh. Each venv's cwd is a fresh directory (removed
    once the next venv is requested); a failed one has ``stage`` and ``reason`` set.
    """
    opts = check_options(_options(suite, out, options))
    targets = parse_targets(_expand(versions, package))
    run = runner or SubprocessRunner()
    cfg = provision_config(opts, cache_root())
    logs_root = opts.out / "logs"
    provs = provision_all(targets, cfg, logs_root, run, jobs=opts.jobs)
    for prov in provs:
        try:
            if prov.stage is None:  # the harness bytecode, planted; provisioning's work done
                cfg.warmups.ready(prov.venv, prov.lock, cfg.cache)
            with _cwd(opts, with_suite=suite is not None) as (cwd, copy):
                yield _venv(prov, opts, cfg, logs_root / prov.label, run, cwd=cwd, copy=copy)
        finally:
            release_venv(prov)
    cfg.warmups.finish()  # what the caller's runs compiled, kept for the next venvs


@contextlib.contextmanager
def _cwd(options: SweepOptions, *, with_suite: bool) -> Iterator[tuple[Path, Path | None]]:
    """A fresh cwd (holding the suite's copy when there is a suite), removed afterwards."""
    if with_suite:
        cwd, copy = prepare_cwd(options)
    else:
        cwd, copy = Path(tempfile.mkdtemp(prefix="benchmem-run-")), None
    try:
        yield cwd, copy
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


def _venv(
    prov: Provisioned,
    opts: SweepOptions,
    cfg: ProvisionConfig,
    log_dir: Path,
    run: Runner,
    *,
    cwd: Path,
    copy: Path | None,
) -> Venv:
    """The provisioned target made ready exactly as ``run_targets`` makes it (``ready_target``)."""
    stage, reason = prov.stage, prov.reason
    env = run_env(cfg.env, prov.venv, prov.label, prov.target.spec) | opts.env_vars()
    if stage is None:
        count = len(list(log_dir.glob("*.log"))) if log_dir.is_dir() else 0
        ready = ready_target(
            prov, opts, cfg, cwd=cwd, suite=copy or cwd, logs=LogDir(log_dir, count=count),
            runner=run,
        )  # fmt: skip
        env, reason = ready.env, ready.reason
        stage = Stage.ISOLATION if reason else None
    return Venv(
        prov.label, prov.target.spec, prov.python, env, cwd, stage, reason,
        prov.versions, log_dir, copy,
    )  # fmt: skip


def _options(
    suite: str | Path | None, out: str | Path, extra: Mapping[str, object]
) -> SweepOptions:
    # the plan's selection and Python matrix belong to run_targets (benchmem sweep)
    sweep_only = {"pythons", "python_downloads", "only", "shard"}
    known = set(SweepOptions.__dataclass_fields__) - {"suite", "out", "resume", *sweep_only}
    unknown = sorted(set(extra) - known)
    if unknown:
        msg = f"unknown provision option(s): {', '.join(unknown)}"
        raise TypeError(msg)
    values = dict(extra)
    for key in ("pins", "find_links", "index_urls", "pytest_args", "env"):
        if key in values:
            values[key] = tuple(values[key])  # type: ignore[arg-type]
    return SweepOptions(suite=Path(suite or "."), out=Path(out), **values)  # type: ignore[arg-type]


def sweep(
    versions: Sequence[str],
    run: Callable[[Venv], object],
    **provision_kwargs: object,
) -> list[str]:
    """Call ``run(venv)`` for each provisioned target in order; return the failed labels.

    A target fails when it could not be provisioned, when ``run`` returns ``False`` or when it
    raises (the traceback goes to the target's log directory). ``KeyboardInterrupt`` stops.
    """
    failed: list[str] = []
    for venv in provision(versions, **provision_kwargs):  # type: ignore[arg-type]
        if venv.failed:
            failed.append(venv.label)
            continue
        try:
            ok = run(venv)
        except Exception:
            venv.log_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(venv.log_dir / "run-error.log", traceback.format_exc())
            failed.append(venv.label)
            continue
        if ok is False:
            failed.append(venv.label)
    return failed
