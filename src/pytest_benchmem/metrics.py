"""Metric names, aliases, blob keys and the stats derived from a per-pass series.

Shared by the writer (plugin) and the readers: the headline of a series is its minimum.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from .errors import UsageError

BLOB_KEY = "benchmem"
RUN_SCHEMA = 1
#: ``rss_bytes`` only in benchmarks measured with ``isolate=True``
SERIES_KEYS = ("peak_bytes", "allocations", "total_bytes", "rss_bytes")

#: metric name -> blob series key (``time`` has no series; it comes from pytest-benchmark stats)
METRIC_FIELDS = {
    "peak": "peak_bytes",
    "allocated": "total_bytes",
    "allocations": "allocations",
    "rss": "rss_bytes",
}
METRICS = ("time", "peak", "allocated", "allocations", "rss")
METRIC_ALIASES = {"memory": "peak", "allocs": "allocations"}
METRIC_UNITS = {"time": "s", "peak": "B", "allocated": "B", "allocations": "count", "rss": "B"}
#: the names of the table columns (``--benchmark-memory-columns``) -> metric
COLUMNS = {"peak": "peak", "allocated": "allocated", "allocs": "allocations", "rss": "rss"}
#: blob series a benchmark may lack (the table shows "-" there)
OPTIONAL_SERIES = frozenset({"rss_bytes"})
STATS = ("min", "mean", "max", "median", "stddev")
DEFAULT_STATS = ("min", "mean", "max")
HEADLINE_STAT = "min"


def canonical_metric(name: str) -> str:
    """Return the canonical metric for ``name`` (``memory`` -> ``peak``), or raise UsageError."""
    key = name.strip().lower()
    key = METRIC_ALIASES.get(key, key)
    if key not in METRICS:
        choices = " | ".join((*METRICS, "memory"))
        msg = f"unknown metric {name!r} (choose from {choices})"
        raise UsageError(msg)
    return key


def check_stat(name: str) -> str:
    """Validate a stat name (min, mean, max, median, stddev)."""
    key = name.strip().lower()
    if key not in STATS:
        msg = f"unknown stat {name!r} (choose from {', '.join(STATS)})"
        raise UsageError(msg)
    return key


def parse_list(text: str, allowed: Sequence[str], *, what: str) -> tuple[str, ...]:
    """Parse a comma-separated list of names, each from ``allowed``, order kept, no repeats."""
    items = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not items:
        msg = f"{what}: expected a comma-separated list of {', '.join(allowed)}, got {text!r}"
        raise UsageError(msg)
    for item in items:
        if item not in allowed:
            msg = f"{what}: unknown value {item!r} (choose from {', '.join(allowed)})"
            raise UsageError(msg)
    return tuple(dict.fromkeys(items))


def series_stat(values: Sequence[float], stat: str) -> float:
    """Reduce a per-pass series to one number; stddev of a single pass is 0."""
    if not values:
        msg = "empty series"
        raise ValueError(msg)
    if stat == "min":
        return float(min(values))
    if stat == "max":
        return float(max(values))
    if stat == "mean":
        return float(statistics.fmean(values))
    if stat == "median":
        return float(statistics.median(values))
    if stat == "stddev":
        return float(statistics.stdev(values)) if len(values) > 1 else 0.0
    msg = f"unknown stat {stat!r}"
    raise UsageError(msg)
