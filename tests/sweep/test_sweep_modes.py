"""A sweep never compares memory of runs measured differently (e.g. a resumed sweep whose
kept runs were made in another mode: the shell's PYTEST_ADDOPTS or PYTHONMALLOC is not part
of the options a resume compares), unless ``--allow-mixed-modes``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli


def _mixed(
    monkeypatch: pytest.MonkeyPatch, suite_dir: Path, out: Path, *extra: str, var: str = ""
) -> int:
    """1.0 measured with ``var`` set in the environment, then a resumed sweep adds 2.0."""
    base = ["--suite", str(suite_dir), "--out", str(out)]
    name, _, value = (var or "PYTEST_ADDOPTS=--benchmark-memory-mode=fast").partition("=")
    monkeypatch.setenv(name, value)
    assert _cli(["sweep", "toypkg==1.0", *base]) == 0
    monkeypatch.delenv(name)
    return _cli(["sweep", "toypkg==1.0", "toypkg==2.0", *base, "--resume", *extra])


def test_resumed_sweep_of_mixed_modes_refuses_memory(
    fake_cli: FakeRunner, suite_dir, tmp_path, capsys, monkeypatch
):
    code = _mixed(monkeypatch, suite_dir, tmp_path / "out")
    captured = capsys.readouterr()
    assert code == 2
    refusal = [line for line in captured.err.splitlines() if "different modes" in line]
    expected = (
        "benchmem sweep: error: memory measured in different modes is not compared: "
        "1.0 (fast); 2.0 (exact); measure them alike, or pass --allow-mixed-modes to compare "
        "anyway"
    )
    assert refusal == [expected]
    assert "time" in captured.out  # the times are still compared
    assert (tmp_path / "out" / "2.0.json").is_file()  # nothing measured is lost


def test_resumed_sweep_with_the_switch_compares_with_a_note(
    fake_cli: FakeRunner, suite_dir, tmp_path, capsys, monkeypatch
):
    code = _mixed(monkeypatch, suite_dir, tmp_path / "out", "--allow-mixed-modes")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "peak" in captured.out
    assert "note: memory compared across measurement modes (--allow-mixed-modes): " in (
        captured.out
    )


def test_an_allocator_environment_is_a_different_mode(
    fake_cli: FakeRunner, suite_dir, tmp_path, capsys, monkeypatch
):
    code = _mixed(monkeypatch, suite_dir, tmp_path / "out", var="PYTHONMALLOC=malloc")
    captured = capsys.readouterr()
    assert code == 2
    assert "1.0 (exact, PYTHONMALLOC=malloc); 2.0 (exact)" in captured.err
