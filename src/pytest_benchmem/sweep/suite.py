"""Running the suite in one venv: a fresh cwd, the isolation check, pytest, and collecting.

The run's cwd is a fresh directory holding a copy of the suite (or of ``--copy-dir``), with
PYTHONPATH cleared. pytest writes ``<label>.json.tmp``; it becomes ``<label>.json`` only
once it parses, holds benchmarks and proves (provenance) that our harness in the venv ran.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pytest_benchmem.files import move_atomic
from pytest_benchmem.inrun.gate import EXIT_CODE as GATE_EXIT
from pytest_benchmem.inrun.gate import MARK as GATE_MARK
from pytest_benchmem.inrun.isolation import EXIT_CODE as ISOLATION_EXIT
from pytest_benchmem.inrun.isolation import MARK as ISOLATION_MARK

from .inspect import Inspection, inspect_venv
from .model import Stage, SweepOptions, TargetStatus
from .process import Command, CommandResult, Runner
from .venv import LogDir, Provisioned

_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".git", ".venv", ".nox", ".tox", ".benchmarks", ".pytest_cache"
)


@dataclass(frozen=True)
class RunOutcome:
    """How one suite run ended."""

    status: TargetStatus
    stage: Stage | None
    reason: str | None
    run_path: Path | None
    duration: float = 0.0


def prepare_cwd(options: SweepOptions) -> tuple[Path, Path]:
    """A fresh directory holding a copy of the suite (or of ``copy_dir``); returns (cwd, suite)."""
    cwd = Path(tempfile.mkdtemp(prefix="benchmem-run-")).resolve()
    suite = options.suite.resolve()
    out = options.out.resolve()

    def ignore(directory: str, names: list[str]) -> set[str]:
        # the usual clutter, and the sweep's own --out when it lies inside what is copied
        skipped = set(_IGNORE(directory, names))
        return skipped | {n for n in names if Path(directory, n).resolve() == out}

    if options.copy_dir is not None:
        base = options.copy_dir.resolve()
        shutil.copytree(base, cwd / base.name, ignore=ignore, symlinks=True)
        return cwd, cwd / base.name / suite.relative_to(base)
    if suite.is_dir():
        shutil.copytree(suite, cwd / suite.name, ignore=ignore, symlinks=True)
    else:
        shutil.copy2(suite, cwd / suite.name)
        conftest = suite.parent / "conftest.py"
        if conftest.is_file() and conftest != suite:
            shutil.copy2(conftest, cwd / "conftest.py")
    return cwd, cwd / suite.name


def run_env(base: Mapping[str, str], venv: Path, label: str, spec: str) -> dict[str, str]:
    """The caller's environment, PYTHONPATH cleared, the venv activated, the label passed.

    PYTHONDONTWRITEBYTECODE is dropped too: the venvs are ours and reused, and without their
    bytecode every run would recompile pytest, memray and rich (about 0.5 s a run).
    """
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in base.items() if k not in drop}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), base.get("PATH", "")])
    env["BENCHMEM_LABEL"] = label
    env["BENCHMEM_SPEC"] = spec
    return env


def check_isolation(
    prov: Provisioned,
    *,
    cwd: Path,
    suite: Path,
    env: Mapping[str, str],
    import_check: str | None,
    logs: LogDir,
    runner: Runner,
) -> tuple[str | None, Inspection | None]:
    """Check the target imports from the venv at the expected version; returns (reason, found)."""
    target = prov.target
    if not (target.name or import_check):
        return None, None
    prepend = [str(suite if suite.is_dir() else suite.parent)]
    args = {"name": target.name, "module": import_check, "prepend": prepend}
    found = inspect_venv(
        prov.python, cwd=cwd, env=env, args=args, log=logs.next("isolation"), runner=runner
    )
    if found.error:
        return found.error, found
    name = target.name or found.module or "?"
    installed = found.packages.get(target.name or "", "")
    if target.version and not _same_version(installed, target.version):
        shown = installed or "nothing"
        return f"{name}: expected version {target.version}, the venv has {shown}", found
    if found.import_error:
        return f"cannot import {found.module} in the venv: {found.import_error}", found
    if found.module and not found.in_venv():
        seen = f" (version {found.module_version})" if found.module_version else ""
        want = f"{name} {installed}" if installed else name
        return (
            (
                f"{found.module} imports from {found.file}{seen}, not from the venv "
                f"({want} in {found.prefix}): a local directory shadows the installed package"
            ),
            found,
        )
    return None, found


def _same_version(installed: str, expected: str) -> bool:
    try:
        return Version(installed) == Version(expected)
    except InvalidVersion:
        return installed == expected


def pytest_argv(
    python: Path,
    suite: Path,
    json_path: Path,
    options: SweepOptions,
    plugins: tuple[str, ...] = (),
) -> list[str]:
    """The suite's command line: benchmarks only, JSON out, memory on unless disabled."""
    argv = [str(python), "-m", "pytest", str(suite), "--benchmark-only"]
    for plugin in plugins:
        argv += ["-p", plugin]
    argv.append(f"--benchmark-json={json_path}")
    if options.memory:
        argv.append("--benchmark-memory")
    return [*argv, *options.pytest_args]


_ERROR_LINE = re.compile(r"^E\s+(\w+(?:Error|Exception|Exit|Interrupt)\b:?.*)$")
_COLLECT_LINE = re.compile(r"^ERROR (\S+)")


