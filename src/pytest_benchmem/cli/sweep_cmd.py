"""``benchmem sweep``: run a suite across several installed versions of a package.

Thin layer over ``pytest_benchmem.sweep``: merges the command line with
``[tool.benchmem.sweep]`` / ``--config`` (the command line wins), runs the pipeline, prints
the summary table across the labels and the follow-up commands, and sets the exit code.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pytest_benchmem.modes import ALLOW_MIXED_FLAG, ALLOW_MIXED_HELP

from . import app, path_option

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
    targets: list[str],
    config: SweepConfig,
    options: SweepOptions,
    flags: dict[str, object],
    *,
    keep_order: bool = False,
) -> tuple[list[str], dict[str, object] | None]:
    """``pkg --last 3`` and friends become ``pkg==X`` targets (printed, kept for the manifest);
    targets listed by hand are put in version order (``_version_order``)."""
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
        keep = keep_order or bool(config.get("keep_order"))
        return _version_order(targets, keep=keep), None
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


def _version_order(targets: list[str], *, keep: bool) -> list[str]:
    """Pinned versions given out of order are sorted oldest -> newest (or kept), with a note:
    the change column compares each run with the first one."""
    from pytest_benchmem.sweep.spec import parse_targets, version_order

    order = version_order(parse_targets(targets)) if targets else None
    if order is None:
        return targets
    given = ", ".join(targets)
    if keep:
        note = f"targets not in version order ({given}): kept as given (--keep-order)"
        typer.echo(f"benchmem sweep: note: {note}", err=True)
        return targets
    ordered = [targets[i] for i in order]
    typer.echo(
        f"benchmem sweep: note: targets sorted oldest → newest ({', '.join(ordered)}); "
        "pass --keep-order to keep the order given",
        err=True,
    )
    return ordered


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _follow_up(paths: list[Path], memory: bool) -> None:
    shown = " ".join(shlex.quote(_cwd_relative(p)) for p in paths)
    metric = "peak" if memory else "time"
    if len(paths) == 1:  # compare and plot's views need two runs: say what would give them
        typer.echo(
            f"Next: only one run ({shown}); comparing needs two or more: fix the failed "
            "target(s) and rerun with --resume, or add targets"
        )
        return
    typer.echo("Next:")
    typer.echo(f"  benchmem compare {shown} --metric {metric}")
    typer.echo(f"  benchmem plot {shown} --metric {metric}")


def _cwd_relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _attribution(results: list[TargetResult], *, err: bool = False) -> list[Any]:
    """Print where the peak moved between consecutive versions (``--profile`` runs)."""
    from pytest_benchmem.attribution import CHANGE_THRESHOLD, changed_between
    from pytest_benchmem.attribution.report import brief
    from pytest_benchmem.errors import BenchmemError

    runs = [(r.label, r.run_path) for r in results if r.ok and r.run_path is not None]
    try:
        diffs = changed_between(runs)
    except BenchmemError as exc:
        typer.echo(f"benchmem sweep: no attribution: {exc}", err=True)
        return []
    if diffs:
        typer.echo(
            f"Where the peak moved (sites live at the peak, peaks changed > "
            f"{CHANGE_THRESHOLD:.0%}):",
            err=err,
        )
        for diff in diffs:
            for line in brief(diff):
                typer.echo(f"  {line}", err=err)
    return diffs


@dataclass(frozen=True)
class ReportRequest:
    """``--report FILE`` and what it draws: ``--metric`` (several; default peak and time),
    ``--clip``."""

    path: Path
    metrics: tuple[str, ...] = ()
    clip: float | None = None


def failed_lines(results: Sequence[TargetResult]) -> list[str]:
    """``LABEL: reason`` for each failed target (the report lists them)."""
    return [
        f"{r.label}: {r.describe_failure().removeprefix(r.label + ' ')}"
        for r in results
        if not r.ok
    ]


def _report(
    paths: list[Path],
    labels: list[str],
    request: ReportRequest,
    results: Sequence[TargetResult],
    attribution: Sequence[Any] = (),
    *,
    memory: bool = True,
    err: bool = False,
) -> bool:
    """Write the sweep view; a failure is reported without losing the sweep's outcome."""
    from pytest_benchmem.errors import BenchmemError

    failed = failed_lines(results)
    try:
        from pytest_benchmem.plotting import write_sweep_report

        written = write_sweep_report(
            paths,
            request.path,
            # memory refused (not measured, or runs measured differently): time alone
            metric=(request.metrics or None) if memory else "time",
            labels=labels,
            attribution=attribution,
            clip=request.clip,
            failed=failed,
        )
    except BenchmemError as exc:
        typer.echo(f"benchmem sweep: no report: {exc}", err=True)
        return False
    typer.echo(f"Report: {_cwd_relative(written)}", err=err)
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
    from pytest_benchmem.sweep.model import TargetStatus

    failed = [r for r in results if not r.ok]
    for r in results:
        if r.extra.get("note"):
            typer.echo(f"benchmem sweep: note: {r.label}: {r.extra['note']}", err=True)
        if r.status is TargetStatus.PARTIAL:
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
        typer.Option(
            help="Where runs, logs and sweep.json go.",
            show_default=".benchmarks/sweep",
            parser=path_option,
            metavar="DIR",
        ),
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
    summary: Annotated[
        str | None,
        typer.Option(
            metavar="[md]",
            help="Print a GitHub-flavoured markdown summary instead of the tables (stdout is the "
            "markdown alone: redirect it into a file or a pull request comment).",
            show_default=False,
        ),
    ] = None,
    step_summary: Annotated[
        bool,
        typer.Option(
            "--step-summary/--no-step-summary",
            help="When $GITHUB_STEP_SUMMARY is set (GitHub Actions), append the markdown "
            "summary to it.",
        ),
    ] = True,
    timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Stop a target's suite run after this long (it is marked timeout; the "
            "others go on).",
            show_default="no limit",
        ),
    ] = None,
    keep_order: Annotated[
        bool,
        typer.Option(
            "--keep-order",
            help="Keep pinned versions in the order given (else they are sorted oldest → "
            "newest, with a note).",
        ),
    ] = False,
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
    metric: Annotated[
        list[str] | None,
        typer.Option(
            metavar="METRIC",
            help="With --report: the metric(s) it draws (repeatable; peak, time, allocated, "
            "allocations, ...).",
            show_default="peak and time (time alone with --no-memory)",
        ),
    ] = None,
    clip: Annotated[
        float | None,
        typer.Option(
            metavar="LOG2",
            help="With --report: clamp the heatmap's colour scale to ±LOG2 (2 = ×4 / ×1/4).",
            show_default="the data's range",
        ),
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
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Keep each benchmark's memray capture under OUT/captures/LABEL/ (benchmem "
            "diff / flamegraph); the summary and report show where the peak moved.",
        ),
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
    allow_mixed_modes: Annotated[
        bool, typer.Option(ALLOW_MIXED_FLAG, help=ALLOW_MIXED_HELP, show_default=False)
    ] = False,
) -> int:
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.summary import check_format
    from pytest_benchmem.sweep import SweepOptions, run_targets
    from pytest_benchmem.sweep.config import load_config
    from pytest_benchmem.sweep.process import terminate_as_interrupt
    from pytest_benchmem.sweep.progress import make_progress

    summary_format = check_format(summary) if summary is not None else None
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
        timeout=_seconds(_pick(timeout, cfg, "timeout")),
        jobs=_int(jobs, cfg, "jobs", 4),
        rounds=_int(rounds, cfg, "rounds", 1),
        fresh=fresh,
        resume=resume,
        profile=bool(profile or cfg.get("profile")),
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
    elif metric or clip is not None:
        msg = "--metric and --clip shape the report: they need --report FILE"
        raise UsageError(msg)
    if clip is not None and clip <= 0:
        msg = f"--clip {clip:g}: must be a positive number of log2 units"
        raise UsageError(msg)
    from pytest_benchmem.metrics import canonical_metric

    wanted = tuple(canonical_metric(m) for m in metric or ())
    chosen, extra = _expand_policy(chosen, cfg, options, flags, keep_order=keep_order)
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
        where = _cwd_relative(options.out.resolve())
        typer.echo(
            f"benchmem sweep: interrupted; finished runs and sweep.json are kept in {where} "
            "(rerun with --resume to continue)",
            err=True,
        )
        raise SystemExit(130) from None  # said what is kept; no second message
    progress.close()
    request = (
        ReportRequest(Path(str(report_path)), wanted, clip) if report_path is not None else None
    )
    allow = allow_mixed_modes or bool(cfg.get("allow_mixed_modes"))
    return _finish(
        results,
        options,
        request,
        summary_format,
        step_summary=step_summary,
        allow_mixed=allow,
    )


