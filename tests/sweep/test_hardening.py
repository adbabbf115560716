"""Issue 13 sweep defects: timeouts, pins, reserved labels, config files, version order."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli

from pytest_benchmem.errors import UsageError
from pytest_benchmem.sweep import SweepOptions, run_targets
from pytest_benchmem.sweep.config import load_config
from pytest_benchmem.sweep.process import Command, CommandResult, SubprocessRunner

# --- defect 2: a per-target timeout ---------------------------------------------------------

HANGING = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def test_a_timed_out_command_has_its_whole_process_group_killed(tmp_path: Path):
    pidfile = tmp_path / "child.pid"
    argv = (sys.executable, "-c", HANGING, str(pidfile))
    outcome = SubprocessRunner()(Command(argv, tmp_path, tmp_path / "01-run.log", timeout=1.5))
    assert outcome.timed_out
    assert outcome.returncode == 124
    assert "timed out after 1.5s" in (tmp_path / "01-run.log").read_text()
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)  # the suite's own child went with it


class HangingRunner(FakeRunner):
    """pytest of one label runs past its timeout."""

    def __call__(self, command: Command) -> CommandResult:
        env = command.env or {}
        if env.get("BENCHMEM_LABEL") == "2.0" and "pytest" in command.argv:
            self.commands.append(command)
            command.log.parent.mkdir(parents=True, exist_ok=True)
            command.log.write_text("timed out")
            return CommandResult(command, 124, "[benchmem] timed out", 1.0, timed_out=True)
        return super().__call__(command)


def test_a_target_past_its_timeout_is_marked_timeout_and_the_others_go_on(
    suite_dir: Path, tmp_path: Path
):
    runner = HangingRunner()
    options = SweepOptions(suite=suite_dir, out=tmp_path / "out", timeout=7.0)
    results = run_targets(["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"], options, runner=runner)
    assert [r.status for r in results] == ["ok", "timeout", "ok"]
    assert "timed out after 7s" in str(results[1].reason)
    assert all(c.timeout == 7.0 for c in runner.steps("pytest"))
    manifest = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert [t["status"] for t in manifest["targets"]] == ["ok", "timeout", "ok"]


def test_timeout_from_the_command_line_and_the_config_file(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    base = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(out)]
    assert _cli([*base, "--timeout", "30"]) == 0
    assert fake_cli.steps("pytest")[-1].timeout == 30.0
    config = tmp_path / "sweep.toml"
    config.write_text("timeout = 12.5\n")
    assert _cli([*base, "--config", str(config)]) == 0
    assert fake_cli.steps("pytest")[-1].timeout == 12.5
    assert _cli([*base, "--timeout", "0"]) == 2
    assert "--timeout must be a positive number" in capsys.readouterr().err
    config.write_text('timeout = "soon"\n')
    assert _cli([*base, "--config", str(config)]) == 2
    assert "must be a number" in capsys.readouterr().err


# --- defect 8: pins are requirements, never options ------------------------------------------


@pytest.mark.parametrize("pin", ["--dry-run", "--index-url=http://evil", "-e .", "", "a b"])
def test_a_pin_that_is_not_a_requirement_is_refused(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    pin: str,
):  # fmt: skip
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), f"--pin={pin}"]
    assert _cli([*args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "is not a requirement" in err
    assert len(err.strip().splitlines()) == 1
    assert not fake_cli.commands


def test_config_pins_are_checked_too(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    config = tmp_path / "sweep.toml"
    config.write_text('pins = ["--index-url=http://example.invalid/simple"]\n')
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--config", str(config)]
    assert _cli([*args, "--out", str(tmp_path / "o")]) == 2
    assert "is not a requirement" in capsys.readouterr().err
    assert not fake_cli.commands


def test_requirements_reach_uv_after_a_double_dash(suite_dir: Path, tmp_path: Path):
    runner = FakeRunner()
    options = SweepOptions(suite=suite_dir, out=tmp_path / "o", pins=("attrs>=1",))
    run_targets(["toypkg==1.0"], options, runner=runner)
    argv = runner.steps("install")[0].argv
    dash = argv.index("--")
    assert argv.index("toypkg==1.0") > dash
    assert argv.index("attrs>=1") > dash
    assert all(not a.startswith("-") for a in argv[dash + 1 :])


# --- defect 4: reserved labels ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["sweep=toypkg==1.0", "bisect=toypkg==1.0", "Sweep=toypkg"])
def test_a_label_that_would_overwrite_a_manifest_is_refused(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    target: str,
):  # fmt: skip
    args = ["sweep", "toypkg==2.0", target, "--suite", str(suite_dir)]
    assert _cli([*args, "--out", str(tmp_path / "o")]) == 2
    assert "is reserved" in capsys.readouterr().err
    assert not fake_cli.commands
    assert not (tmp_path / "o" / "sweep.json").exists()


# --- defect 6: config files ------------------------------------------------------------------


def test_a_config_that_is_not_utf8_is_one_line(tmp_path: Path):
    path = tmp_path / "sweep.toml"
    path.write_bytes(b'suite = "caf\xe9"\n')
    with pytest.raises(UsageError, match="not UTF-8"):
        load_config(path)


def test_a_directory_as_config_says_so(tmp_path: Path):
    with pytest.raises(UsageError, match="is a directory"):
        load_config(tmp_path)


def test_env_values_in_a_config_must_be_strings(tmp_path: Path):
    path = tmp_path / "sweep.toml"
    path.write_text("[env]\nFOO = 1\n")
    with pytest.raises(UsageError, match=r"env.FOO must be a string, got 1 \(write FOO = \"1\"\)"):
        load_config(path)


# --- defect 11: targets out of version order -------------------------------------------------


def test_targets_out_of_version_order_are_sorted_with_a_note(
    fake_cli: FakeRunner, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "o"
    args = ["sweep", "toypkg==3.0", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir)]
    assert _cli([*args, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "targets sorted oldest → newest (toypkg==1.0, toypkg==2.0, toypkg==3.0)" in err
    assert "--keep-order" in err
    labels = [t["label"] for t in json.loads((out / "sweep.json").read_text())["targets"]]
    assert labels == ["1.0", "2.0", "3.0"]
    assert _cli([*args, "--out", str(out), "--keep-order"]) == 0
    assert "kept as given" in capsys.readouterr().err
    labels = [t["label"] for t in json.loads((out / "sweep.json").read_text())["targets"]]
    assert labels == ["3.0", "1.0", "2.0"]


# --- defect 3: a killed driver's runs die with it; no sweep beside a live one --------------

DRIVER = """
import sys
from pathlib import Path
from pytest_benchmem.sweep.process import Command, SubprocessRunner
out = Path(sys.argv[1])
code = "import pathlib, sys, time; pathlib.Path(sys.argv[1]).write_text('up'); time.sleep(600)"
SubprocessRunner()(Command((sys.executable, "-c", code, str(out / "up")), out, out / "run.log"))
"""


def test_a_sigkilled_driver_takes_its_child_with_it(tmp_path: Path):
    import signal
    import subprocess

    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path)])
    deadline = time.monotonic() + 30
    while not (tmp_path / "up").exists():
        assert driver.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    children = [
        int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == driver.pid
    ]
    assert children
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    deadline = time.monotonic() + 5
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(c) for c in children)


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(") ", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


HOLDER = """
import sys, time
from pathlib import Path
from pytest_benchmem.sweep.outlock import hold_out
with hold_out(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("held")
    time.sleep(600)
"""


def test_resume_does_not_start_while_the_out_directory_is_in_use(suite_dir: Path, tmp_path: Path):
    import subprocess

    out = tmp_path / "out"
    out.mkdir()
    flag = tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), str(flag)])
    try:
        deadline = time.monotonic() + 30
        while not flag.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        runner = FakeRunner()
        options = SweepOptions(suite=suite_dir, out=out, resume=True)
        with pytest.raises(UsageError, match=rf"in use by another sweep \(pid {holder.pid}"):
            run_targets(["toypkg==1.0"], options, runner=runner)
        assert not runner.commands
        assert not (out / "sweep.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert run_targets(["toypkg==1.0"], options, runner=FakeRunner())[0].ok


def test_the_suite_run_inherits_the_out_directory_lock(suite_dir: Path, tmp_path: Path):
    runner = FakeRunner()
    run_targets(["toypkg==1.0"], SweepOptions(suite=suite_dir, out=tmp_path / "o"), runner=runner)
    [run] = runner.steps("pytest")
    assert len(run.pass_fds) == 1  # an orphaned run keeps the directory locked


# --- defect 10: a full disk names the file; pending targets are not "interrupted" -----------


def test_a_full_disk_names_the_file_and_the_manifest_says_why_targets_did_not_run(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    import errno

    from pytest_benchmem import files

    real = files._fill
    full = {"on": False}

    def fill(fd: int, payload: bytes) -> None:
        if full["on"]:
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, payload)

    class FillingRunner(FakeRunner):
        def __call__(self, command: Command) -> CommandResult:
            outcome = super().__call__(command)
            if (command.env or {}).get("BENCHMEM_LABEL") == "1.0" and command.argv[1:3] == (
                "-m",
                "pytest",
            ):
                full["on"] = True  # the disk fills up during the first run
            return outcome

    monkeypatch.setattr(files, "_fill", fill)
    monkeypatch.setattr("pytest_benchmem.sweep.pipeline.SubprocessRunner", FillingRunner)
    out = tmp_path / "o"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir), "--out", str(out)]
    code = _cli(args)
    err = capsys.readouterr().err
    assert code != 0
    assert "No space left on device" in err
    assert "cannot write '" in err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error" in line]  # (progress lines aside)
    assert errors == [err.strip().splitlines()[-1]]
    assert errors[0].startswith("benchmem: error: cannot write '")
    assert f"'{out / 'sweep.json'}'" in errors[0]  # the first file it could not write
    full["on"] = False
    manifest = json.loads((out / "sweep.json").read_text())  # the last one that was written
    reasons = [t["reason"] or "" for t in manifest["targets"]]
    assert not any("interrupted" in r for r in reasons)
    assert "not run yet" in reasons[1]


# --- twin: the sweep validates a run with the readers' validation ----------------------------


def test_the_sweep_refuses_a_run_the_readers_would_refuse(suite_dir: Path, tmp_path: Path):
    runner = FakeRunner(pytest_json={"2.0": "mismatch"})
    options = SweepOptions(suite=suite_dir, out=tmp_path / "o")
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], options, runner=runner)
    assert [(r.status, r.stage) for r in results] == [("ok", None), ("failed", "collect")]
    assert "series differ in length (peak_bytes 1, allocations 2" in str(results[1].reason)
    assert not (tmp_path / "o" / "2.0.json").exists()
