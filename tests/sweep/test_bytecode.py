"""The bytecode store: .pyc files of one venv reused by another holding the same (linked) sources.

Real interpreters decide: ``python -v`` says whether it loaded a planted .pyc ("matches") or
found it stale and compiled the source again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pytest_benchmem.sweep.bytecode import harvest, identity, is_warm, plant, store_dir
from pytest_benchmem.sweep.harnesslock import HarnessLock
from pytest_benchmem.sweep.process import Command, CommandResult
from pytest_benchmem.sweep.warmup import (
    WARMUP_TIMEOUT_S,
    WarmupJob,
    Warmups,
    warm_up,
)

SITE = Path("lib") / "python3.11" / "site-packages"


def _venv(root: Path, name: str) -> Path:
    site = root / name / SITE
    (site / "toylib").mkdir(parents=True)
    return root / name


def _install(venv: Path, source: Path, *, link: bool) -> None:
    """Install the toy distribution: its module linked (as uv does from its cache) or copied."""
    site = venv / SITE
    dest = site / "toylib" / "mod.py"
    if link:
        os.link(source, dest)
    else:
        dest.write_bytes(source.read_bytes())  # same size, a new mtime
    info = site / "toylib-1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("toylib/mod.py,sha256=x,10\ntoylib-1.0.dist-info/RECORD,,\n")


def _import(venv: Path, *, write: bool = True) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = str(venv / SITE)
    done = subprocess.run(
        [sys.executable, "-v", "-c", "import toylib.mod"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr


def test_bytecode_compiled_in_one_venv_is_used_by_the_next(tmp_path: Path):
    shared = tmp_path / "uvcache" / "mod.py"  # the one file uv's cache holds
    shared.parent.mkdir()
    shared.write_text("VALUE = 42\n" + "def f():\n    return VALUE\n" * 50)
    (first, second) = (_venv(tmp_path, "a"), _venv(tmp_path, "b"))
    for venv in (first, second):
        _install(venv, shared, link=True)
    (first / SITE / "toylib" / "__init__.py").write_text("")
    (second / SITE / "toylib" / "__init__.py").write_text("")
    _import(first)  # the first run compiles and writes mod's .pyc
    assert list((first / SITE / "toylib" / "__pycache__").glob("mod.*.pyc"))
    store = store_dir(tmp_path / "cache", "lockkey")
    assert harvest(first, store, ["toylib"]) == 1  # mod's .pyc; __init__ is not in RECORD
    assert harvest(first, store, ["toylib"]) == 0  # kept once
    assert harvest(first, store, ["other"]) == 0  # only the locked distributions
    assert plant(second, store) == 1
    planted = second / SITE / "toylib" / "__pycache__" / f"mod.{sys.implementation.cache_tag}.pyc"
    assert planted.stat().st_ino == next(store.rglob("mod.*.pyc")).stat().st_ino
    trace = _import(second, write=False)
    assert "matches" in next(ln for ln in trace.splitlines() if "mod.py" in ln)
    assert plant(second, store) == 0  # nothing missing any more


def test_a_planted_pyc_for_a_different_source_is_never_used(tmp_path: Path):
    shared = tmp_path / "mod.py"
    shared.write_text("VALUE = 1\n")
    first, other = _venv(tmp_path, "a"), _venv(tmp_path, "c")
    _install(first, shared, link=True)
    _import(first)
    store = store_dir(tmp_path / "cache", "k")
    harvest(first, store, ["toylib"])
    time.sleep(0.01)
    os.utime(shared, (time.time() + 5, time.time() + 5))  # the copy gets another mtime
    _install(other, shared, link=False)
    os.utime(other / SITE / "toylib" / "mod.py", (time.time() - 100, time.time() - 100))
    assert plant(other, store) == 1
    trace = _import(other)
    assert "bytecode is stale" in trace  # python compiled the source again, as it should
    planted = other / SITE / "toylib" / "__pycache__" / f"mod.{sys.implementation.cache_tag}.pyc"
    stored = next(store.rglob("mod.*.pyc"))
    assert planted.stat().st_ino != stored.stat().st_ino  # rewritten beside, the store intact
    assert stored.read_bytes() != planted.read_bytes()


def test_nothing_to_plant_or_harvest_without_a_site_packages(tmp_path: Path):
    store = store_dir(tmp_path, "k")
    assert plant(tmp_path / "nowhere", store) == 0
    assert harvest(tmp_path / "nowhere", store, ["x"]) == 0


def _toy_venv(root: Path) -> Path:
    """A venv holding one distribution with a compiled module (what a warm-up leaves)."""
    venv = _venv(root, "warm")
    source = root / "mod.py"
    source.write_text("VALUE = 1\n")
    _install(venv, source, link=True)
    _import(venv)
    return venv


def _job(venv: Path, store: Path, log: Path) -> WarmupJob:
    return WarmupJob(venv, store, ("toylib",), identity(venv, ["toylib"]), {"PATH": ""}, log)


def test_a_warmup_that_passed_marks_the_store_warm(tmp_path: Path):
    venv = _toy_venv(tmp_path)
    store = store_dir(tmp_path / "cache", "k")
    seen: list[Command] = []

    def runner(command: Command) -> CommandResult:
        seen.append(command)
        return CommandResult(command, 0, "1 passed")

    assert warm_up(_job(venv, store, tmp_path / "warm.log"), runner) == 1
    (command,) = seen
    assert command.timeout == WARMUP_TIMEOUT_S  # a hanging warm-up cannot hold the runs
    assert {"--benchmark-only", "--benchmark-memory"} <= set(command.argv)
    assert command.env is not None
    assert "PYTHONDONTWRITEBYTECODE" not in command.env
    assert not command.cwd.exists()  # its suite's directory is removed
    assert is_warm(store, identity(venv, ["toylib"]))
    assert not is_warm(store, "another-extraction")


def test_a_failed_warmup_keeps_its_bytecode_but_not_the_mark(tmp_path: Path):
    venv = _toy_venv(tmp_path)
    store = store_dir(tmp_path / "cache", "k")

    def runner(command: Command) -> CommandResult:
        return CommandResult(command, 4, "ERROR: usage")

    assert warm_up(_job(venv, store, tmp_path / "warm.log"), runner) == 1
    assert list(store.rglob("mod.*.pyc"))  # valid for its source all the same
    assert not is_warm(store, identity(venv, ["toylib"]))


def test_only_the_real_runner_warms_up(tmp_path: Path):
    warmups = Warmups()
    lock = HarnessLock(tmp_path / "lock.txt", ("toylib==1.0",), "k")

    def runner(command: Command) -> CommandResult:
        raise AssertionError(command)

    venv = _toy_venv(tmp_path)
    cache = tmp_path / "cache"
    assert not warmups.start(lock, venv, cache=cache, env={}, logs=tmp_path, runner=runner)
    assert warmups.ready(venv, lock, cache) == 0  # nothing stored: nothing planted
    assert warmups.finish() == 1  # what the run compiled is kept, once, at the end
    assert warmups.finish() == 0
