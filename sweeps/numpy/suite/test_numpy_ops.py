"""numpy operations whose temporaries are native allocations (the numpy ready sweep).

Every benchmark builds its input once (outside the measured call) and measures one
operation: its peak is the output plus whatever temporaries that numpy release allocates.
"""

from __future__ import annotations

import numpy as np
import pytest

SIZES = [100_000, 1_000_000]


@pytest.fixture(params=SIZES, ids=lambda n: f"n={n}")
def data(request):
    rng = np.random.default_rng(12345)
    return rng.integers(0, request.param // 10, size=request.param).astype(np.float64)


def test_sort(benchmark, data):
    result = benchmark(np.sort, data)
    assert result.shape == data.shape


def test_unique(benchmark, data):
    result = benchmark(np.unique, data)
    assert result.size <= data.size


def test_median(benchmark, data):
    result = benchmark(np.median, data)
    assert np.isfinite(result)


def test_histogram(benchmark, data):
    counts, _ = benchmark(np.histogram, data, bins=256)
    assert counts.sum() == data.size


def test_outer_reduce(benchmark, data):
    head = data[:2_000]
    result = benchmark(lambda: np.add.outer(head, head).sum(axis=0))
    assert result.shape == head.shape
