"""Axis controls shared by the views: log or linear, zero-based y, shared or free facet axes,
and log axes whose ticks carry units (``3 MiB`` and ``30 MiB`` never look alike).

``AxisOptions`` is what ``benchmem plot`` passes down; each view says which parts apply to it
and refuses the rest with a one-line UsageError. Tick values and labels come from ``units``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_benchmem.errors import UsageError
from pytest_benchmem.ticks import log_ticks, tick_label

from .data import check_band, spans_decade
from .layout import Cell

if TYPE_CHECKING:
    import plotly.graph_objects as go

FREE = ("x", "y", "both")
#: how far beyond the data (a factor) a log axis looks for its end ticks
TICK_REACH = 1.25


@dataclass(frozen=True)
class AxisOptions:
    """``--log-x/--linear-x`` (None: log when the values span more than a decade), the same
    for y, ``--y-zero``, ``--free-axes``, ``--color`` and ``--band``."""

    log_x: bool | None = None
    log_y: bool | None = None
    y_zero: bool = False
    free: str | None = None
    color: str | None = None
    band: str = "auto"

    def __post_init__(self) -> None:
        if self.free is not None and self.free not in FREE:
            msg = f"unknown --free-axes {self.free!r} (choose from {' | '.join(FREE)})"
            raise UsageError(msg)
        check_band(self.band)
        if self.y_zero and self.log_y:
            msg = "--y-zero needs a linear y-axis: drop --log-y (or use --linear-y)"
            raise UsageError(msg)

    def frees(self, axis: str) -> bool:
        """True when facets get their own ``axis`` range (``--free-axes axis|both``)."""
        return self.free in (axis, "both")

    def refuse(self, view: str, *names: str) -> None:
        """Raise for each of ``names`` (log_x, log_y, y_zero, free, color) set for ``view``."""
        flags = {
            "log_x": ("--log-x/--linear-x", self.log_x is not None),
            "log_y": ("--log-y/--linear-y", self.log_y is not None),
            "y_zero": ("--y-zero", self.y_zero),
            "free": ("--free-axes", self.free is not None),
            "color": ("--color", self.color is not None),
        }
        for name in names:
            flag, given = flags[name]
            if given:
                msg = f"{flag} does not apply to the {view} view"
                raise UsageError(msg)


def want_log(flag: bool | None, values: Iterable[float]) -> bool:
    """The flag when given, else log when every value is positive and they span > 10x."""
    return spans_decade(values) if flag is None else flag


def check_log(flag: bool | None, values: Sequence[float], axis: str) -> None:
    """Refuse ``--log-AXIS`` when some value is zero or negative (no place on a log axis)."""
    if flag and any(v <= 0 for v in values):
        msg = f"--log-{axis}: some values are zero or negative, which a log axis cannot show"
        raise UsageError(msg)


def log_axis(
    figure: go.Figure,
    axis: str,
    field: str,
    values: Sequence[float],
    *,
    factor: float = 1.0,
    cell: Cell = None,
) -> None:
    """Make ``axis`` (x or y) of ``cell`` (None: every subplot) a log axis whose ticks are
    labelled with units: raw ``values`` pick the ticks; the drawn numbers are raw / factor."""
    positive = [v for v in values if v > 0]
    update = figure.update_xaxes if axis == "x" else figure.update_yaxes
    where = {} if cell is None else {"row": cell[0], "col": cell[1]}
    if not positive:
        update(type="log", **where)
        return
    lo, hi = min(positive), max(positive)
    # a tick just beyond either end (1 MiB under 1 MiB + 1 byte) is kept: the range grows to it
    ticks = log_ticks(field, lo / TICK_REACH, hi * TICK_REACH)
    settings: dict[str, object] = {"type": "log"}
    if ticks:
        settings["tickvals"] = [t / factor for t in ticks]
        settings["ticktext"] = [tick_label(field, t) for t in ticks]
        low, high = min(lo, ticks[0]), max(hi, ticks[-1])
        pad = (math.log10(high) - math.log10(low)) * 0.05 or 0.05
        settings["range"] = [math.log10(low / factor) - pad, math.log10(high / factor) + pad]
    update(**settings, **where)


def share_axes(figure: go.Figure, options: AxisOptions, *, faceted: bool) -> None:
    """Facets share their x and y ranges unless ``--free-axes`` frees them."""
    if not faceted:
        if options.free is not None:
            msg = "--free-axes applies to faceted plots: add --facet DIM"
            raise UsageError(msg)
        return
    if not options.frees("x"):
        figure.update_xaxes(matches="x")
    if not options.frees("y"):
        figure.update_yaxes(matches="y")
