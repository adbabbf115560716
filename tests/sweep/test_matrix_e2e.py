"""End to end with real uv: a Python matrix on two real interpreters; --plan/--only round trip.

The second interpreter is Debian's /usr/bin/python3.11 when it is another build than the one
running the tests (this machine kind has pyenv's 3.11.7 on PATH and Debian's 3.11.2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sweepfakes import run_cli as _cli
from test_sweep_e2e import FAST, frozen_harness, harness_snapshot, wheels  # noqa: F401

import toywheels
from pytest_benchmem.sweep.pythons import Interpreter, python_tags

pytestmark = pytest.mark.e2e

SECOND = "/usr/bin/python3.11"
MB = 1_000_000


def _second_python() -> str:
    """The second interpreter, or skip with the reason it is not usable."""
    if not Path(SECOND).exists():
        pytest.skip(f"no second interpreter: {SECOND} is absent")
    if os.path.realpath(SECOND) == os.path.realpath(sys.executable):
        pytest.skip(f"no second interpreter: {SECOND} is the one running the tests")
    probe = "import platform, sys; print(platform.python_version(), sys.version_info >= (3, 10))"
    try:
        out = subprocess.run(
            [SECOND, "-c", probe], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"no second interpreter: {SECOND} does not run ({exc})")
    if out[1] != "True":
        pytest.skip(f"no second interpreter: {SECOND} is Python {out[0]}, the harness needs 3.10+")
    return SECOND


def test_two_interpreters_by_two_versions(
    wheels: Path,  # noqa: F811
    suite_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    second = _second_python()
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir), "--out", str(out)]
    args += ["--find-links", str(wheels), "--python", sys.executable, "--python", second]
    args += ["--python", str(tmp_path / "no-such-python3.99"), *FAST]
    args += ["--report", str(tmp_path / "report.html")]
    code = _cli(args)
    captured = capsys.readouterr()
    assert code == 1, captured.err  # the missing interpreter's two targets failed, not the rest
    manifest = json.loads((out / "sweep.json").read_text())
    entries = manifest["targets"]
    interps = [Interpreter(**entries[i]["python"]) for i in (0, 2, 4)]
    assert (
        interps[0].version != interps[1].version or interps[0].executable != interps[1].executable
    )
    tags = python_tags(interps)
    assert [t["label"] for t in entries] == [f"{v}-{tag}" for tag in tags for v in ("1.0", "2.0")]
    assert tags[2] == "python3.99" or tags[2].startswith("py")
    assert [t["status"] for t in entries] == ["ok"] * 4 + ["failed"] * 2
    for t in entries[:4]:
        prov = json.loads(Path(t["run"]).read_text())["benchmem"]
        assert prov["label"] == t["label"]
        assert prov["python"] == t["python"]["version"]
        assert prov["implementation"] == t["python"]["implementation"] == "cpython"
        assert prov["packages"]["toypkg"] == t["label"].split("-")[0]
    for t in entries[4:]:
        assert t["stage"] == "venv"
        assert "no-such-python3.99" in t["reason"]
        assert "\n" not in t["reason"]
    assert "no-such-python3.99" in captured.err
    # one table per interpreter in the summary, and in compare DIR
    assert captured.out.count("Python: cpython ") == 2
    assert _cli(["compare", str(out), "--metric", "peak"]) == 0
    assert capsys.readouterr().out.count("Python: cpython ") == 2
    # the report: per interpreter, a heatmap and lines for peak and for time (the time panel)
    page = (tmp_path / "report.html").read_text()
    for interp in interps[:2]:
        assert page.count(f"Python cpython {interp.version}: ") == 4


def test_bisect_under_two_interpreters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    second = _second_python()
    sizes = {"1.0": 1 * MB, "2.0": 6 * MB}
    toywheels.build_toy_index(tmp_path / "wheels", sizes)
    toywheels.write_toy_suite(tmp_path / "suite")
    monkeypatch.chdir(tmp_path)
    args = ["bisect", "toypkg", "--good", "1.0", "--bad", "2.0", "--suite", "suite"]
    args += ["--find-links", "wheels", "--out", "out", *FAST]
    args += ["--python", sys.executable, "--python", second, "--python", "no-such-py3.99"]
    code = _cli(args)
    captured = capsys.readouterr()
    assert code == 1  # the missing interpreter; both others found 2.0
    assert captured.out.count("first bad release: 2.0\nlast good release: 1.0\n") == 2
    assert "no-such-py3.99 not found by uv" in captured.err
    dirs = sorted(p.name for p in (tmp_path / "out").iterdir() if (p / "bisect.json").is_file())
    assert len(dirs) == 2
    assert all(d.startswith("py3.") for d in dirs)
    pythons = set()
    for d in dirs:
        run = json.loads((tmp_path / "out" / d / "2.0.json").read_text())
        pythons.add((run["benchmem"]["python"], run["benchmem"]["executable"]))
    assert len(pythons) == 2
