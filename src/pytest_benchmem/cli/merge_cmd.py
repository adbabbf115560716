"""``benchmem merge OUT SHARD_DIR...``: shard directories of one sweep plan -> one sweep dir.

Thin layer over ``pytest_benchmem.sweep.merge``; prints the merged sweep's tables and its
missing or failed targets the way ``benchmem sweep`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import app

if TYPE_CHECKING:
    from pytest_benchmem.sweep.model import TargetResult


@app.command(
    "merge",
    help="Combine the out directories of sweep shards (--shard/--only) into one sweep directory.",
)
def merge(
    *,
    out: Annotated[
        Path,
        typer.Argument(
            metavar="OUT",
            help="The merged sweep directory (new, empty, or an earlier merge).",
            show_default=False,
        ),
    ],
    shards: Annotated[
        list[Path],
        typer.Argument(
            metavar="SHARD_DIR...",
            help="Shard out directories of the same plan.",
            show_default=False,
        ),
    ],
    report: Annotated[
        Path | None,
        typer.Option(help="Also write the sweep view to this HTML file.", show_default=False),
    ] = None,
) -> int:
    from pytest_benchmem.sweep.merge import merge_dirs
    from pytest_benchmem.sweep.outcome import check_report, show_results

    if report is not None:
        check_report(report)  # before the merge, like the sweep does
    results = merge_dirs(out, shards)
    done = sum(1 for r in results if r.ok)
    typer.echo(
        f"benchmem merge: {len(shards)} shard dir(s) -> {out}: {done} of {len(results)} run(s)",
        err=True,
    )
    memory = any(r.ok for r in results) and _memory(out)
    code = show_results(results, memory, "merge", typer.echo)
    typer.echo(f"Manifest: {out / 'sweep.json'}")
    if report is not None and not _report(results, report, memory):
        code = max(code, 1)
    return code


def _report(results: list[TargetResult], report: Path, memory: bool) -> bool:
    """Write the merged sweep's view; a failure is one line and exit code 1."""
    from pytest_benchmem.errors import BenchmemError
    from pytest_benchmem.sweep.outcome import failed_lines

    done = [r for r in results if r.ok and r.run_path is not None]
    if not done:
        typer.echo("benchmem merge: no report: no target produced a run", err=True)
        return False
    try:
        from pytest_benchmem.plotting import write_sweep_report

        paths = [r.run_path for r in done if r.run_path is not None]
        written = write_sweep_report(
            paths,
            report,
            metric=None if memory else "time",  # peak and time: the time panel beside peak
            labels=[r.label for r in done],
            failed=failed_lines(results),
        )
    except BenchmemError as exc:
        typer.echo(f"benchmem merge: no report: {exc}", err=True)
        return False
    typer.echo(f"Report: {written}")
    return True


def _memory(out: Path) -> bool:
    import json

    try:
        return bool(json.loads((out / "sweep.json").read_text(encoding="utf-8")).get("memory"))
    except (OSError, ValueError, AttributeError):
        return True
