"""The venv cache under concurrent use and damage (issue 13 defects 1 and 7), and the one
per-target setup shared by ``provision`` and ``run_targets``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweepfakes import FakeRunner

import toywheels
from pytest_benchmem.sweep import SweepOptions, provision, run_targets
from pytest_benchmem.sweep.venvcache import Lease

MB = 1_000_000


def _venvs(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "venvs").iterdir() if p.is_dir() and not p.is_symlink())


def _sweep(suite: Path, out: Path, runner: FakeRunner, **kw: object) -> list:
    options = SweepOptions(suite=suite, out=out, **kw)  # type: ignore[arg-type]
    return run_targets(["toypkg==1.0"], options, runner=runner)


def test_fresh_builds_beside_a_venv_in_use_and_removes_it_once_released(
    suite_dir: Path, tmp_path: Path, sweep_cache: Path
):
    runner = FakeRunner()
    assert _sweep(suite_dir, tmp_path / "a", runner)[0].ok
    (old,) = _venvs(sweep_cache)
    in_use = Lease(old)  # another sweep runs in it
    [result] = _sweep(suite_dir, tmp_path / "b", runner, fresh=True)
    assert result.ok
    assert not result.reused
    assert old.is_dir()  # not deleted under the running sweep
    assert (old / "bin" / "python").exists()
    assert len(_venvs(sweep_cache)) == 2
    in_use.release()
    [result] = _sweep(suite_dir, tmp_path / "c", runner)
    assert result.reused
    assert not old.exists()  # gone once nobody uses it
    assert len(_venvs(sweep_cache)) == 1


def test_the_venv_a_fresh_sweep_replaced_is_gone_before_its_run(
    suite_dir: Path, tmp_path: Path, sweep_cache: Path
):
    runner = FakeRunner()
    assert _sweep(suite_dir, tmp_path / "a", runner)[0].ok
    (old,) = _venvs(sweep_cache)
    seen: list[bool] = []

    class Watching(FakeRunner):
        def __call__(self, command):  # type: ignore[no-untyped-def]
            if command.step == "run":
                seen.append(old.exists())
            return super().__call__(command)

    [result] = _sweep(suite_dir, tmp_path / "b", Watching(), fresh=True)
    assert result.ok
    assert seen == [False]  # removed beside provisioning, done before the run started
    assert len(_venvs(sweep_cache)) == 1


@pytest.mark.parametrize("broken", ["bin/python", "lib/python3.11/site-packages/toypkg"])
def test_a_damaged_cached_venv_is_rebuilt_and_said_so(
    suite_dir: Path, tmp_path: Path, sweep_cache: Path, broken: str
):
    runner = FakeRunner()
    original = FakeRunner._install

    def install(self: FakeRunner, command):  # a real venv's site-packages
        rc, out = original(self, command)
        python = Path(command.argv[command.argv.index("--python") + 1])
        site = python.parent.parent / "lib" / "python3.11" / "site-packages"
        (site / "toypkg").mkdir(parents=True, exist_ok=True)
        (site / "toypkg" / "__init__.py").write_text("")
        return rc, out

    runner_cls = type("SiteRunner", (FakeRunner,), {"_install": install})
    runner = runner_cls()
    assert _sweep(suite_dir, tmp_path / "a", runner)[0].ok
    (venv,) = _venvs(sweep_cache)
    target = venv / broken
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    else:
        target.unlink()
    [result] = _sweep(suite_dir, tmp_path / "b", runner)
    assert result.ok
    assert not result.reused
    assert "damaged" in str(result.extra["note"])
    assert broken in str(result.extra["note"])
    manifest = json.loads((tmp_path / "b" / "sweep.json").read_text())
    assert "damaged" in manifest["targets"][0]["note"]
    [again] = _sweep(suite_dir, tmp_path / "c", runner)
    assert again.reused
    assert "note" not in again.extra


def test_a_file_where_the_venv_belongs_does_not_abort_and_fresh_fixes_it(
    suite_dir: Path, tmp_path: Path, sweep_cache: Path
):
    runner = FakeRunner()
    assert _sweep(suite_dir, tmp_path / "a", runner)[0].ok
    link = next(p for p in (sweep_cache / "venvs").iterdir() if p.is_symlink())
    link.unlink()
    link.write_text("not a venv")
    [result] = _sweep(suite_dir, tmp_path / "b", runner, fresh=True)
    assert result.ok
    assert link.is_symlink()


def test_a_file_where_the_venvs_directory_belongs_fails_each_target_not_the_sweep(
    suite_dir: Path, tmp_path: Path, sweep_cache: Path
):
    sweep_cache.mkdir(parents=True, exist_ok=True)
    (sweep_cache / "venvs").write_text("oops")
    options = SweepOptions(suite=suite_dir, out=tmp_path / "out")
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], options, runner=FakeRunner())
    assert [(r.status, r.stage) for r in results] == [("failed", "venv")] * 2
    assert "venvs" in str(results[0].reason)


def test_provision_env_reaches_the_pytest_process(suite_dir: Path, tmp_path: Path):
    """``provision(env=...)`` sets what ``benchmem sweep --env`` sets (one code path)."""
    [venv] = provision(
        ["toypkg==1.0"], suite=suite_dir, out=tmp_path / "out", runner=FakeRunner(),
        env=["BENCHMEM_TEST_FOO=bar"],
    )  # fmt: skip
    assert venv.env["BENCHMEM_TEST_FOO"] == "bar"
    # ... and the same environment is what run_targets gives the pytest process
    runner = FakeRunner()
    options = SweepOptions(suite=suite_dir, out=tmp_path / "o2", env=("BENCHMEM_TEST_FOO=bar",))
    run_targets(["toypkg==1.0"], options, runner=runner)
    [pytest_cmd] = runner.steps("pytest")
    assert pytest_cmd.env is not None
    assert pytest_cmd.env["BENCHMEM_TEST_FOO"] == "bar"


WAITING_SUITE = '''"""Waits for a go file when asked, after saying it started."""

import os
import pathlib
import time

import toypkg


def test_work(benchmark):
    started, go = os.environ.get("TOY_STARTED"), os.environ.get("TOY_GO")
    if started:
        import sys

        sentinel = pathlib.Path(sys.prefix, "toy-sentinel")  # inside the venv in use
        sentinel.write_text("in use")
        pathlib.Path(started).write_text("started")
        deadline = time.monotonic() + 120
        while not pathlib.Path(go).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        # the venv this run uses was never deleted (nor rebuilt under it)
        assert sentinel.read_text() == "in use"
    import memray  # noqa: F401  (imported late on purpose: the venv must still be there)
    assert benchmark(toypkg.work) > 0
'''


def _sweep_cli(args: list[str], cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "BENCHMEM_CACHE_DIR": str(cache)}
    code = "from pytest_benchmem.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.e2e
def test_a_concurrent_fresh_sweep_never_breaks_a_running_one(tmp_path: Path, sweep_cache: Path):
    """Sweep A runs its suite; sweep B --fresh on the same cache rebuilds and finishes; A
    goes on in its venv and ends ok (before: `No module named 'pytest_benchmem'`)."""
    wheels = toywheels.build_toy_index(tmp_path / "wheels", {"1.0": 1 * MB})
    suite = toywheels.write_toy_suite(tmp_path / "suite", WAITING_SUITE)
    common = ["sweep", "toypkg==1.0", "--suite", str(suite), "--find-links", str(wheels)]
    common += ["--pytest-arg=--benchmark-min-rounds=1", "--pytest-arg=--benchmark-max-time=0"]
    started, go = tmp_path / "started", tmp_path / "go"
    first = _sweep_cli(
        [*common, "--out", str(tmp_path / "a"), "--env", f"TOY_STARTED={started}",
         "--env", f"TOY_GO={go}"],
        sweep_cache,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = _sweep_cli([*common, "--out", str(tmp_path / "b"), "--fresh"], sweep_cache)
        out_b = second.communicate(timeout=300)[0]
        assert second.returncode == 0, out_b
    finally:
        go.write_text("go")
    out_a = first.communicate(timeout=300)[0]
    assert first.returncode == 0, out_a
    a = json.loads((tmp_path / "a" / "sweep.json").read_text())["targets"][0]
    b = json.loads((tmp_path / "b" / "sweep.json").read_text())["targets"][0]
    assert a["status"] == b["status"] == "ok"
    assert not b["reused_venv"]
    # B built its own venv beside A's instead of deleting A's
    run_a = json.loads((tmp_path / "a" / "1.0.json").read_text())
    run_b = json.loads((tmp_path / "b" / "1.0.json").read_text())
    venv_a = run_a["benchmem"]["harness"]["path"].split("/lib/")[0]
    assert venv_a != run_b["benchmem"]["harness"]["path"].split("/lib/")[0]


def test_the_cli_says_a_damaged_venv_was_rebuilt(
    suite_dir: Path,
    tmp_path: Path,
    sweep_cache: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    from pytest_benchmem.cli import main

    runner = FakeRunner()
    monkeypatch.setattr("pytest_benchmem.sweep.pipeline.SubprocessRunner", lambda: runner)
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit):
        main(args)
    (venv,) = _venvs(sweep_cache)
    (venv / "bin" / "python").unlink()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    err = capsys.readouterr().err
    assert "note: 1.0: the cached venv was damaged" in err
    assert "rebuilt it" in err
