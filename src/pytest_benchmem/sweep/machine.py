"""pytest-benchmark's per-run machine probes, done once per machine for a whole sweep.

Every pytest-benchmark run asks py-cpuinfo for the CPU (1-2 s: it starts a subprocess) and,
in pytest-benchmark 5.2, spins for 1 s measuring the timer's precision. Both are properties of
the machine and interpreter: the driver probes once (in the background, while venvs are
provisioned), caches the answers under the sweep cache, and each suite run loads this module
(``-p pytest_benchmem.sweep.machine``, cache file in ``BENCHMEM_CPUINFO``). The run JSON's
``machine_info`` is the one pytest-benchmark would write; without the file nothing changes.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

ENV = "BENCHMEM_CPUINFO"


def _load() -> dict[str, Any]:
    path = os.environ.get(ENV)
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


def cpuinfo_path(cache: Path) -> Path:
    """The cache file for this machine and interpreter."""
    tag = f"{platform.node()}-{platform.machine()}-{sys.implementation.name}"
    tag += f"{sys.version_info.major}{sys.version_info.minor}"
    return cache / "machine" / f"machine-{tag}.json"


def probe(path: Path) -> None:
    """Probe the CPU (py-cpuinfo) and perf_counter's precision; write them to ``path``."""
    from .process import write_atomic

    data: dict[str, object] = {}
    try:
        import cpuinfo  # type: ignore[import-untyped]

        data["cpu"] = cpuinfo.get_cpu_info() or {}
        from pytest_benchmark.timers import compute_timer_precision

        precision = compute_timer_precision(time.perf_counter)  # type: ignore[no-untyped-call]
        data["perf_counter_precision"] = float(precision)
    except Exception:
        return
    write_atomic(path, json.dumps(data))


def start_probe(cache: Path) -> tuple[Path, threading.Thread | None]:
    """Return the cache file, starting a background probe when it does not exist yet."""
    path = cpuinfo_path(cache)
    if path.is_file():
        return path, None
    thread = threading.Thread(target=probe, args=(path,), name="benchmem-probe", daemon=True)
    thread.start()
    return path, thread
