"""The scaling view: a metric against a numeric dim (e.g. a parametrize size).

One line per benchmark family (run, test function, other dims), coloured by run label when
there are several runs, else by the next dim; a min..max band where passes disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from pytest_benchmem.errors import UsageError
from pytest_benchmem.units import ColumnScale, column_scale

from .axes import AxisOptions, check_log, log_axis, share_axes
from .data import (
    Dataset,
    Point,
    category,
    category_order,
    derived,
    esc,
    is_number,
    numeric_dims,
    same_dim,
    spans_decade,
)
from .layout import Cell, Grid, View, colour, finish, grid, nothing, translucent

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: ``--band auto`` draws bands on at most this many lines (more would hide the lines)
MAX_BANDS = 8


@dataclass(frozen=True)
class _Axes:
    x: str
    colour: str | None
    facet: str | None
    by_label: bool
    numeric_x: bool
    by_family: bool = False  # no colour dim, several test functions: colour by function


def _family(point: Point) -> str:
    """The benchmark family of a point: its id without the parametrize part."""
    return point.id.split("[", 1)[0]


def _family_names(placed: Sequence[Point]) -> dict[str, str]:
    """Family -> legend name, dropping the module when every family shares one."""
    families = list(dict.fromkeys(_family(p) for p in placed))
    modules = {family.split("::", 1)[0] for family in families}
    if len(modules) == 1 and all("::" in family for family in families):
        return {family: family.split("::", 1)[1] for family in families}
    return {family: family for family in families}


def pick_x(ds: Dataset, x: str | None) -> str:
    """The x dim: ``x`` when given (checked), else the one numeric dim of the runs."""
    if x is not None:
        return ds.check_dim(x, "the x-axis")
    candidates = numeric_dims(ds.points)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        names = ", ".join(ds.dim_names()) or "none"
        if len(ds.labels) > 1:
            instead = "name one with --x, or use --view compare/sweep"
        elif ds.dim_names():
            instead = "name one with --x, or give two or more runs to compare them"
        else:  # one run, nothing to put on an x-axis: the only way on is more runs or a dim
            instead = (
                "parametrize the benchmarks by a number, or give two or more runs "
                "(scatter/compare/sweep views)"
            )
        msg = (
            f"the scaling view needs a numeric dim for the x-axis and "
            f"{'these runs have' if len(ds.labels) > 1 else 'this run has'} none "
            f"(dims: {names}); {instead}"
        )
        raise UsageError(msg)
    msg = f"several numeric dims could be the x-axis ({', '.join(candidates)}): choose one with --x"
    raise UsageError(msg)


def _log_flag(log: bool | str, values: Sequence[float]) -> bool:
    if log == "auto":
        return spans_decade(values)
    if isinstance(log, bool):
        return log
    msg = f"log must be 'auto', True or False, got {log!r}"
    raise UsageError(msg)


def _colour_dim(
    ds: Dataset, placed: list[Point], xdim: str, color: str | None, facet: str | None
) -> str | None:
    if color is not None:
        return ds.check_dim(color, "colour")
    # The next dim of the points on this x-axis (a dim only other benchmarks carry says nothing).
    for point in placed:
        for name in point.dims:
            if derived(name) or any(same_dim(name, d) for d in (xdim, facet) if d is not None):
                continue
            return name
    return None


def _line_key(point: Point, axes: _Axes, labels: Sequence[str]) -> tuple[object, ...]:
    skip = {axes.x, axes.colour, axes.facet}
    rest = tuple(sorted((k, str(v)) for k, v in point.dims.items() if k not in skip))
    func = point.id.split("[", 1)[0]
    return (labels[point.run], func, rest)


def _hover(point: Point, axes: _Axes, label: str, scale: ColumnScale) -> str:
    where = f"{axes.x}={point.dims[axes.x]}"
    text = f"{esc(point.id)}<br>{esc(label)}<br>{esc(where)}<br>{scale.metric}: "
    text += scale.human(point.value)
    if point.low is not None and point.high is not None and point.high > point.low:
        repeats = "rounds" if scale.metric == "time" else "passes"
        text += f"<br>{repeats}: {scale.human(point.low)} .. {scale.human(point.high)}"
    return text


def _traces(
    line: list[Point],
    axes: _Axes,
    key: str,
    *,
    index: int,
    show: bool,
    dash: str,
    ds: Dataset,
    scale: ColumnScale,
    band: bool = True,
) -> list[go.Scatter]:
    xs: list[object] = [p.dims[axes.x] if axes.numeric_x else str(p.dims[axes.x]) for p in line]
    ys = [p.value / scale.factor for p in line]
    tint = colour(index)
    traces: list[go.Scatter] = []
    if band and has_spread(line):
        high = [(p.high if p.high is not None else p.value) / scale.factor for p in line]
        low = [(p.low if p.low is not None else p.value) / scale.factor for p in line]
        band = go.Scatter(
            x=xs + xs[::-1],
            y=high + low[::-1],
            fill="toself",
            fillcolor=translucent(tint),
            line={"width": 0},
            mode="lines",
            hoverinfo="skip",
            showlegend=False,
            legendgroup=key,
            name=f"{key} min..max",
        )
        traces.append(band)
    text = [_hover(p, axes, ds.labels[p.run], scale) for p in line]
    traces.append(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name=key or scale.metric,
            legendgroup=key,
            showlegend=show,
            line={"color": tint, "dash": dash},
            marker={"color": tint, "size": 7},
            text=text,
            hovertemplate="%{text}<extra></extra>",
        )
    )
    return traces


def has_spread(line: Sequence[Point]) -> bool:
    """True when some point of the line has repeats that disagree (a band to draw)."""
    return any(p.low is not None and p.high is not None and p.high > p.low for p in line)


def _sort_line(line: list[Point], axes: _Axes, order: dict[str, int]) -> list[Point]:
    if axes.numeric_x:
        return sorted(line, key=lambda p: float(p.dims[axes.x]))
    return sorted(line, key=lambda p: order[str(p.dims[axes.x])])


def _colours(
    ds: Dataset, placed: list[Point], axes: _Axes
) -> tuple[Callable[[Point], str], list[str]]:
    """How a point's colour key is found, and the keys in legend order."""
    if axes.by_label:
        return (lambda p: ds.labels[p.run]), list(ds.labels)
    if axes.by_family:
        names = _family_names(placed)
        return (lambda p: names[_family(p)]), list(names.values())
    return (lambda p: category(p, axes.colour)), category_order(placed, axes.colour)


