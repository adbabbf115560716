"""The combined terminal table: pytest-benchmark's own table, memory columns right of a ``│``.

pytest-benchmark prints its table from ``config._benchmarksession.display(tr)``; no public hook
adds a column. We run its own ``TableResults`` into a recorder, then replay every line with
the memory cells appended (formatting, colours and Legend kept). The private names this
relies on are checked first; when they differ, pytest-benchmark's table is left alone and a
separate memory table is printed after it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .metrics import BLOB_KEY, COLUMNS, METRIC_FIELDS, OPTIONAL_SERIES, series_stat
from .recorder import Line, Recorder, replay, text_of
from .units import byte_unit, plain_zero

Bench = Mapping[str, Any]

DIVIDER = " │"
EMPTY_CELL = "-"
TITLES = {"peak": "Peak", "allocated": "Allocated", "allocs": "Allocs", "rss": "RSS"}
_TITLE = re.compile(r"^-*(?P<label> benchmark.*: (?P<count>\d+) tests )-*$")
#: the BenchmarkSession attributes and methods the combined table relies on
SESSION_NAMES = (
    "groups",
    "columns",
    "sort",
    "histogram",
    "name_format",
    "logger",
    "config",
    "quiet",
    "check_regressions",
    "display_cprofile",
    "display",
)


class TableMismatchError(Exception):
    """pytest-benchmark's table did not have the layout the memory columns are folded into."""


@dataclass(frozen=True)
class Column:
    """One memory column: its label and one cell (text, value for colouring) per row."""

    label: str
    cells: tuple[str, ...]
    values: tuple[float | None, ...] = ()
    rank: bool = True  # colour the lightest green and the heaviest red
    signed: bool = False  # colour growth red and shrinkage green

    @property
    def width(self) -> int:
        return 2 + max(len(self.label), *(len(c) for c in self.cells))


@dataclass(frozen=True)
class TableSpec:
    """What to show: memory columns and stats, and the compare baseline (id -> peak)."""

    columns: tuple[str, ...]
    stats: tuple[str, ...]
    base: Mapping[str, float] | None = None
    compared: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def blob_of(bench: Bench) -> dict[str, list[float]] | None:
    """The memory series of a benchmark row (``extra_info["benchmem"]``), or None."""
    info = bench.get("extra_info")
    blob = info.get(BLOB_KEY) if isinstance(info, Mapping) else None
    if not isinstance(blob, Mapping):
        return None
    series: dict[str, list[float]] = {}
    for key in METRIC_FIELDS.values():
        values = blob.get(key)
        if values is None and key in OPTIONAL_SERIES:
            continue
        if not isinstance(values, list) or not values:
            return None
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return None
        series[key] = [float(v) for v in values]
    return series


def _number(value: float, factor: int) -> str:
    if factor > 1:
        return f"{value / factor:,.1f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _metric_table(
    key: str, blobs: Sequence[dict[str, list[float]] | None], spec: TableSpec
) -> tuple[bool, dict[str, list[float | None]]]:
    """Whether the metric spreads into stats, and its values per stat (one per row)."""
    series = [None if b is None else b.get(key) for b in blobs]
    spread = any(s is not None and len(s) > 1 for s in series)
    stats = spec.stats if spread else ("min",)
    table = {stat: [None if s is None else series_stat(s, stat) for s in series] for stat in stats}
    return spread, table


def _levels(table: Mapping[str, Sequence[float | None]]) -> list[float]:
    """The values a byte column's unit is chosen from: the levels (min/mean/...), not the
    spread (stddev can be tiny)."""
    levels = [vals for stat, vals in table.items() if stat != "stddev"] or list(table.values())
    return [v for vals in levels for v in vals if v is not None]


def _metric_columns(
    name: str,
    blobs: Sequence[dict[str, list[float]] | None],
    spec: TableSpec,
    unit: tuple[str, int] | None = None,
) -> list[Column]:
    key = METRIC_FIELDS[COLUMNS[name]]
    spread, table = _metric_table(key, blobs, spec)
    factor, suffix = 1, ""
    if key != "allocations":
        label, factor = unit or byte_unit(_levels(table))
        suffix = f" ({label})"
    columns = []
    for stat, values in table.items():
        label = f"{TITLES[name]} {stat}{suffix}" if spread else f"{TITLES[name]}{suffix}"
        cells = tuple(EMPTY_CELL if v is None else _number(v, factor) for v in values)
        columns.append(Column(label, cells, tuple(values), rank=stat != "stddev"))
    return columns


def _base_values(rows: Sequence[Bench], spec: TableSpec) -> list[float | None]:
    """The baseline peak of each row (None for rows of a saved run or ids not in the base)."""
    base = spec.base or {}
    return [base.get(str(r.get("fullname"))) if r.get("path") is None else None for r in rows]


