"""The harness bytecode is compiled once per lock while the sweep provisions (real uv venvs).

On the driver's own interpreter the driver's compiled harness seeds the first new venv of a
lock; elsewhere a warm-up pytest run there compiles what a suite run imports. Either fills
the bytecode store before any suite runs; the runs get it planted and compile nothing
of the harness; a later sweep with the same lock and sources runs no warm-up. Two sweeps
sharing one cache leave a store whose every file is valid for its source.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import toywheels
from pytest_benchmem.sweep import SweepOptions, warmup
from pytest_benchmem.sweep.bytecode import WARM_MARKER, site_packages
from pytest_benchmem.sweep.harnesslock import HarnessLock
from pytest_benchmem.sweep.pipeline import run_targets
from pytest_benchmem.sweep.process import Command, CommandResult, SubprocessRunner
from pytest_benchmem.sweep.warmup import harness_names

pytestmark = pytest.mark.e2e

FAST = ("--benchmark-min-rounds=1", "--benchmark-max-time=0")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    return toywheels.build_toy_index(folder, {"1.0": 1000, "2.0": 2000})


@dataclass
class Watching(SubprocessRunner):
    """The real runner, noting before each suite run which harness ``.pyc`` files the store has."""

    cache: Path = Path()
    before_runs: list[list[str]] = field(default_factory=list)

    def __call__(self, command: Command) -> CommandResult:
        if command.step == "run":
            stored = (self.cache / "bytecode").rglob("_pytest/__pycache__/main.*.pyc")
            self.before_runs.append(sorted(p.name for p in stored))
        return super().__call__(command)


def _sweep(suite: Path, wheels: Path, out: Path, cache: Path, *, fresh: bool = False) -> Watching:
    runner = Watching(cache=cache)
    options = SweepOptions(
        suite=suite, out=out, find_links=(str(wheels),), pytest_args=FAST, fresh=fresh
    )
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], options, runner=runner)
    assert [r.status.value for r in results] == ["ok", "ok"], [r.reason for r in results]
    return runner


def _venvs(out: Path) -> list[Path]:
    runs = [json.loads((out / f"{v}.json").read_text()) for v in ("1.0", "2.0")]
    return [Path(r["benchmem"]["harness"]["path"]).parents[3] for r in runs]


def _lock(out: Path) -> HarnessLock:
    (entry,) = json.loads((out / "sweep.json").read_text())["harness"]["locked"]
    key = Path(entry["file"]).stem.removeprefix("lock-")
    return HarnessLock(Path(entry["file"]), tuple(entry["requirements"]), key)


def _harness_pycs(venv: Path, lock: HarnessLock) -> list[Path]:
    """The ``.pyc`` files of the lock's distributions in ``venv`` (by their RECORD's folders)."""
    site = site_packages(venv)
    assert site is not None
    tops = set()
    for info in site.glob("*.dist-info"):
        name = info.name[: -len(".dist-info")].rpartition("-")[0].replace("_", "-").lower()
        if name in harness_names(lock):
            for line in (info / "RECORD").read_text().splitlines():
                path = line.partition(",")[0]
                if path.endswith(".py") and "/" in path:
                    tops.add(path.split("/")[0])
    return sorted(p for top in tops for p in (site / top).rglob("*.pyc"))


def _valid(pyc: Path, source: Path) -> bool:
    """The check Python (and pytest's rewrite cache) makes: magic, then the source's mtime
    and size (a timestamp ``.pyc``) or its hash (a checked hash-based one, as pytest writes)."""
    head = pyc.read_bytes()[:16]
    if head[:4] != importlib.util.MAGIC_NUMBER:
        return False
    flags = int.from_bytes(head[4:8], "little")
    if flags & 1:
        return head[8:16] == importlib.util.source_hash(source.read_bytes())[:8]
    st = source.stat()
    return (
        flags == 0
        and int.from_bytes(head[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF
    )


def _source_of(pyc: Path) -> Path:
    return pyc.parent.parent / (pyc.name.partition(".")[0] + ".py")


def test_the_first_sweep_compiles_the_harness_before_any_run(
    wheels: Path,
    suite_dir: Path,
    tmp_path: Path,
    sweep_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    # the warm-up run: where the driver's own bytecode cannot seed the venv (another
    # interpreter, or a driver whose harness was never compiled)
    monkeypatch.setattr(warmup, "seed", lambda *args, **kwargs: 0)
    out = tmp_path / "out"
    runner = _sweep(suite_dir, wheels, out, sweep_cache)
    # pytest's main module was in the store before the first suite run started
    assert runner.before_runs[0], "the store was empty when the first run started"
    (warm,) = (out / "logs").glob("harness-warmup-*.log")
    assert "# exit code: 0" in warm.read_text()
    assert "--benchmark-memory" in warm.read_text().splitlines()[0]
    lock = _lock(out)
    store = sweep_cache / "bytecode" / lock.key
    assert json.loads((store / WARM_MARKER).read_text())["files"] > 50
    stored = list(store.rglob("*.pyc"))
    assert any(".pyc" in p.name and "-pytest-" in p.name for p in stored)  # rewritten plugins
    assert not [p for p in stored if p.name.startswith(".")]  # no temporary file left
    first, second = _venvs(out)
    for venv in (first, second):
        site = site_packages(venv)
        assert site is not None
        pycs = _harness_pycs(venv, lock)
        assert pycs
        for pyc in pycs:
            kept = store / pyc.relative_to(site)
            # compiled by the warm-up (the store links it) or planted from the store: a file
            # the run compiled would be a new one, not in the store
            assert kept.is_file(), f"{pyc} was compiled by a run"
            if pyc.stat().st_ino != kept.stat().st_ino:  # uv copied the source: recompiled
                assert not _valid(kept, _source_of(pyc))
            assert _valid(pyc, _source_of(pyc))


def _compiled_driver_site(root: Path) -> Path:
    """A copy of the driver's harness sources (the run's distributions), compiled: the
    driver's site-packages as a pip install leaves it (whatever this test venv holds)."""
    import compileall
    import importlib.metadata as md
    import shutil

    import pytest_benchmem

    site = root / "driver-site"
    for name in warmup.RUN_DISTS - {"pytest-benchmem"}:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        for file in dist.files or ():
            if file.suffix == ".py" and not str(file).startswith(".."):
                dest = site / str(file)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(str(dist.locate_file(file))), dest)
    ours = Path(pytest_benchmem.__file__).parent
    shutil.copytree(ours, site / "pytest_benchmem", ignore=shutil.ignore_patterns("__pycache__"))
    assert compileall.compile_dir(site, quiet=1)
    return site


