"""The ``benchmem`` marker: its kwargs, their bounds, and their validation.

``parse_marker`` turns ``@pytest.mark.benchmem(...)`` into a ``MarkerSpec``; a bad kwarg is a
``UsageError`` naming the test and the kwarg. The whole-number bounds and the ``repeats``
parsing are shared with the command-line and ini flags (``options``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import UsageError
from .units import parse_count, parse_size

#: a number of memray passes, or ``"auto"`` (measure until the minimum settles)
Repeats = int | Literal["auto"]

AUTO: Literal["auto"] = "auto"
#: upper bounds of the whole-number options: enough for any real use, small enough that a
#: typo (an extra digit or three) is an error, not an hour-long session
MAX_REPEATS = 1000
MAX_WARMUP = 1000
MAX_CALLS = 1_000_000
MARKER = "benchmem"
MARKER_HELP = (
    "benchmem(repeats=N|'auto', warmup=N, calls=N, isolate=False, max_peak=SIZE, "
    "max_allocated=SIZE, max_allocations=N, max_rss=SIZE): memray passes, untracked warm-up "
    "runs, calls per pass, whole-process peak RSS in a fresh process, and absolute memory "
    "ceilings for this benchmark."
)
MARKER_KWARGS = (
    "repeats",
    "warmup",
    "calls",
    "isolate",
    "max_peak",
    "max_allocated",
    "max_allocations",
    "max_rss",
)
#: ceiling kwarg -> (metric label used in messages, MemoryResult attribute)
CEILINGS = {
    "max_peak": ("peak", "peak_bytes"),
    "max_allocated": ("allocated", "total_bytes"),
    "max_allocations": ("allocations", "allocations"),
    "max_rss": ("rss", "rss_bytes"),
}


@dataclass(frozen=True)
class MarkerSpec:
    """A validated ``@pytest.mark.benchmem(...)``: passes, warm-up, calls and ceilings."""

    repeats: Repeats | None = None
    ceilings: Mapping[str, int] | None = None
    warmup: int | None = None
    calls: int = 1
    isolate: bool = False


def bounded_count(value: object, *, what: str, low: int, high: int) -> int:
    """A whole number in ``[low, high]``: an int, or a string of ASCII digits; else UsageError."""
    text = value.strip() if isinstance(value, str) else None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text and text.isascii() and text.isdigit():
        number = int(text)
    if number is None or not low <= number <= high:
        msg = f"{what}: expected a whole number from {low} to {high:,}, got {value!r}"
        raise UsageError(msg)
    return number


def parse_repeats(value: object, *, what: str) -> Repeats:
    """A number of memray passes in ``[1, MAX_REPEATS]``, or ``\"auto\"``; else UsageError."""
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    try:
        return bounded_count(value, what=what, low=1, high=MAX_REPEATS)
    except UsageError:
        msg = (
            f"{what}: expected a whole number >= 1 (at most {MAX_REPEATS}) or 'auto', got {value!r}"
        )
        raise UsageError(msg) from None


def parse_marker(name: str, args: Sequence[object], kwargs: Mapping[str, object]) -> MarkerSpec:
    """Validate a ``benchmem`` marker's arguments; ``UsageError`` names test and kwarg."""
    where = f"{name}: @pytest.mark.benchmem"
    if args:
        msg = f"{where} takes keyword arguments only ({', '.join(MARKER_KWARGS)}), got {args!r}"
        raise UsageError(msg)
    unknown = sorted(set(kwargs) - set(MARKER_KWARGS))
    if unknown:
        msg = (
            f"{where}: unknown keyword argument {unknown[0]!r} "
            f"(expected {', '.join(MARKER_KWARGS)})"
        )
        raise UsageError(msg)
    repeats = None
    if "repeats" in kwargs:
        repeats = parse_repeats(kwargs["repeats"], what=f"{where}: repeats")
    warmup = None
    if "warmup" in kwargs:
        warmup = bounded_count(kwargs["warmup"], what=f"{where}: warmup", low=0, high=MAX_WARMUP)
    calls = 1
    if "calls" in kwargs:
        calls = bounded_count(kwargs["calls"], what=f"{where}: calls", low=1, high=MAX_CALLS)
    ceilings: dict[str, int] = {}
    isolate = kwargs.get("isolate", False)
    if not isinstance(isolate, bool):
        msg = f"{where}: isolate: expected True or False, got {isolate!r}"
        raise UsageError(msg)
    if "max_rss" in kwargs and not isolate:
        msg = f"{where}: max_rss needs isolate=True (only an isolated pass measures RSS)"
        raise UsageError(msg)
    for key in ("max_peak", "max_allocated", "max_rss"):
        if key in kwargs:
            ceilings[key] = parse_size(kwargs[key], what=f"{where}: {key}")
    if "max_allocations" in kwargs:
        ceilings["max_allocations"] = parse_count(
            kwargs["max_allocations"], what=f"{where}: max_allocations"
        )
    return MarkerSpec(
        repeats=repeats, ceilings=ceilings or None, warmup=warmup, calls=calls, isolate=isolate
    )
