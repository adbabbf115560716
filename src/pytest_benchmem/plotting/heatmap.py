"""The sweep view (ids x runs heatmap of log2 fold change) and the report's line view.

Each row is folded against its first run that has a value (normally the first run); the
hover shows the absolute values and labels. ``clip`` clamps the colour scale to ±clip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from pytest_benchmem.units import ColumnScale, column_scale, percent_change, signed_percent

from .data import Dataset, Point, esc, short_ids, spans_decade
from .layout import MAX_TICKS, View, check_clip, finish, id_axis_height, need_runs, nothing

COLOURSCALE = "RdBu_r"
MAX_LINES = 150
#: up to this many cells, each cell shows its change as text
MAX_TEXT_CELLS = 400
#: the narrowest colour scale: ±1 % (log2 1.01), so identical runs do not look alarming
MIN_LIMIT = math.log2(1.01)


def _cells(
    tables: Sequence[dict[str, Point]], ids: Sequence[str], factor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: the log2 fold (NaN where no value) and the hover's numbers.

    The hover's numbers are ``(value, base value, ratio, log2 fold)``, values in display
    units: one typed array (``customdata``) the browser formats, instead of a string per cell.
    """
    values = np.full((len(ids), len(tables)), np.nan)
    for column, table in enumerate(tables):
        for row, key in enumerate(ids):
            point = table.get(key)
            if point is not None:
                values[row, column] = point.value
    first = np.argmax(~np.isnan(values), axis=1)  # each row's first run with a value
    base = values[np.arange(len(ids)), first][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = values / base
        fold = np.log2(ratio)
    same = values == base  # 0 -> 0 is no change (0/0 would be NaN)
    ratio[same], fold[same] = 1.0, 0.0
    base_cells = np.where(np.isnan(values), np.nan, base)
    hover = np.stack([values / factor, base_cells / factor, ratio, fold], axis=-1)
    # float32: the hover shows 4 significant digits; half the bytes of float64 in the page
    return fold, hover.astype(np.float32)


def _hovertemplate(scale: ColumnScale, base: str) -> str:
    unit = f" {esc(scale.unit)}" if scale.unit else ""
    number = ",.4~r" if scale.unit else ",.0f"  # decimal, 4 significant digits
    return (
        f"%{{y}}<br>%{{x}}: %{{customdata[0]:{number}}}{unit}"
        f"<br>{esc(base)}: %{{customdata[1]:{number}}}{unit}"
        "<br>×%{customdata[2]:.3~g} (log2 %{customdata[3]:+.2f})<extra></extra>"
    )


def colour_limit(fold: np.ndarray, clip: float | None) -> float:
    """The colour scale's half-span in log2 units: ``clip``, else the largest change drawn
    (at least ±1 %), so a 5 % change is as visible as a doubling would be on its own."""
    if clip is not None:
        return clip
    finite = np.abs(fold[np.isfinite(fold)])
    return max(MIN_LIMIT, float(finite.max())) if finite.size else 1.0


def change_text(fold: float) -> str:
    """A cell's text: the change in percent (``+12%``, ``-3.4%``, ``0``), ``×N`` past a
    doubling, "" for an empty cell."""
    if not math.isfinite(fold):
        return ""
    ratio = 2.0**fold
    if ratio >= 2.0:
        return f"×{ratio:.3g}"
    percent = percent_change(1.0, ratio) or 0.0
    return signed_percent(percent, 1 if abs(percent) < 10 else 0)


def _colourbar(limit: float, base: str) -> dict[str, object]:
    if limit >= 1.5:  # doublings: ×2, ×4 ... ×1/2
        step = max(1, math.ceil(limit / 3))
        ticks = [
            float(t) for t in range(-step * math.floor(limit / step), math.floor(limit) + 1, step)
        ]
        texts = [f"×{2**t:g}" if t >= 0 else f"×1/{2**-t:g}" for t in ticks]
    else:  # a narrow scale reads in percent: -10%, -5%, 0, +5%, +10%
        ticks = [limit * k / 2 for k in (-2, -1, 0, 1, 2)]
        texts = [change_text(t) for t in ticks]
    return {"title": {"text": f"vs {base}"}, "tickvals": ticks, "ticktext": texts}


def build_sweep(ds: Dataset, *, clip: float | None = None) -> View:
    """Heatmap of ids (rows) x runs (columns), log2 fold change against the first run."""
    need_runs(ds.labels, 2, "sweep", "one column per run, folded against the first")
    clip = check_clip(clip)
    tables = ds.by_run()
    ids = ds.ids()
    if not ids:  # pragma: no cover - a Dataset always holds points
        nothing("sweep", "no ids")
    scale = column_scale(ds.metric, [point.value for point in ds.points], bytes_by_median=True)
    fold, hover = _cells(tables, ids, scale.factor)
    limit = colour_limit(fold, clip)
    shown = np.clip(fold, -limit, limit)  # NaN (no value) stays NaN: an empty cell
    notes = list(ds.notes)
    late = sum(1 for key in ids if key not in tables[0])
    base = ds.labels[0]
    if late:
        notes.append(f"{late} id(s) missing from {ds.labels[0]} are folded against their first run")
        base = "first run with a value"
    trace = go.Heatmap(
        z=shown,  # typed arrays (z, customdata): no per-cell walk, compact in the HTML
        x=list(ds.labels),
        y=[esc(key) for key in ids],  # plotly reads pseudo-HTML in ticks and hover: escaped
        customdata=hover,
        hovertemplate=_hovertemplate(scale, base),
        hoverongaps=False,
        colorscale=COLOURSCALE,
        zmin=-limit,
        zmax=limit,
        zmid=0,
        xgap=1,
        ygap=1 if len(ids) <= MAX_TICKS else 0,
        colorbar=_colourbar(limit, ds.labels[0]),
    )
    if fold.size <= MAX_TEXT_CELLS:  # few cells: the change reads in each, no hover needed
        trace.update(
            text=[[change_text(float(v)) for v in row] for row in fold],
            texttemplate="%{text}",
            textfont={"size": 11},
        )
    axis = {"type": "category", "automargin": True}
    figure = go.Figure(
        trace,
        layout={
            "xaxis": {**axis, "side": "top"},
            "yaxis": {**axis, "autorange": "reversed", "showticklabels": len(ids) <= MAX_TICKS},
            "height": id_axis_height(len(ids), per_row=16),
        },
    )
    finish(figure, f"{ds.metric}: change against {ds.labels[0]} (log2 fold)")
    return View("sweep", figure, len(ids), ds.metric, ds.labels, tuple(notes))


def build_lines(ds: Dataset) -> View:
    """One line per benchmark across the runs (x = run labels, in order)."""
    tables = ds.by_run()
    ids = ds.ids()
    scale = column_scale(ds.metric, [point.value for point in ds.points], bytes_by_median=True)
    traces: list[go.Scatter] = []
    shorts = short_ids(ids)
    if len(ids) <= MAX_LINES:
        for key in ids:
            points = [
                (label, table.get(key)) for label, table in zip(ds.labels, tables, strict=True)
            ]
            present = [(label, p) for label, p in points if p is not None]
            traces.append(
                go.Scatter(
                    x=[label for label, _ in present],
                    y=[p.value / scale.factor for _, p in present],
                    mode="lines+markers",
                    name=esc(shorts[key]),  # the legend: the part of the id that differs
                    text=[
                        f"{esc(key)}<br>{esc(label)}: {scale.human(p.value)}"
                        for label, p in present
                    ],
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    else:
        traces.append(_one_trace(ds, ids, tables, scale))
    figure = go.Figure(traces)
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=list(ds.labels))
    values = [point.value for point in ds.points]
    figure.update_yaxes(type="log" if spans_decade(values) else "linear", title_text=scale.title)
    figure.update_layout(showlegend=len(ids) <= 20, height=600)
    finish(figure, f"{ds.metric} per benchmark across runs")
    return View("lines", figure, len(ids), ds.metric, ds.labels, ds.notes)


def _one_trace(
    ds: Dataset, ids: list[str], tables: list[dict[str, Point]], scale: ColumnScale
) -> go.Scatter:
    # Thousands of traces make plotly slow on both ends; one trace with gaps draws the same.
    xs: list[str | None] = []
    ys: list[float | None] = []
    texts: list[str] = []
    for key in ids:
        for label, table in zip(ds.labels, tables, strict=True):
            point = table.get(key)
            if point is not None:
                xs.append(label)
                ys.append(point.value / scale.factor)
                texts.append(f"{esc(key)}<br>{esc(label)}: {scale.human(point.value)}")
        xs.append(None)
        ys.append(None)
        texts.append("")
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        name=f"{len(ids)} benchmarks",
        line={"width": 1, "color": "rgba(31,119,180,0.4)"},
        marker={"size": 4},
        text=texts,
        hovertemplate="%{text}<extra></extra>",
        connectgaps=False,
    )
