"""Views of a base run against newer runs: the ratio scatter and the change bars.

Both pair each id of the base (first) run with the same id in a newer run; ids found in only
one of them, or a zero base where a ratio is asked for, are counted in the notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from pytest_benchmem.errors import UsageError
from pytest_benchmem.units import ColumnScale, column_scale, percent_change, signed_percent

from .axes import AxisOptions, check_log, log_axis, share_axes, want_log
from .data import (
    Dataset,
    Point,
    category,
    category_order,
    esc,
    short_ids,
)
from .layout import (
    FLAT,
    GROWTH,
    MAX_TICKS,
    ROW_GAP,
    SHRINK,
    Cell,
    View,
    check_clip,
    colour,
    finish,
    grid,
    id_axis_height,
    need_runs,
    nothing,
)

PAIR_SORTS = ("absolute", "relative")
#: the ratio axis always spans at least ×1/1.1 .. ×1.1
RATIO_SPAN = 1.1
#: the scatter labels this many of its largest changes in place
TOP_MOVERS = 5


@dataclass(frozen=True)
class Pair:
    """One id in the base run and in a newer run."""

    run: int
    base: Point
    new: Point

    @property
    def delta(self) -> float:
        """new - base, in the metric's unit."""
        return self.new.value - self.base.value

    @property
    def ratio(self) -> float | None:
        """new / base (1 when both are zero; None for a zero base)."""
        if self.base.value == 0:
            return 1.0 if self.new.value == 0 else None
        return self.new.value / self.base.value

    def hover(self, labels: Sequence[str], scale: ColumnScale, name: str | None = None) -> str:
        """The hover text: id (or its short ``name``), both values with labels, the change."""
        ratio = self.ratio
        change = scale.human(self.delta)
        if self.delta > 0:
            change = "+" + change
        if ratio is not None:
            change += f" ({signed_percent(percent_change(1.0, ratio) or 0.0)}, ×{ratio:.3g})"
        return (
            f"{esc(name or self.base.id)}<br>{esc(labels[0])}: {scale.human(self.base.value)}"
            f"<br>{esc(labels[self.run])}: {scale.human(self.new.value)}<br>change: {change}"
        )


def pair_runs(ds: Dataset, runs: Sequence[int], notes: list[str]) -> list[Pair]:
    """Pair the base run's ids with each of ``runs``; note the ids that cannot pair."""
    tables = ds.by_run()
    base = tables[0]
    pairs: list[Pair] = []
    for run in runs:
        table = tables[run]
        pairs.extend(Pair(run, point, table[key]) for key, point in base.items() if key in table)
        only_base = len(base.keys() - table.keys())
        only_new = len(table.keys() - base.keys())
        for count, where in ((only_base, ds.labels[0]), (only_new, ds.labels[run])):
            if count:
                notes.append(f"{count} id(s) only in {where} (no pair, not drawn)")
    return pairs


def _drop_zero_base(pairs: list[Pair], notes: list[str]) -> list[Pair]:
    kept = [pair for pair in pairs if pair.ratio is not None]
    if len(kept) < len(pairs):
        notes.append(f"{len(pairs) - len(kept)} id(s) grew from a zero base (no ratio, not drawn)")
    return kept


def top_movers(pairs: Sequence[Pair], count: int = TOP_MOVERS) -> set[tuple[int, str]]:
    """``(run, id)`` of the ``count`` pairs that moved most (by |log ratio|; unchanged never)."""
    moved = [p for p in pairs if p.ratio is not None and p.ratio > 0 and p.ratio != 1.0]
    moved.sort(key=lambda p: (-abs(math.log(p.ratio or 1.0)), p.base.id))
    return {(p.run, p.base.id) for p in moved[:count]}


def _clamped(ratio: float, clip: float | None) -> tuple[float, str]:
    if clip is not None and ratio > 2.0**clip:
        return 2.0**clip, "triangle-up"
    if clip is not None and ratio < 2.0**-clip:
        return 2.0**-clip, "triangle-down"
    return ratio, "circle"


def ratio_range(ratios: Sequence[float]) -> tuple[str, list[float]]:
    """The ratio axis: its type and a range spanning at least ×(1/RATIO_SPAN)..×RATIO_SPAN.

    Without that floor, ratios that barely move (1.0 and 0.999998) fill the whole axis and a
    change of a few bytes looks like a big one. Every facet gets the same range.
    """
    low = min(*ratios, 1 / RATIO_SPAN)
    high = max(*ratios, RATIO_SPAN)
    if low > 0:
        lo, hi = math.log10(low), math.log10(high)
        pad = (hi - lo) * 0.06
        return "log", [lo - pad, hi + pad]
    pad = (high - low) * 0.06
    return "linear", [low - pad, high + pad]


