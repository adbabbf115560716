"""pytest-benchmark's per-run machine probes, done once per machine for a whole sweep.

The driver side: probe the CPU and the timer's precision once (in the background while venvs
are provisioned) and cache the answers; each suite run reads them through the light in-run
plugin ``pytest_benchmem.inrun.machine`` (cache file in ``BENCHMEM_CPUINFO``).
"""

from __future__ import annotations

import json
import platform
import sys
import threading
import time
from pathlib import Path

from pytest_benchmem.inrun.machine import CPUINFO_ENV

__all__ = ["CPUINFO_ENV", "cpuinfo_path", "probe", "start_probe"]


def cpuinfo_path(cache: Path) -> Path:
    """The cache file for this machine and interpreter."""
    tag = f"{platform.node()}-{platform.machine()}-{sys.implementation.name}"
    tag += f"{sys.version_info.major}{sys.version_info.minor}"
    return cache / "machine" / f"machine-{tag}.json"


def probe(path: Path) -> None:
    """Probe the CPU (py-cpuinfo), perf_counter's precision and the processor name; write
    them to ``path``."""
    from pytest_benchmem.files import write_atomic

    data: dict[str, object] = {}
    try:
        import cpuinfo  # type: ignore[import-untyped]

        data["cpu"] = cpuinfo.get_cpu_info() or {}
        from pytest_benchmark.timers import compute_timer_precision

        precision = compute_timer_precision(time.perf_counter)  # type: ignore[no-untyped-call]
        data["perf_counter_precision"] = float(precision)
        data["processor"] = platform.processor()  # ``uname -p``: once, not in every run
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
