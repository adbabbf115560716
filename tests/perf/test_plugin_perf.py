"""Plugin cost: one memory pass around a no-op, and --benchmark-memory on a 20-benchmark suite.

Targets: a no-op pass has a median <= 7 ms (memray's own floor here is about 6 ms); the
20-benchmark suite with short timing options costs <= 15 ms more per benchmark with
``--benchmark-memory`` at repeats=1, taken as the difference of the two suite runs measured
in this one benchmark session. Runs only with ``--benchmark-only`` (``nox -s perf``).
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pytest_benchmem.measure import measure_memory

ROUNDS = 9
N_BENCHMARKS = 20
SUITE_ARGS = (
    "-p",
    "no:cacheprovider",
    "--benchmark-min-rounds=1",
    "--benchmark-max-time=0",
    "--benchmark-quiet",
)
MEDIANS: dict[str, float] = {}
MINS: dict[str, float] = {}


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


def _noop() -> None:
    return None


def test_perf_memory_pass_around_a_noop(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "plugin: one memory pass"
    result = benchmark.pedantic(measure_memory, args=(_noop,), rounds=50, warmup_rounds=2)
    assert result.peak_bytes < 1024
    median_ms = benchmark.stats.stats.median * 1e3
    min_ms = benchmark.stats.stats.min * 1e3
    benchmark.extra_info["median_ms"] = round(median_ms, 2)
    print(
        f"\none memory pass around a no-op: median {median_ms:.2f} ms, min {min_ms:.2f} ms "
        "(target: median <= 7 ms)"
    )


SUITE = "\n".join(
    [
        "import pytest",
        "",
        "@pytest.mark.parametrize('i', range(%d))" % N_BENCHMARKS,  # noqa: UP031
        "def test_work(benchmark, i):",
        "    benchmark(sum, range(100))",
    ]
)


@pytest.mark.parametrize("variant", ["plain", "memory"])
def test_perf_suite_of_20(
    benchmark: BenchmarkFixture, pytester: pytest.Pytester, variant: str
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    extra = ("--benchmark-memory",) if variant == "memory" else ()

    def run() -> int:
        result = pytester.runpytest(*SUITE_ARGS, *extra)
        return result.parseoutcomes().get("passed", 0)

    run()  # warm: pytest-benchmark's timer precision, memray's first window
    benchmark.group = "plugin: 20-benchmark suite"
    passed = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    assert passed == N_BENCHMARKS
    MEDIANS[variant] = benchmark.stats.stats.median
    MINS[variant] = benchmark.stats.stats.min
    if {"plain", "memory"} <= MEDIANS.keys():
        per_bench_ms = (MEDIANS["memory"] - MEDIANS["plain"]) / N_BENCHMARKS * 1e3
        per_bench_min_ms = (MINS["memory"] - MINS["plain"]) / N_BENCHMARKS * 1e3
        benchmark.extra_info["overhead_per_benchmark_ms"] = round(per_bench_ms, 2)
        benchmark.extra_info["overhead_per_benchmark_ms_by_min"] = round(per_bench_min_ms, 2)
        print(
            f"\n20-benchmark suite (medians): plain {MEDIANS['plain'] * 1e3:.0f} ms, "
            f"--benchmark-memory {MEDIANS['memory'] * 1e3:.0f} ms; overhead "
            f"{per_bench_ms:.2f} ms per benchmark (target <= 15 ms); by the minimums "
            f"{per_bench_min_ms:.2f} ms"
        )
