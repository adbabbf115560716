"""``benchmem merge OUT SHARD_DIR...``: shard directories of one sweep plan -> one sweep dir.

Thin layer over ``pytest_benchmem.sweep.merge``; prints the merged sweep's tables and its
missing or failed targets the way ``benchmem sweep`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command(
    "merge",
    help="Combine the out directories of sweep shards (--shard/--only) into one sweep directory.",
)
def merge(
    *,
    out: Annotated[
        Path,
        typer.Argument(help="The merged sweep directory (new, empty, or an earlier merge)."),
    ],
    shards: Annotated[
        list[Path],
        typer.Argument(help="Shard out directories of the same plan.", metavar="SHARD_DIR..."),
    ],
) -> int:
    from pytest_benchmem.sweep.merge import merge_dirs

    from .sweep_cmd import show_results

    results = merge_dirs(out, shards)
    done = sum(1 for r in results if r.ok)
    typer.echo(
        f"benchmem merge: {len(shards)} shard dir(s) -> {out}: {done} of {len(results)} run(s)",
        err=True,
    )
    memory = any(r.ok for r in results) and _memory(out)
    code = show_results(results, memory, "merge")
    typer.echo(f"Manifest: {out / 'sweep.json'}")
    return code


def _memory(out: Path) -> bool:
    import json

    try:
        return bool(json.loads((out / "sweep.json").read_text(encoding="utf-8")).get("memory"))
    except (OSError, ValueError, AttributeError):
        return True
