"""Diffs as text: the terminal table, markdown, CSV and JSON of ``benchmem diff``.

Each benchmark lists its top growths then its top shrinks, each with the caller chain, and
a footer that checks the sum of the site differences against the difference of the peaks.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from pytest_benchmem.units import human_bytes

from .frames import Frame
from .model import BenchmarkDiff, SiteChange

DIFF_FORMATS = ("text", "md", "csv", "json")
STACK_DEPTH = 4


def _top(diff: BenchmarkDiff, top: int) -> list[SiteChange]:
    grown = [c for c in diff.changes if c.delta > 0][:top]
    shrunk = [c for c in diff.changes if c.delta < 0][:top]
    return [*grown, *shrunk]


def callers(change: SiteChange, depth: int = STACK_DEPTH) -> list[Frame]:
    """The frames calling the site (outwards), up to ``depth``, native frames skipped."""
    python = [f for f in change.stack if not f.native]
    return python[1 : 1 + depth]


def _chain(change: SiteChange) -> str:
    return " ← ".join(f"{f.site} ({f.where})" for f in callers(change))


def _hidden(diff: BenchmarkDiff, shown: Sequence[SiteChange]) -> str | None:
    rest = [c for c in diff.changes if c not in shown and c.delta != 0]
    if not rest:
        return None
    grown = sum(c.delta for c in rest if c.delta > 0)
    shrunk = sum(c.delta for c in rest if c.delta < 0)
    return (
        f"... {len(rest)} more site(s) changed "
        f"(+{human_bytes(grown)} / -{human_bytes(abs(shrunk))})"
    )


def to_text(diffs: Sequence[BenchmarkDiff], top: int, notes: Sequence[str] = ()) -> str:
    """The terminal view: per benchmark, growths then shrinks, callers, and the footer."""
    lines: list[str] = []
    for diff in diffs:
        lines.append(f"{diff.benchmark_id}: {diff.before_label} → {diff.after_label}")
        shown = _top(diff, top)
        for change in shown:
            lines.append(f"  {change.line()}")
            chain = _chain(change)
            if chain:
                lines.append(f"      ← {chain}")
        if not shown:
            lines.append("  no site changed")
        hidden = _hidden(diff, shown)
        if hidden:
            lines.append(f"  {hidden}")
        lines.append(f"  {diff.footer()}")
        lines.append("")
    lines.extend(notes)
    return "\n".join(lines).rstrip("\n") + "\n"


def to_markdown(diffs: Sequence[BenchmarkDiff], top: int, notes: Sequence[str] = ()) -> str:
    """One markdown table per benchmark, for a pull request or a step summary."""
    out: list[str] = []
    for diff in diffs:
        out += [f"### `{diff.benchmark_id}`", "", "| change | site | lines | called from |"]
        out.append("|---:|---|---|---|")
        for change in _top(diff, top):
            delta, _ = change.line().split("  ", 1)
            out.append(f"| {delta} | `{change.key}` | {change.where} | {_chain(change) or '—'} |")
        out += ["", diff.footer(), ""]
    out.extend(notes)
    return "\n".join(out).rstrip("\n") + "\n"


def _frame(frame: Frame) -> dict[str, Any]:
    return {
        "function": frame.function,
        "module": frame.module,
        "file": frame.file,
        "line": frame.line,
        "native": frame.native,
    }


def _change_dict(change: SiteChange) -> dict[str, Any]:
    return {
        "site": change.key,
        "file": change.file,
        "line_a": change.line_before,
        "line_b": change.line_after,
        "bytes_a": change.before,
        "bytes_b": change.after,
        "delta_bytes": change.delta,
        "stack": [_frame(f) for f in change.stack],
    }


def to_json(diffs: Sequence[BenchmarkDiff], top: int, notes: Sequence[str] = ()) -> str:
    """Every benchmark's top changes with full stacks, plus the totals (raw bytes)."""
    data = {
        "benchmarks": [
            {
                "id": diff.benchmark_id,
                "a": {"capture": str(diff.before.path), "peak_bytes": diff.before.peak},
                "b": {"capture": str(diff.after.path), "peak_bytes": diff.after.peak},
                "peak_delta_bytes": diff.peak_delta,
                "sum_delta_bytes": diff.sum_delta,
                "sites": [_change_dict(c) for c in _top(diff, top)],
            }
            for diff in diffs
        ],
        "notes": list(notes),
    }
    return json.dumps(data, indent=2) + "\n"


def to_csv(diffs: Sequence[BenchmarkDiff], top: int, notes: Sequence[str] = ()) -> str:
    """One row per (benchmark, site) shown, raw bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "site",
            "file",
            "line_a",
            "line_b",
            "bytes_a",
            "bytes_b",
            "delta_bytes",
            "called_from",
        ]
    )
    for diff in diffs:
        for c in _top(diff, top):
            writer.writerow(
                [
                    diff.benchmark_id,
                    c.key,
                    c.file,
                    "" if c.line_before is None else c.line_before,
                    "" if c.line_after is None else c.line_after,
                    c.before,
                    c.after,
                    c.delta,
                    " <- ".join(f.site for f in callers(c)),
                ]
            )
    return buffer.getvalue()


def brief(diff: BenchmarkDiff, top: int = 3) -> list[str]:
    """A few lines for sweep and bisect output: the heading, the top sites, the footer."""
    lines = [f"{diff.benchmark_id} ({diff.before_label} → {diff.after_label}):"]
    lines += [f"  {c.line()}" for c in _top(diff, top)]
    lines.append(f"  {diff.footer()}")
    return lines


RENDERERS = {"text": to_text, "md": to_markdown, "csv": to_csv, "json": to_json}
