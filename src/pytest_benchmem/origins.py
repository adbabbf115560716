"""Where runs came from: the interpreter and the machine their files record.

``by_python`` splits runs into one group per interpreter (a sweep's Python matrix), so a
table or a report panel compares versions under one Python; ``machines_note`` says when the
times in one view were measured on different machines (peaks compare across machines, times
only within one).
"""

from __future__ import annotations

from collections.abc import Sequence

from .runmodel import Run


def python_of(run: Run) -> str:
    """``cpython 3.11.7``: the interpreter a run's provenance names ("" when it names none)."""
    version = run.provenance.get("python")
    if not isinstance(version, str) or not version:
        return ""
    implementation = run.provenance.get("implementation")
    name = implementation if isinstance(implementation, str) and implementation else "python"
    return f"{name} {version}"


def mode_of(run: Run) -> str:
    """How a run's memory was measured (``exact, memray 1``; see ``pytest_benchmem.modes``),
    "not recorded" for a run without our provenance."""
    from .modes import measurement_of

    if not run.provenance:
        return "not recorded"
    return measurement_of(run.provenance).describe()


def runs_lines(runs: Sequence[Run]) -> list[str]:
    """One line per run: its label, interpreter and memory mode (what a report must state)."""
    lines = []
    for run in runs:
        python = python_of(run) or "Python not recorded"
        lines.append(f"Run {run.label}: {python}; memory mode {mode_of(run)}")
    modes = {mode_of(run) for run in runs}
    if len(modes) > 1:
        lines.append(
            f"note: these runs were measured in {len(modes)} different memory modes "
            f"({', '.join(sorted(modes))}); their peaks do not compare"
        )
    return lines


def by_python(runs: Sequence[Run]) -> list[tuple[str, list[Run]]]:
    """Runs grouped by interpreter, groups in order of first appearance, runs in order.

    A single group (one interpreter, or runs that do not say) is ``[("", runs)]``.
    """
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(python_of(run), []).append(run)
    if len(groups) < 2:
        return [("", list(runs))]
    return list(groups.items())


def machines_note(runs: Sequence[Run]) -> str | None:
    """A one-line warning when the runs' times come from more than one machine, else None."""
    machines: dict[str, list[str]] = {}
    for run in runs:
        if run.machine:
            machines.setdefault(run.machine, []).append(run.label)
    if len(machines) < 2:
        return None
    parts = "; ".join(f"{m}: {', '.join(labels)}" for m, labels in machines.items())
    return (
        f"note: times come from {len(machines)} machines ({parts}); compare times only "
        "within one machine (memory peaks compare across machines)"
    )
