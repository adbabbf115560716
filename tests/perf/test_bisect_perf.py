"""Bisect cost vs a two-version sweep of the same suite, measured in one benchmark run.

The bisect of toypkg 1.0 … 8.0 (5.0 regresses, 6.0's wheel is broken) probes five releases;
the target is <= 3x the time of sweeping just 1.0 and 8.0. Both start from an empty venv cache
(uv's own download cache stays warm), so each pays for its provisioning. Runs only with
``--benchmark-only`` (``nox -s perf``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pytest_benchmem.sweep import run_targets
from pytest_benchmem.sweep.bisect_runner import Request, run_bisect
from pytest_benchmem.sweep.model import SweepOptions
from toywheels import MB, build_broken_wheel, build_toy_index, write_toy_suite

ROUNDS = 3
FAST = ("--benchmark-min-rounds=1", "--benchmark-max-time=0")
MEDIANS: dict[str, float] = {}


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bisect-perf")
    sizes = {f"{i}.0": (6 if i >= 5 else 1) * MB for i in range(1, 9) if i != 6}
    build_toy_index(root / "wheels", sizes)
    build_broken_wheel(root / "wheels", "toypkg", "6.0")
    write_toy_suite(root / "suite")
    return root


def _fresh(project: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> SweepOptions:
    """Options for one round: its own out dir and an empty venv cache."""
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(project / f"{name}-cache"))
    return SweepOptions(
        suite=project / "suite",
        out=project / f"{name}-out",
        find_links=(str(project / "wheels"),),
        pytest_args=FAST,
        jobs=2,
        resume=True,
    )


def test_perf_two_version_sweep(
    benchmark: BenchmarkFixture, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = itertools.count()

    def setup() -> tuple[tuple[SweepOptions], dict[str, object]]:
        return (_fresh(project, f"sweep{next(counter)}", monkeypatch),), {}

    def two_versions(options: SweepOptions) -> int:
        results = run_targets(["toypkg==1.0", "toypkg==8.0"], options)
        return sum(r.ok for r in results)

    benchmark.group = "bisect vs sweep"
    ok = benchmark.pedantic(two_versions, setup=setup, rounds=ROUNDS, iterations=1)
    assert ok == 2
    MEDIANS["sweep"] = benchmark.stats.stats.median


def test_perf_bisect_1_to_8(
    benchmark: BenchmarkFixture, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = itertools.count()

    def setup() -> tuple[tuple[SweepOptions], dict[str, object]]:
        return (_fresh(project, f"bisect{next(counter)}", monkeypatch),), {}

    def search(options: SweepOptions) -> tuple[str | None, int]:
        outcome, _, _ = run_bisect(Request("toypkg", "1.0", "8.0"), options)
        return outcome.first_bad, len(outcome.probes)

    benchmark.group = "bisect vs sweep"
    first_bad, probes = benchmark.pedantic(search, setup=setup, rounds=ROUNDS, iterations=1)
    assert (first_bad, probes) == ("5.0", 5)
    median = benchmark.stats.stats.median
    if "sweep" in MEDIANS:
        ratio = median / MEDIANS["sweep"]
        benchmark.extra_info["ratio_vs_two_version_sweep"] = round(ratio, 2)
        print(
            f"\nbisect 1.0..8.0 (5 probes): {median:.2f} s; two-version sweep: "
            f"{MEDIANS['sweep']:.2f} s; ratio {ratio:.2f}x (target <= 3x)"
        )