def _finish(
    results: list[TargetResult],
    options: SweepOptions,
    report: ReportRequest | None,
    summary: str | None,
    *,
    step_summary: bool,
    allow_mixed: bool = False,
) -> int:
    """Everything after the runs: tables (or the markdown summary), report, exit code."""
    from pytest_benchmem.summary import STEP_SUMMARY, append_step_summary

    memory = options.memory
    mode_note, refused = _modes(results, allow=allow_mixed) if memory else (None, False)
    memory = memory and not refused  # runs measured differently: times only, exit 2
    markdown = None
    if summary is not None or (step_summary and os.environ.get(STEP_SUMMARY)):
        markdown = _markdown(results, options, memory=memory)
    if summary is not None and markdown is not None:  # stdout is the markdown alone
        typer.echo(markdown, nl=False)
        paths = [r.run_path for r in results if r.ok and r.run_path is not None]
    else:
        paths = _summary(results, memory)
    quiet = summary is not None
    if mode_note:
        typer.echo(mode_note, err=quiet)
    reported = True
    diffs = _attribution(results, err=quiet) if options.profile and memory else []
    if not paths and report is not None:
        typer.echo("benchmem sweep: no report: no target produced a run", err=True)
    if paths:
        if summary is None:
            _follow_up(paths, memory)
        if report is not None:
            labels = [r.label for r in results if r.ok and r.run_path is not None]
            reported = _report(paths, labels, report, results, diffs, memory=memory, err=quiet)
    manifest = _cwd_relative(options.out.resolve() / "sweep.json")
    typer.echo(f"Manifest: {manifest}", err=quiet)
    if step_summary and markdown is not None:
        written = append_step_summary(markdown)
        if written is not None:
            typer.echo(f"benchmem sweep: summary appended to ${STEP_SUMMARY}", err=True)
    sys.stdout.flush()
    code = _outcome(results)
    code = max(code, 2) if refused else code
    return code if reported else max(code, 1)


