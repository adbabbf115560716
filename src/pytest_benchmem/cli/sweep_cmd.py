"""``benchmem sweep``: run a suite across several installed versions of a package.

Thin layer over ``pytest_benchmem.sweep``: merges the command line with
``[tool.benchmem.sweep]`` / ``--config`` (the command line wins), runs the pipeline, prints
the summary table across the labels and the follow-up commands, and sets the exit code.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app

if TYPE_CHECKING:
    from pytest_benchmem.sweep.config import SweepConfig
    from pytest_benchmem.sweep.model import SweepOptions, TargetResult

_PANEL_SOURCES = "Provisioning"
_PANEL_POLICY = "Version policies (instead of listing targets)"
_PANEL_SHARD = "Plan and shard (CI matrices; then benchmem merge)"


def _pick(cli: object, config: SweepConfig, key: str, default: object = None) -> object:
    """The command line's value when given, else the config file's, else ``default``."""
    if cli not in (None, [], ()):
        return cli
    value = config.get(key)
    return default if value is None else value


def _text(cli: str | Path | None, config: SweepConfig, key: str) -> str | None:
    value = _pick(cli, config, key)
    return None if value is None else str(value)


def _int(cli: int | None, config: SweepConfig, key: str, default: int) -> int:
    value = _pick(cli, config, key, default)
    return value if isinstance(value, int) else default


def _texts(cli: list[str] | None, config: SweepConfig, key: str) -> tuple[str, ...]:
    value = _pick(cli, config, key, [])
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _expand_policy(
    targets: list[str], config: SweepConfig, options: SweepOptions, flags: dict[str, object]
) -> tuple[list[str], dict[str, object] | None]:
    """``pkg --last 3`` and friends become ``pkg==X`` targets (printed, kept for the manifest)."""
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.sweep.releases import (
        Sources,
        expand_policy,
        has_policy,
        interpreter_version,
    )

    last = flags["last"]
    policy = {
        "last": last if isinstance(last, int) else None,
        "each_minor": bool(flags["each_minor"]),
        "since": flags["since"] if isinstance(flags["since"], str) else None,
        "until": flags["until"] if isinstance(flags["until"], str) else None,
    }
    if not has_policy(**policy):  # type: ignore[arg-type]
        if flags["pre"]:
            msg = "--pre applies to a version policy (--last/--each-minor/--since/--until)"
            raise UsageError(msg)
        return targets, None
    if len(targets) != 1 or any(c in targets[0] for c in "=<>@/ "):
        msg = "a version policy (--last/--each-minor/--since/--until) takes one bare package name"
        raise UsageError(msg)
    sources = Sources(options.find_links, options.index_urls, options.as_of)
    logs = options.out / "logs" / "sweep"
    # Requires-Python is checked against the venvs' interpreter, not necessarily this one
    python_version = interpreter_version(options.python, logs) if options.python else None
    expansion = expand_policy(
        targets[0],
        sources,
        pre=bool(flags["pre"]),
        python_version=python_version,
        **policy,  # type: ignore[arg-type]
    )
    typer.echo(f"benchmem sweep: {expansion.describe()}", err=True)
    for note in expansion.notes:
        typer.echo(f"benchmem sweep: note: {note}", err=True)
    return list(expansion.targets), {"expansion": expansion.to_json()}


def _summary(results: list[TargetResult], memory: bool) -> list[Path]:
    """Print the comparison tables across the finished runs; return their paths."""
    from pytest_benchmem.compare import compare_runs
    from pytest_benchmem.errors import BenchmemError
    from pytest_benchmem.origins import by_python, machines_note
    from pytest_benchmem.render import render_table
    from pytest_benchmem.runs import load_runs

    done = [r for r in results if r.ok and r.run_path is not None]
    paths = [r.run_path for r in done if r.run_path is not None]
    if not paths:
        return []
    runs = load_runs(paths, [r.label for r in done])
    for python, group in by_python(runs):
        if python:  # a Python matrix: the versions compared under each interpreter
            typer.echo(f"Python: {python}")
        for metric in ("peak", "time") if memory else ("time",):
            try:
                typer.echo(render_table(compare_runs(group, metric)))
            except BenchmemError as exc:
                typer.echo(f"benchmem sweep: no {metric} table: {exc}", err=True)
    note = machines_note(runs)
    if note:
        typer.echo(note)
    return paths


def _follow_up(paths: list[Path], memory: bool) -> None:
    shown = " ".join(shlex.quote(_short(p)) for p in paths)
    metric = "peak" if memory else "time"
    typer.echo("Next:")
    typer.echo(f"  benchmem compare {shown} --metric {metric}")
    typer.echo(f"  benchmem plot {shown} --metric {metric}")


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _report(paths: list[Path], labels: list[str], report: Path, memory: bool) -> bool:
    """Write the sweep view; a failure is reported without losing the sweep's outcome."""
    from pytest_benchmem.errors import BenchmemError

    try:
        from pytest_benchmem.plotting import write_sweep_report

        metric = "peak" if memory else "time"
        written = write_sweep_report(paths, report, metric=metric, labels=labels)
    except BenchmemError as exc:
        typer.echo(f"benchmem sweep: no report: {exc}", err=True)
        return False
    typer.echo(f"Report: {_short(written)}")
    return True


