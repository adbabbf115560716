"""The sweep view (ids x runs heatmap of log2 fold change) and the report's line view.

Each row is folded against its first run that has a value (normally the first run); the
hover shows the absolute values and labels. ``clip`` clamps the colour scale to ±clip.

The sweep view is built as a plain figure dict (``spec``): its cells go into two typed arrays
(``z`` and the hover's numbers), computed without numpy and written without plotly's object
model, so thousands of ids cost little more than reading them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pytest_benchmem.units import ColumnScale, column_scale, percent_change, signed_percent

from .data import Dataset, Point, esc, short_ids, spans_decade
from .layout import (
    MARGIN,
    MAX_TICKS,
    TEMPLATE,
    View,
    check_clip,
    finish,
    id_axis_height,
    need_runs,
    nothing,
    title_layout,
)
from .spec import FigureSpec, template, typed_array

if TYPE_CHECKING:
    import plotly.graph_objects as go

COLOURSCALE = "RdBu_r"
#: plotly's RdBu_r, as ``go.Heatmap(colorscale="RdBu_r")`` writes it
RDBU_R = [
    [0.0, "rgb(5,48,97)"],
    [0.1, "rgb(33,102,172)"],
    [0.2, "rgb(67,147,195)"],
    [0.3, "rgb(146,197,222)"],
    [0.4, "rgb(209,229,240)"],
    [0.5, "rgb(247,247,247)"],
    [0.6, "rgb(253,219,199)"],
    [0.7, "rgb(244,165,130)"],
    [0.8, "rgb(214,96,77)"],
    [0.9, "rgb(178,24,43)"],
    [1.0, "rgb(103,0,31)"],
]
MAX_LINES = 150
#: up to this many cells, each cell shows its change as text
MAX_TEXT_CELLS = 400
#: the narrowest colour scale: ±1 % (log2 1.01), so identical runs do not look alarming
MIN_LIMIT = math.log2(1.01)
_NAN = math.nan


def _fold(value: float, base: float) -> tuple[float, float]:
    """``(ratio, log2 fold)`` of ``value`` against ``base``: 0 -> 0 is no change, from zero
    is +inf, to zero is -inf (IEEE division, as numpy computes it)."""
    if value == base:
        return 1.0, 0.0
    ratio = value / base if base else math.copysign(math.inf, value)
    if ratio > 0:
        return ratio, math.log2(ratio)
    return ratio, -math.inf if ratio == 0 else _NAN


def _cells(
    tables: Sequence[dict[str, Point]], ids: Sequence[str], factor: float
) -> tuple[list[float], list[float]]:
    """Per cell, row-major: the log2 fold (NaN where no value) and the hover's numbers.

    The hover's numbers are ``(value, base value, ratio, log2 fold)``, values in display
    units: one typed array (``customdata``) the browser formats, instead of a string per cell.
    """
    folds: list[float] = []
    hover: list[float] = []
    for key in ids:
        values = [None if (p := table.get(key)) is None else p.value for table in tables]
        base = next(v for v in values if v is not None)  # the row's first run with a value
        for value in values:
            if value is None:
                folds.append(_NAN)
                hover += (_NAN, _NAN, _NAN, _NAN)
                continue
            ratio, fold = _fold(value, base)
            folds.append(fold)
            hover += (value / factor, base / factor, ratio, fold)
    return folds, hover


def _hovertemplate(scale: ColumnScale, base: str) -> str:
    unit = f" {esc(scale.unit)}" if scale.unit else ""
    number = ",.4~r" if scale.unit else ",.0f"  # decimal, 4 significant digits
    return (
        f"%{{y}}<br>%{{x}}: %{{customdata[0]:{number}}}{unit}"
        f"<br>{esc(base)}: %{{customdata[1]:{number}}}{unit}"
        "<br>×%{customdata[2]:.3~g} (log2 %{customdata[3]:+.2f})<extra></extra>"
    )


def colour_limit(folds: Iterable[float], clip: float | None) -> float:
    """The colour scale's half-span in log2 units: ``clip``, else the largest change drawn
    (at least ±1 %), so a 5 % change is as visible as a doubling would be on its own."""
    if clip is not None:
        return clip
    finite = [abs(fold) for fold in folds if math.isfinite(fold)]
    return max(MIN_LIMIT, *finite) if finite else 1.0


def _clipped(fold: float, limit: float) -> float:
    """``fold`` within ±limit (an infinite fold at the edge); NaN (no value) stays NaN."""
    return fold if math.isnan(fold) else max(-limit, min(limit, fold))


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
    folds, hover = _cells(tables, ids, scale.factor)
    limit = colour_limit(folds, clip)
    notes = list(ds.notes)
    late = sum(1 for key in ids if key not in tables[0])
    base = ds.labels[0]
    if late:
        notes.append(f"{late} id(s) missing from {ds.labels[0]} are folded against their first run")
        base = "first run with a value"
    shape = (len(ids), len(tables))
    trace: dict[str, Any] = {
        "colorbar": _colourbar(limit, ds.labels[0]),
        "colorscale": RDBU_R,
        # float32: the hover shows 4 significant digits; half the bytes of float64
        "customdata": typed_array(hover, (*shape, 4), single=True),
        "hoverongaps": False,
        "hovertemplate": _hovertemplate(scale, base),
    }
    if len(folds) <= MAX_TEXT_CELLS:  # few cells: the change reads in each, no hover needed
        width = len(tables)
        texts = [change_text(fold) for fold in folds]
        trace["text"] = [texts[row : row + width] for row in range(0, len(texts), width)]
        trace["textfont"] = {"size": 11}
        trace["texttemplate"] = "%{text}"
    trace.update(
        {
            "x": list(ds.labels),
            "xgap": 1,
            "y": [esc(key) for key in ids],  # plotly reads pseudo-HTML in ticks and hover
            "ygap": 1 if len(ids) <= MAX_TICKS else 0,
            "z": typed_array([_clipped(fold, limit) for fold in folds], shape, single=False),
            "zmax": limit,
            "zmid": 0,
            "zmin": -limit,
            "type": "heatmap",
        }
    )
    spec = _sweep_figure(trace, len(ids), f"{ds.metric}: change against {ds.labels[0]} (log2 fold)")
    return View("sweep", spec, len(ids), ds.metric, ds.labels, tuple(notes))


def _sweep_figure(trace: dict[str, Any], rows: int, title: str) -> FigureSpec:
    """The sweep's figure as the dict ``go.Figure(trace, layout=...)`` + ``finish`` gives."""
    axis = {"automargin": True, "type": "category"}
    return {
        "data": [trace],
        "layout": {
            "height": id_axis_height(rows, per_row=16),
            "xaxis": {**axis, "side": "top"},
            "yaxis": {**axis, "autorange": "reversed", "showticklabels": rows <= MAX_TICKS},
            "template": template(TEMPLATE),
            "title": title_layout(title),
            "margin": dict(MARGIN),
            "hovermode": "closest",
        },
    }


def build_lines(ds: Dataset) -> View:
    """One line per benchmark across the runs (x = run labels, in order)."""
    tables = ds.by_run()
    ids = ds.ids()
    import plotly.graph_objects as go

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
    import plotly.graph_objects as go

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
