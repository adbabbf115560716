"""The Python API (sweep, provision) and the `benchmem sweep` command, on the fake runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli

from pytest_benchmem.sweep import Stage, Venv, provision, sweep

# --- API --------------------------------------------------------------------------------------


def test_sweep_calls_run_per_venv_and_returns_failed_labels(suite_dir: Path, tmp_path: Path):
    seen: list[Venv] = []

    def run(venv: Venv) -> bool | None:
        seen.append(venv)
        assert venv.cwd.is_dir()
        assert venv.suite is not None
        assert (venv.suite / "test_toy.py").is_file()
        assert venv.env["BENCHMEM_LABEL"] == venv.label
        if venv.label == "2.0":
            return False
        if venv.label == "3.0":
            msg = "boom"
            raise RuntimeError(msg)
        return None

    failed = sweep(
        ["1.0", "2.0", "3.0", "9.9"],
        run,
        package="toypkg",
        suite=suite_dir,
        out=tmp_path / "out",
        runner=FakeRunner(),
        jobs=2,
    )
    assert failed == ["2.0", "3.0", "9.9"]
    assert [v.label for v in seen] == ["1.0", "2.0", "3.0"]
    assert not seen[0].cwd.exists()  # each cwd is removed once the sweep moves on
    assert seen[0].python.name == "python"
    assert seen[0].versions["toypkg"] == "1.0"
    assert "RuntimeError: boom" in (tmp_path / "out" / "logs" / "3.0" / "run-error.log").read_text()


def test_provision_yields_failed_venvs_with_their_stage(tmp_path: Path):
    venvs = list(
        provision(
            ["toypkg==1.0", "toypkg==9.9", "toypkg==2.0"],
            out=tmp_path / "out",
            runner=FakeRunner(shadow={"2.0"}),
        )
    )
    assert [(v.label, v.stage) for v in venvs] == [
        ("1.0", None),
        ("9.9", Stage.INSTALL),
        ("2.0", Stage.ISOLATION),
    ]
    assert venvs[0].suite is None
    assert not venvs[0].failed
    assert venvs[1].failed
    assert "no version of toypkg==9.9" in (venvs[1].reason or "")


def test_provision_rejects_unknown_options(tmp_path: Path):
    with pytest.raises(TypeError, match="unknown provision option"):
        list(provision(["toypkg==1.0"], out=tmp_path, runner=FakeRunner(), colour="red"))
    # the Python matrix and the plan's selection are run_targets' (benchmem sweep), not ignored
    with pytest.raises(TypeError, match=r"unknown provision option.*pythons"):
        list(provision(["toypkg==1.0"], out=tmp_path, runner=FakeRunner(), pythons=["3.11"]))


def test_provision_accepts_lists(tmp_path: Path):
    fake = FakeRunner()
    list(provision(["toypkg==1.0"], out=tmp_path, runner=fake, pins=["extra==1"]))
    assert "extra==1" in fake.steps("install")[0].argv


# --- CLI --------------------------------------------------------------------------------------


def test_cli_all_ok_prints_tables_and_follow_ups(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    code = _cli(
        ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir), "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "peak" in captured.out
    assert "time" in captured.out
    assert "1.0" in captured.out
    assert "2.0" in captured.out
    assert "benchmem compare" in captured.out
    assert "benchmem plot" in captured.out
    assert "Manifest:" in captured.out
    assert "provisioning 2 venv(s)" in captured.err


def test_cli_failure_lists_stage_reason_and_logs(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    code = _cli(
        ["sweep", "toypkg==1.0", "toypkg==9.9", "--suite", str(suite_dir), "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "1 of 2 target(s) failed" in err
    assert "9.9 failed at install" in err
    assert str(out / "logs" / "9.9") in err


def test_cli_partial_is_reported_but_exit_zero(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    fake_cli.pytest_rc["1.0"] = 1
    code = _cli(["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(tmp_path / "o")])
    assert code == 0
    assert "1.0 partial" in capsys.readouterr().err


def test_cli_usage_errors_exit_2(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert _cli(["sweep", "toypkg==1.0"]) == 2
    assert "no suite given" in capsys.readouterr().err
    assert _cli(["sweep", "toypkg==1.0", "other==1", "--suite", str(suite_dir)]) == 2
    assert "one package" in capsys.readouterr().err
    assert _cli(["sweep", "--suite", str(suite_dir)]) == 2
    assert "no sweep targets" in capsys.readouterr().err
    assert _cli(["sweep", "toypkg", "toypkg==1", "--last", "2", "--suite", str(suite_dir)]) == 2
    assert "one bare package name" in capsys.readouterr().err
    assert _cli(["sweep", "toypkg", "--pre", "--suite", str(suite_dir)]) == 2
    assert "--pre applies to a version policy" in capsys.readouterr().err
    assert not fake_cli.commands


def test_cli_reads_config_and_command_line_wins(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(
        f'targets = ["toypkg==1.0", "toypkg==2.0"]\nsuite = "{suite_dir}"\nout = "cfg-out"\n'
        'memory = false\npytest-args = ["-q"]\npins = ["extra==1"]\njobs = 1\n'
    )
    code = _cli(["sweep", "--config", str(cfg), "--out", str(tmp_path / "cli-out")])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "cli-out" / "1.0.json").is_file()
    assert not (tmp_path / "cfg-out").exists()
    runs = fake_cli.steps("pytest")
    assert len(runs) == 2
    assert "--benchmark-memory" not in runs[0].argv
    assert runs[0].argv[-1] == "-q"
    assert "extra==1" in fake_cli.steps("install")[0].argv
    manifest = json.loads((tmp_path / "cli-out" / "sweep.json").read_text())
    assert manifest["memory"] is False
    # only time when memory is off
    assert "peak" not in capsys.readouterr().out.split("time")[0]


def test_cli_version_policy_expands_into_targets(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    import toywheels

    wheels = toywheels.build_toy_index(tmp_path / "wheels", {"1.0": 1, "2.0": 2, "3.0": 3})
    out = tmp_path / "out"
    args = ["sweep", "toypkg", "--last", "2", "--find-links", str(wheels)]
    code = _cli([*args, "--suite", str(suite_dir), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "toypkg --last 2: 2.0, 3.0" in captured.err
    manifest = json.loads((out / "sweep.json").read_text())
    assert [t["label"] for t in manifest["targets"]] == ["2.0", "3.0"]
    assert manifest["expansion"]["versions"] == ["2.0", "3.0"]


def test_cli_report_writes_the_sweep_page(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pytest.importorskip("plotly")
    report = tmp_path / "report.html"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir)]
    code = _cli([*args, "--out", str(tmp_path / "out"), "--report", str(report)])
    assert code == 0, capsys.readouterr().err
    assert report.is_file()
    assert "plotly" in report.read_text()[:2_000_000].lower()


def test_cli_env_reaches_every_run(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(out)]
    code = _cli([*args, "--env", "PYTHONMALLOC=malloc", "--env", "X=a=b"])
    assert code == 0, capsys.readouterr().err
    (run,) = fake_cli.steps("pytest")
    assert run.env is not None
    assert run.env["PYTHONMALLOC"] == "malloc"
    assert run.env["X"] == "a=b"
    assert json.loads((out / "sweep.json").read_text())["env"] == ["PYTHONMALLOC=malloc", "X=a=b"]
    assert _cli([*args, "--env", "NOVALUE"]) == 2
    assert "--env expects NAME=VALUE" in capsys.readouterr().err


def test_cli_report_failure_is_one_line_and_exit_1(
    fake_cli: FakeRunner,
    suite_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    from pytest_benchmem.errors import BenchmemError

    def broken(*args: object, **kwargs: object) -> Path:
        msg = "plotly is not installed"
        raise BenchmemError(msg, hint="pip install '.[plot]'")

    monkeypatch.setattr("pytest_benchmem.plotting.write_sweep_report", broken)
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(tmp_path / "out")]
    code = _cli([*args, "--report", str(tmp_path / "r.html")])
    captured = capsys.readouterr()
    assert code == 1
    assert "no report: plotly is not installed" in captured.err
    assert "Manifest:" in captured.out
    assert (tmp_path / "out" / "1.0.json").is_file()


def test_cli_report_that_cannot_be_written_is_refused_before_the_sweep(
    fake_cli: FakeRunner,
    suite_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    (tmp_path / "afile").write_text("x")
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(tmp_path / "out")]
    assert _cli([*args, "--report", str(tmp_path / "afile" / "r.html")]) == 2
    assert "afile is a file, not a directory" in capsys.readouterr().err
    assert _cli([*args, "--report", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "plotly" else real(name, *a)
    )
    assert _cli([*args, "--report", str(tmp_path / "r.html")]) == 2
    assert "--report needs plotly" in capsys.readouterr().err
    assert not fake_cli.commands
    assert not (tmp_path / "out" / "1.0.json").exists()


def test_cli_report_with_no_run_says_so(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    fake_cli.pytest_rc["1.0"] = 2
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(tmp_path / "out")]
    assert _cli([*args, "--report", str(tmp_path / "r.html")]) == 1
    assert "no report: no target produced a run" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_cli_summary_md_and_github_step_summary(
    fake_cli: FakeRunner,
    suite_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    step = tmp_path / "step-summary.md"
    step.write_text("## an earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "toypkg==9.9", "--suite", str(suite_dir)]
    code = _cli([*args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1  # 9.9 does not exist
    # by default, in GitHub Actions: the terminal tables as usual, the summary appended
    assert "Manifest:" in captured.out
    assert "summary appended to $GITHUB_STEP_SUMMARY" in captured.err
    written = step.read_text()
    assert written.startswith("## an earlier step\n\n## benchmem sweep: 3 targets\n")
    assert "| `suite/test_toy.py::test_work0` |" in written
    assert "### Failed target (1)" in written
    assert "- `9.9` failed at install: " in written

    # --summary md: stdout is the markdown alone; --no-step-summary leaves the file alone
    before = step.read_text()
    code = _cli([*args, "--out", str(out), "--summary", "md", "--no-step-summary"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.startswith("## benchmem sweep: 3 targets\n\n2 runs: `1.0`, `2.0`\n")
    assert "Manifest:" not in captured.out
    assert "Manifest:" in captured.err
    assert "| noise |" in captured.out
    assert step.read_text() == before

    code = _cli([*args, "--out", str(out), "--summary", "pdf"])
    assert code == 2
    assert "unknown --summary format 'pdf'" in capsys.readouterr().err
