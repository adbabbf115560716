"""The scaling view: a metric against a numeric dim (e.g. a parametrize size).

One line per benchmark family (run, test function, other dims), coloured by run label when
there are several runs, else by the next dim; a min..max band where passes disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from pytest_benchmem.errors import UsageError

from .data import (
    Dataset,
    Point,
    Scale,
    category,
    category_order,
    esc,
    is_number,
    numeric_dims,
    scale_for,
    spans_decade,
)
from .layout import Cell, Grid, View, colour, finish, grid, nothing, translucent

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


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
            if name not in (xdim, facet) and not name.startswith("node."):
                return name
    return None


def _line_key(point: Point, axes: _Axes, labels: Sequence[str]) -> tuple[object, ...]:
    skip = {axes.x, axes.colour, axes.facet}
    rest = tuple(sorted((k, str(v)) for k, v in point.dims.items() if k not in skip))
    func = point.id.split("[", 1)[0]
    return (labels[point.run], func, rest)


def _hover(point: Point, axes: _Axes, label: str, scale: Scale) -> str:
    where = f"{axes.x}={point.dims[axes.x]}"
    text = f"{esc(point.id)}<br>{esc(label)}<br>{esc(where)}<br>{scale.metric}: "
    text += scale.human(point.value)
    if point.low is not None and point.high is not None and point.high > point.low:
        text += f"<br>passes: {scale.human(point.low)} .. {scale.human(point.high)}"
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
    scale: Scale,
) -> list[go.Scatter]:
    xs: list[object] = [p.dims[axes.x] if axes.numeric_x else str(p.dims[axes.x]) for p in line]
    ys = [p.value / scale.factor for p in line]
    tint = colour(index)
    traces: list[go.Scatter] = []
    if any(p.low is not None and p.high is not None and p.high > p.low for p in line):
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


def _draw(ds: Dataset, placed: list[Point], axes: _Axes, scale: Scale) -> Grid:
    colour_of, keys = _colours(ds, placed, axes)
    facets = category_order(placed, axes.facet)
    figure_grid = grid(axes.facet, facets)
    lines: dict[tuple[object, ...], list[Point]] = {}
    for point in placed:
        cell_key = (category(point, axes.facet), colour_of(point))
        lines.setdefault((*cell_key, *_line_key(point, axes, ds.labels)), []).append(point)
    order = {cat: i for i, cat in enumerate(category_order(placed, axes.x))}
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
) -> View:
    """Build the scaling view of ``ds`` (see :func:`pytest_benchmem.plotting.plot_scaling`)."""
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
    scale = scale_for(ds.metric, values)
    figure_grid = _draw(ds, placed, axes, scale)
    figure = figure_grid.figure
    log_x = numeric_x and _log_flag(log, [float(p.dims[xdim]) for p in placed])
    log_y = _log_flag(log, values)
    figure.update_xaxes(type="log" if log_x else ("linear" if numeric_x else "category"))
    figure.update_yaxes(type="log" if log_y else "linear", title_text=scale.title)
    figure.update_xaxes(title_text=xdim)
    legend = "run" if by_label else ("benchmark" if by_family else colour_dim)
    title = f"{ds.metric} vs {xdim}" + (f" — {ds.labels[0]}" if len(ds.labels) == 1 else "")
    finish(figure, title, legend=legend)
    n_ids = len({p.id for p in placed})
    return View("scaling", figure, n_ids, ds.metric, ds.labels, tuple(notes))
