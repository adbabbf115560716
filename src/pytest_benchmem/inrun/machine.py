"""The in-run half of the machine probe: pytest-benchmark's answers read from the driver's cache.

Every pytest-benchmark run asks py-cpuinfo for the CPU (1-2 s: it starts a subprocess) and,
in pytest-benchmark 5.2, spins for 1 s measuring the timer's precision. Both are properties of
the machine and interpreter: the driver probes once (in the background, while venvs are
provisioned), caches the answers under the sweep cache, and each suite run loads this module
(``-p pytest_benchmem.inrun.machine``, cache file in ``BENCHMEM_CPUINFO``). The run JSON's
``machine_info`` is the one pytest-benchmark would write; without the file nothing changes.
The same goes for what else a run would start a subprocess for: ``processor`` (``uname -p``)
comes from the cache file too, and the commit info skips pytest-benchmark's project-name
probes (``git rev-parse``, ``hg path``) only where both are sure to fail (no repository in the
cwd or above: the sweep's cwd is a temporary copy of the suite), so the project is the cwd's
name, as pytest-benchmark would find. A conftest or plugin implementing either hook decides,
as in a plain run.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

CPUINFO_ENV = "BENCHMEM_CPUINFO"
#: Environment variables that let ``git rev-parse --git-dir`` find a repository anywhere.
GIT_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


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


def only_ours(config: Any, name: str) -> bool:
    """True when the hook ``name`` has no implementation but this module's and
    pytest-benchmark's (a conftest's or another plugin's is left to run, as in a plain run)."""
    manager = getattr(config, "pluginmanager", None)
    if manager is None:  # called outside a session (unit tests)
        return True
    hook = getattr(manager.hook, name, None)
    if hook is None:
        return False
    allowed = (__name__, "pytest_benchmark.plugin")
    return all(getattr(i.plugin, "__name__", None) in allowed for i in hook.get_hookimpls())


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark's own (a firstresult hook)
def pytest_benchmark_generate_machine_info(config: Any) -> dict[str, object] | None:
    """pytest-benchmark's own machine info, with ``cpu`` (and ``processor``, when it has it)
    read from the driver's cache file."""
    data = _load()
    cpu = data.get("cpu")
    if not isinstance(cpu, dict) or not only_ours(config, "pytest_benchmark_generate_machine_info"):
        return None  # fall back to pytest-benchmark's implementation
    processor = data.get("processor")
    return {
        "node": platform.node(),
        "processor": processor if isinstance(processor, str) else platform.processor(),
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


def no_repository(cwd: Path, env: Mapping[str, str]) -> bool:
    """True when pytest-benchmark's project-name probes must fail in ``cwd``: no git
    repository variable set, no ``hg`` on ``PATH``, and no ``.git``, ``.hg`` or ``HEAD`` (a
    bare repository) in ``cwd`` or any directory above it."""
    if any(env.get(name) for name in GIT_REPO_ENV):
        return False
    if shutil.which("hg", path=env.get("PATH", os.defpath)) is not None:
        return False
    for folder in (cwd, *cwd.parents):
        if any((folder / name).exists() for name in (".git", ".hg", "HEAD")):
            return False
    return True


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark's own (a firstresult hook)
def pytest_benchmark_generate_commit_info(config: Any) -> dict[str, object] | None:
    """pytest-benchmark's own commit info, without the subprocesses that would only find no
    repository and fall back to the cwd's name for the project (None: pytest-benchmark's)."""
    named = config.getoption("benchmark_project_name", None) if config is not None else None
    if named or not only_ours(config, "pytest_benchmark_generate_commit_info"):
        return None
    cwd = Path.cwd()
    if not no_repository(cwd, os.environ):
        return None
    try:
        from pytest_benchmark.utils import get_commit_info
    except ImportError:  # pragma: no cover - pytest-benchmark is a harness requirement
        return None
    info = get_commit_info(cwd.name or None)  # type: ignore[no-untyped-call]
    return info if isinstance(info, dict) else None
