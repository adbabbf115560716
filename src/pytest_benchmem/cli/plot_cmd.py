"""``benchmem plot``: render an interactive plotly view of one or more runs to a file.

Thin layer over ``pytest_benchmem.plotting`` (imported inside the command, so ``benchmem
--help`` stays fast and a missing ``[plot]`` extra is a one-line error, not a traceback).
"""

from __future__ import annotations

import re
import webbrowser
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pytest_benchmem.modes import ALLOW_MIXED_FLAG, ALLOW_MIXED_HELP

from . import app
from .choices import VIEWS, completer, stats

if TYPE_CHECKING:
    from pytest_benchmem.runmodel import Run

PLOTS_DIR = Path(".benchmarks") / "plots"


class MetricName(StrEnum):
    """The metrics ``--metric`` accepts (``memory`` is an alias of ``peak``)."""

    TIME = "time"
    PEAK = "peak"
    ALLOCATED = "allocated"
    ALLOCATIONS = "allocations"
    RSS = "rss"
    MEMORY = "memory"


def default_output(
    view: str, metric: str, labels: tuple[str, ...], stat: str | None = None
) -> Path:
    """``.benchmarks/plots/<view>-<metric>[-<stat>]-<first label>[-<last label>].html``."""
    ends = labels[:1] + labels[-1:] if len(labels) > 1 else labels
    names = (metric, stat) if stat else (metric,)
    parts = [view, *names, *(re.sub(r"[^A-Za-z0-9._+-]+", "_", label) for label in ends)]
    return PLOTS_DIR / ("-".join(parts) + ".html")


@app.command(
    "plot", help="Render an interactive plotly view from one or more pytest-benchmark runs."
)
def plot(
    *,
    runs: Annotated[
        list[Path],
        typer.Argument(metavar="RUNS", help="pytest-benchmark JSON file(s).", show_default=False),
    ],
    metric: Annotated[
        MetricName,
        typer.Option(
            metavar="[time|peak|allocated|allocations|memory]",
            help="Metric: time | peak | allocated | allocations | memory (memory is an alias "
            "of peak; pair with --stat for a distribution).",
        ),
    ] = MetricName.TIME,
    stat: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            autocompletion=completer(stats),
            help="Distribution stat over each benchmark's per-repeat series (min | max | mean "
            "| median | stddev; for time also pytest-benchmark's iqr, q1, q3, ...). Default: "
            "the headline value.",
            show_default=False,
        ),
    ] = None,
    view: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            autocompletion=completer(VIEWS),
            help="compare | scatter | sweep | scaling (default: by count).",
            show_default=False,
        ),
    ] = None,
    facet: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Dim to facet by.", show_default=False)
    ] = None,
    x: Annotated[
        str | None,
        typer.Option(
            "--x", metavar="TEXT", help="scaling: dim for the x-axis.", show_default=False
        ),
    ] = None,
    clip: Annotated[
        float | None,
        typer.Option(metavar="FLOAT", help="Clamp the colour scale.", show_default=False),
    ] = None,
    label: Annotated[
        list[str] | None,
        typer.Option(
            "--label",
            "-l",
            metavar="TEXT",
            help="Series label per run, in order (repeat). Default: stem.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="PATH", help="HTML out.", show_default=False),
    ] = None,
    open_: Annotated[bool, typer.Option("--open/--no-open")] = False,
    where: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="Keep only benchmarks whose dim KEY equals VALUE (repeatable, all must hold).",
            show_default=False,
        ),
    ] = None,
    pivot: Annotated[
        str | None,
        typer.Option(
            metavar="DIM",
            help="Fold ONE run along a dim (e.g. param:impl): its values become the runs.",
            show_default=False,
        ),
    ] = None,
    color: Annotated[
        str | None,
        typer.Option(metavar="DIM", help="scaling: dim to colour lines by.", show_default=False),
    ] = None,
    log_x: Annotated[
        bool | None,
        typer.Option(
            "--log-x/--linear-x",
            help="x-axis scale; unset: log when the values span more than a decade.",
            show_default=False,
        ),
    ] = None,
    log_y: Annotated[
        bool | None,
        typer.Option(
            "--log-y/--linear-y",
            help="y-axis scale; unset: log when the values span more than a decade.",
            show_default=False,
        ),
    ] = None,
    y_zero: Annotated[
        bool, typer.Option("--y-zero", help="scaling: start a linear y-axis at zero.")
    ] = False,
    free_axes: Annotated[
        str | None,
        typer.Option(
            metavar="[x|y|both]",
            autocompletion=completer(("x", "y", "both")),
            help="Facets get their own x and/or y range (unset: shared).",
            show_default=False,
        ),
    ] = None,
    band: Annotated[
        str,
        typer.Option(
            metavar="[auto|minmax|none]",
            autocompletion=completer(("auto", "minmax", "none")),
            help="scaling: shade the spread over the repeats (auto: memory passes, on up to 8 "
            "lines; minmax: every line, time's rounds too; none).",
        ),
    ] = "auto",
    allow_mixed_modes: Annotated[
        bool, typer.Option(ALLOW_MIXED_FLAG, help=ALLOW_MIXED_HELP, show_default=False)
    ] = False,
) -> int:
    """Build the view, write it, print what was drawn and where."""
    from pytest_benchmem.modes import check_runs
    from pytest_benchmem.plotting import AxisOptions, build_view, check_output, save_figure
    from pytest_benchmem.runs import load_runs
    from pytest_benchmem.selection import parse_where

    options = AxisOptions(log_x, log_y, y_zero, free_axes, color, band)
    parse_where(where or ())  # a malformed condition fails before any file is read
    if output is not None:
        check_output(output)
    snapshots: list[Path] | list[Run] = list(runs)
    mode_note = None
    if metric.value != "time":  # memory of runs measured differently is refused (or noted)
        snapshots = load_runs(list(runs), label or None)
        mode_note = check_runs(snapshots, allow=allow_mixed_modes)
    result = build_view(
        view,
        snapshots,
        metric=metric.value,
        stat=stat,
        x=x,
        facet=facet,
        clip=clip,
        labels=label or None,
        where=where or (),
        pivot=pivot,
        options=options,
    )
    stat_name = stat.strip().lower() if stat else None  # build_view checked it
    target = output or default_output(result.name, result.metric, result.labels, stat_name)
    save_figure(result.figure, target)
    what = f"{result.metric} ({stat_name})" if stat_name else result.metric
    typer.echo(
        f"{result.name} view of {what}: {result.n_ids} id(s) drawn "
        f"from {len(result.labels)} run(s) -> {target}"
    )
    for note in result.notes:
        typer.echo(f"note: {note}")
    if mode_note:
        typer.echo(mode_note)
    if open_:
        webbrowser.open(target.resolve().as_uri())
    return 0
