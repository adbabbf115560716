"""``benchmem diff``: where the memory live at the peak grew or shrank between two runs.

Thin layer over ``pytest_benchmem.attribution`` (reading, diffing, text) and
``plotting.flame`` (the differential flame graph).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .params import option


@app.command(
    "diff",
    help="Attribute the peak-memory change between two runs with captures to code locations.",
)
def diff(
    *,
    a: Annotated[
        str,
        typer.Argument(
            help="The base: a run JSON with captures, a capture .bin, or a sweep label.",
            metavar="A",
            show_default=False,
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(help="The new side, like A.", metavar="B", show_default=False),
    ],
    id_: Annotated[
        str | None,
        option(
            "Only these benchmarks: an exact id, a glob, or a substring.", "--id", metavar="PATTERN"
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(metavar="N", help="Growths and shrinks shown per benchmark.", min=1),
    ] = 10,
    format_: Annotated[
        str,
        typer.Option("--format", metavar="[text|md|csv|json]", help="Output format."),
    ] = "text",
    sweep_dir: Annotated[
        Path | None,
        option("Sweep directory for labels. Default: .benchmarks/sweep.", "--dir", metavar="DIR"),
    ] = None,
    output: Annotated[
        Path | None,
        option("Also write a differential flame graph (HTML).", "--output", "-o", metavar="PATH"),
    ] = None,
) -> int:
    """Diff, print, and optionally draw."""
    from pytest_benchmem.attribution import diff_runs, mode_note
    from pytest_benchmem.attribution.report import DIFF_FORMATS, RENDERERS
    from pytest_benchmem.errors import UsageError

    if format_ not in DIFF_FORMATS:
        msg = f"--format {format_!r}: expected one of {', '.join(DIFF_FORMATS)}"
        raise UsageError(msg)
    if output is not None and output.suffix.lower() not in (".html", ".htm"):
        msg = f"cannot write {str(output)!r}: the differential flame graph is HTML (use .html)"
        raise UsageError(msg)
    diffs = diff_runs(a, b, pattern=id_, sweep_dir=sweep_dir)
    notes = sorted({n for d in diffs if (n := mode_note(d.before, d.after))})
    typer.echo(RENDERERS[format_](diffs, top, notes), nl=False)
    if output is not None:
        from pytest_benchmem.plotting.flame import write_diff_html

        write_diff_html(diffs, output)
        typer.echo(
            f"differential flame graph: {len(diffs)} benchmark(s) -> {output}",
            err=format_ != "text",
        )
    return 0
