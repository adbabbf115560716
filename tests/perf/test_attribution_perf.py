"""Attribution cost: diffing two captures of ~100k live allocations, and keeping a capture.

Targets (issue 10): ``attribution.diff_captures`` on two captures with about 100k allocations
live at the peak each takes <= 2 s; keeping a capture (moving the measured pass's file into
the profile directory) costs <= 5 % of the memory pass it comes from. Both are reported as
figures and ratios measured in this run: the diff against memray reading the same two files'
high-water-mark records (its floor), the keep against the same pass without keeping. Runs only
with ``--benchmark-only`` (``nox -s perf``); no wall time is asserted.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pytest_benchmem import attribution
from pytest_benchmem.captures import CaptureKeeper
from pytest_benchmem.measure import Keep, run_passes

LIVE = 100_000


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


def _objects(n: int, size: int) -> list[bytearray]:
    return [bytearray(size) for _ in range(n)]


def _capture(path: Path, n: int, size: int) -> Path:
    run_passes(
        lambda: lambda: _objects(n, size),
        trace_python_allocators=True,
        keep=Keep(lambda p: shutil.copyfile(p, path)),
    )
    return path


def _memray_floor(a: Path, b: Path) -> float:
    from memray import FileReader

    start = time.perf_counter()
    for path in (a, b):
        list(FileReader(str(path)).get_high_watermark_allocation_records(merge_threads=True))
    return time.perf_counter() - start


def test_perf_diff_two_captures_of_100k_live(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    # each bytearray is two tracked allocations (the object and its buffer)
    a = _capture(tmp_path / "a.bin", LIVE // 2, 64)
    b = _capture(tmp_path / "b.bin", LIVE // 2, 96)
    benchmark.group = "attribution: diff of two 100k-live captures"
    diff = benchmark.pedantic(attribution.diff_captures, args=(a, b), rounds=3, iterations=1)
    assert diff.sum_delta == diff.peak_delta
    live = sum(alloc.count for alloc in attribution.load_profile(b).allocations)
    assert live >= LIVE
    median = benchmark.stats.stats.median
    floor = statistics.median(_memray_floor(a, b) for _ in range(3))
    benchmark.extra_info.update(
        {"live_allocations": live, "target_s": 2.0, "median_s": round(median, 3),
         "memray_floor_s": round(floor, 3), "ratio_to_memray_floor": round(median / floor, 2)}
    )  # fmt: skip
    print(
        f"\ndiff of two captures with {live:,} live allocations: median {median:.2f} s "
        f"(target <= 2 s); memray reading the same records: {floor:.2f} s "
        f"(ratio {median / floor:.2f})"
    )


def _pass(tmp_path: Path, keep: bool) -> float:
    keeper = CaptureKeeper(tmp_path / "caps")
    start = time.perf_counter()
    run_passes(
        lambda: lambda: _objects(20_000, 64),
        trace_python_allocators=True,
        keep=keeper.keep_for("t.py::test_x") if keep else None,
    )
    return time.perf_counter() - start


def test_perf_keeping_a_capture_vs_the_memory_pass(
    benchmark: BenchmarkFixture, tmp_path: Path
) -> None:
    keeper = CaptureKeeper(tmp_path / "caps")
    stored: list[float] = []

    plain: list[float] = []
    kept: list[float] = []
    for _ in range(9):  # interleaved, so drift of a loaded machine hits both alike
        plain.append(_pass(tmp_path, keep=False))
        kept.append(_pass(tmp_path, keep=True))
    source = tmp_path / "src.bin"
    run_passes(
        lambda: lambda: _objects(20_000, 64),
        trace_python_allocators=True,
        keep=Keep(lambda p: shutil.copyfile(p, source)),
    )

    # the pass writes to tmpfs when there is one: keeping it is then a copy to disk
    shm = Path("/dev/shm")
    stage_dir = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else tmp_path))

    def keep_once() -> None:
        staged = stage_dir / "staged.bin"
        shutil.copyfile(source, staged)  # what the pass leaves in its temp dir
        start = time.perf_counter()
        keeper.store("t.py::test_x", str(staged))
        stored.append(time.perf_counter() - start)

    benchmark.group = "attribution: keeping a capture"
    try:
        benchmark.pedantic(keep_once, rounds=15, iterations=1)
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    pass_s = statistics.median(plain)
    keep_s = statistics.median(stored)
    ratio = keep_s / pass_s
    benchmark.extra_info.update(
        {"pass_s": round(pass_s, 4), "keep_s": round(keep_s, 5), "keep_over_pass": round(ratio, 4),
         "pass_with_keep_over_pass": round(statistics.median(kept) / pass_s, 3), "target": 0.05,
         "capture_bytes": source.stat().st_size}
    )  # fmt: skip
    print(
        f"\nkeeping a {source.stat().st_size:,} B capture: {keep_s * 1e3:.2f} ms = "
        f"{ratio:.1%} of the memory pass ({pass_s * 1e3:.1f} ms; target <= 5%); "
        f"pass with keep / without: {statistics.median(kept) / pass_s:.3f}"
    )
