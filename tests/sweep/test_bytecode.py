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

from pytest_benchmem.sweep.bytecode import harvest, plant, store_dir

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
