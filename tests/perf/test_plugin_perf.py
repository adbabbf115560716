"""Plugin cost: one memory pass around a no-op, the 20-benchmark overhead suite, fixed cost.

The overhead suite is 20 benchmarks (``list(range(n))`` and ``sorted`` of a reversed list,
n = 1k ... 512k) with ``--benchmark-min-rounds=1 --benchmark-max-time=0``. Figures, each a
ratio or a difference of runs measured in this one benchmark session:

- exact mode (the default: Python objects traced one by one) / plain: target <= 1.5x;
- fast (arena) mode (``--benchmark-memory-mode=fast``) / plain: target <= 1.25x;
- the same exact suite with the engine's earlier primings, kept reachable only here: a
  discarded arena-mode memray window per benchmark (round 2's), and a discarded *traced*
  pass (round 1's): the "before" figures;
- fixed cost of enabling memory for a one-benchmark suite, fresh processes (so memray's
  import is in it): target <= 60 ms; "before": memray imported with rich
  (``BENCHMEM_MEMRAY_PLAIN_IMPORT=1``);
- memray's floor: what one empty memray window costs in this process (its symbol patching);
  and the whole suite with the plugin's memory pass replaced by memray alone (one bare
  ``Tracker`` window and memray's own statistics read per benchmark, in each mode): what any
  memray-based pass giving the same figures pays, so the plugin's own share is the
  difference.

Each ratio is printed twice: of wall-time medians, and of CPU-time medians (this process's
CPU for in-process runs, the children's for fresh processes), which a busy machine
disturbs less.

Runs only with ``--benchmark-only`` (``nox -s perf``). Nothing here asserts a wall time.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import pytest_benchmem.fixture as fixture
import pytest_benchmem.measure as engine
from pytest_benchmem import window
from pytest_benchmem.measure import MemoryResult, measure_memory

ROUNDS = 5
N_BENCHMARKS = 20
SUITE_ARGS = (
    "-p",
    "no:cacheprovider",
    "--benchmark-min-rounds=1",
    "--benchmark-max-time=0",
    "--benchmark-quiet",
)
#: the exact mode (the default) and the fast (arena) mode of the memory pass
EXACT = ("--benchmark-memory",)
FAST = ("--benchmark-memory", "--benchmark-memory-mode=fast")
#: the perf venv's other plugins are off in fresh processes (pytest-memray imports memray
#: at start-up, which would hide memray's import from the fixed cost)
OTHERS = ("-p", "no:memray", "-p", "no:hypothesispytest", "-p", "no:cov", "-p", "no:randomly")
MEDIANS: dict[str, float] = {}
CPU: dict[str, float] = {}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


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
    print(f"\none memory pass around a no-op: median {median_ms:.2f} ms, min {min_ms:.2f} ms")


SUITE = """
import pytest

SIZES = [1_000 * 2**k for k in range(10)]  # 1k ... 512k

@pytest.mark.parametrize("n", SIZES)
def test_list(benchmark, n):
    benchmark(lambda: list(range(n)))

@pytest.mark.parametrize("n", SIZES)
def test_sorted(benchmark, n):
    data = list(range(n, 0, -1))
    benchmark(sorted, data)
"""


def _memray_alone(
    prepare: Callable[[], Callable[[], object]],
    repeats: int | str = 1,
    *,
    trace_python_allocators: bool = True,
    **_: object,
) -> MemoryResult:
    """memray's floor for one memory pass: one bare Tracker window around the action, read
    with memray's own statistics; none of the engine's work (no priming, no settled heap, no
    tare, no private dir). What any memray-based pass of the same figures must pay."""
    from memray._memray import compute_statistics

    from pytest_benchmem.memlib import load

    memray = load()
    path = str(Path(window.capture_dir()) / "alone.bin")
    action = prepare()
    with memray.Tracker(path, trace_python_allocators=trace_python_allocators):
        action()
    stats = compute_statistics(path, num_largest=1)
    Path(path).unlink()
    Path(path).parent.rmdir()
    peak, count = int(stats.peak_memory_allocated), int(stats.total_num_allocations)
    return MemoryResult.from_passes([(peak, count, int(stats.total_memory_allocated))])


def _traced_discard(directory: str, action: Callable[[], object]) -> None:
    """Round 1's priming: a discarded pass of the action, traced like the kept one."""
    throwaway = str(Path(directory) / "discard.bin")
    window.track(throwaway, action, python_allocators=True)
    Path(throwaway).unlink(missing_ok=True)


