"""pytest-benchmark's per-run machine probes, done once per machine for a whole sweep.

The driver side: probe the CPU and the timer's precision once (in the background while venvs
are provisioned) and cache the answers; each suite run reads them through the light in-run
plugin ``pytest_benchmem.inrun.machine`` (cache file in ``BENCHMEM_CPUINFO``).
"""

from __future__ import annotations

import contextlib
import json
import platform
import sys
import threading
import time
from pathlib import Path

from pytest_benchmem.errors import BenchmemError
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


def add_processor(path: Path) -> None:
    """Add the processor name to a cache file written before it was probed (else each run
    would start ``uname -p`` for it)."""
    from pytest_benchmem.files import write_atomic

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and "processor" not in data:
        data["processor"] = platform.processor()
        with contextlib.suppress(BenchmemError):  # unwritable: the runs ask ``uname`` then
            write_atomic(path, json.dumps(data))


def _has_processor(path: Path) -> bool:
    try:
        return '"processor"' in path.read_text(encoding="utf-8")
    except OSError:
        return False


def start_probe(cache: Path) -> tuple[Path, threading.Thread | None]:
    """Return the cache file, starting a background probe when it does not exist yet (or
    adding the processor name to one written before it was probed)."""
    path = cpuinfo_path(cache)
    if path.is_file() and _has_processor(path):
        return path, None
    work = add_processor if path.is_file() else probe
    thread = threading.Thread(target=work, args=(path,), name="benchmem-probe", daemon=True)
    thread.start()
    return path, thread
