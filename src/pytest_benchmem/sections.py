"""The ``benchmem compare`` table model in full: sub-tables, metric blocks, extra columns.

``build_report`` turns runs (already filtered by ``--where`` and folded by ``--pivot``) into a
``Report``: one ``Section`` per ``--group-by`` value, each holding one ``Comparison`` per metric
(rows aligned: the same ids in the same order, ``--sort`` applied within the section) and the
``extra:NAME`` values per row and run. Pure; rendering is in ``render``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .compare import Comparison, Row, build_comparison, check_metric_stat, check_sort
from .errors import UsageError
from .runmodel import Run
from .runs import require_metric
from .selection import check_extras, extra_value, split_groups

EXTRA_PREFIX = "extra:"


@dataclass(frozen=True)
class Columns:
    """What ``--metric`` asked for: metrics (in order) and ``extra:NAME`` columns."""

    metrics: tuple[str, ...]
    extras: tuple[str, ...]


def parse_columns(text: str, stat: str | None) -> tuple[Columns, str | None]:
    """``time,peak,extra:rows`` -> Columns; checks each metric against ``stat``.

    Raises:
        UsageError: an unknown metric or stat, an empty list, or only extra columns.
    """
    metrics: dict[str, None] = {}
    extras: dict[str, None] = {}
    checked: str | None = None
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.lower().startswith(EXTRA_PREFIX):
            name = part[len(EXTRA_PREFIX) :].strip()
            if not name:
                msg = f"--metric {text!r}: give a name after extra:, e.g. extra:rows"
                raise UsageError(msg)
            extras.setdefault(name, None)
            continue
        name, checked = check_metric_stat(part, stat)
        metrics.setdefault(name, None)
    if not metrics:
        msg = f"--metric {text!r}: name at least one metric (time, peak, allocated, allocations)"
        raise UsageError(msg)
    return Columns(tuple(metrics), tuple(extras)), checked


@dataclass(frozen=True)
class Section:
    """One sub-table: its title ("" without ``--group-by``), one block per metric, extras.

    ``extras[i][j]`` holds row ``j``'s values of the ``i``-th extra column, one per run.
    """

    title: str
    blocks: tuple[Comparison, ...]
    extras: tuple[tuple[tuple[float | None, ...], ...], ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """Row ids, in order (every block has the same)."""
        return tuple(row.id for row in self.blocks[0].rows)


@dataclass(frozen=True)
class Report:
    """Every section of the compare output, the extra column names, and notes to print."""

    labels: tuple[str, ...]
    metrics: tuple[str, ...]
    stat: str | None
    sections: tuple[Section, ...]
    extras: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _align(blocks: list[Comparison]) -> tuple[Comparison, ...]:
    """Give every block the same rows in the same order: the first block's, then the rest."""
    order: dict[str, None] = {}
    for block in blocks:
        order.update(dict.fromkeys(row.id for row in block.rows))
    aligned = []
    for block in blocks:
        by_id = {row.id: row for row in block.rows}
        empty = (None,) * len(block.labels)
        rows = tuple(by_id.get(ident) or Row(ident, empty, None, None) for ident in order)
        aligned.append(Comparison(block.metric, block.stat, block.labels, rows))
    return tuple(aligned)


def _extras(
    runs: Sequence[Run], ids: Sequence[str], names: Sequence[str]
) -> tuple[tuple[tuple[float | None, ...], ...], ...]:
    tables = [run.by_id() for run in runs]
    out = []
    for name in names:
        column = []
        for ident in ids:
            column.append(
                tuple(
                    extra_value(table[ident], name) if ident in table else None for table in tables
                )
            )
        out.append(tuple(column))
    return tuple(out)


def build_report(
    runs: Sequence[Run],
    columns: Columns,
    stat: str | None = None,
    sort: str = "name",
    *,
    group_by: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Report:
    """The compare model (see the module docstring).

    Raises:
        UsageError: no runs, a bad sort, an unknown extra or group-by dim.
        SchemaError: a metric no run carries.
    """
    order = check_sort(sort)
    if not runs:
        msg = "nothing to compare: no runs given"
        raise UsageError(msg)
    for metric in columns.metrics:
        require_metric(runs, metric)
    extras = check_extras(runs, columns.extras)
    sections = []
    for title, subset in split_groups(runs, group_by):
        blocks = [build_comparison(subset, m, stat, order) for m in columns.metrics]
        aligned = _align(blocks)
        ids = tuple(row.id for row in aligned[0].rows)
        if not ids:
            continue
        sections.append(Section(title, aligned, _extras(subset, ids, extras)))
    return Report(
        labels=tuple(run.label for run in runs),
        metrics=columns.metrics,
        stat=stat,
        sections=tuple(sections),
        extras=extras,
        group_by=tuple(group_by),
        notes=tuple(notes),
    )