def _draw(
    ds: Dataset,
    placed: list[Point],
    axes: _Axes,
    scale: ColumnScale,
    *,
    band: str,
    notes: list[str],
) -> Grid:
    colour_of, keys = _colours(ds, placed, axes)
    facets = category_order(placed, axes.facet)
    figure_grid = grid(axes.facet, facets)
    lines: dict[tuple[object, ...], list[Point]] = {}
    for point in placed:
        cell_key = (category(point, axes.facet), colour_of(point))
        lines.setdefault((*cell_key, *_line_key(point, axes, ds.labels)), []).append(point)
    order = {cat: i for i, cat in enumerate(category_order(placed, axes.x))}
    spread = sum(has_spread(line) for line in lines.values())
    bands = band == "minmax" or (band == "auto" and spread <= MAX_BANDS)
    if spread and not bands and band == "auto":
        notes.append(
            f"{spread} lines have a spread: bands left out to keep it legible "
            "(--band minmax draws them)"
        )
    traces: list[go.Scatter] = []
    cells: list[Cell] = []
    shown: set[str] = set()
    for line_key in sorted(lines, key=lambda k: (facets.index(str(k[0])), keys.index(str(k[1])))):
        facet_key, key = str(line_key[0]), str(line_key[1])
        line = _sort_line(lines[line_key], axes, order)
        legend, dash = key, "solid"
        if not axes.by_label and len(ds.labels) > 1:
            # colour is a dim here: tell the runs apart by dash, and say which in the legend
            run = line[0].run
            legend = f"{key} · {ds.labels[run]}" if key else ds.labels[run]
            dash = DASHES[run % len(DASHES)]
        new = _traces(
            line,
            axes,
            legend,
            index=keys.index(key),
            show=legend not in shown,
            dash=dash,
            ds=ds,
            scale=scale,
            band=bands,
        )
        shown.add(legend)
        traces.extend(new)
        cells.extend([figure_grid.cells[facet_key]] * len(new))
    figure_grid.add(traces, cells)
    return figure_grid