VARIANTS = {
    "plain": (),
    "exact": EXACT,
    "exact, before (memray-window priming)": EXACT,
    "exact, round 1 (traced discard)": EXACT,
    "fast (arena)": FAST,
    "exact, memray alone": EXACT,
    "fast, memray alone": FAST,
}
PRIMINGS = {
    "exact, before (memray-window priming)": window.arena_prime,
    "exact, round 1 (traced discard)": _traced_discard,
}
TARGETS = {"exact": " (target <= 1.5x)", "fast (arena)": " (target <= 1.25x)"}
#: memray's floor: the plugin's own memory pass replaced by a bare memray window and read
FLOORS = ("exact, memray alone", "fast, memray alone")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_perf_suite_of_20(
    benchmark: BenchmarkFixture,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    variant: str,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    if variant in PRIMINGS:
        monkeypatch.setattr(engine, "prime", PRIMINGS[variant])
    if variant in FLOORS:
        monkeypatch.setattr(fixture, "run_passes", _memray_alone)
    cpu: list[float] = []

    def run() -> int:
        start = time.process_time()
        result = pytester.runpytest(*SUITE_ARGS, *VARIANTS[variant])
        cpu.append(time.process_time() - start)
        return result.parseoutcomes().get("passed", 0)

    run()  # warm: pytest-benchmark's timer precision, memray's import and first window
    cpu.clear()
    benchmark.group = "plugin: 20-benchmark overhead suite"
    passed = benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    assert passed == N_BENCHMARKS
    MEDIANS[variant] = benchmark.stats.stats.median
    CPU[variant] = _median(cpu)
    if "plain" in MEDIANS and variant != "plain":
        ratio = MEDIANS[variant] / MEDIANS["plain"]
        cpu_ratio = CPU[variant] / CPU["plain"]
        benchmark.extra_info["ratio_to_plain"] = round(ratio, 3)
        benchmark.extra_info["cpu_ratio_to_plain"] = round(cpu_ratio, 3)
        print(
            f"\n20-benchmark suite, {variant}: wall {MEDIANS[variant]:.2f} s / plain "
            f"{MEDIANS['plain']:.2f} s = {ratio:.2f}x; CPU {CPU[variant]:.2f} s / "
            f"{CPU['plain']:.2f} s = {cpu_ratio:.2f}x{TARGETS.get(variant, '')}"
        )


def test_perf_memray_floor_one_empty_window(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    """memray's own cost per window (symbol patching at enter and exit): the floor of a pass."""
    path = str(tmp_path / "empty.bin")

    def empty() -> None:
        window.track(path, int, python_allocators=True)
        Path(path).unlink()

    benchmark.group = "plugin: memray's floor"
    benchmark.pedantic(empty, rounds=30, warmup_rounds=2)
    median_ms = benchmark.stats.stats.median * 1e3
    benchmark.extra_info["median_ms"] = round(median_ms, 2)
    share = ""
    if "plain" in MEDIANS:
        share = (
            f"; {N_BENCHMARKS} of them = {N_BENCHMARKS * median_ms / 1e3 / MEDIANS['plain']:.2f}x"
        )
        share += " of the plain suite"
    print(f"\nmemray's floor: one empty window costs {median_ms:.2f} ms here{share}")


ONE = """
def test_one(benchmark):
    benchmark(sum, range(100))
"""


FIXED_VARIANTS = {
    "plain": ((), {}),
    "exact": (EXACT, {}),
    "exact, before (memray imported with rich)": (EXACT, {"BENCHMEM_MEMRAY_PLAIN_IMPORT": "1"}),
}


#: fresh-process runs of each variant: a difference of ~60 ms between runs of ~260-330 ms
#: needs many rounds, interleaved, and the median of the per-round differences
FIXED_ROUNDS = 15


def test_perf_fixed_cost_one_benchmark(
    benchmark: BenchmarkFixture, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fixed cost of ``--benchmark-memory`` for a one-benchmark suite, fresh processes.

    Each round runs every variant once, one after another (load that comes and goes hits
    them alike); the figure is the median over rounds of (variant - plain) in the same
    round, wall and the children's CPU.
    """
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)  # compile once, not per run
    pytester.makepyfile(test_one=ONE)
    pytester.makeconftest(
        "import pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_benchmark_generate_machine_info(config):\n"
        "    return {'cpu': {}}\n"  # py-cpuinfo would dominate a one-benchmark run
    )
    walls: dict[str, list[float]] = {name: [] for name in FIXED_VARIANTS}
    cpus: dict[str, list[float]] = {name: [] for name in FIXED_VARIANTS}

    def one(variant: str) -> None:
        extra, env = FIXED_VARIANTS[variant]
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            start, cpu = time.perf_counter(), _children_cpu()
            result = pytester.runpytest_subprocess(*SUITE_ARGS, *OTHERS, *extra)
            walls[variant].append(time.perf_counter() - start)
            cpus[variant].append(_children_cpu() - cpu)
        assert result.parseoutcomes().get("passed", 0) == 1

    def one_round() -> None:
        for variant in FIXED_VARIANTS:
            one(variant)

    one_round()  # warm: bytecode compiled, files cached
    for values in (*walls.values(), *cpus.values()):
        values.clear()
    benchmark.group = "plugin: one-benchmark suite, fresh process"
    benchmark.pedantic(one_round, rounds=FIXED_ROUNDS, iterations=1)
    plain = walls["plain"]
    for variant in FIXED_VARIANTS:
        if variant == "plain":
            continue
        wall = _median([v - p for v, p in zip(walls[variant], plain, strict=True)]) * 1e3
        cpu = _median([v - p for v, p in zip(cpus[variant], cpus["plain"], strict=True)]) * 1e3
        spread = sorted(v - p for v, p in zip(walls[variant], plain, strict=True))
        quart = len(spread) // 4
        benchmark.extra_info[f"{variant} fixed_cost_ms"] = round(wall, 1)
        benchmark.extra_info[f"{variant} fixed_cost_cpu_ms"] = round(cpu, 1)
        print(
            f"\nfixed cost of --benchmark-memory, one benchmark, {variant}: median of "
            f"{FIXED_ROUNDS} paired rounds: wall {wall:.0f} ms (IQR {spread[quart] * 1e3:.0f}-"
            f"{spread[-quart - 1] * 1e3:.0f} ms), CPU {cpu:.0f} ms; plain run "
            f"{_median(plain) * 1e3:.0f} ms (target <= 60 ms)"
        )


FORMAT_OBJECTS = 600_000


def _format_case(path: str, fmt: str, traced: bool) -> tuple[float, float, int | None]:
    """Seconds to track ``list(range(600k))`` and to read its peak; the allocation count the
    format gives (None: the aggregated format keeps no count of all allocations)."""
    from memray._memray import compute_statistics

    from pytest_benchmem.memlib import load

    memray: Any = load()
    Path(path).unlink(missing_ok=True)
    destination = memray.FileDestination(path, overwrite=True)
    file_format = getattr(memray.FileFormat, fmt)
    start = time.perf_counter()
    with memray.Tracker(
        destination=destination, trace_python_allocators=traced, file_format=file_format
    ):
        data = list(range(FORMAT_OBJECTS))
        del data
    tracked = time.perf_counter() - start
    start = time.perf_counter()
    count: int | None = None
    if fmt == "ALL_ALLOCATIONS":
        count = int(compute_statistics(path, num_largest=1).total_num_allocations)
    else:
        reader = memray.FileReader(path)
        assert reader.metadata.peak_memory > 0
        reader.close()
    return tracked, time.perf_counter() - start, count


def test_perf_capture_formats(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    """memray's capture formats for 600k small objects: tracking and reading, medians of 5.

    The aggregated format reads in a fraction of a millisecond, but keeps no count or total
    of all allocations (the blob's ``allocations`` and ``total_bytes``): the engine keeps
    the default format, and this prints what the choice costs.
    """
    path = str(tmp_path / "format.bin")
    cases = {
        "untracked": None,
        "arena (fast mode), all allocations": ("ALL_ALLOCATIONS", False),
        "traced (exact mode), all allocations": ("ALL_ALLOCATIONS", True),
        "traced (exact mode), aggregated": ("AGGREGATED_ALLOCATIONS", True),
    }
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}

    def one_round() -> None:
        for name, case in cases.items():
            if case is None:
                start = time.perf_counter()
                data = list(range(FORMAT_OBJECTS))
                del data
                seen[name].append((time.perf_counter() - start, 0.0))
                continue
            tracked, read, _ = _format_case(path, *case)
            seen[name].append((tracked, read))

    benchmark.group = "plugin: memray capture formats"
    benchmark.pedantic(one_round, rounds=5, iterations=1, warmup_rounds=1)
    lines = []
    for name, values in seen.items():
        tracked = _median([v[0] for v in values]) * 1e3
        read = _median([v[1] for v in values]) * 1e3
        benchmark.extra_info[f"{name} track_ms"] = round(tracked, 1)
        benchmark.extra_info[f"{name} read_ms"] = round(read, 1)
        lines.append(f"  {name}: track {tracked:.0f} ms, read {read:.1f} ms")
    print(
        f"\nmemray capture formats, list(range({FORMAT_OBJECTS:,})), medians:\n" + "\n".join(lines)
    )