def test_on_the_drivers_interpreter_the_drivers_bytecode_seeds_the_store_before_any_run(
    wheels: Path,
    suite_dir: Path,
    tmp_path: Path,
    sweep_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    """No warm-up run: the driver's compiled harness (same sources) is stamped for each venv."""
    site_of_driver = _compiled_driver_site(tmp_path)
    monkeypatch.setattr(warmup, "driver_sites", lambda names: (str(site_of_driver),))
    out = tmp_path / "out"
    runner = _sweep(suite_dir, wheels, out, sweep_cache)
    assert runner.before_runs[0], "the store was empty when the first run started"
    assert not list((out / "logs").glob("harness-warmup-*.log"))  # no pytest warm-up run
    lock = _lock(out)
    store = sweep_cache / "bytecode" / lock.key
    assert json.loads((store / WARM_MARKER).read_text())["files"] > 50
    driver_main = site_of_driver / "_pytest" / "main.py"
    ours = Path(importlib.util.cache_from_source(str(driver_main))).read_bytes()
    for venv in _venvs(out):
        site = site_packages(venv)
        assert site is not None
        main = Path(importlib.util.cache_from_source(str(site / "_pytest" / "main.py")))
        assert main.read_bytes()[16:] == ours[16:]  # the driver's code, not compiled again
        for pyc in _harness_pycs(venv, lock):
            assert _valid(pyc, _source_of(pyc)), pyc


def test_a_later_sweep_with_the_same_lock_runs_no_warmup(
    wheels: Path,
    suite_dir: Path,
    tmp_path: Path,
    sweep_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    # a driver whose bytecode lacks a module every run imports: the first sweep's runs
    # compile it, and the sweep keeps it after its last run, so later sweeps compile nothing
    site_of_driver = _compiled_driver_site(tmp_path)
    for pyc in (site_of_driver / "_pytest" / "__pycache__").glob("main.*.pyc"):
        pyc.unlink()
    monkeypatch.setattr(warmup, "driver_sites", lambda names: (str(site_of_driver),))
    _sweep(suite_dir, wheels, tmp_path / "a", sweep_cache)
    runner = _sweep(suite_dir, wheels, tmp_path / "b", sweep_cache, fresh=True)
    assert not list((tmp_path / "b" / "logs").glob("harness-warmup-*.log"))
    assert runner.before_runs[0]  # planted from the store kept by the first sweep
    lock = _lock(tmp_path / "b")
    store = sweep_cache / "bytecode" / lock.key
    for venv in _venvs(tmp_path / "b"):
        site = site_packages(venv)
        assert site is not None
        for pyc in _harness_pycs(venv, lock):
            kept = store / pyc.relative_to(site)
            assert kept.is_file(), f"{pyc} was compiled by a run"


def test_two_sweeps_sharing_a_cache_leave_a_valid_store(
    wheels: Path, suite_dir: Path, tmp_path: Path, sweep_cache: Path
):
    script = "import sys\nfrom pytest_benchmem.cli import main\nmain(sys.argv[1:])\n"
    (tmp_path / "run_cli.py").write_text(script)
    procs = []
    for name in ("a", "b"):
        args = [sys.executable, str(tmp_path / "run_cli.py"), "sweep", "toypkg==1.0"]
        args += ["toypkg==2.0", "--suite", str(suite_dir), "--find-links", str(wheels)]
        args += ["--out", str(tmp_path / name), *(f"--pytest-arg={a}" for a in FAST)]
        args.append("--fresh")  # each builds its own venvs: two warm-ups fill one store
        env = dict(os.environ, BENCHMEM_CACHE_DIR=str(sweep_cache))
        procs.append(subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    (store,) = (sweep_cache / "bytecode").iterdir()
    venvs = _venvs(tmp_path / "a")
    site = site_packages(venvs[0])
    assert site is not None
    stored = list(store.rglob("*.pyc"))
    assert len(stored) > 50
    assert not [p for p in store.rglob("*") if p.name.endswith(".tmp")]
    for pyc in stored:
        source = site / _source_of(pyc).relative_to(store)
        assert _valid(pyc, source), pyc
