"""Fixtures for attribution tests: the ``benchmem`` CLI in-process and one profiled toy sweep."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from clirun import Result, run_benchmem
from pytest_benchmem.cli import main
from toywheels import build_split_index, write_toy_suite

FAST = ["--pytest-arg=--benchmark-min-rounds=1", "--pytest-arg=--benchmark-max-time=0"]


@pytest.fixture
def benchmem(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``benchmem(*args) -> Result``."""
    return lambda *args: run_benchmem(capsys, *args)


@dataclass(frozen=True)
class ToySweep:
    """A finished ``benchmem sweep --profile`` over toypkg 4.0 and 5.0 (split wheels)."""

    root: Path
    out: Path
    stdout: str


@pytest.fixture(scope="module")
def toy_sweep(tmp_path_factory: pytest.TempPathFactory) -> ToySweep:
    """One real-uv sweep per module: 5.0 holds +5 MB in extra.grow() and -1 MB in core.build()."""
    import contextlib
    import io
    import os

    root = tmp_path_factory.mktemp("toysweep")
    build_split_index(root / "wheels", ("4.0", "5.0"))
    write_toy_suite(root / "suite")
    out = root / "out"
    args = [
        "sweep", "toypkg==4.0", "toypkg==5.0", "--suite", str(root / "suite"),
        "--find-links", str(root / "wheels"), "--out", str(out), "--profile",
        "--report", str(root / "report.html"), *FAST,
    ]  # fmt: skip
    old = os.environ.get("BENCHMEM_CACHE_DIR")
    os.environ["BENCHMEM_CACHE_DIR"] = str(root / "cache")
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer), pytest.raises(SystemExit) as exc:
            main(args)
    finally:
        if old is None:
            os.environ.pop("BENCHMEM_CACHE_DIR", None)
        else:
            os.environ["BENCHMEM_CACHE_DIR"] = old
    assert exc.value.code in (0, None), buffer.getvalue()
    return ToySweep(root, out, buffer.getvalue())
