"""`benchmem sweep --report` with --metric (several) and --clip, on the fake runner: the page
states each run's Python and mode, draws the metrics asked for, and lists the failed targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli


def test_report_metric_clip_and_failed_targets(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pytest.importorskip("plotly")
    fake_cli.pytest_rc["3.0"] = 2
    report = tmp_path / "report.html"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "toypkg==3.0", "--suite", str(suite_dir)]
    args += ["--out", str(tmp_path / "out"), "--report", str(report)]
    code = _cli([*args, "--metric", "time", "--metric", "memory", "--clip", "0.5"])
    captured = capsys.readouterr()
    assert code == 1, captured.err  # a target failed
    page = report.read_text()
    assert "benchmem sweep report: time, peak" in page
    assert "Run 1.0: " in page
    assert "Run 2.0: " in page
    assert "memory mode " in page
    assert "Failed targets (1), not drawn:" in page
    assert "failed: 3.0: " in page
    assert '"zmax":0.5' in page


def test_report_options_need_report(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(tmp_path / "out")]
    assert _cli([*args, "--metric", "peak"]) == 2
    assert "--metric and --clip shape the report: they need --report FILE" in (
        capsys.readouterr().err
    )
    assert _cli([*args, "--report", str(tmp_path / "r.html"), "--clip", "0"]) == 2
    assert "--clip 0: must be a positive number" in capsys.readouterr().err
    assert _cli([*args, "--report", str(tmp_path / "r.html"), "--metric", "bogus"]) == 2
    assert "unknown metric 'bogus'" in capsys.readouterr().err
    assert not fake_cli.commands
