"""What a sweep prints once its runs are done, and its exit code.

The summary tables across the labels (or the markdown summary), the follow-up commands,
where the peak moved (``--profile``), the ``--report`` view, the failed and partial targets.
``benchmem sweep`` and ``benchmem merge`` call these with their ``echo`` (typer's), so this
module stays free of the command line.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pytest_benchmem.sweep.model import SweepOptions, TargetResult


class Echo(Protocol):
    """Prints one message (``typer.echo``): to stderr with ``err``, no newline without ``nl``."""

    def __call__(self, message: str | None = None, *, nl: bool = True, err: bool = False) -> None:
        """Print ``message``."""


@dataclass(frozen=True)
class ReportRequest:
    """``--report FILE`` and what it draws: ``--metric`` (several; default peak and time),
    ``--clip``."""

    path: Path
    metrics: tuple[str, ...] = ()
    clip: float | None = None


def check_report(report: Path) -> None:
    """UsageError when ``--report`` could never be written (a directory, a file as parent)."""
    import importlib.util

    from pytest_benchmem.errors import PLOT_HINT, UsageError

    if report.is_dir():
        msg = f"--report {report}: is a directory"
        raise UsageError(msg)
    parent = report.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        msg = f"--report {report}: {parent} is a file, not a directory"
        raise UsageError(msg)
    if importlib.util.find_spec("plotly") is None:
        msg = "--report needs plotly, which is not installed"
        raise UsageError(msg, hint=PLOT_HINT)


def failed_lines(results: Sequence[TargetResult]) -> list[str]:
    """``LABEL: reason`` for each failed target (the report lists them)."""
    return [
        f"{r.label}: {r.describe_failure().removeprefix(r.label + ' ')}"
        for r in results
        if not r.ok
    ]


def show_results(results: list[TargetResult], memory: bool, command: str, echo: Echo) -> int:
    """The summary tables and the failures, as a sweep prints them (``benchmem merge`` too);
    returns the exit code."""
    paths = _summary(results, memory, echo)
    if paths:
        _follow_up(paths, memory, echo)
    sys.stdout.flush()
    return _outcome(results, echo, command)


def finish(
    results: list[TargetResult],
    options: SweepOptions,
    report: ReportRequest | None,
    summary: str | None,
    *,
    echo: Echo,
    step_summary: bool,
    allow_mixed: bool = False,
) -> int:
    """Everything after the runs: tables (or the markdown summary), report, exit code."""
    from pytest_benchmem.summary import STEP_SUMMARY, append_step_summary

    memory = options.memory
    mode_note, refused = _modes(results, echo, allow=allow_mixed) if memory else (None, False)
    memory = memory and not refused  # runs measured differently: times only, exit 2
    markdown = None
    if summary is not None or (step_summary and os.environ.get(STEP_SUMMARY)):
        markdown = _markdown(results, options, memory=memory)
    if summary is not None and markdown is not None:  # stdout is the markdown alone
        echo(markdown, nl=False)
        paths = [r.run_path for r in results if r.ok and r.run_path is not None]
    else:
        paths = _summary(results, memory, echo)
    quiet = summary is not None
    if mode_note:
        echo(mode_note, err=quiet)
    reported = True
    diffs = _attribution(results, echo, err=quiet) if options.profile and memory else []
    if not paths and report is not None:
        echo("benchmem sweep: no report: no target produced a run", err=True)
    if paths:
        if summary is None:
            _follow_up(paths, memory, echo)
        if report is not None:
            labels = [r.label for r in results if r.ok and r.run_path is not None]
            reported = _report(
                paths, labels, report, results, diffs, echo=echo, memory=memory, err=quiet
            )
    manifest = cwd_relative(options.out.resolve() / "sweep.json")
    echo(f"Manifest: {manifest}", err=quiet)
    if step_summary and markdown is not None:
        written = append_step_summary(markdown)
        if written is not None:
            echo(f"benchmem sweep: summary appended to ${STEP_SUMMARY}", err=True)
    sys.stdout.flush()
    code = _outcome(results, echo)
    code = max(code, 2) if refused else code
    return code if reported else max(code, 1)


def _summary(results: list[TargetResult], memory: bool, echo: Echo) -> list[Path]:
    """Print the comparison tables across the finished runs; return their paths."""
    from pytest_benchmem.compare import compare_runs
    from pytest_benchmem.errors import BenchmemError
    from pytest_benchmem.origins import by_python, machines_note
    from pytest_benchmem.render import render_table
    from pytest_benchmem.runs import load_runs

    done = [r for r in results if r.ok and r.run_path is not None]
    paths = [r.run_path for r in done if r.run_path is not None]
    if not paths:
        return []
    runs = load_runs(paths, [r.label for r in done])
    for python, group in by_python(runs):
        if python:  # a Python matrix: the versions compared under each interpreter
            echo(f"Python: {python}")
        for metric in ("peak", "time") if memory else ("time",):
            try:
                echo(render_table(compare_runs(group, metric)))
            except BenchmemError as exc:
                echo(f"benchmem sweep: no {metric} table: {exc}", err=True)
    note = machines_note(runs)
    if note:
        echo(note)
    return paths


def _follow_up(paths: list[Path], memory: bool, echo: Echo) -> None:
    shown = " ".join(shlex.quote(cwd_relative(p)) for p in paths)
    metric = "peak" if memory else "time"
    if len(paths) == 1:  # compare and plot's views need two runs: say what would give them
        echo(
            f"Next: only one run ({shown}); comparing needs two or more: fix the failed "
            "target(s) and rerun with --resume, or add targets"
        )
        return
    echo("Next:")
    echo(f"  benchmem compare {shown} --metric {metric}")
    echo(f"  benchmem plot {shown} --metric {metric}")


def cwd_relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _attribution(results: list[TargetResult], echo: Echo, *, err: bool = False) -> list[Any]:
    """Print where the peak moved between consecutive versions (``--profile`` runs)."""
    from pytest_benchmem.attribution import CHANGE_THRESHOLD, changed_between
    from pytest_benchmem.attribution.report import brief
    from pytest_benchmem.errors import BenchmemError

    runs = [(r.label, r.run_path) for r in results if r.ok and r.run_path is not None]
    try:
        diffs = changed_between(runs)
    except BenchmemError as exc:
        echo(f"benchmem sweep: no attribution: {exc}", err=True)
        return []
    if diffs:
        echo(
            f"Where the peak moved (sites live at the peak, peaks changed > "
            f"{CHANGE_THRESHOLD:.0%}):",
            err=err,
        )
        for diff in diffs:
            for line in brief(diff):
                echo(f"  {line}", err=err)
    return diffs


def _report(
    paths: list[Path],
    labels: list[str],
    request: ReportRequest,
    results: Sequence[TargetResult],
    attribution: Sequence[Any] = (),
    *,
    echo: Echo,
    memory: bool = True,
    err: bool = False,
) -> bool:
    """Write the sweep view; a failure is reported without losing the sweep's outcome."""
    from pytest_benchmem.errors import BenchmemError

    failed = failed_lines(results)
    try:
        from pytest_benchmem.plotting import write_sweep_report

        written = write_sweep_report(
            paths,
            request.path,
            # memory refused (not measured, or runs measured differently): time alone
            metric=(request.metrics or None) if memory else "time",
            labels=labels,
            attribution=attribution,
            clip=request.clip,
            failed=failed,
        )
    except BenchmemError as exc:
        echo(f"benchmem sweep: no report: {exc}", err=True)
        return False
    echo(f"Report: {cwd_relative(written)}", err=err)
    return True


