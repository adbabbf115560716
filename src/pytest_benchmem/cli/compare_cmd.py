"""``benchmem compare``: a per-id table across two or more runs, and an optional CI gate.

Thin layer over ``runs`` (reading), ``compare`` (table model and gate) and ``render``
(terminal / markdown / CSV). Thresholds are parsed before any file is read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from . import app
from .choices import FORMATS, complete_metrics, completer, sorts, stats


@app.command(
    "compare",
    help="Print a per-id comparison table across two or more runs (and optionally gate CI).",
)
def compare(
    *,
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Two or more pytest-benchmark runs, oldest → newest (a sweep is N).",
            metavar="RUNS",
            show_default=False,
        ),
    ],
    metric: Annotated[
        str,
        typer.Option(
            metavar="[time|peak|allocated|allocations|memory]",
            autocompletion=complete_metrics,
            help="Metric: time | peak | allocated | allocations | memory (memory is an alias "
            "of peak; pair with --stat for a distribution).",
        ),
    ] = "time",
    stat: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            autocompletion=completer(stats),
            help="Distribution stat over each benchmark's per-repeat series (min | max | mean "
            "| median | stddev) for peak/allocated/allocations. Default: the headline value.",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            metavar="TEXT",
            autocompletion=completer(sorts),
            help="Row order: name (id) | value (largest in the last run) | change.",
        ),
    ] = "name",
    csv: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="Also write the raw (unscaled) comparison to this CSV file.",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            metavar="TEXT",
            help="Exit non-zero on a regression of the first run vs the last. "
            "FIELD:THRESHOLD, repeatable — e.g. --fail-on peak:10% --fail-on peak:5MiB.",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="TEXT",
            autocompletion=completer(FORMATS),
            help="Output: text (a table for the terminal) | md (a markdown table for a pull "
            "request).",
        ),
    ] = "text",
) -> int:
    from pytest_benchmem.compare import check_metric_stat, check_sort, compare_runs, gate
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.origins import by_python, machines_note
    from pytest_benchmem.render import render_table, to_csv, to_markdown
    from pytest_benchmem.runs import gc_paused, load_runs
    from pytest_benchmem.units import parse_threshold

    # Every option is checked before any file is read: a typo never costs a slow load. The
    # metric is a plain string validated here (not a typer enum) so a bad one is a one-line
    # UsageError like every other option.
    thresholds = [parse_threshold(rule) for rule in fail_on or ()]
    name, stat_name = check_metric_stat(metric, stat)
    order = check_sort(sort)
    if format_ not in FORMATS:
        msg = f"unknown format {format_!r} (choose from {' | '.join(FORMATS)})"
        raise UsageError(msg)
    if csv is not None and csv.is_dir():
        example = str(csv / "compare.csv")
        msg = f"--csv {str(csv)!r} is a directory; give a file path such as {example!r}"
        raise UsageError(msg)
    with gc_paused():  # a short-lived command building many objects: no GC passes needed
        loaded = load_runs(runs)
        if len(loaded) < 2:
            msg = f"compare needs two or more runs, got {len(loaded)} ({loaded[0].path})"
            raise UsageError(msg, hint="pass several files, or a directory of runs")
        groups = by_python(loaded)
        out = sys.stdout
        for python, group in groups:
            if python:  # a Python matrix: one table (and one gate) per interpreter
                out.write(f"{'### ' if format_ == 'md' else ''}Python: {python}\n\n")
            if len(group) < 2:
                out.write(f"(one run only: {group[0].label})\n\n")
                continue
            comparison = compare_runs(group, name, stat_name, order)
            out.write(to_markdown(comparison) if format_ == "md" else render_table(comparison))
            if python:
                out.write("\n")
        note = machines_note(loaded) if name == "time" else None
        if note:
            out.write(f"{'> ' if format_ == 'md' else ''}{note}\n")
        if csv is not None:
            to_csv(compare_runs(loaded, name, stat_name, order), csv)
            sys.stderr.write(f"benchmem: wrote {csv}\n")
        if not thresholds:
            return 0
        results = [gate(g[0], g[-1], thresholds) for _, g in groups if len(g) > 1]
    for result in results:
        out.write("\n" + result.summary() + "\n")
    return 0 if all(r.ok for r in results) else 1
