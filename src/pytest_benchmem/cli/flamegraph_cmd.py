"""``benchmem flamegraph``: the memory live at one benchmark's peak, as an offline HTML page.

Thin layer over ``pytest_benchmem.attribution`` (reading) and ``plotting.flame`` (drawing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .params import option

FLAME_DIR = Path(".benchmarks") / "flamegraphs"


@app.command(
    "flamegraph",
    help="Draw the memory live at a benchmark's peak as a flame graph (one offline HTML file).",
)
def flamegraph(
    *,
    source: Annotated[
        str,
        typer.Argument(
            help="A run JSON with captures (--benchmark-memory-profile), a capture .bin, or a "
            "sweep label.",
            metavar="RUN|CAPTURE",
            show_default=False,
        ),
    ],
    id_: Annotated[
        str | None,
        option("The benchmark: an exact id, a glob, or a substring.", "--id", metavar="PATTERN"),
    ] = None,
    worst: Annotated[
        str | None,
        option(
            "Pick the benchmark with the largest headline of this metric.",
            metavar="[peak|allocated|allocations]",
        ),
    ] = None,
    sweep_dir: Annotated[
        Path | None,
        option("Sweep directory for a label. Default: .benchmarks/sweep.", "--dir", metavar="DIR"),
    ] = None,
    output: Annotated[
        Path | None,
        option(
            "HTML out. Default: .benchmarks/flamegraphs/<id>.html.",
            "--output",
            "-o",
            metavar="PATH",
        ),
    ] = None,
) -> int:
    """Pick one capture, draw it, say where."""
    from pytest_benchmem.attribution import load_captures, load_profile, pick_one
    from pytest_benchmem.captures import safe_stem
    from pytest_benchmem.errors import UsageError

    if worst is not None and worst not in ("peak", "allocated", "allocations"):
        msg = f"--worst {worst!r}: expected peak, allocated or allocations"
        raise UsageError(msg)
    if output is not None and output.suffix.lower() not in (".html", ".htm"):
        msg = f"cannot write {str(output)!r}: a flame graph is HTML (use a .html name)"
        raise UsageError(msg)
    ref = pick_one(load_captures(source, sweep_dir), id_, worst)
    profile = load_profile(ref)
    from pytest_benchmem.plotting.flame import write_flamegraph

    target = output or FLAME_DIR / f"{safe_stem(ref.benchmark_id)}.html"
    write_flamegraph(profile, target)
    typer.echo(
        f"flame graph of {ref.benchmark_id}: {len(profile.allocations)} live stack(s) at the "
        f"peak -> {target}"
    )
    return 0
