"""Run the ``benchmem`` CLI in-process through ``main`` (the console-script entry)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_benchmem.cli import main


@dataclass(frozen=True)
class Result:
    """Exit code and captured output of one ``benchmem`` invocation."""

    code: int
    out: str
    err: str


def run_benchmem(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    """``benchmem ARGS...`` in-process; what it printed is read from ``capsys``."""
    capsys.readouterr()
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    else:  # pragma: no cover - main always exits
        code = 0
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
