"""A sweep run records the machine and commit info a plain pytest-benchmark run records.

The in-run plugin answers ``processor`` from the driver's cached probe and the commit info
without pytest-benchmark's project-name subprocesses, only where those would find no
repository; a plain run in the same venv, in a directory of the same name, records the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

import toywheels
from pytest_benchmem.inrun.machine import (
    no_repository,
    only_ours,
    pytest_benchmark_generate_commit_info,
    pytest_benchmark_generate_machine_info,
)
from pytest_benchmem.sweep import SweepOptions
from pytest_benchmem.sweep.pipeline import run_targets

FAST = ("--benchmark-min-rounds=1", "--benchmark-max-time=0")


@pytest.mark.e2e
def test_machine_and_commit_info_are_what_a_plain_run_records(
    tmp_path: Path, suite_dir: Path, sweep_cache: Path
):
    wheels = toywheels.build_toy_index(tmp_path / "wheels", {"1.0": 1000})
    out = tmp_path / "out"
    options = SweepOptions(suite=suite_dir, out=out, find_links=(str(wheels),), pytest_args=FAST)
    (result,) = run_targets(["toypkg==1.0"], options)
    assert result.ok, result.reason
    swept = json.loads((out / "1.0.json").read_text())
    assert swept["machine_info"]["cpu"]["benchmem_test"] == "cached"  # the driver's probe
    project = swept["commit_info"]["project"]
    assert project.startswith("benchmem-run-")  # the run's cwd, a temporary copy of the suite
    venv = Path(swept["benchmem"]["harness"]["path"]).parents[3]
    cwd = tmp_path / "plain" / project
    shutil.copytree(suite_dir, cwd / suite_dir.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMEM_", "PYTHONPATH"))}
    plain_json = tmp_path / "plain.json"
    argv = [str(venv / "bin" / "python"), "-m", "pytest", str(cwd / suite_dir.name)]
    argv += ["--benchmark-only", f"--benchmark-json={plain_json}", *FAST]
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    plain = json.loads(plain_json.read_text())
    assert swept["commit_info"] == plain["commit_info"]
    assert plain["commit_info"]["id"] == "unversioned"
    machine = {k: v for k, v in swept["machine_info"].items() if k != "cpu"}
    assert machine == {k: v for k, v in plain["machine_info"].items() if k != "cpu"}


def test_processor_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cache = tmp_path / "machine.json"
    cache.write_text(json.dumps({"cpu": {"brand_raw": "x"}, "processor": "cached-cpu"}))
    monkeypatch.setenv("BENCHMEM_CPUINFO", str(cache))
    info = pytest_benchmark_generate_machine_info(None)
    assert info is not None
    assert info["processor"] == "cached-cpu"


def test_no_repository_only_where_the_probes_must_fail(tmp_path: Path):
    here = tmp_path / "a" / "b"
    here.mkdir(parents=True)
    bare = {"PATH": str(tmp_path / "nobin")}
    assert no_repository(here, bare)
    assert not no_repository(here, {**bare, "GIT_DIR": "/somewhere/.git"})
    for marker in (".git", ".hg", "HEAD"):  # a work tree, a Mercurial one, a bare repository
        (tmp_path / marker).touch()
        assert not no_repository(here, bare)
        (tmp_path / marker).unlink()
    hg = tmp_path / "bin" / "hg"  # hg could answer from its global config
    hg.parent.mkdir()
    hg.write_text("#!/bin/sh\n")
    hg.chmod(0o755)
    assert not no_repository(here, {"PATH": str(hg.parent)})


def test_commit_info_is_left_to_pytest_benchmark_inside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"):
        monkeypatch.delenv(name, raising=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    info = pytest_benchmark_generate_commit_info(None)
    assert info is not None
    assert (info["id"], info["project"], info["dirty"]) == ("unversioned", "outside", False)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "repo")
    assert pytest_benchmark_generate_commit_info(None) is None  # pytest-benchmark's own


def _config(*plugins: str) -> SimpleNamespace:
    """A config whose commit-info hook has implementations in the modules ``plugins``."""
    impls = [SimpleNamespace(plugin=SimpleNamespace(__name__=p)) for p in plugins]
    hook = SimpleNamespace(get_hookimpls=lambda: impls)
    hooks = SimpleNamespace(pytest_benchmark_generate_commit_info=hook)
    return SimpleNamespace(
        pluginmanager=SimpleNamespace(hook=hooks), getoption=lambda name, default=None: default
    )


def test_a_conftest_implementing_the_hook_decides():
    ours = ("pytest_benchmem.inrun.machine", "pytest_benchmark.plugin")
    assert only_ours(_config(*ours), "pytest_benchmark_generate_commit_info")
    mixed = _config(*ours, "conftest")
    assert not only_ours(mixed, "pytest_benchmark_generate_commit_info")
    assert pytest_benchmark_generate_commit_info(mixed) is None
    assert not only_ours(_config(*ours), "no_such_hook")