def build_scaling(
    ds: Dataset,
    *,
    x: str | None = None,
    color: str | None = None,
    facet: str | None = None,
    log: bool | str = "auto",
    options: AxisOptions | None = None,
) -> View:
    """Build the scaling view of ``ds`` (see :func:`pytest_benchmem.plotting.plot_scaling`)."""
    opts = options or AxisOptions(color=color)
    color = opts.color if opts.color is not None else color
    if facet is not None:
        ds.check_dim(facet, "facet")
    xdim = pick_x(ds, x)
    placed = [p for p in ds.points if p.dims.get(xdim) is not None]
    notes = list(ds.notes)
    if len(placed) < len(ds.points):
        lost = len({p.id for p in ds.points} - {p.id for p in placed})
        notes.append(f"{lost} id(s) have no {xdim!r} dim, so they have no place on its x-axis")
    if not placed:
        nothing("scaling", f"no benchmark carries the dim {xdim!r}")
    by_label = color is None and len(ds.labels) > 1
    colour_dim = None if by_label else _colour_dim(ds, placed, xdim, color, facet)
    numeric_x = all(is_number(p.dims[xdim]) for p in placed)
    by_family = not by_label and colour_dim is None and len(_family_names(placed)) > 1
    axes = _Axes(xdim, colour_dim, facet, by_label, numeric_x, by_family)
    values = [p.value for p in placed]
    scale = column_scale(ds.metric, values, bytes_by_median=True)
    figure_grid = _draw(ds, placed, axes, scale, band=opts.band, notes=notes)
    _axes(figure_grid, placed, axes, scale, logs=_logs(log, opts, placed, axes), opts=opts)
    legend = "run" if by_label else ("benchmark" if by_family else colour_dim)
    title = f"{ds.metric} vs {xdim}" + (f" — {ds.labels[0]}" if len(ds.labels) == 1 else "")
    finish(figure_grid.figure, title, legend=legend)
    n_ids = len({p.id for p in placed})
    return View("scaling", figure_grid.figure, n_ids, ds.metric, ds.labels, tuple(notes))


def _logs(
    log: bool | str, opts: AxisOptions, placed: list[Point], axes: _Axes
) -> tuple[bool, bool]:
    """(log x, log y): the flags when given, else the ``log`` argument's rule."""
    if opts.log_x and not axes.numeric_x:
        msg = f"--log-x needs a numeric x dim; {axes.x!r} has text values"
        raise UsageError(msg)
    xs = [float(p.dims[axes.x]) for p in placed] if axes.numeric_x else []
    ys = [v for p in placed for v in (p.value, p.low, p.high) if v is not None]
    check_log(opts.log_x, xs, "x")
    check_log(opts.log_y, ys, "y")
    log_x = axes.numeric_x and (_log_flag(log, xs) if opts.log_x is None else opts.log_x)
    log_y = _log_flag(log, ys) if opts.log_y is None else opts.log_y
    if opts.y_zero and opts.log_y is None:
        log_y = False  # a zero-based y-axis is linear
    return log_x, log_y


def _axes(
    figure_grid: Grid,
    placed: list[Point],
    axes: _Axes,
    scale: ColumnScale,
    *,
    logs: tuple[bool, bool],
    opts: AxisOptions,
) -> None:
    """Axis types, unit-labelled log ticks, a zero-based y, facets shared unless freed."""
    figure = figure_grid.figure
    share_axes(figure, opts, faceted=axes.facet is not None)
    log_x, log_y = logs
    cells: dict[Cell, list[Point]] = {}
    for point in placed:
        cell = figure_grid.cells[category(point, axes.facet)] if axes.facet else None
        cells.setdefault(cell, []).append(point)
    x_title = {"title_text": axes.x}
    figure.update_xaxes(type="linear" if axes.numeric_x else "category", **x_title)
    if log_x:
        for cell, points in _per_cell(cells, placed, opts.frees("x")):
            log_axis(figure, "x", axes.x, [float(p.dims[axes.x]) for p in points], cell=cell)
    if log_y:
        figure.update_yaxes(title_text=scale.metric)  # the ticks carry the unit
        for cell, points in _per_cell(cells, placed, opts.frees("y")):
            ys = [v for p in points for v in (p.value, p.low, p.high) if v is not None]
            log_axis(figure, "y", scale.metric, ys, factor=scale.factor, cell=cell)
    else:
        zero = {"rangemode": "tozero"} if opts.y_zero else {}
        figure.update_yaxes(type="linear", title_text=scale.title, **zero)


def _per_cell(
    cells: dict[Cell, list[Point]], placed: list[Point], free: bool
) -> list[tuple[Cell, list[Point]]]:
    """Each facet's points when its axis is free, else every point for all facets at once."""
    return list(cells.items()) if free else [(None, placed)]
