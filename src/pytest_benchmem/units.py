"""Sizes, durations and thresholds: the only place units are parsed or formatted.

Log-axis ticks, built on the display steps here, are ``ticks``'.

Sizes are ``"100MiB"``-style strings (B/KiB/MiB/GiB, also KB/MB/GB as 1000-based) or bare
ints; durations are ``"1ms"``-style (s/ms/us/µs/ns); thresholds are ``FIELD:10%``,
``FIELD:5MiB`` or both at once, ``FIELD:10%+1MiB``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import UsageError

_SIZE_UNITS = {
    "b": 1,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
}
#: display units, smallest first: one table for formatting, axis ticks and column scales
BYTE_STEPS = (("B", 1), ("KiB", 1024), ("MiB", 1024**2), ("GiB", 1024**3), ("TiB", 1024**4))
TIME_STEPS = (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1.0))
_TIME_UNITS = {**{unit.lower(): factor for unit, factor in TIME_STEPS}, "µs": 1e-6, "μs": 1e-6}
#: what a missing value shows as in any formatted cell or text
MISSING = "—"
# ASCII digits only (``\d`` would take any script's digits; ``"²".isdigit()`` is True)
_NUMBER = r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_QUANTITY = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>[A-Za-zµμ]*)\s*$")
_DIGITS = re.compile(r"[0-9]+")
#: The largest value any parsed quantity may have (bytes, counts, seconds): beyond it a
#: number is a typo, not a measurement (and ``round(1e400)`` would overflow).
MAX_QUANTITY = 2**63 - 1

BYTE_FIELDS = frozenset({"peak", "allocated", "rss"})
TIME_FIELDS = frozenset({"time"})
THRESHOLD_FIELDS = ("peak", "allocated", "allocations", "time", "rss")
_FIELD_ALIASES = {"memory": "peak", "allocs": "allocations"}


def _split(text: str) -> tuple[float, str] | None:
    match = _QUANTITY.match(text)
    if not match:
        return None
    number = float(match.group("num"))
    if not math.isfinite(number) or number > MAX_QUANTITY:
        return None
    return number, match.group("unit")


def is_digits(text: str) -> bool:
    """True for a non-empty string of ASCII digits (``"²"`` and ``"٣"`` are not)."""
    return _DIGITS.fullmatch(text) is not None


def parse_size(value: object, *, what: str = "size") -> int:
    """Parse a byte size: a bare non-negative int or a string such as ``"100MiB"``.

    Raises:
        UsageError: for anything else (bools, negatives, unknown units, garbage).
    """
    if isinstance(value, bool):
        msg = f"{what}: expected a size like '100MiB' or a whole number of bytes, got {value!r}"
        raise UsageError(msg)
    if isinstance(value, int):
        if value < 0:
            msg = f"{what}: size must not be negative, got {value}"
            raise UsageError(msg)
        return value
    if isinstance(value, float) and math.isfinite(value) and 0 <= value <= MAX_QUANTITY:
        return int(value)
    if isinstance(value, str):
        parts = _split(value)
        if parts is not None:
            number, unit = parts
            factor = _SIZE_UNITS.get(unit.lower() if unit else "b")
            if factor is not None and number * factor <= MAX_QUANTITY:
                return round(number * factor)
    msg = f"{what}: expected a size like '100MiB' (units B/KiB/MiB/GiB) or bytes, got {value!r}"
    raise UsageError(msg)


def parse_count(value: object, *, what: str = "count") -> int:
    """Parse a bare non-negative count (an int, or a string of digits)."""
    if isinstance(value, bool):
        msg = f"{what}: expected a whole number, got {value!r}"
        raise UsageError(msg)
    if isinstance(value, int) and value >= 0:
        return value
    text = value.strip() if isinstance(value, str) else ""
    if is_digits(text) and len(text) <= len(str(MAX_QUANTITY)) and int(text) <= MAX_QUANTITY:
        return int(text)
    msg = f"{what}: expected a non-negative whole number (no unit), got {value!r}"
    raise UsageError(msg)


def parse_duration(value: str, *, what: str = "duration") -> float:
    """Parse a duration such as ``"1ms"`` into seconds (units s/ms/us/µs/ns)."""
    parts = _split(value)
    if parts is not None:
        number, unit = parts
        factor = _TIME_UNITS.get(unit.lower() if unit else "s")
        if factor is not None:
            return number * factor
    msg = f"{what}: expected a duration like '1ms' (units s/ms/us/µs/ns), got {value!r}"
    raise UsageError(msg)


def unit_for(ref: float, steps: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """The largest unit of ``steps`` (smallest first) that keeps ``ref`` >= 1, else the first."""
    return next(((u, f) for u, f in reversed(steps) if ref >= f), steps[0])


def human_bytes(n: float | None) -> str:
    """Format bytes with binary units: ``human_bytes(10_485_760) == '10.0 MiB'``."""
    if n is None:
        return MISSING
    sign = "-" if n < 0 else ""
    unit, factor = unit_for(float(abs(n)), BYTE_STEPS[:4])
    value = float(abs(n)) / factor
    if unit == "B":
        return f"{sign}{int(value)} B"
    return f"{sign}{value:.1f} {unit}" if value < 100 else f"{sign}{value:.0f} {unit}"


def byte_unit(values: Sequence[float]) -> tuple[str, int]:
    """One unit for a whole column: the largest unit that keeps the smallest |value| >= 1."""
    finite = [abs(v) for v in values if v]
    if not finite:
        return "B", 1
    unit, factor = unit_for(min(finite), BYTE_STEPS[:4])
    return unit, int(factor)


def time_unit(seconds: float) -> tuple[str, float]:
    """The largest time unit (s/ms/us/ns) that keeps ``seconds`` >= 1 (ns below that)."""
    return unit_for(seconds, TIME_STEPS)


def human_time(seconds: float | None) -> str:
    """Format seconds with the largest unit that keeps the value >= 1 (ns/us/ms/s)."""
    if seconds is None:
        return MISSING
    value = abs(seconds)
    sign = "-" if seconds < 0 else ""
    unit, factor = time_unit(value)
    if unit != "ns" and value / factor >= 1000:
        return f"{sign}{value / factor:.0f} {unit}"
    return f"{sign}{value / factor:.3g} {unit}"


def human_count(n: float | None) -> str:
    """Format a count with thousands separators."""
    if n is None:
        return MISSING
    if float(n).is_integer():
        return f"{int(n):,}"
    return f"{n:,.1f}"


def format_value(field: str, value: float | None) -> str:
    """Format a value of ``field`` (peak/allocated: bytes, allocations: count, time: s)."""
    field = canonical_field(field)
    if field in BYTE_FIELDS:
        return human_bytes(value)
    if field in TIME_FIELDS:
        return human_time(value)
    return human_count(value)


def format_gate_value(field: str, value: float) -> str:
    """A gate value: bytes with three significant digits (``977 KiB``, ``1.91 MiB``)."""
    if field not in BYTE_FIELDS:
        return format_value(field, value)
    unit, factor = byte_unit([value])
    scaled = value / factor
    if unit == "B":
        return f"{int(scaled)} B"
    return f"{scaled:.0f} {unit}" if scaled >= 100 else f"{scaled:.3g} {unit}"


@dataclass(frozen=True)
class ColumnScale:
    """One display unit for a column or an axis of ``metric`` values: values are divided by
    ``factor`` and shown with ``decimals``; ``unit`` is empty for counts."""

    metric: str
    unit: str
    factor: float
    decimals: int

    @property
    def label(self) -> str:
        """The unit for a header: ``MiB``, ``ms``, or ``count``."""
        return self.unit or "count"

    @property
    def title(self) -> str:
        """Axis title, e.g. ``peak (MiB)`` (just the metric for counts)."""
        return f"{self.metric} ({self.unit})" if self.unit else self.metric

    def fmt(self, value: float | None, *, signed: bool = False) -> str:
        """The scaled number with separators, no unit (``—`` for None)."""
        if value is None:
            return MISSING
        sign = "+" if signed else ""
        return plain_zero(f"{value / self.factor:{sign},.{self.decimals}f}")

    def human(self, value: float | None) -> str:
        """A value in human units (``1.5 MiB``, ``12.3 us``, ``1,024``)."""
        return format_value(self.metric, value)


def column_scale(
    metric: str, values: Sequence[float | None], *, bytes_by_median: bool = False
) -> ColumnScale:
    """One unit for ``values`` of ``metric``: the largest keeping the smallest |value| >= 1.

    With ``bytes_by_median`` a bytes metric takes its unit from the median instead (a plot's
    axis spans decades: the typical value should read well, not the smallest).
    """
    present = [abs(v) for v in values if v]
    if metric in BYTE_FIELDS:
        ref = sorted(present)[len(present) // 2 :][:1] if bytes_by_median else present
        unit, size = byte_unit(ref)
        return ColumnScale(metric, unit, float(size), 0 if unit == "B" else 2)
    if metric in TIME_FIELDS:
        unit, factor = time_unit(min(present, default=1.0))
        return ColumnScale(metric, unit, factor, 0 if unit == "ns" else 2)
    whole = all(float(v).is_integer() for v in present)
    return ColumnScale(metric, "", 1.0, 0 if whole else 1)


def canonical_field(name: str) -> str:
    """Map aliases (memory -> peak, allocs -> allocations) to the threshold field names."""
    return _FIELD_ALIASES.get(name, name)


@dataclass(frozen=True)
class Threshold:
    """A growth rule: a regression must exceed every part that is set.

    ``percent`` is relative growth in percent; ``absolute`` is in the field's native unit
    (bytes, allocations, or seconds).
    """

    field: str
    percent: float | None = None
    absolute: float | None = None
    text: str = ""

    def exceeded(self, base: float, new: float) -> bool:
        """True when ``new`` grew past ``base`` by strictly more than every set part."""
        delta = new - base
        if delta <= 0:
            return False
        if self.percent is not None:
            change = percent_change(base, new)
            if base < 0 or change is None or change <= self.percent:
                return False
        return not (self.absolute is not None and delta <= self.absolute)

    def describe(self) -> str:
        """The rule as the user wrote it, e.g. ``peak:10%+1MiB``."""
        return self.text or self.field


def _parse_absolute(field: str, text: str, rule: str) -> float:
    if field in BYTE_FIELDS:
        return float(parse_size(text, what=f"threshold {rule!r}"))
    if field in TIME_FIELDS:
        return parse_duration(text, what=f"threshold {rule!r}")
    return float(parse_count(text, what=f"threshold {rule!r}"))


def parse_threshold(rule: str, *, default_field: str | None = None) -> Threshold:
    """Parse ``FIELD:THRESHOLD`` (``peak:10%``, ``peak:5MiB``, ``peak:10%+1MiB``, ``time:1ms``).

    With ``default_field`` the ``FIELD:`` prefix may be left out (``10%+1MiB``).
    """
    text = rule.strip()
    field, sep, spec = text.partition(":")
    if not sep:
        if default_field is None:
            msg = (
                f"bad threshold {rule!r}: expected FIELD:THRESHOLD, e.g. peak:10% or peak:5MiB "
                f"(fields: {', '.join(THRESHOLD_FIELDS)})"
            )
            raise UsageError(msg)
        field, spec = default_field, text
    field = canonical_field(field.strip().lower())
    if field not in THRESHOLD_FIELDS:
        fields = ", ".join(THRESHOLD_FIELDS)
        msg = f"bad threshold {rule!r}: unknown field {field!r} (fields: {fields})"
        raise UsageError(msg)
    percent: float | None = None
    absolute: float | None = None
    parts = [p.strip() for p in spec.split("+")]
    if not spec.strip() or len(parts) > 2 or not all(parts):
        msg = (
            f"bad threshold {rule!r}: expected a percent (10%), an amount (5MiB) or both (10%+5MiB)"
        )
        raise UsageError(msg)
    for part in parts:
        if part.endswith("%"):
            if percent is not None:
                msg = f"bad threshold {rule!r}: give at most one percent and one amount"
                raise UsageError(msg)
            number = _split(part[:-1])
            if number is None or number[1]:
                msg = f"bad threshold {rule!r}: {part!r} is not a percent like 10%"
                raise UsageError(msg)
            percent = number[0]
        else:
            if absolute is not None:
                msg = f"bad threshold {rule!r}: give at most one percent and one amount"
                raise UsageError(msg)
            absolute = _parse_absolute(field, part, rule)
    return Threshold(
        field=field, percent=percent, absolute=absolute, text=f"{field}:{spec.strip()}"
    )


_ZERO = re.compile(r"[+\-\u2212]?[0.,]*\s*%?")


def plain_zero(text: str) -> str:
    """``0`` for a formatted number that reads as zero (``-0.00``, ``+0.0%``, ``−0.0 %``),
    else ``text``: a zero carries no sign and no decimals in any table or plot."""
    stripped = text.strip()
    return "0" if "0" in stripped and _ZERO.fullmatch(stripped) else text


def percent_change(base: float, new: float) -> float | None:
    """The change from ``base`` to ``new`` in percent of ``base``; None from a zero base
    (a growth from nothing has no percent). The one place this rule is written: tables,
    gates, bisect and plots all call it (and show it with ``signed_percent``)."""
    return (new - base) / base * 100.0 if base else None


def signed_percent(value: float, digits: int = 1) -> str:
    """``+12.5%``, ``-3.0%``; a change that rounds to zero is ``0``."""
    return plain_zero(f"{value:+.{digits}f}%")