def _compare_columns(
    rows: Sequence[Bench],
    blobs: Sequence[dict[str, list[float]] | None],
    spec: TableSpec,
    unit: tuple[str, int],
) -> list[Column]:
    now = [None if b is None else min(b["peak_bytes"]) for b in blobs]
    then = _base_values(rows, spec)
    label, factor = unit
    deltas = [None if n is None or t is None else n - t for n, t in zip(now, then, strict=True)]
    base_cells = tuple(EMPTY_CELL if t is None else _number(t, factor) for t in then)
    delta_cells = tuple(
        EMPTY_CELL if d is None else plain_zero(("+" if d > 0 else "") + _number(d, factor))
        for d in deltas
    )
    return [
        Column(f"base ({label})", base_cells, tuple(then), rank=False),
        Column(f"Δ peak ({label})", delta_cells, tuple(deltas), rank=False, signed=True),
    ]


def build_columns(rows: Sequence[Bench], spec: TableSpec) -> list[Column]:
    """The memory (and compare) columns for ``rows``, in the order asked for.

    With a baseline, the peak column, ``base`` and ``Δ peak`` share one unit, chosen from
    the peak levels and the base values together.
    """
    blobs = [_row_blob(row, spec) for row in rows]
    peak_unit = None
    if spec.base is not None:
        _, table = _metric_table(METRIC_FIELDS[COLUMNS["peak"]], blobs, spec)
        values = [*_levels(table), *(v for v in _base_values(rows, spec) if v is not None)]
        peak_unit = byte_unit(values)
    columns: list[Column] = []
    for name in spec.columns:
        columns.extend(_metric_columns(name, blobs, spec, peak_unit if name == "peak" else None))
    if peak_unit is not None:
        columns.extend(_compare_columns(rows, blobs, spec, peak_unit))
    return columns


def _row_blob(row: Bench, spec: TableSpec) -> dict[str, list[float]] | None:
    path = row.get("path")
    if path is None:
        return blob_of(row)
    saved = spec.compared.get(str(path), {}).get(str(row.get("fullname")))
    return blob_of(saved) if isinstance(saved, Mapping) else None


def _markup(column: Column, index: int, solo: bool) -> dict[str, Any]:
    value = column.values[index] if column.values else None
    if value is None:
        return {}
    if column.signed:
        return {"red": value > 0, "green": value < 0}
    present = [v for v in column.values if v is not None]
    if not column.rank or solo or len(set(present)) < 2:
        return {}
    return {"green": value == min(present), "red": value == max(present), "bold": True}


def caption(spec: TableSpec, rows: Sequence[Bench] = ()) -> str | None:
    """One line naming the recorded memory metrics the table does not show (``rss`` only
    when some row has it: only ``isolate=True`` records it)."""
    optional = {
        name
        for name, metric in COLUMNS.items()
        if METRIC_FIELDS[metric] in OPTIONAL_SERIES
        and not any(METRIC_FIELDS[metric] in (blob_of(row) or {}) for row in rows)
    }
    hidden = [name for name in COLUMNS if name not in spec.columns and name not in optional]
    if not hidden:
        return None
    shown = ", ".join(spec.columns)
    every = ",".join((*spec.columns, *hidden))
    return (
        f"Memory: {shown} shown; also recorded: {', '.join(hidden)} "
        f"(--benchmark-memory-columns={every})"
    )


def _fold_group(
    block: Sequence[Line], rows: Sequence[Bench], spec: TableSpec, label: str
) -> list[Line]:
    header, rule, body, closing = block[0], block[1], block[2:-1], block[-1]
    if set(text_of(rule)) != {"-"} or set(text_of(closing)) != {"-"}:
        msg = "table rules not where expected"
        raise TableMismatchError(msg)
    for line, row in zip(body, rows, strict=True):
        if not text_of(line).startswith(str(row.get("name"))):
            msg = f"row {text_of(line)!r} is not benchmark {row.get('name')!r}"
            raise TableMismatchError(msg)
    columns = build_columns(rows, spec)
    left = len(text_of(header))
    width = left + len(DIVIDER) + sum(c.width for c in columns)
    out: list[Line] = [[(label.center(width, "-"), {"yellow": True})]]
    labels = "".join(c.label.rjust(c.width) for c in columns)
    out.append([*header, (DIVIDER + labels, {})])
    out.append([("-" * width, {"yellow": True})])
    solo = len(rows) == 1
    for index, line in enumerate(body):
        cells: Line = [(text_of(line).ljust(left)[len(text_of(line)) :] + DIVIDER, {})]
        cells.extend((c.cells[index].rjust(c.width), _markup(c, index, solo)) for c in columns)
        out.append([*line, *cells])
    out.append([("-" * width, {"yellow": True})])
    return out


