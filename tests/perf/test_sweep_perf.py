"""Sweep performance: a two-version toy sweep, fresh and with reused venvs, vs the by-hand loop.

Two toy versions, one benchmark each, ``--benchmark-min-rounds=1 --benchmark-max-time=0``,
warm uv cache. The by-hand loop provisions a fresh venv per version one after another
(uv venv + one uv pip install of the target and the harness at the driver's pytest,
pytest-benchmark and memray versions, as the sweep pins them) and runs pytest in each.
The sweeps: ``fresh`` starts from an empty sweep cache (only the machine probe kept: it is
once per machine), so it resolves the harness and compiles its bytecode once (the warm-up
run, beside provisioning: ``sweep/warmup.py``); ``--fresh`` rebuilds the venvs in a cache
kept from an earlier sweep (harness bytecode kept and planted, no warm-up, the lock resolved
again); ``reused`` runs again in the venvs of an earlier sweep. One round runs all
four one after another, so load that comes and goes on a shared machine hits each alike;
the best of the rounds is each one's figure, printed as a ratio to the by-hand loop
(targets: first sweep <= 0.5x, repeat <= 0.25x).
Runs only with ``--benchmark-only``:
``python -m pytest tests/perf/test_sweep_perf.py --benchmark-only -s`` (or ``nox -s perf``).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import toywheels
from pytest_benchmem.cli import main
from pytest_benchmem.sweep.harness import build_harness, driver_pins
from pytest_benchmem.sweep.machine import cpuinfo_path, probe
from pytest_benchmem.sweep.venv import uv_bin

pytestmark = pytest.mark.e2e

VERSIONS = ("1.0", "2.0")
FAST = ("--benchmark-min-rounds=1", "--benchmark-max-time=0")
ROUNDS = 3


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


@pytest.fixture(scope="module")
def setup_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sweep-perf")
    wheels = toywheels.build_toy_index(root / "wheels", {"1.0": 1_000_000, "2.0": 10_000_000})
    suite = toywheels.write_toy_suite(root / "suite")
    cpu = root / "machine.json"
    probe(cpu)
    return {"root": root, "wheels": wheels, "suite": suite, "cpu": cpu}


def _cache(dirs: dict[str, Path], name: str) -> Path:
    """A sweep cache whose machine probe is already done (it is once per machine)."""
    cache = dirs["root"] / name
    if cache.exists():
        shutil.rmtree(cache)
    target = cpuinfo_path(cache)
    target.parent.mkdir(parents=True)
    shutil.copy(dirs["cpu"], target)
    return cache


def _sweep(dirs: dict[str, Path], cache: Path, out: Path, *extra: str) -> None:
    args = ["sweep", *(f"toypkg=={v}" for v in VERSIONS), "--suite", str(dirs["suite"])]
    args += ["--find-links", str(dirs["wheels"]), "--out", str(out), *extra]
    args += [f"--pytest-arg={a}" for a in FAST]
    os.environ["BENCHMEM_CACHE_DIR"] = str(cache)
    sink = io.StringIO()
    code: int | str | None = None
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    assert code == 0, sink.getvalue()


def _naive(dirs: dict[str, Path], wheel: Path, pins: tuple[str, ...]) -> None:
    """One fresh venv per version, one after another: the by-hand loop."""
    uv = uv_bin()
    env = {k: v for k, v in os.environ.items() if k not in ("BENCHMEM_CACHE_DIR", "PYTHONPATH")}
    for version in VERSIONS:
        venv = dirs["root"] / "naive" / version
        if venv.exists():
            shutil.rmtree(venv)
        subprocess.run(
            [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env
        )
        python = str(venv / "bin" / "python")
        install = [uv, "pip", "install", "-q", "--python", python]
        install += ["--find-links", str(dirs["wheels"]), f"toypkg=={version}", str(wheel), *pins]
        subprocess.run(install, check=True, env=env)
        out = dirs["root"] / "naive" / f"{version}.json"
        run = [python, "-m", "pytest", str(dirs["suite"]), "-q", "--benchmark-only"]
        run += [f"--benchmark-json={out}", "--benchmark-memory", *FAST]
        subprocess.run(run, check=True, env=env, cwd=dirs["root"], stdout=subprocess.DEVNULL)


def _timed(times: dict[str, list[float]], name: str, call: Callable[[], None]) -> None:
    start = time.perf_counter()
    call()
    times.setdefault(name, []).append(time.perf_counter() - start)


def test_sweep_vs_by_hand_loop(benchmark, setup_dirs, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """By-hand loop (harness pinned to the driver's versions), fresh, --fresh, reused."""
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", "")
    root = setup_dirs["root"]
    wheel = build_harness(tmp_path).wheel
    pins = driver_pins()
    kept, reused = _cache(setup_dirs, "kept"), _cache(setup_dirs, "reused")
    _naive(setup_dirs, wheel, pins)  # warm uv's cache for everything, as for a user who swept
    _sweep(setup_dirs, _cache(setup_dirs, "warm"), root / "warm-out")
    _sweep(setup_dirs, kept, root / "kept-out")
    _sweep(setup_dirs, reused, root / "reused-out")
    times: dict[str, list[float]] = {}

    def one_round() -> None:
        _timed(times, "by-hand", lambda: _naive(setup_dirs, wheel, pins))
        fresh = _cache(setup_dirs, "fresh")
        _timed(times, "fresh", lambda: _sweep(setup_dirs, fresh, root / "out"))
        _timed(times, "--fresh", lambda: _sweep(setup_dirs, kept, root / "kept-out", "--fresh"))
        _timed(times, "reused", lambda: _sweep(setup_dirs, reused, root / "reused-out"))

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    best = {name: min(values) for name, values in times.items()}
    naive = best["by-hand"]
    for name, value in best.items():
        benchmark.extra_info[f"{name}_min_s"] = round(value, 3)
        benchmark.extra_info[f"{name}_ratio"] = round(value / naive, 3)
    ratios = ", ".join(
        f"{name} {best[name]:.2f} s = {best[name] / naive:.2f}x"
        for name in ("fresh", "--fresh", "reused")
    )
    print(
        f"\nsweep perf: by-hand loop {naive:.2f} s (harness pinned); sweep/by-hand, best of "
        f"{ROUNDS} interleaved rounds: {ratios} (targets: first sweep <= 0.5x, repeat <= 0.25x)"
    )
