"""pytest-benchmem: peak memory for pytest-benchmark suites, across runs and versions.

Light to import: the engine and the readers only. ``pytest_benchmem.plotting`` (plotly) and
``pytest_benchmem.sweep`` (uv) are imported directly when needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .measure import MemoryResult, measure_memory, measure_peak
from .units import human_bytes

__version__ = "0.1.0"

_READERS = (
    "Sample",
    "from_pytest_benchmark",
    "memory_from_pytest_benchmark",
    "load_samples",
    "load_long_df",
    "discover_runs",
)

if TYPE_CHECKING:
    from .runs import (
        Sample,
        discover_runs,
        from_pytest_benchmark,
        load_long_df,
        load_samples,
        memory_from_pytest_benchmark,
    )


def __getattr__(name: str) -> Any:
    if name in _READERS:
        from . import runs

        return getattr(runs, name)
    msg = f"module 'pytest_benchmem' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "MemoryResult",
    "Sample",
    "__version__",
    "discover_runs",
    "from_pytest_benchmark",
    "human_bytes",
    "load_long_df",
    "load_samples",
    "measure_memory",
    "measure_peak",
    "memory_from_pytest_benchmark",
]
