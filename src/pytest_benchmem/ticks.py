"""Log-axis ticks: where a log axis gets its ticks, and their labels (with units).

The units and their display steps are ``units``'; plots (``plotting.axes``) place their
ticks with ``log_ticks`` and label them with ``tick_label``.
"""

from __future__ import annotations

import math

from .units import BYTE_FIELDS, BYTE_STEPS, TIME_FIELDS, TIME_STEPS, canonical_field, unit_for

#: mantissas of tick values, coarse to fine: a log axis takes the finest that fits
_LEVELS = ((1.0,), (1.0, 3.0), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0, 7.0))


def _compact(number: float) -> str:
    """``3``, ``1.5``, ``250``: at most three significant digits, no trailing zeros."""
    text = f"{number:.3g}"
    if "e" in text:
        text = f"{number:,.0f}"
    return text


def tick_label(field: str, value: float) -> str:
    """A short axis label with its unit: ``3 MiB``, ``30 MiB``, ``20 ms``, ``10k``.

    Bytes fields use binary units, time fields s/ms/us/ns, anything else (counts, a dim's
    numbers) k/M/G suffixes. Distinct tick values never share a label.
    """
    field = canonical_field(field)
    size = abs(value)
    if field in BYTE_FIELDS or field in TIME_FIELDS:
        steps = BYTE_STEPS if field in BYTE_FIELDS else TIME_STEPS
        unit, factor = unit_for(size, steps)
        return f"{_compact(value / factor)} {unit}"
    for suffix, step in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if size >= step:
            return f"{_compact(value / step)}{suffix}"
    return _compact(value)


def _tick_candidates(field: str, mantissas: tuple[float, ...], lo: float, hi: float) -> list[float]:
    """Every ``mantissa x step`` in [lo, hi]: steps are 1024^k x 10^j for bytes, 10^k else."""
    decade_lo, decade_hi = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    bases: list[float] = []
    if canonical_field(field) in BYTE_FIELDS:
        for _, factor in BYTE_STEPS:
            bases += [factor * 10.0**j for j in range(3)]
    else:
        bases = [10.0**k for k in range(decade_lo, decade_hi + 1)]
    values = {round(m * b, 12) for b in bases for m in mantissas}
    return sorted(v for v in values if lo <= v <= hi)


def log_ticks(field: str, lo: float, hi: float, *, most: int = 10) -> list[float]:
    """Tick values for a log axis over ``[lo, hi]`` (positive): the finest level with at most
    ``most`` ticks; a span too wide for even one tick per decade keeps every n-th."""
    if not (0 < lo <= hi) or not math.isfinite(hi):
        return []
    best: list[float] = []
    for mantissas in _LEVELS:
        ticks = _tick_candidates(field, mantissas, lo, hi)
        if len(ticks) > most:
            break
        best = ticks
        if len(ticks) >= 4:
            break
    if not best:
        coarse = _tick_candidates(field, _LEVELS[0], lo, hi)
        stride = math.ceil(len(coarse) / most)
        best = coarse[::stride]
    if len(best) < 2 and hi / lo < 1e6:  # a narrow span: the nearest ticks either side too
        best = _tick_candidates(field, _LEVELS[-1], lo / 2, hi * 2)
    return best
