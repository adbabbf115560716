"""Comparison of runs (pure): per-id rows across runs, the change last vs first, and the gate.

``compare_runs`` builds the table model the CLI renders; ``gate`` checks growth of the new run
over the base against ``units.Threshold`` rules. Used by ``benchmem compare`` and by the
plugin's ``--benchmark-memory-compare*`` options. No I/O, no heavy imports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .errors import UsageError
from .metrics import canonical_metric, check_stat
from .noise import Spread, Verdict, spread_of, time_verdict, verdict_of
from .runmodel import Run, check_time_stat
from .runs import require_metric
from .selection import natural_key
from .units import Threshold, format_gate_value, percent_change, signed_percent

SORTS = ("name", "value", "change")


@dataclass(frozen=True)
class Row:
    """One id: its value in each run (None where missing), and the change last vs first.

    For time, ``spreads`` holds each run's spread (None where missing) and ``noise`` the
    verdict of the noise rule (``pytest_benchmem.noise``) on the change last vs first.
    """

    id: str
    values: tuple[float | None, ...]
    delta: float | None
    percent: float | None
    spreads: tuple[Spread | None, ...] = ()
    noise: Verdict | None = None

    @property
    def within_noise(self) -> bool:
        """True when a time change is not supported by the spread (within noise, or the
        measured shift points the other way); False for memory and unknown spreads."""
        if self.noise is None or self.delta is None or self.noise.method == "none":
            return False
        return not self.noise.agrees(self.delta)


@dataclass(frozen=True)
class Comparison:
    """The comparison table model: ``metric`` by ``stat`` (None = headline), one row per id."""

    metric: str
    stat: str | None
    labels: tuple[str, ...]
    rows: tuple[Row, ...]


def check_sort(sort: str) -> str:
    """Validate a row order (name, value, change)."""
    key = sort.strip().lower()
    if key not in SORTS:
        msg = f"unknown sort {sort!r} (choose from {' | '.join(SORTS)})"
        raise UsageError(msg)
    return key


def check_metric_stat(metric: str, stat: str | None) -> tuple[str, str | None]:
    """Canonical metric and validated stat (time takes pytest-benchmark's stats keys)."""
    name = canonical_metric(metric)
    if stat is None:
        return name, None
    return name, check_time_stat(stat) if name == "time" else check_stat(stat)


def _change(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    if len(values) < 2 or values[0] is None or values[-1] is None:
        return None, None
    return values[-1] - values[0], percent_change(values[0], values[-1])


def _change_key(row: Row) -> tuple[float, tuple[str | int, ...]]:
    if row.percent is not None:
        return -row.percent, natural_key(row.id)
    if row.delta is None:  # missing in the first or last run: at the end
        return math.inf, natural_key(row.id)
    if row.delta:  # a change from a zero base has no percent: rank it by direction
        return (-math.inf if row.delta > 0 else math.inf), natural_key(row.id)
    return 0.0, natural_key(row.id)


def _sort(rows: list[Row], sort: str) -> list[Row]:
    if sort == "name":
        return sorted(rows, key=lambda r: natural_key(r.id))
    if sort == "value":
        return sorted(
            rows, key=lambda r: (r.values[-1] is None, -(r.values[-1] or 0.0), natural_key(r.id))
        )
    return sorted(rows, key=_change_key)


def compare_runs(
    runs: Sequence[Run], metric: str = "time", stat: str | None = None, sort: str = "name"
) -> Comparison:
    """One row per id (in any run), one value per run, the change of the last vs the first.

    ``sort``: ``name`` (id), ``value`` (largest in the last run first) or ``change`` (largest
    percent growth first). Raises UsageError for bad names, SchemaError when no run has
    ``metric``.
    """
    name, stat = check_metric_stat(metric, stat)
    order = check_sort(sort)
    if not runs:
        msg = "nothing to compare: no runs given"
        raise UsageError(msg)
    require_metric(runs, name)
    return build_comparison(runs, name, stat, order)


def build_comparison(runs: Sequence[Run], metric: str, stat: str | None, sort: str) -> Comparison:
    """``compare_runs`` for checked names (a run set may lack the metric: no rows then)."""
    columns: list[dict[str, float]] = []
    spreads: list[dict[str, Spread | None]] = []
    ids: dict[str, None] = {}
    for run in runs:
        values: dict[str, float] = {}
        run_spreads: dict[str, Spread | None] = {}
        for bench in run.benchmarks:
            value = bench.value(metric, stat)
            if value is not None:
                values[bench.id] = value
                ids[bench.id] = None
                if metric == "time":
                    run_spreads[bench.id] = spread_of(bench.stats)
        columns.append(values)
        spreads.append(run_spreads)
    rows = []
    for ident in ids:
        row_values = tuple(col.get(ident) for col in columns)
        row = Row(ident, row_values, *_change(row_values))
        if metric == "time":
            row_spreads = tuple(s.get(ident) for s in spreads)
            noise = None
            if row.delta is not None:
                noise = time_verdict(row_spreads[0], row_spreads[-1])
            row = replace(row, spreads=row_spreads, noise=noise)
        rows.append(row)
    labels = tuple(run.label for run in runs)
    return Comparison(metric=metric, stat=stat, labels=labels, rows=tuple(_sort(rows, sort)))


@dataclass(frozen=True)
class Regression:
    """One id whose ``field`` moved past ``rule`` from ``base`` to ``new``.

    The gate's regressions grew; bisect's crossings (``sweep.bisect_verdict.judge``) grew, or
    shrank for ``--direction lighter``.
    """

    field: str
    id: str
    base: float
    new: float
    rule: Threshold
    noise: Verdict | None = None  # time only: the noise rule's verdict on this change

    @property
    def percent(self) -> float | None:
        """The change in percent of ``base`` (None from a zero base)."""
        return percent_change(self.base, self.new)

    def line(self) -> str:
        """``peak  test_x[10]: 977 KiB -> 1.91 MiB (+100.0%)``."""
        change = "from zero" if self.percent is None else signed_percent(self.percent)
        base = format_gate_value(self.field, self.base)
        new = format_gate_value(self.field, self.new)
        noise = f", {self.noise.describe()}" if self.noise is not None else ""
        return f"{self.field}  {self.id}: {base} -> {new} ({change}{noise})"


@dataclass(frozen=True)
class GateResult:
    """The gate's verdict.

    ``compared`` counts (field, id) pairs checked; ``notes`` say why a rule compared nothing
    (each one fails the gate: a gate that compared nothing never reports an all-clear).
    ``within_noise`` are time changes past a rule that the noise rule does not support: shown,
    never counted.
    """

    regressions: tuple[Regression, ...]
    compared: int
    notes: tuple[str, ...]
    rules: tuple[str, ...] = ()
    base_label: str = "base"
    new_label: str = "new"
    within_noise: tuple[Regression, ...] = ()

    @property
    def ok(self) -> bool:
        """No regressions, something compared, and every rule had something to compare."""
        return not self.regressions and self.compared > 0 and not self.notes

    def lines(self) -> list[str]:
        """Each regression on a line, the notes, then a verdict line."""
        out = [r.line() for r in self.regressions]
        out += [f"{r.line()}: within noise, not counted" for r in self.within_noise]
        out += self.notes
        rules = ", ".join(self.rules) or "no rules"
        what = f"{self.base_label} -> {self.new_label}"
        if self.regressions:
            count = len(self.regressions)
            plural = "regression" if count == 1 else "regressions"
            out.append(f"{count} {plural} past {rules} ({what}, {self.compared} compared)")
        elif self.ok:
            out.append(f"no regressions: {self.compared} compared within {rules} ({what})")
        else:
            out.append(f"gate failed: nothing compared for {rules} ({what})")
        return out

    def summary(self) -> str:
        """``lines()`` joined with newlines."""
        return "\n".join(self.lines())


def _nothing_note(base: Run, new: Run, rule: Threshold) -> str:
    shared = base.by_id().keys() & new.by_id().keys()
    if not shared:
        return (
            f"{rule.describe()}: compared nothing: no benchmark ids shared by "
            f"{base.label!r} and {new.label!r}"
        )
    missing = [r.label for r in (base, new) if not r.has_metric(rule.field)]
    if rule.field != "time" and missing:
        return (
            f"{rule.describe()}: compared nothing: no {rule.field} data in "
            f"{' and '.join(repr(m) for m in missing)} (record memory with --benchmark-memory)"
        )
    return f"{rule.describe()}: compared nothing: no shared benchmark has {rule.field} in both"


def gate(base: Run, new: Run, thresholds: Sequence[Threshold]) -> GateResult:
    """Check ``new`` against ``base``: growth only, strictly past every part of a rule.

    Only ids present in both runs (with the field in both) are compared; a zero base never
    trips a percent rule. An id trips at most once per field (the first rule that trips).
    A time change trips only when the noise rule finds it slower (``pytest_benchmem.noise``);
    one without any spread (a single round) trips, as a gate never passes on missing data.
    """
    base_by_id, new_by_id = base.by_id(), new.by_id()
    shared = [ident for ident in new_by_id if ident in base_by_id]
    regressions: list[Regression] = []
    quiet: dict[tuple[str, str], Regression] = {}
    tripped: set[tuple[str, str]] = set()
    pairs: set[tuple[str, str]] = set()
    notes: list[str] = []
    for rule in thresholds:
        count = 0
        for ident in shared:
            before = base_by_id[ident].value(rule.field)
            after = new_by_id[ident].value(rule.field)
            if before is None or after is None:
                continue
            count += 1
            pairs.add((rule.field, ident))
            if (rule.field, ident) not in tripped and rule.exceeded(before, after):
                found = Regression(rule.field, ident, before, after, rule)
                if rule.field == "time":
                    noise = verdict_of(base_by_id[ident].stats, new_by_id[ident].stats)
                    found = replace(found, noise=noise)
                    if noise.method != "none" and not noise.agrees(after - before):
                        quiet.setdefault((rule.field, ident), found)
                        continue
                tripped.add((rule.field, ident))
                quiet.pop((rule.field, ident), None)
                regressions.append(found)
        if count == 0:
            notes.append(_nothing_note(base, new, rule))
    if not thresholds:
        notes.append("no thresholds given")
    return GateResult(
        regressions=tuple(regressions),
        compared=len(pairs),
        notes=tuple(notes),
        rules=tuple(rule.describe() for rule in thresholds),
        base_label=base.label,
        new_label=new.label,
        within_noise=tuple(quiet.values()),
    )