def check_report(report: Path) -> None:
    """UsageError when ``--report`` could never be written (a directory, a file as parent)."""
    import importlib.util

    from pytest_benchmem.errors import PLOT_HINT, UsageError

    if report.is_dir():
        msg = f"--report {report}: is a directory"
        raise UsageError(msg)
    parent = report.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        msg = f"--report {report}: {parent} is a file, not a directory"
        raise UsageError(msg)
    if importlib.util.find_spec("plotly") is None:
        msg = "--report needs plotly, which is not installed"
        raise UsageError(msg, hint=PLOT_HINT)


def show_results(results: list[TargetResult], memory: bool, command: str) -> int:
    """The summary tables and the failures, as a sweep prints them (``benchmem merge`` too);
    returns the exit code."""
    paths = _summary(results, memory)
    if paths:
        _follow_up(paths, memory)
    sys.stdout.flush()
    return _outcome(results, command)


def _outcome(results: list[TargetResult], command: str = "sweep") -> int:
    from pytest_benchmem.sweep.model import Status

    failed = [r for r in results if not r.ok]
    for r in results:
        if r.extra.get("note"):
            typer.echo(f"benchmem sweep: note: {r.label}: {r.extra['note']}", err=True)
        if r.status is Status.PARTIAL:
            typer.echo(
                f"benchmem {command}: {r.label} partial: {r.reason} (logs: {r.log_dir})", err=True
            )
    if not failed:
        return 0
    typer.echo(f"benchmem {command}: {len(failed)} of {len(results)} target(s) failed:", err=True)
    for r in failed:
        typer.echo(f"  {r.describe_failure()}", err=True)
    return 1


