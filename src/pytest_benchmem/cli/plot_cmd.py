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
from .params import option

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
        option(
            "Distribution stat over each benchmark's per-repeat series (min | max | mean "
            "| median | stddev; for time also pytest-benchmark's iqr, q1, q3, ...). Default: "
            "the headline value.",
            metavar="TEXT",
            autocompletion=completer(stats),
        ),
    ] = None,
    view: Annotated[
        str | None,
        option(
            "compare | scatter | sweep | scaling (default: by count).",
            metavar="TEXT",
            autocompletion=completer(VIEWS),
        ),
    ] = None,
    facet: Annotated[str | None, option("Dim to facet by.", metavar="TEXT")] = None,
    x: Annotated[
        str | None,
        option("scaling: dim for the x-axis.", "--x", metavar="TEXT"),
    ] = None,
    clip: Annotated[
        float | None,
        option("Clamp the colour scale.", metavar="FLOAT"),
    ] = None,
    label: Annotated[
        list[str] | None,
        option(
            "Series label per run, in order (repeat). Default: stem.",
            "--label",
            "-l",
            metavar="TEXT",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        option("HTML out.", "--output", "-o", metavar="PATH"),
    ] = None,
    open_: Annotated[bool, typer.Option("--open/--no-open")] = False,
    where: Annotated[
        list[str] | None,
        option(
            "Keep only benchmarks whose dim KEY equals VALUE (repeatable, all must hold).",
            metavar="KEY=VALUE",
        ),
    ] = None,
    pivot: Annotated[
        str | None,
        option(
            "Fold ONE run along a dim (e.g. param:impl): its values become the runs.", metavar="DIM"
        ),
    ] = None,
    color: Annotated[
        str | None,
        option("scaling: dim to colour lines by.", metavar="DIM"),
    ] = None,
    log_x: Annotated[
        bool | None,
        option(
            "x-axis scale; unset: log when the values span more than a decade.",
            "--log-x/--linear-x",
        ),
    ] = None,
    log_y: Annotated[
        bool | None,
        option(
            "y-axis scale; unset: log when the values span more than a decade.",
            "--log-y/--linear-y",
        ),
    ] = None,
    y_zero: Annotated[
        bool, typer.Option("--y-zero", help="scaling: start a linear y-axis at zero.")
    ] = False,
    free_axes: Annotated[
        str | None,
        option(
            "Facets get their own x and/or y range (unset: shared).",
            metavar="[x|y|both]",
            autocompletion=completer(("x", "y", "both")),
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
    allow_mixed_modes: Annotated[bool, option(ALLOW_MIXED_HELP, ALLOW_MIXED_FLAG)] = False,
) -> int:
    """Build the view, write it, print what was drawn and where."""
    from pytest_benchmem.modes import check_runs
    from pytest_benchmem.plotting import AxisOptions, build_view, check_output, save_figure
    from pytest_benchmem.runs import clear_cache, gc_paused, load_runs
    from pytest_benchmem.selection import parse_where

    options = AxisOptions(log_x, log_y, y_zero, free_axes, color, band)
    parse_where(where or ())  # a malformed condition fails before any file is read
    if output is not None:
        check_output(output)
    with gc_paused():  # a short-lived command building many objects: no GC passes needed
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
        save_figure(result.drawing, target)
        # one-shot: the runs are freed when this returns, not traversed by the interpreter's
        # final garbage collection (about 0.1 s of CPU for 15,000 benchmarks)
        clear_cache()
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
