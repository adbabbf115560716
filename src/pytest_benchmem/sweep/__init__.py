"""Cross-version sweeps: one uv venv per target, our harness inside, labelled runs.

``run_targets`` is the pipeline behind ``benchmem sweep``; ``provision`` and ``sweep`` (in
``api``) are the Python API over the same parts: ``sweep(["pkg==1.0", "pkg==2.0"], run)`` calls
``run(venv)`` once per provisioned venv (in order) and returns the labels that failed.

The names below are loaded on first use (module ``__getattr__``): importing a light submodule
(``sweep.settings``, the table of options every ``benchmem`` command's typer options come from)
must not load the pipeline, uv's plumbing or pytest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import Venv, provision, sweep
    from .model import Stage, SweepOptions, TargetResult, TargetStatus
    from .pipeline import Progress, run_targets
    from .process import Command, CommandResult, Runner, SubprocessRunner
    from .spec import Target, parse_target, parse_targets

#: each public name and the submodule it lives in
_HOMES = {
    "Command": "process",
    "CommandResult": "process",
    "Progress": "pipeline",
    "Runner": "process",
    "Stage": "model",
    "SubprocessRunner": "process",
    "SweepOptions": "model",
    "Target": "spec",
    "TargetResult": "model",
    "TargetStatus": "model",
    "Venv": "api",
    "parse_target": "spec",
    "parse_targets": "spec",
    "provision": "api",
    "run_targets": "pipeline",
    "sweep": "api",
}

__all__ = [
    "Command",
    "CommandResult",
    "Progress",
    "Runner",
    "Stage",
    "SubprocessRunner",
    "SweepOptions",
    "Target",
    "TargetResult",
    "TargetStatus",
    "Venv",
    "parse_target",
    "parse_targets",
    "provision",
    "run_targets",
    "sweep",
]


def __getattr__(name: str) -> object:
    """Load a public name from its submodule on first access, then keep it here."""
    home = _HOMES.get(name)
    if home is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
