"""The --benchmark-memory patch checks pytest-benchmark's fixture class before using it."""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pytest_benchmem.fixture import check_patchable


def test_real_fixture_class_is_patchable():
    assert check_patchable(BenchmarkFixture) is None


def test_missing_or_changed_pedantic_is_reported():
    class NoPedantic:
        def __call__(self):
            return None

    class OldPedantic:
        def __call__(self):
            return None

        def pedantic(self, target, args=(), kwargs=None):
            return None

    assert "has no callable __call__/pedantic" in check_patchable(NoPedantic)
    reason = check_patchable(OldPedantic)
    assert reason is not None
    assert (
        "OldPedantic.pedantic has no parameter(s) setup, rounds, warmup_rounds, iterations"
        in reason
    )


def test_changed_pytest_benchmark_stops_the_flag_at_startup(pytester: pytest.Pytester):
    pytester.makeconftest(
        """
        from pytest_benchmark.fixture import BenchmarkFixture

        def pedantic(self, target, args=(), kwargs=None):
            return target(*args, **(kwargs or {}))

        BenchmarkFixture.pedantic = pedantic
        """
    )
    pytester.makepyfile("def test_one(benchmark):\n    benchmark(len, 'x')\n")
    # a subprocess: the conftest changes pytest-benchmark's class for its whole process
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-memory")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = (
        "ERROR: --benchmark-memory cannot patch this pytest-benchmark (BenchmarkFixture."
        "pedantic has no parameter(s) setup, rounds, warmup_rounds, iterations); use the "
        "benchmark_memory fixture instead"
    )
    result.stderr.fnmatch_lines([expected])
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-disable")
    plain.assert_outcomes(passed=1)
