"""The run-level ``benchmem`` section the plugin stamps into pytest-benchmark's JSON.

Schema, label, spec, interpreter, installed packages, the harness, and how memory was measured.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

from .metrics import RUN_SCHEMA
from .modes import DEFAULT_MODE, MemoryMode


def provenance(label: str | None, *, mode: MemoryMode = DEFAULT_MODE) -> dict[str, Any]:
    """The run-level ``benchmem`` section: schema, label, spec, python, packages, harness, and
    how memory was measured: ``mode`` (exact/fast; ``trace_python_allocators`` kept for older
    readers) and the allocator environment (``pythonmalloc``: ``$PYTHONMALLOC`` or null)."""
    import os
    from importlib import metadata

    import pytest_benchmem

    packages: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name not in packages:
            packages[name] = dist.version
    return {
        "schema": RUN_SCHEMA,
        "label": label,
        "spec": os.environ.get("BENCHMEM_SPEC") or None,
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "mode": mode.value,
        "trace_python_allocators": mode.traces_python,
        "pythonmalloc": os.environ.get("PYTHONMALLOC") or None,
        "packages": dict(sorted(packages.items(), key=lambda kv: kv[0].lower())),
        "harness": {
            "version": pytest_benchmem.__version__,
            "path": str(Path(pytest_benchmem.__file__).resolve().parent),
        },
    }
