"""``benchmem compare``: a per-id table across two or more runs, and an optional CI gate.

Thin layer over ``runs`` (reading), ``compare`` (table model and gate) and ``render``
(terminal / markdown / CSV). Thresholds are parsed before any file is read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pytest_benchmem.modes import ALLOW_MIXED_FLAG, ALLOW_MIXED_HELP

from . import app
from .choices import FORMATS, complete_metrics, completer, sorts, stats
from .params import option

if TYPE_CHECKING:
    from pytest_benchmem.runmodel import Run
    from pytest_benchmem.sections import Report


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
        option(
            "Distribution stat over each benchmark's per-repeat series (min | max | mean "
            "| median | stddev) for peak/allocated/allocations. Default: the headline value.",
            metavar="TEXT",
            autocompletion=completer(stats),
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
        option("Also write the raw (unscaled) comparison to this CSV file.", metavar="PATH"),
    ] = None,
    fail_on: Annotated[
        list[str] | None,
        option(
            "Exit non-zero on a regression of the first run vs the last. "
            "FIELD:THRESHOLD, repeatable — e.g. --fail-on peak:10% --fail-on peak:5MiB.",
            metavar="TEXT",
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        option(
            "Keep only benchmarks whose dim KEY equals VALUE (repeatable, all must hold; "
            "numbers compare as numbers), e.g. --where param:impl=c.",
            metavar="KEY=VALUE",
        ),
    ] = None,
    group_by: Annotated[
        str | None,
        option(
            "Sub-tables by module | class | func | group | param:NAME (comma list); "
            "--sort orders rows within each.",
            metavar="DIMS",
        ),
    ] = None,
    pivot: Annotated[
        str | None,
        option(
            "Fold ONE run along a dim (e.g. param:impl): its values, in order, are compared "
            "as if they were runs; --fail-on checks the first value against the last.",
            metavar="DIM",
        ),
    ] = None,
    summary: Annotated[
        str | None,
        option(
            "Print a GitHub-flavoured markdown summary instead: a table per metric (time "
            "with its spread and noise verdict) and the gate's lines.",
            metavar="[md]",
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
    allow_mixed_modes: Annotated[bool, option(ALLOW_MIXED_HELP, ALLOW_MIXED_FLAG)] = False,
) -> int:
    from pytest_benchmem.compare import check_sort, gate
    from pytest_benchmem.errors import UsageError
    from pytest_benchmem.modes import check_runs
    from pytest_benchmem.origins import by_python, machines_note
    from pytest_benchmem.render import write_report_csv
    from pytest_benchmem.runs import gc_paused, load_runs
    from pytest_benchmem.sections import build_report, parse_columns
    from pytest_benchmem.selection import apply_where, parse_group_by, parse_where, pivot_runs
    from pytest_benchmem.summary import check_format, markdown_summary
    from pytest_benchmem.units import parse_threshold

    # Every option is checked before any file is read: a typo never costs a slow load. The
    # metric is a plain string validated here (not a typer enum) so a bad one is a one-line
    # UsageError like every other option.
    thresholds = [parse_threshold(rule) for rule in fail_on or ()]
    columns, stat_name = parse_columns(metric, stat)
    order = check_sort(sort)
    wheres = parse_where(where or ())
    group_dims = parse_group_by(group_by)
    if format_ not in FORMATS:
        msg = f"unknown format {format_!r} (choose from {' | '.join(FORMATS)})"
        raise UsageError(msg)
    if summary is not None:
        check_format(summary)
    if csv is not None and csv.is_dir():
        example = str(csv / "compare.csv")
        msg = f"--csv {str(csv)!r} is a directory; give a file path such as {example!r}"
        raise UsageError(msg)
    with gc_paused():  # a short-lived command building many objects: no GC passes needed
        loaded = apply_where(load_runs(runs), wheres)
        loaded, notes = pivot_runs(loaded, pivot)

        def build(group: Sequence[Run]) -> Report:
            return build_report(group, columns, stat_name, order, group_by=group_dims, notes=notes)

        if len(loaded) < 2:
            msg = f"compare needs two or more runs, got {len(loaded)} ({loaded[0].path})"
            raise UsageError(msg, hint="pass several files, a directory of runs, or --pivot DIM")
        memory = any(m != "time" for m in columns.metrics) or any(
            t.field != "time" for t in thresholds
        )
        mode_note = check_runs(loaded, allow=allow_mixed_modes) if memory else None
        pythons = by_python(loaded)
        out = sys.stdout
        machine_note = machines_note(loaded) if "time" in columns.metrics else None
        notes_shown = [n for n in (machine_note, mode_note) if n]
        if summary is None:
            for python, group in pythons:
                out.write(_section(python, group, format_, build))
            for note in notes_shown:
                out.write(f"{'> ' if format_ == 'md' else ''}{note}\n")
        if csv is not None:
            write_report_csv(build(loaded), csv)
            sys.stderr.write(f"benchmem: wrote {csv}\n")
        results = [gate(g[0], g[-1], thresholds) for _, g in pythons if len(g) > 1]
        results = results if thresholds else []
        if summary is not None:
            lines = [line for result in results for line in result.lines()]
            groups = [(p, g) for p, g in pythons if len(g) > 1] if len(pythons) > 1 else None
            out.write(
                markdown_summary(
                    loaded,
                    columns.metrics,
                    title="benchmem compare",
                    groups=groups,
                    gate=lines,
                    notes=notes_shown,
                )
            )
            return 0 if all(r.ok for r in results) else 1
    for result in results:
        out.write("\n" + result.summary() + "\n")
    return 0 if all(r.ok for r in results) else 1


def _section(
    python: str, group: Sequence[Run], format_: str, build: Callable[[Sequence[Run]], Report]
) -> str:
    """The tables of one interpreter's runs (a sweep's Python matrix gives one per Python)."""
    from pytest_benchmem.render import render_report, report_markdown

    head = f"{'### ' if format_ == 'md' else ''}Python: {python}\n\n" if python else ""
    if len(group) < 2:
        return f"{head}(one run only: {group[0].label})\n\n"
    report = build(group)
    text = report_markdown(report) if format_ == "md" else render_report(report)
    return head + text + ("\n" if python else "")
