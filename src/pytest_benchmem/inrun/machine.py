"""The in-run half of the machine probe: pytest-benchmark's answers read from the driver's cache.

Every pytest-benchmark run asks py-cpuinfo for the CPU (1-2 s: it starts a subprocess) and,
in pytest-benchmark 5.2, spins for 1 s measuring the timer's precision. Both are properties of
the machine and interpreter: the driver probes once (in the background, while venvs are
provisioned), caches the answers under the sweep cache, and each suite run loads this module
(``-p pytest_benchmem.inrun.machine``, cache file in ``BENCHMEM_CPUINFO``). The run JSON's
``machine_info`` is the one pytest-benchmark would write; without the file nothing changes.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import pytest

CPUINFO_ENV = "BENCHMEM_CPUINFO"


def _load() -> dict[str, Any]:
    path = os.environ.get(CPUINFO_ENV)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pytest_configure(config: Any) -> None:
    """Seed pytest-benchmark's per-process timer-precision cache from the driver's probe."""
    precision = _load().get("perf_counter_precision")
    if not isinstance(precision, float) or precision <= 0:
        return
    try:
        from pytest_benchmark.fixture import BenchmarkFixture
    except ImportError:  # pragma: no cover - pytest-benchmark is a harness requirement
        return
    cache = getattr(BenchmarkFixture, "_precisions", None)
    if isinstance(cache, dict):  # a private cache: seeded only while it has this shape
        cache.setdefault(time.perf_counter, precision)


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark's own (a firstresult hook)
def pytest_benchmark_generate_machine_info(config: Any) -> dict[str, object] | None:
    """pytest-benchmark's own machine info, with ``cpu`` read from the driver's cache file."""
    cpu = _load().get("cpu")
    if not isinstance(cpu, dict):
        return None  # fall back to pytest-benchmark's implementation
    return {
        "node": platform.node(),
        "processor": platform.processor(),
        "machine": platform.machine(),
        "python_compiler": platform.python_compiler(),
        "python_implementation": platform.python_implementation(),
        "python_implementation_version": platform.python_version(),
        "python_version": platform.python_version(),
        "python_build": platform.python_build(),
        "release": platform.release(),
        "system": platform.system(),
        "cpu": cpu,
    }
