"""Per-run start-up inside a swept venv: what our plugins add to pytest + pytest-benchmark.

Each round is a fresh ``python -m pytest --collect-only`` of a one-benchmark suite (the
plugins load, nothing runs), with bytecode written as the sweep lets it be in its venvs.
Three variants, in this one session:

- ``bare``: pytest and pytest-benchmark only (``-p no:benchmem``);
- ``ours``: our plugin plus the two in-run plugins a sweep loads in every run
  (``-p pytest_benchmem.inrun.machine -p pytest_benchmem.inrun.isolation``);
- ``before``: the same, plus ``-p pytest_benchmem.sweep.machine``, which imports the whole
  sweep package, as the in-run plugins did before they got their own light home.

Target: ours - bare <= 30 ms (medians). Runs only with ``--benchmark-only``.
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

ROUNDS = 7
#: other plugins of the perf venv (pytest-memray imports memray, hypothesis is heavy) are off:
#: a swept venv holds only the harness
OTHERS = ("-p", "no:memray", "-p", "no:hypothesispytest", "-p", "no:cov", "-p", "no:randomly")
ARGS = ("-p", "no:cacheprovider", *OTHERS, "--collect-only", "-q")
INRUN = ("-p", "pytest_benchmem.inrun.machine", "-p", "pytest_benchmem.inrun.isolation")
VARIANTS = {
    "bare": ("-p", "no:benchmem"),
    "ours": INRUN,
    "before": (*INRUN, "-p", "pytest_benchmem.sweep.machine"),
}
MEDIANS: dict[str, float] = {}


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_perf_run_startup(
    benchmark: BenchmarkFixture,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    variant: str,
) -> None:
    # as inside a swept venv: bytecode is written once (the warm-up round), then reused
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    pytester.makepyfile(test_one="def test_one(benchmark):\n    benchmark(sum, range(9))\n")

    def run() -> int:
        result = pytester.runpytest_subprocess(*ARGS, *VARIANTS[variant])
        return result.ret

    benchmark.group = "start-up of one run (collect only)"
    ret = benchmark.pedantic(run, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert ret == 0
    MEDIANS[variant] = benchmark.stats.stats.median
    if "bare" in MEDIANS and variant != "bare":
        added_ms = (MEDIANS[variant] - MEDIANS["bare"]) * 1e3
        benchmark.extra_info["added_ms"] = round(added_ms, 1)
        target = " (target <= 30 ms)" if variant == "ours" else ""
        print(
            f"\nrun start-up, {variant}: {MEDIANS[variant] * 1e3:.0f} ms, bare pytest + "
            f"pytest-benchmark {MEDIANS['bare'] * 1e3:.0f} ms: +{added_ms:.0f} ms{target}"
        )