def build_scatter(
    ds: Dataset,
    *,
    facet: str | None = None,
    clip: float | None = None,
    options: AxisOptions | None = None,
) -> View:
    """Base value (x) against new/base (y) per id, one colour per newer run, a line at 1."""
    opts = options or AxisOptions()
    need_runs(ds.labels, 2, "scatter", "a base run and a new one")
    clip = check_clip(clip)
    if facet is not None:
        ds.check_dim(facet, "facet")
    notes = list(ds.notes)
    pairs = _drop_zero_base(pair_runs(ds, range(1, len(ds.labels)), notes), notes)
    if not pairs:
        nothing("scatter", "no id has a value in both the base run and a newer run")
    scale = column_scale(ds.metric, [pair.base.value for pair in pairs], bytes_by_median=True)
    facets = category_order([pair.base for pair in pairs], facet)
    figure_grid = grid(facet, facets)
    traces: list[go.Scatter] = []
    cells: list[Cell] = []
    pinned = 0
    shorts = short_ids([pair.base.id for pair in pairs])
    movers = top_movers(pairs)
    for facet_key in facets:
        for run in range(1, len(ds.labels)):
            chosen = [p for p in pairs if p.run == run and category(p.base, facet) == facet_key]
            if not chosen:
                continue
            placed = [_clamped(p.ratio or 0.0, clip) for p in chosen]
            pinned += sum(symbol != "circle" for _, symbol in placed)
            traces.append(
                go.Scatter(
                    x=[p.base.value / scale.factor for p in chosen],
                    y=[ratio for ratio, _ in placed],
                    mode="markers+text",  # the top movers carry their short id in place
                    name=f"{ds.labels[run]} / {ds.labels[0]}",
                    legendgroup=str(run),
                    showlegend=facet_key == facets[0] or facet is None,
                    marker={"color": colour(run - 1), "size": 8, "symbol": [s for _, s in placed]},
                    text=[
                        esc(shorts[p.base.id]) if (p.run, p.base.id) in movers else ""
                        for p in chosen
                    ],
                    textposition="top center",
                    textfont={"size": 11},
                    hovertext=[p.hover(ds.labels, scale, shorts[p.base.id]) for p in chosen],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
            cells.append(figure_grid.cells[facet_key])
    figure_grid.add(traces, cells)
    figure = figure_grid.figure
    if pinned:
        notes.append(f"{pinned} point(s) beyond the clip are pinned to its edge (triangles)")
    shown = [_clamped(pair.ratio or 0.0, clip)[0] for pair in pairs]
    _scatter_axes(figure, shown, [pair.base.value for pair in pairs], scale, opts)
    share_axes(figure, opts, faceted=facet is not None)
    line = {"dash": "dash", "color": FLAT, "width": 1}
    if facet is None:
        figure.add_hline(y=1, line=line)
    else:
        figure.add_hline(y=1, line=line, row="all", col="all")
    title = f"{ds.metric}: ratio against {ds.labels[0]}"
    finish(figure, title, legend="run / base")
    return View(
        "scatter", figure, len({pair.base.id for pair in pairs}), ds.metric, ds.labels, tuple(notes)
    )


def _scatter_axes(
    figure: go.Figure, ratios: list[float], xs: list[float], scale: ColumnScale, opts: AxisOptions
) -> None:
    """The ratio axis (log unless --linear-y) and the base-value axis (unit ticks when log)."""
    axis_type, span = ratio_range(ratios)
    check_log(opts.log_y, ratios, "y")
    if opts.log_y is not None and (axis_type == "log") != opts.log_y:
        low, high = min(*ratios, 1 / RATIO_SPAN), max(*ratios, RATIO_SPAN)
        pad = (high - low) * 0.06
        axis_type, span = "linear", [low - pad, high + pad]
        if opts.log_y:
            axis_type, span = "log", [math.log10(low), math.log10(high)]
    figure.update_yaxes(type=axis_type, range=span, title_text="ratio new / base")
    check_log(opts.log_x, xs, "x")
    if want_log(opts.log_x, xs):
        figure.update_xaxes(title_text=scale.metric)
        log_axis(figure, "x", scale.metric, xs, factor=scale.factor)
    else:
        figure.update_xaxes(type="linear", title_text=scale.title)


def _bar_axis(ds: Dataset, pairs: list[Pair], sort: str) -> tuple[list[float], str]:
    if sort == "relative":
        return [percent_change(1.0, pair.ratio or 1.0) or 0.0 for pair in pairs], "change (%)"
    scale = column_scale(ds.metric, [abs(pair.delta) for pair in pairs], bytes_by_median=True)
    return [pair.delta / scale.factor for pair in pairs], f"change ({scale.label})"


def _bars(pairs: list[Pair], values: list[float], clip: float | None, ds: Dataset) -> go.Bar:
    scale = column_scale(ds.metric, [pair.base.value for pair in pairs], bytes_by_median=True)
    shown = [max(-clip, min(clip, v)) if clip is not None else v for v in values]
    return go.Bar(
        x=shown,
        y=[pair.base.id for pair in pairs],
        orientation="h",
        marker={
            "color": [GROWTH if p.delta > 0 else SHRINK if p.delta < 0 else FLAT for p in pairs],
            "pattern": {
                "shape": ["/" if s != v else "" for s, v in zip(shown, values, strict=True)]
            },
        },
        text=[pair.hover(ds.labels, scale) for pair in pairs],
        textposition="none",
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )


def _bar_axes(figure: go.Figure, title: str, panels: int, opts: AxisOptions) -> None:
    """The change axis: one scale for every panel (unless --free-axes x), so bar lengths
    compare across facets; its title under the bottom panel only (under every panel it would
    run into the next one's title)."""
    figure.update_xaxes(zeroline=True, zerolinecolor=FLAT)
    if not panels:
        share_axes(figure, opts, faceted=False)
        figure.update_xaxes(title_text=title)
        return
    if not opts.frees("x"):
        figure.update_xaxes(matches="x")
    figure.update_xaxes(title_text=title, row=panels, col=1)


def build_compare(
    ds: Dataset,
    *,
    sort: str = "absolute",
    facet: str | None = None,
    clip: float | None = None,
    options: AxisOptions | None = None,
) -> View:
    """Bars of the change last vs first run per id, sorted, absolute or relative (percent)."""
    opts = options or AxisOptions()
    if opts.free in ("y", "both"):
        msg = "--free-axes y does not apply to the compare view (each panel lists its own ids)"
        raise UsageError(msg)
    if sort not in PAIR_SORTS:
        msg = f"unknown sort {sort!r} for the compare view (choose from {' | '.join(PAIR_SORTS)})"
        raise UsageError(msg)
    need_runs(ds.labels, 2, "compare", "a base run and a new one")
    clip = check_clip(clip)
    if facet is not None:
        ds.check_dim(facet, "facet")
    notes = list(ds.notes)
    last = len(ds.labels) - 1
    if last > 1:
        notes.append(f"comparing the first run ({ds.labels[0]}) with the last ({ds.labels[last]})")
    pairs = pair_runs(ds, [last], notes)
    if sort == "relative":
        pairs = _drop_zero_base(pairs, notes)
    if not pairs:
        nothing("compare", f"no id has a value in both {ds.labels[0]} and {ds.labels[last]}")
    values, axis_title = _bar_axis(ds, pairs, sort)
    facets = category_order([pair.base for pair in pairs], facet)
    # One stacked panel per facet value, each as tall as its bars (bars keep one thickness).
    counts = [sum(category(p.base, facet) == key for p in pairs) for key in facets]
    height = id_axis_height(len(pairs) + 3 * len(facets)) + ROW_GAP * (len(facets) - 1)
    figure_grid = grid(facet, facets, columns=1, row_heights=[n + 1 for n in counts], height=height)
    traces: list[go.Bar] = []
    cells: list[Cell] = []
    clipped = 0
    for facet_key in facets:
        chosen = sorted(
            (i for i, pair in enumerate(pairs) if category(pair.base, facet) == facet_key),
            key=lambda i: (values[i], pairs[i].base.id),
        )
        trace = _bars([pairs[i] for i in chosen], [values[i] for i in chosen], clip, ds)
        clipped += sum(1 for i in chosen if clip is not None and abs(values[i]) > clip)
        traces.append(trace)
        cells.append(figure_grid.cells[facet_key])
    figure_grid.add(traces, cells)
    if clipped:
        notes.append(f"{clipped} bar(s) beyond the clip are cut at ±{clip:g} (hatched)")
    figure = figure_grid.figure
    _bar_axes(figure, axis_title, len(facets) if facet is not None else 0, opts)
    figure.update_yaxes(type="category", showticklabels=len(pairs) <= MAX_TICKS, automargin=True)
    figure.update_layout(height=height, bargap=0.15)
    how = "relative" if sort == "relative" else "absolute"
    title = f"{ds.metric} change ({how}): {ds.labels[0]} → {ds.labels[last]}"
    finish(figure, title)
    return View("compare", figure, len(pairs), ds.metric, ds.labels, tuple(notes))
