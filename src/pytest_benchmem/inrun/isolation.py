"""The isolation check again, inside the suite's own pytest run, once collection is done.

The driver's check before the run (``suite.check_isolation``) imports the target's module the
way a plain interpreter in the run's cwd would. pytest changes ``sys.path`` further while it
collects: a ``conftest.py`` at the root of a ``--copy-dir`` puts that directory first, so a
package source checked out there (a flat-layout repository) shadows the installed release, and
every version of the sweep would measure the local source. This plugin
(``-p pytest_benchmem.inrun.isolation``, settings in ``BENCHMEM_ISOLATION``) looks, after
collection, at the module the tests really got; when it lies outside the venv the run stops
with exit code ``EXIT_CODE`` and a ``benchmem isolation:`` line naming both places.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import pytest

ISOLATION_ENV = "BENCHMEM_ISOLATION"
EXIT_CODE = 87
MARK = "benchmem isolation: "


def settings(module: str, prefix: str) -> str:
    """The ``BENCHMEM_ISOLATION`` value: the module to check and the venv's prefix."""
    return json.dumps({"module": module, "prefix": prefix})


def _where(module: str) -> str | None:
    """The file the tests got for ``module`` (imported now if no test imported it)."""
    try:
        mod = sys.modules.get(module) or importlib.import_module(module)
    except Exception:  # the driver's check before the run reports import errors
        return None
    file = getattr(mod, "__file__", None)
    if not file:
        paths = list(getattr(mod, "__path__", []) or [])
        file = paths[0] if paths else None
    return str(file) if file else None


def problem(module: str, prefix: str) -> str | None:
    """Why ``module`` does not come from the venv at ``prefix`` (None when it does)."""
    file = _where(module)
    if file is None:
        return None
    inside = os.path.realpath(prefix).rstrip("/") + "/"
    if os.path.realpath(file).startswith(inside):
        return None
    return (
        f"during the pytest run {module} imports from {file}, not from the venv ({prefix}): "
        "a local directory on pytest's sys.path (e.g. beside a rootdir conftest.py) shadows "
        "the installed package"
    )


def pytest_collection_finish(session: Any) -> None:
    """Stop the run before any benchmark when the target's module is not the venv's."""
    try:
        data = json.loads(os.environ.get(ISOLATION_ENV, ""))
    except ValueError:
        return
    module, prefix = data.get("module"), data.get("prefix")
    if not (isinstance(module, str) and module and isinstance(prefix, str) and prefix):
        return
    reason = problem(module, prefix)
    if reason is not None:
        sys.stderr.write(f"{MARK}{reason}\n")
        sys.stderr.flush()
        pytest.exit(f"{MARK}{reason}", returncode=EXIT_CODE)
