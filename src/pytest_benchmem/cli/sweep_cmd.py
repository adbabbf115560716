"""``benchmem sweep``: run a suite across several installed versions of a package.

Thin layer over ``pytest_benchmem.sweep``: merges the command line with
``[tool.benchmem.sweep]`` / ``--config`` (the command line wins), runs the pipeline, prints
the summary table across the labels and the follow-up commands, and sets the exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .sweep_params import (
    AllowMixedModes,
    AsOf,
    CopyDir,
    EachMinor,
    Env,
    FindLinks,
    ImportCheck,
    IndexUrls,
    Jobs,
    KeepOrder,
    Last,
    Memory,
    Pins,
    Profile,
    PytestArgs,
    PythonDownloads,
    Report,
    Rounds,
    Since,
    Suite,
    SweepOut,
    SweepPre,
    SweepPythons,
    Targets,
    Timeout,
    Until,
)

_PANEL_SHARD = "Plan and shard (CI matrices; then benchmem merge)"


def _report_metrics(
    report: object, metric: list[str] | None, clip: float | None
) -> tuple[str, ...]:
    """The metrics ``--report`` draws; UsageError when the report flags cannot work."""
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.metrics import canonical_metric
    from pytest_benchmem.sweep.outcome import check_report

    if report is not None:
        check_report(Path(str(report)))
    elif metric or clip is not None:
        msg = "--metric and --clip shape the report: they need --report FILE"
        raise UsageError(msg)
    if clip is not None and clip <= 0:
        msg = f"--clip {clip:g}: must be a positive number of log2 units"
        raise UsageError(msg)
    return tuple(canonical_metric(m) for m in metric or ())


@app.command("sweep", help="Run a benchmark suite across several installed versions of a package.")
def sweep(
    *,
    targets: Targets = None,
    suite: Suite = None,
    out: SweepOut = None,
    memory: Memory = None,
    pins: Pins = None,
    as_of: AsOf = None,
    import_check: ImportCheck = None,
    copy_dir: CopyDir = None,
    pytest_args: PytestArgs = None,
    env: Env = None,
    find_links: FindLinks = None,
    index_urls: IndexUrls = None,
    pythons: SweepPythons = None,
    python_downloads: PythonDownloads = False,
    jobs: Jobs = None,
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
    timeout: Timeout = None,
    keep_order: KeepOrder = False,
    rounds: Rounds = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Rebuild venvs instead of reusing them.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip targets whose run is complete and unchanged.")
    ] = False,
    report: Report = None,
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
    last: Last = None,
    each_minor: EachMinor = False,
    since: Since = None,
    until: Until = None,
    pre: SweepPre = False,
    profile: Profile = False,
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
    allow_mixed_modes: AllowMixedModes = False,
) -> int:
    given = dict(locals())  # the parameters by name, as settings.merge takes them
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.summary import check_format
    from pytest_benchmem.sweep import run_targets
    from pytest_benchmem.sweep.config import load_config
    from pytest_benchmem.sweep.outcome import ReportRequest, cwd_relative, finish
    from pytest_benchmem.sweep.process import terminate_as_interrupt
    from pytest_benchmem.sweep.progress import make_progress
    from pytest_benchmem.sweep.settings import SWEEP, merge
    from pytest_benchmem.sweep.spec import expand_targets

    summary_format = check_format(summary) if summary is not None else None
    cfg = load_config(config)
    merged = merge(SWEEP, given, cfg)
    suite_path = merged.path("suite")
    if suite_path is None:
        msg = "no suite given: pass --suite PATH or set suite in [tool.benchmem.sweep]"
        raise UsageError(msg)
    one_python = merged.text("python")
    matrix = merged.texts("pythons") or ((one_python,) if one_python else ())
    options = merged.options(
        suite=suite_path,
        python=matrix[0] if len(matrix) == 1 else None,
        pythons=matrix if len(matrix) > 1 else (),
        only=tuple(only or ()),
        shard=shard,
        fresh=fresh,
        resume=resume,
    )
    chosen = list(merged.texts("targets"))
    flags = {name: merged.get(name) for name in ("last", "each_minor", "since", "until", "pre")}
    report_path = merged.path("report")
    wanted = _report_metrics(report_path, metric, clip)  # before a sweep that may take long
    chosen, extra = expand_targets(
        chosen, options, flags, echo=typer.echo, keep_order=merged.flag("keep_order")
    )
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
        where = cwd_relative(options.out.resolve())
        typer.echo(
            f"benchmem sweep: interrupted; finished runs and sweep.json are kept in {where} "
            "(rerun with --resume to continue)",
            err=True,
        )
        raise SystemExit(130) from None  # said what is kept; no second message
    progress.close()
    request = ReportRequest(report_path, wanted, clip) if report_path is not None else None
    allow = merged.flag("allow_mixed_modes")
    return finish(
        results,
        options,
        request,
        summary_format,
        echo=typer.echo,
        step_summary=step_summary,
        allow_mixed=allow,
    )