def pytest_failure(outcome: CommandResult) -> str:
    """A one-line reason for a failed pytest run: exit code, then its most telling line.

    That is the first exception pytest printed (``SyntaxError: ...`` with the file it was
    collecting), a fatal interpreter error, pytest's own ``ERROR:`` usage line, or the tail.
    """
    code = outcome.returncode
    head = f"pytest exit code {code}"
    if code < 0:
        with_name = next((s.name for s in signal.Signals if s.value == -code), None)
        head += f" ({with_name})" if with_name else ""
    if code == 5:
        return f"{head}: no tests ran (none collected, or all deselected)"
    lines = [line.rstrip() for line in outcome.output.splitlines() if line.strip()]
    fatal = "Fatal Python error:"
    for i, line in enumerate(lines):
        if fatal in line:
            return f"{head}: {line[line.index(fatal) :]}"
        if line.startswith("ERROR: usage:"):  # argparse: the error line follows the usage
            usage = next((x for x in lines[i:] if ": error: " in x), line)
            return f"{head}: {usage.split(': error: ', 1)[-1]}"
        if line.startswith("ERROR: "):
            return f"{head}: {line.removeprefix('ERROR: ')}"
    error = next((m.group(1) for m in map(_ERROR_LINE.match, lines) if m), None)
    if error is not None:
        where = next((m.group(1) for m in map(_COLLECT_LINE.match, lines) if m), None)
        return f"{head}: {error}" + (f" (collecting {where})" if where else "")
    return f"{head}: {outcome.tail(3)}"


def run_suite(
    prov: Provisioned,
    *,
    cwd: Path,
    suite: Path,
    options: SweepOptions,
    env: Mapping[str, str],
    logs: LogDir,
    runner: Runner,
    plugins: tuple[str, ...] = (),
    pass_fds: tuple[int, ...] = (),
    held: Callable[[], float] | None = None,
) -> RunOutcome:
    """Run pytest in the venv and collect ``<out>/<label>.json``.

    ``pass_fds`` stay open in pytest (the out directory's lock: an orphaned run holds it;
    the gate's socket). ``held`` is the time waited at the gate, not counted by ``--timeout``.
    """
    final = options.out / f"{prov.label}.json"
    tmp = final.with_name(final.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        argv = pytest_argv(prov.python, suite, tmp, options, plugins)
        if options.profile and options.memory:  # with --rounds: round 1 only (its memory)
            captures = options.captures_dir(prov.label)
            shutil.rmtree(captures, ignore_errors=True)  # no stale capture of an earlier run
            argv.append(f"--benchmark-memory-profile={captures}")
        command = Command(tuple(argv), cwd, logs.next("run"), env, options.timeout, pass_fds, held)
        outcome = runner(command)
        took = outcome.duration
        if outcome.timed_out:
            reason = f"timed out after {options.timeout:g}s (--timeout); its processes were killed"
            return RunOutcome(TargetStatus.TIMEOUT, Stage.RUN, reason, None, took)
        if outcome.returncode in (ISOLATION_EXIT, GATE_EXIT):  # our in-run plugins stopped it
            mark = ISOLATION_MARK if outcome.returncode == ISOLATION_EXIT else GATE_MARK
            line = next((x for x in outcome.output.splitlines() if x.startswith(mark)), "")
            reason = line.removeprefix(mark) or pytest_failure(outcome)
            stage = Stage.ISOLATION if mark == ISOLATION_MARK else Stage.RUN
            return RunOutcome(TargetStatus.FAILED, stage, reason, None, took)
        if outcome.returncode not in (0, 1):
            return RunOutcome(TargetStatus.FAILED, Stage.RUN, pytest_failure(outcome), None, took)
        problem, count = validate_run(tmp, prov.venv, memory=options.memory)
        if outcome.returncode == 1:
            if problem or not count:
                reason = f"{pytest_failure(outcome)}; no benchmarks ran"
                return RunOutcome(TargetStatus.FAILED, Stage.RUN, reason, None, took)
            move_atomic(tmp, final)
            reason = f"some tests failed (pytest exit code 1); {count} benchmarks kept"
            return RunOutcome(TargetStatus.PARTIAL, None, reason, final, took)
        if problem:
            return RunOutcome(TargetStatus.FAILED, Stage.COLLECT, problem, None, took)
        move_atomic(tmp, final)
        return RunOutcome(TargetStatus.OK, None, None, final, took)
    finally:
        tmp.unlink(missing_ok=True)


def validate_run(path: Path, venv: Path, *, memory: bool) -> tuple[str | None, int]:
    """Check a run JSON with the readers' own validation (what ``compare``/``plot`` will
    accept), then that the harness in ``venv`` wrote it and, with ``memory``, measured."""
    from pytest_benchmem.errors import SchemaError
    from pytest_benchmem.runmodel import parse_run, read_json

    try:
        if path.is_file() and path.stat().st_size == 0:  # pytest-benchmark had nothing to save
            return "no benchmarks ran (no test used the benchmark fixture)", 0
        run = parse_run(read_json(path), path)
    except FileNotFoundError:
        return "pytest wrote no benchmark JSON", 0
    except OSError as exc:
        return f"the benchmark JSON cannot be read: {exc}", 0
    except SchemaError as exc:
        if not path.exists():
            return "pytest wrote no benchmark JSON", 0
        return str(exc).replace(str(path), path.name), 0
    harness = run.provenance.get("harness")
    where = harness.get("path") if isinstance(harness, dict) else None
    if not isinstance(where, str):
        return "the run has no benchmem provenance: the injected harness did not run", 0
    prefix = os.path.realpath(venv).rstrip("/") + "/"
    if not os.path.realpath(where).startswith(prefix):
        return f"the harness ran from {where}, not from the venv {venv}", 0
    if memory and not any(b.memory for b in run.benchmarks):
        return "no benchmark carries memory measurements (extra_info.benchmem)", 0
    return None, len(run.benchmarks)
