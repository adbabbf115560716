"""pytest-benchmark's machine info without a py-cpuinfo probe in every swept venv.

pytest-benchmark asks py-cpuinfo for the CPU on every run, which costs 1-2 s (it starts a
subprocess). The driver probes once per machine and caches the answer under the sweep cache;
each suite run loads this module (``-p pytest_benchmem.sweep.machine``) with the cache file in
``BENCHMEM_CPUINFO``, and the run JSON carries the same ``machine_info`` as before.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
from pathlib import Path
from typing import Any

ENV = "BENCHMEM_CPUINFO"


def pytest_benchmark_generate_machine_info(config: Any) -> dict[str, object] | None:
    """pytest-benchmark's own machine info, with ``cpu`` read from the driver's cache file."""
    path = os.environ.get(ENV)
    try:
        cpu = json.loads(Path(path).read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        cpu = None
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
    return cache / "machine" / f"cpuinfo-{tag}.json"


def _probe(path: Path) -> None:
    from .process import write_atomic

    try:
        import cpuinfo  # type: ignore[import-untyped]

        info = cpuinfo.get_cpu_info() or {}
    except Exception:
        return
    write_atomic(path, json.dumps(info))


def start_probe(cache: Path) -> tuple[Path, threading.Thread | None]:
    """Return the cache file, starting a background probe when it does not exist yet."""
    path = cpuinfo_path(cache)
    if path.is_file():
        return path, None
    thread = threading.Thread(target=_probe, args=(path,), name="benchmem-cpuinfo", daemon=True)
    thread.start()
    return path, thread
