"""A markdown summary of a comparison for a pull request or a CI job (``--summary md``).

GitHub-flavoured markdown: a heading, one table per metric (per benchmark each run's value
and the change, time cells with their spread and a noise verdict, changes within noise in
italics), the gate's verdict when there is one, and the failed targets. ``benchmem sweep``
appends it to ``$GITHUB_STEP_SUMMARY`` by default; ``benchmem compare`` prints it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .compare import Comparison, build_comparison, check_sort
from .errors import UsageError
from .files import write_atomic
from .render import markdown_rows, title_of
from .runmodel import Run

SUMMARY_FORMATS = ("md",)
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


def check_format(text: str) -> str:
    """Validate a ``--summary`` format (``md``)."""
    key = text.strip().lower()
    if key not in SUMMARY_FORMATS:
        msg = f"unknown --summary format {text!r} (choose from {' | '.join(SUMMARY_FORMATS)})"
        raise UsageError(msg)
    return key


def _table(comparison: Comparison) -> list[str]:
    return [f"### {title_of(comparison)}", "", *markdown_rows(comparison, emphasise=True), ""]


def markdown_summary(
    runs: Sequence[Run],
    metrics: Sequence[str],
    *,
    title: str,
    groups: Sequence[tuple[str, Sequence[Run]]] | None = None,
    gate: Sequence[str] = (),
    failed: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """The summary: ``title``, a table per metric (per group: a Python matrix), the gate's
    lines, the failed targets. A metric no run carries is left out (said in a line)."""
    lines = [f"## {title}", ""]
    labels = ", ".join(f"`{run.label}`" for run in runs)
    lines += [f"{len(runs)} run{'s' * (len(runs) != 1)}: {labels}" if runs else "No runs.", ""]
    lines += [f"> {note}" for note in notes] + ([""] if notes else [])
    for name, group in groups or [("", runs)]:
        if name:
            lines += [f"#### Python {name}", ""]
        for metric in metrics:
            if not any(run.has_metric(metric) for run in group):
                lines += [f"No {metric} data.", ""]
                continue
            lines += _table(build_comparison(group, metric, None, check_sort("name")))
    if gate:
        lines += ["### Gate", "", *(f"- {line}" for line in gate), ""]
    if failed:
        count = len(failed)
        lines += [f"### Failed target{'s' * (count != 1)} ({count})", ""]
        lines += [f"- {line}" for line in failed] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def append_step_summary(text: str) -> Path | None:
    """Append ``text`` to ``$GITHUB_STEP_SUMMARY`` when it is set; return its path.

    Appending (not replacing) is what GitHub expects: every step adds to the job's page.
    Raises UsageError when the file cannot be written.
    """
    target = os.environ.get(STEP_SUMMARY)
    if not target:
        return None
    path = Path(target)
    try:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"${STEP_SUMMARY} {path}: cannot read it to append ({exc})"
        raise UsageError(msg) from None
    if before and not before.endswith("\n"):
        before += "\n"
    separator = "\n" if before else ""
    write_atomic(path, before + separator + text)  # what earlier steps wrote is kept
    return path