def _modes(results: list[TargetResult], *, allow: bool) -> tuple[str | None, bool]:
    """(a note, refused): the finished runs' memory measurements checked in one place.

    Runs measured differently (a resumed sweep, a per-target PYTHONMALLOC, another memray)
    are refused with one line (their times are still shown) unless ``allow``."""
    from pytest_benchmem.modes import MixedModesError, check_runs
    from pytest_benchmem.runs import load_runs

    done = [r for r in results if r.ok and r.run_path is not None]
    if len(done) < 2:
        return None, False
    runs = load_runs([r.run_path for r in done if r.run_path], [r.label for r in done])
    try:
        return check_runs(runs, allow=allow), False
    except MixedModesError as exc:
        typer.echo(f"benchmem sweep: error: {exc.message}", err=True)
        return None, True


def _markdown(results: list[TargetResult], options: SweepOptions, *, memory: bool) -> str:
    """The sweep's markdown summary: a table per metric, the failed targets."""
    from pytest_benchmem.origins import by_python, machines_note
    from pytest_benchmem.runs import load_runs
    from pytest_benchmem.summary import markdown_summary

    done = [r for r in results if r.ok and r.run_path is not None]
    runs = load_runs([r.run_path for r in done if r.run_path], [r.label for r in done])
    groups = by_python(runs) if runs else []
    failed = [
        f"`{r.label}` {r.describe_failure().removeprefix(r.label + ' ')}"
        for r in results
        if not r.ok
    ]
    partial = [f"`{r.label}` partial: {r.reason}" for r in results if r.ok and r.reason]
    note = machines_note(runs) if runs else None
    rounds = f", {options.rounds} interleaved rounds" if options.rounds > 1 else ""
    return markdown_summary(
        runs,
        ("peak", "time") if memory else ("time",),
        title=f"benchmem sweep: {len(results)} target{'s' * (len(results) != 1)}{rounds}",
        groups=groups,
        failed=failed,
        notes=[*partial, *([note] if note else [])],
    )