def fold(lines: Sequence[Line], groups: Sequence[Sequence[Bench]], spec: TableSpec) -> list[Line]:
    """pytest-benchmark's recorded table with the memory columns folded into each group."""
    out: list[Line] = []
    index, group = 0, 0
    while index < len(lines):
        match = _TITLE.match(text_of(lines[index]))
        if match and group < len(groups):
            rows = groups[group]
            if int(match.group("count")) != len(rows):
                msg = "group size differs from the table's"
                raise TableMismatchError(msg)
            block = lines[index + 1 : index + 4 + len(rows)]
            if len(block) != len(rows) + 3:
                msg = "table ended early"
                raise TableMismatchError(msg)
            out.extend(_fold_group(block, rows, spec, match.group("label")))
            index += 4 + len(rows)
            group += 1
            continue
        text = caption(spec, [row for rows in groups for row in rows])
        if text_of(lines[index]) == "Legend:" and text:
            out.append([(text, {})])
            out.append([])
        out.append(list(lines[index]))
        index += 1
    if group != len(groups):
        msg = f"found {group} of {len(groups)} benchmark groups"
        raise TableMismatchError(msg)
    return out


def has_memory(groups: Sequence[tuple[Any, Sequence[Bench]]] | None) -> bool:
    """True when any benchmark row of the session carries a memory blob."""
    return any(blob_of(b) is not None for _, rows in groups or () for b in rows)


def session_supported(bs: object) -> str | None:
    """Why the combined table cannot be drawn for this pytest-benchmark, or None."""
    missing = [name for name in SESSION_NAMES if not hasattr(bs, name)]
    if missing:
        return f"BenchmarkSession has no {', '.join(missing)}"
    try:
        from pytest_benchmark.table import TableResults
        from pytest_benchmark.utils import report_noprogress
    except ImportError as exc:
        return f"pytest-benchmark's table module changed ({exc})"
    import inspect

    params = inspect.signature(TableResults).parameters
    wanted = ("columns", "sort", "histogram", "name_format", "logger", "scale_unit")
    if any(name not in params for name in wanted) or not callable(report_noprogress):
        return "pytest_benchmark.table.TableResults has a different signature"
    return None


def render_combined(bs: Any, spec: TableSpec) -> tuple[list[Line], bool]:
    """Run pytest-benchmark's own TableResults into a recorder and fold memory in."""
    from functools import partial

    from pytest_benchmark.table import TableResults
    from pytest_benchmark.utils import report_noprogress

    groups = list(bs.groups)
    order = [sorted(rows, key=operator.itemgetter(bs.sort)) for _, rows in groups]
    results = TableResults(  # type: ignore[no-untyped-call]
        columns=bs.columns,
        sort=bs.sort,
        histogram=bs.histogram,
        name_format=bs.name_format,
        logger=bs.logger,
        scale_unit=partial(bs.config.hook.pytest_benchmark_scale_unit, config=bs.config),
    )
    recorder = Recorder()
    results.display(recorder, groups, progress_reporter=report_noprogress)  # type: ignore[no-untyped-call]
    try:
        return fold(recorder.lines, order, spec), True
    except TableMismatchError:
        return recorder.lines, False


def combined_display(bs: Any, tr: Any, spec: TableSpec) -> bool:
    """Stand-in for ``BenchmarkSession.display``: the combined table, then its own checks.

    Returns False when the memory columns could not be folded in (pytest-benchmark's table
    was printed unchanged; the caller prints a separate memory table).
    """
    if not bs.groups:
        return True
    folded = True
    if not bs.quiet:
        lines, folded = render_combined(bs, spec)
        replay(tr, lines)
    bs.check_regressions()
    if not bs.quiet:
        bs.display_cprofile(tr)
    return folded


def memory_table(rows: Sequence[Bench], spec: TableSpec) -> list[Line]:
    """A stand-alone memory table (the fallback when pytest-benchmark's table changed)."""
    columns = build_columns(rows, spec)
    names = [str(r.get("name")) for r in rows]
    left = 3 + max(len("Name"), *(len(n) for n in names))
    width = left + len(DIVIDER) + sum(c.width for c in columns)
    out: list[Line] = [[(" benchmem: memory ".center(width, "-"), {"yellow": True})]]
    out.append(
        [("Name".ljust(left) + DIVIDER + "".join(c.label.rjust(c.width) for c in columns), {})]
    )
    out.append([("-" * width, {"yellow": True})])
    solo = len(rows) == 1
    for index, name in enumerate(names):
        line: Line = [(name.ljust(left) + DIVIDER, {})]
        line.extend((c.cells[index].rjust(c.width), _markup(c, index, solo)) for c in columns)
        out.append(line)
    out.append([("-" * width, {"yellow": True})])
    text = caption(spec, rows)
    if text:
        out.append([(text, {})])
    return out
