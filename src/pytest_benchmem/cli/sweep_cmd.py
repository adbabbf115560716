"""``benchmem sweep``: run a suite across several installed versions of a package.

Thin layer over ``pytest_benchmem.sweep``: merges the command line with
``[tool.benchmem.sweep]`` / ``--config`` (the command line wins), runs the pipeline, prints
the summary table across the labels and the follow-up commands, and sets the exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pytest_benchmem.modes import ALLOW_MIXED_FLAG, ALLOW_MIXED_HELP

from . import app, path_option

if TYPE_CHECKING:
    from pytest_benchmem.sweep.config import SweepConfig

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


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


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
    from pytest_benchmem.sweep.outcome import ReportRequest, cwd_relative, finish
    from pytest_benchmem.sweep.process import terminate_as_interrupt
    from pytest_benchmem.sweep.progress import make_progress
    from pytest_benchmem.sweep.spec import expand_targets

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
    wanted = _report_metrics(report_path, metric, clip)  # before a sweep that may take long
    chosen, extra = expand_targets(
        chosen, cfg, options, flags, echo=typer.echo, keep_order=keep_order
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
    request = (
        ReportRequest(Path(str(report_path)), wanted, clip) if report_path is not None else None
    )
    allow = allow_mixed_modes or bool(cfg.get("allow_mixed_modes"))
    return finish(
        results,
        options,
        request,
        summary_format,
        echo=typer.echo,
        step_summary=step_summary,
        allow_mixed=allow,
    )