def _outcome(results: list[TargetResult], echo: Echo, command: str = "sweep") -> int:
    from pytest_benchmem.sweep.model import TargetStatus

    failed = [r for r in results if not r.ok]
    for r in results:
        if r.extra.get("note"):
            echo(f"benchmem sweep: note: {r.label}: {r.extra['note']}", err=True)
        if r.status is TargetStatus.PARTIAL:
            echo(f"benchmem {command}: {r.label} partial: {r.reason} (logs: {r.log_dir})", err=True)
    if not failed:
        return 0
    echo(f"benchmem {command}: {len(failed)} of {len(results)} target(s) failed:", err=True)
    for r in failed:
        echo(f"  {r.describe_failure()}", err=True)
    return 1


def _modes(results: list[TargetResult], echo: Echo, *, allow: bool) -> tuple[str | None, bool]:
    """(a note, refused): the finished runs' memory measurements checked in one place.

    Runs measured differently (a resumed sweep, a per-target PYTHONMALLOC, another memray)
    are refused with one line (their times are still shown) unless ``allow``."""
    from pytest_benchmem.modes import MixedModesError, check_runs
    from pytest_benchmem.runs import load_runs

    done = [r for r in results if r.ok and r.run_path is not None]
    if len(done) < 2:
        return None, False
    runs = load_runs([r.run_path for r in done if r.run_path], [r.label for r in done])
    try:
        return check_runs(runs, allow=allow), False
    except MixedModesError as exc:
        echo(f"benchmem sweep: error: {exc.message}", err=True)
        return None, True


def _markdown(results: list[TargetResult], options: SweepOptions, *, memory: bool) -> str:
    """The sweep's markdown summary: a table per metric, the failed targets."""
    from pytest_benchmem.origins import by_python, machines_note
    from pytest_benchmem.runs import load_runs
    from pytest_benchmem.summary import markdown_summary

    done = [r for r in results if r.ok and r.run_path is not None]
    runs = load_runs([r.run_path for r in done if r.run_path], [r.label for r in done])
    groups = by_python(runs) if runs else []
    failed = [
        f"`{r.label}` {r.describe_failure().removeprefix(r.label + ' ')}"
        for r in results
        if not r.ok
    ]
    partial = [f"`{r.label}` partial: {r.reason}" for r in results if r.ok and r.reason]
    note = machines_note(runs) if runs else None
    rounds = f", {options.rounds} interleaved rounds" if options.rounds > 1 else ""
    return markdown_summary(
        runs,
        ("peak", "time") if memory else ("time",),
        title=f"benchmem sweep: {len(results)} target{'s' * (len(results) != 1)}{rounds}",
        groups=groups,
        failed=failed,
        notes=[*partial, *([note] if note else [])],
    )
