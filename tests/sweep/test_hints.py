"""Hints that lead somewhere (issue 13 defect 12): what the sweep and plot suggest next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli


def test_a_sweep_with_one_run_does_not_suggest_comparing_it(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    fake = FakeRunner()
    monkeypatch.setattr("pytest_benchmem.sweep.pipeline.SubprocessRunner", lambda: fake)
    args = ["sweep", "toypkg==1.0", "toypkg==9.9", "--suite", str(suite_dir)]
    assert _cli([*args, "--out", str(tmp_path / "o")]) == 1
    out = capsys.readouterr().out
    assert "benchmem compare" not in out
    assert "benchmem plot" not in out
    assert "Next: only one run (" in out
    assert "comparing needs two or more" in out


def _one_run(path: Path) -> Path:
    stats = {"min": 0.1, "max": 0.2, "mean": 0.15, "median": 0.15, "stddev": 0.0, "rounds": 1}
    bench = {"name": "test_a", "fullname": "t.py::test_a", "stats": stats, "extra_info": {}}
    path.write_text(json.dumps({"benchmarks": [bench]}))
    return path


def test_plot_of_one_run_without_a_numeric_dim_suggests_what_would_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pytest.importorskip("plotly")
    run = _one_run(tmp_path / "one.json")
    assert _cli(["plot", str(run), "-o", str(tmp_path / "p.html")]) == 2
    err = capsys.readouterr().err
    assert "this run has none" in err
    assert "give two or more runs" in err
    assert "--view compare" not in err


def test_plot_into_a_directory_says_it_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pytest.importorskip("plotly")
    run = _one_run(tmp_path / "one.json")
    assert _cli(["plot", str(run), str(run), "-o", str(tmp_path)]) == 2
    assert "it is a directory" in capsys.readouterr().err