@app.command("sweep", help="Run a benchmark suite across several installed versions of a package.")
def sweep(
    *,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Targets, oldest → newest: pkg==1.0 (label 1.0), a wheel file (its version), "
            "a bare pkg or pkg>=2 (the version resolved), LABEL=./project-dir, "
            "LABEL='pkg @ URL'.",
            show_default=False,
        ),
    ] = None,
    suite: Annotated[
        Path | None,
        typer.Option(help="The benchmark suite (file or directory).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Where runs, logs and sweep.json go.", show_default=".benchmarks/sweep"),
    ] = None,
    memory: Annotated[
        bool | None,
        typer.Option("--memory/--no-memory", help="Measure memory.", show_default="memory"),
    ] = None,
    pin: Annotated[
        list[str] | None,
        typer.Option(
            help="Extra requirement in every venv (repeatable).", rich_help_panel=_PANEL_SOURCES
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Resolve as of YYYY-MM-DD (uv --exclude-newer).", rich_help_panel=_PANEL_SOURCES
        ),
    ] = None,
    import_check: Annotated[
        str | None,
        typer.Option(help="Module to check imports from the venv.", show_default="derived"),
    ] = None,
    copy_dir: Annotated[
        Path | None, typer.Option(help="Directory copied into each run's cwd (holds the suite).")
    ] = None,
    pytest_arg: Annotated[
        list[str] | None, typer.Option(help="Token passed to pytest (repeatable).")
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option(help="NAME=VALUE set for every run, e.g. PYTHONMALLOC=malloc (repeatable)."),
    ] = None,
    find_links: Annotated[
        list[str] | None,
        typer.Option(
            help="Local wheels directory for uv (repeatable).", rich_help_panel=_PANEL_SOURCES
        ),
    ] = None,
    index_url: Annotated[
        list[str] | None,
        typer.Option(help="Package index URL for uv (repeatable).", rich_help_panel=_PANEL_SOURCES),
    ] = None,
    python: Annotated[
        list[str] | None,
        typer.Option(
            help="Interpreter for the venvs (a path or a uv request such as 3.12). Repeat it "
            "for a Python matrix: every target runs under each, labelled LABEL-py3.12.",
            show_default="this one",
            rich_help_panel=_PANEL_SOURCES,
        ),
    ] = None,
    python_downloads: Annotated[
        bool,
        typer.Option(
            "--python-downloads",
            help="Let uv download a matrix interpreter it cannot find.",
            rich_help_panel=_PANEL_SOURCES,
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Venvs provisioned in parallel.", show_default="4", rich_help_panel=_PANEL_SOURCES
        ),
    ] = None,
    rounds: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Run every suite N times, the targets alternating (A B A B ...), and combine "
            "each target's rounds: machine drift hits every version alike.",
            show_default="1",
        ),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Rebuild venvs instead of reusing them.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip targets whose run is complete and unchanged.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="Also write the sweep view to this HTML file.", show_default=False),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Settings file (sweep.toml or a pyproject.toml).", show_default=False),
    ] = None,
    last: Annotated[
        int | None, typer.Option(help="The last N releases.", rich_help_panel=_PANEL_POLICY)
    ] = None,
    each_minor: Annotated[
        bool,
        typer.Option(
            "--each-minor", help="The latest patch of each minor.", rich_help_panel=_PANEL_POLICY
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(help="Releases from this version on.", rich_help_panel=_PANEL_POLICY),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Releases up to this version.", rich_help_panel=_PANEL_POLICY)
    ] = None,
    pre: Annotated[
        bool, typer.Option("--pre", help="Include pre-releases.", rich_help_panel=_PANEL_POLICY)
    ] = False,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Print the plan (targets x interpreters, labels) and run nothing.",
            rich_help_panel=_PANEL_SHARD,
        ),
    ] = False,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="[table|json]",
            help="--plan output: table, or json (a list a CI matrix takes with fromJSON).",
            rich_help_panel=_PANEL_SHARD,
        ),
    ] = "table",
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Run only the plan entry with this label (repeatable).",
            rich_help_panel=_PANEL_SHARD,
            show_default=False,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            metavar="K/N",
            help="Run only slice K of N of the plan (entries K, K+N, ...).",
            rich_help_panel=_PANEL_SHARD,
            show_default=False,
        ),
    ] = None,
) -> int:
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.sweep import SweepOptions, run_targets
    from pytest_benchmem.sweep.config import load_config
    from pytest_benchmem.sweep.process import terminate_as_interrupt
    from pytest_benchmem.sweep.progress import make_progress

    cfg = load_config(config)
    suite_value = _pick(suite, cfg, "suite")
    if suite_value is None:
        msg = "no suite given: pass --suite PATH or set suite in [tool.benchmem.sweep]"
        raise UsageError(msg)
    use_memory = bool(_pick(memory, cfg, "memory", default=True))
    copied = _text(copy_dir, cfg, "copy_dir")
    one_python = _text(None, cfg, "python")
    pythons = _texts(python, cfg, "pythons") or ((one_python,) if one_python else ())
    options = SweepOptions(
        suite=Path(str(suite_value)),
        out=Path(_text(out, cfg, "out") or ".benchmarks/sweep"),
        memory=use_memory,
        pins=_texts(pin, cfg, "pins"),
        as_of=_text(as_of, cfg, "as_of"),
        import_check=_text(import_check, cfg, "import_check"),
        copy_dir=Path(copied) if copied else None,
        pytest_args=_texts(pytest_arg, cfg, "pytest_args"),
        env=_texts(env, cfg, "env"),
        find_links=_texts(find_links, cfg, "find_links"),
        index_urls=_texts(index_url, cfg, "index_urls"),
        python=pythons[0] if len(pythons) == 1 else None,
        pythons=pythons if len(pythons) > 1 else (),
        python_downloads=python_downloads or bool(cfg.get("python_downloads")),
        only=tuple(only or ()),
        shard=shard,
        jobs=_int(jobs, cfg, "jobs", 4),
        rounds=_int(rounds, cfg, "rounds", 1),
        fresh=fresh,
        resume=resume,
    )
    chosen = list(_texts(targets, cfg, "targets"))
    flags = {
        "last": _pick(last, cfg, "last"),
        "each_minor": each_minor or bool(cfg.get("each_minor")),
        "since": _text(since, cfg, "since"),
        "until": _text(until, cfg, "until"),
        "pre": pre or bool(cfg.get("pre")),
    }
    report_path = _pick(report, cfg, "report")
    if report_path is not None:
        check_report(Path(str(report_path)))  # before a sweep that may take long
    chosen, extra = _expand_policy(chosen, cfg, options, flags)
    if plan:
        from pytest_benchmem.sweep.plan import show_plan

        typer.echo(show_plan(chosen, options, format_), nl=False)
        return 0
    if format_ != "table":
        msg = "--format applies to --plan (the sweep's own summary is always a table)"
        raise UsageError(msg)
    progress = make_progress()
    try:
        with terminate_as_interrupt():  # a cancelled CI job stops like Ctrl-C
            results = run_targets(chosen, options, progress=progress, extra=extra)
    except KeyboardInterrupt:
        progress.close()
        where = _short(options.out.resolve())
        typer.echo(
            f"benchmem sweep: interrupted; finished runs and sweep.json are kept in {where} "
            "(rerun with --resume to continue)",
            err=True,
        )
        raise SystemExit(130) from None  # said what is kept; no second message
    progress.close()
    paths = _summary(results, use_memory)
    reported = True
    if not paths and report_path is not None:
        typer.echo("benchmem sweep: no report: no target produced a run", err=True)
    if paths:
        _follow_up(paths, use_memory)
        if report_path is not None:
            labels = [r.label for r in results if r.ok and r.run_path is not None]
            reported = _report(paths, labels, Path(str(report_path)), use_memory)
    typer.echo(f"Manifest: {_short(options.out.resolve() / 'sweep.json')}")
    sys.stdout.flush()
    code = _outcome(results)
    return code if reported else max(code, 1)
