"""A two-module suite for the pivot / where / group-by / extra / multi-metric tests (and a
scaling module for the plot axis tests), and a helper that runs it with the real plugin
(pytest + memray) into JSON files.

``test_sum`` is parametrized by ``impl`` (``py``, ``c``: ``c`` allocates twice as much) and
``n``; ``test_plain`` and ``TestK::test_k`` have no ``impl``; ``test_b.py::test_b`` has an
``impl`` but the same size for both. ``rows`` is a numeric ``extra_info`` value.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MODULE_A = """
import os, pytest

SCALE = int(os.environ.get("BENCH_SCALE", "1"))
SIZES = {"py": 1_000_000, "c": 2_000_000}


@pytest.mark.parametrize("impl", ["py", "c"])
@pytest.mark.parametrize("n", [1, 2])
def test_sum(benchmark, impl, n):
    benchmark.extra_info["rows"] = n * 1000 * SCALE
    benchmark(bytearray, SIZES[impl] * n * SCALE)


def test_plain(benchmark):
    benchmark.extra_info["rows"] = 5
    benchmark(bytearray, 100_000)


class TestK:
    @pytest.mark.parametrize("n", [1, 2])
    def test_k(self, benchmark, n):
        benchmark(bytearray, 300_000 * n)
"""

MODULE_B = """
import pytest


@pytest.mark.benchmark(group="bee")
@pytest.mark.parametrize("impl", ["py", "c"])
def test_b(benchmark, impl):
    benchmark.extra_info["note"] = "text"
    benchmark(bytearray, 500_000)
"""

MODULE_GROW = """
import itertools, pytest

_calls = itertools.count()
MIB = 1024 * 1024


@pytest.mark.parametrize("impl", ["py", "c"])
@pytest.mark.parametrize("mib", [1, 3, 10, 30])
def test_grow(benchmark, impl, mib):
    factor = 2 if impl == "py" else 1

    def build():
        # consecutive calls differ by up to 40%: the memory passes have a spread
        return bytearray(int(mib * MIB * factor * (1 + (next(_calls) % 3) * 0.2)))

    benchmark(build)


def test_tiny(benchmark):
    benchmark(bytearray, 1000)
"""

FAST = ["--benchmark-max-time=0", "--benchmark-min-rounds=1", "--benchmark-warmup=off"]


def run_suite(
    root: Path, plans: dict[str, str], *, grow: bool = False, flags: tuple[str, ...] = ()
) -> dict[str, Path]:
    """Write the suite under ``root`` and run it once per ``name -> BENCH_SCALE`` (in parallel).

    ``grow`` runs ``test_grow.py`` (``MODULE_GROW``) instead of the two shape modules.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "test_a.py").write_text(MODULE_A)
    (root / "test_b.py").write_text(MODULE_B)
    (root / "test_grow.py").write_text(MODULE_GROW)
    files = ["test_grow.py"] if grow else ["test_a.py", "test_b.py"]
    procs = {}
    for name, scale in plans.items():
        target = root / f"{name}.json"
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
        argv += [*files, *FAST, "--benchmark-memory", *flags]
        argv += [f"--benchmark-json={target}", f"--benchmark-memory-label={name}"]
        env = {**os.environ, "BENCH_SCALE": scale}
        procs[name] = (target, subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.PIPE))
    paths = {}
    for name, (target, proc) in procs.items():
        stdout, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, stdout.decode()
        paths[name] = target
    return paths
