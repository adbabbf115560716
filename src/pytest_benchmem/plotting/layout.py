"""Shared plotly plumbing for the views: facet grids, colours, titles and the view result.

Every view builds a :class:`View` (figure, ids drawn, notes about what could not be drawn);
the public ``plot_*`` functions return its ``(figure, n_ids)``. plotly's object model is
imported only by the views that build ``go.Figure`` objects (the sweep view builds a plain
dict, see ``spec``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NoReturn

from pytest_benchmem.errors import UsageError

from .spec import FigureSpec, to_figure

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: plotly.colors.qualitative.Plotly + Dark24 (a test holds them equal), without importing plotly
PALETTE: tuple[str, ...] = (
    *("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880"),
    *("#FF97FF", "#FECB52", "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A"),
    *("#B68100", "#750D86", "#EB663B", "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D"),
    *("#6C7C32", "#778AAE", "#862A16", "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516"),
    *("#0D2A63", "#AF0038"),
)
GROWTH = "#d62728"
SHRINK = "#2ca02c"
FLAT = "#7f7f7f"
MAX_TICKS = 150
#: pixels between stacked facet rows of a fixed-height grid (tick labels + the next title)
ROW_GAP = 64
#: the figure margins (pixels) every view gets from :func:`finish`
MARGIN = {"l": 60, "r": 30, "t": 80, "b": 60}
_AXIS = {"gridcolor": "#ebf0f8", "linecolor": "#ebf0f8", "zerolinecolor": "#ebf0f8", "ticks": ""}
#: a light white template: plotly's own "plotly_white" costs ~0.1 s to load and validate
TEMPLATE = {
    "layout": {
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(PALETTE[:10]),
        "font": {"color": "#2a3f5f"},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "hoverlabel": {"align": "left"},
    }
}


@dataclass(frozen=True)
class View:
    """A built view: what it draws, how many distinct ids, and notes for the user.

    ``drawing`` is a ``go.Figure``, or for the views that draw thousands of cells a plain
    :data:`~.spec.FigureSpec` (written to HTML as is); ``figure`` is always a ``go.Figure``.
    """

    name: str
    drawing: go.Figure | FigureSpec
    n_ids: int
    metric: str
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @cached_property
    def figure(self) -> go.Figure:
        """The view as a validated plotly figure (built from the spec on first use)."""
        if isinstance(self.drawing, dict):
            return to_figure(self.drawing)
        return self.drawing


Cell = tuple[int, int] | None


@dataclass(frozen=True)
class Grid:
    """A figure with one subplot per facet value (or a single plot without a facet)."""

    figure: go.Figure
    cells: dict[str, Cell]

    def add(self, traces: Sequence[go.BaseTraceType], cells: Sequence[Cell]) -> None:
        """Add traces in one batch (plotly validates each call: batching keeps it fast)."""
        if all(cell is None for cell in cells):
            self.figure.add_traces(list(traces))
            return
        rows = [cell[0] if cell else 1 for cell in cells]
        cols = [cell[1] if cell else 1 for cell in cells]
        self.figure.add_traces(list(traces), rows=rows, cols=cols)


def grid(
    facet: str | None,
    keys: Sequence[str],
    *,
    columns: int = 3,
    share_y: bool = False,
    row_heights: Sequence[float] | None = None,
    height: int | None = None,
) -> Grid:
    """Build a facet grid: ``facet=value`` titles, at most ``columns`` subplots per row.

    ``height`` (pixels) fixes the figure height; the gap between stacked rows is then kept at
    :data:`ROW_GAP` pixels, room for a row's tick labels and the next row's title.
    ``row_heights`` sizes the rows relative to each other (one entry per row).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if facet is None:
        return Grid(go.Figure(), dict.fromkeys(keys))
    cols = max(1, min(columns, len(keys)))
    rows = math.ceil(len(keys) / cols)
    total = height if height is not None else max(450, 320 * rows)
    spacing = 0.05
    if rows > 1:
        if height is None:
            spacing = min(0.12, 0.3 / rows)
        else:
            plot_area = max(total - MARGIN["t"] - MARGIN["b"], 1)
            spacing = min(ROW_GAP / plot_area, 0.5 / (rows - 1))
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{facet}={key}" for key in keys],
        shared_yaxes=share_y,
        horizontal_spacing=0.08 if cols > 1 else 0.02,
        vertical_spacing=spacing,
        row_heights=list(row_heights) if row_heights is not None else None,
    )
    cells: dict[str, Cell] = {key: (i // cols + 1, i % cols + 1) for i, key in enumerate(keys)}
    figure.update_layout(height=total)
    return Grid(figure, cells)


def colour(index: int) -> str:
    """The ``index``-th colour of the palette (cycling)."""
    return PALETTE[index % len(PALETTE)]


def translucent(hex_colour: str, alpha: float = 0.2) -> str:
    """``#rrggbb`` -> ``rgba(r,g,b,alpha)`` for bands."""
    text = hex_colour.lstrip("#")
    red, green, blue = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def finish(figure: go.Figure, title: str, *, legend: str | None = None) -> None:
    """Common layout: white template, title, hover, legend title."""
    figure.update_layout(
        template=TEMPLATE,
        title=title_layout(title),
        hovermode="closest",
        legend_title_text=legend,
        margin=dict(MARGIN),
    )


def title_layout(title: str) -> dict[str, object]:
    """The title every view gets: top left."""
    return {"text": title, "x": 0.01, "xanchor": "left"}


def check_clip(clip: float | None) -> float | None:
    """Validate a clip bound (a positive finite number, or None)."""
    if clip is None:
        return None
    if not math.isfinite(clip) or clip <= 0:
        msg = f"clip must be a positive number, got {clip}"
        raise UsageError(msg)
    return float(clip)


def need_runs(labels: Sequence[str], count: int, view: str, why: str) -> None:
    """Raise when a view gets fewer runs than it needs."""
    if len(labels) < count:
        msg = f"the {view} view needs at least {count} runs ({why}), got {len(labels)}"
        raise UsageError(msg)


def nothing(view: str, reason: str) -> NoReturn:
    """Raise the error for a view with nothing to draw (never an empty figure)."""
    msg = f"nothing to draw in the {view} view: {reason}"
    raise UsageError(msg)


def id_axis_height(count: int, per_row: int = 18) -> int:
    """Figure height for a view with one row per id (bounded)."""
    return max(450, min(4000, 160 + per_row * count))
