"""The sweep view (ids x runs heatmap of log2 fold change) and the report's line view.

Each row is folded against its first run that has a value (normally the first run); the
hover shows the absolute values and labels. ``clip`` clamps the colour scale to ±clip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .data import Dataset, Point, Scale, esc, scale_for, spans_decade
from .layout import MAX_TICKS, View, check_clip, finish, id_axis_height, need_runs, nothing

COLOURSCALE = "RdBu_r"
MAX_LINES = 150


def _fold(base: float, value: float) -> float:
    if base > 0 and value > 0:
        return math.log2(value / base)
    if value == base:
        return 0.0
    return math.inf if value > base else -math.inf


def _fold_text(fold: float) -> str:
    if math.isinf(fold):
        return "from zero" if fold > 0 else "to zero"
    return f"×{2.0**fold:.3g} (log2 {fold:+.2f})"


def _row(
    points: Sequence[Point | None], labels: Sequence[str], scale: Scale
) -> tuple[list[float | None], list[str]]:
    first = next(i for i, point in enumerate(points) if point is not None)
    base = points[first]
    assert base is not None
    folds: list[float | None] = []
    texts: list[str] = []
    for label, point in zip(labels, points, strict=True):
        if point is None:
            folds.append(None)
            texts.append(f"{esc(base.id)}<br>{esc(label)}: no value")
            continue
        fold = _fold(base.value, point.value)
        folds.append(fold)
        texts.append(
            f"{esc(point.id)}<br>{esc(label)}: {scale.human(point.value)}"
            f"<br>{esc(labels[first])}: {scale.human(base.value)}<br>{_fold_text(fold)}"
        )
    return folds, texts


def _limit(rows: list[list[float | None]], clip: float | None) -> float:
    if clip is not None:
        return clip
    finite = [abs(v) for row in rows for v in row if v is not None and math.isfinite(v)]
    return max([1.0, *finite])


def _colourbar(limit: float, base: str) -> dict[str, object]:
    step = max(1, math.ceil(limit / 3))
    ticks = list(range(-step * math.floor(limit / step), math.floor(limit) + 1, step))
    texts = [f"×{2**t:g}" if t >= 0 else f"×1/{2**-t:g}" for t in ticks]
    return {"title": {"text": f"vs {base}"}, "tickvals": ticks, "ticktext": texts}


def build_sweep(ds: Dataset, *, clip: float | None = None) -> View:
    """Heatmap of ids (rows) x runs (columns), log2 fold change against the first run."""
    need_runs(ds.labels, 2, "sweep", "one column per run, folded against the first")
    clip = check_clip(clip)
    tables = ds.by_run()
    ids = ds.ids()
    if not ids:  # pragma: no cover - a Dataset always holds points
        nothing("sweep", "no ids")
    scale = scale_for(ds.metric, [point.value for point in ds.points])
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for key in ids:
        folds, texts = _row([table.get(key) for table in tables], ds.labels, scale)
        z.append(folds)
        text.append(texts)
    limit = _limit(z, clip)
    shown = [[math.nan if v is None else max(-limit, min(limit, v)) for v in row] for row in z]
    notes = list(ds.notes)
    late = sum(1 for key in ids if key not in tables[0])
    if late:
        notes.append(f"{late} id(s) missing from {ds.labels[0]} are folded against their first run")
    trace = go.Heatmap(
        z=np.array(shown, dtype=float),  # numpy: plotly validates it without walking 15k cells
        x=list(ds.labels),
        y=ids,
        text=text,
        hovertemplate="%{text}<extra></extra>",
        colorscale=COLOURSCALE,
        zmin=-limit,
        zmax=limit,
        zmid=0,
        xgap=1,
        ygap=1 if len(ids) <= MAX_TICKS else 0,
        colorbar=_colourbar(limit, ds.labels[0]),
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
    scale = scale_for(ds.metric, [point.value for point in ds.points])
    traces: list[go.Scatter] = []
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
                    name=key,
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
    ds: Dataset, ids: list[str], tables: list[dict[str, Point]], scale: Scale
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
