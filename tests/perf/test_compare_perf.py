"""Performance of ``benchmem compare`` on 5,000 ids x 3 runs (synthetic pytest-benchmark JSON).

Targets (issue 3): the default view end to end <= 1.5 s, the CSV <= 1 s, memory < 300 MB.
Runs only with ``--benchmark-only`` (``nox -s perf``, or ``python -m pytest
tests/perf/test_compare_perf.py --benchmark-only -s``): each
benchmark records its target and a ratio to a baseline measured in the same run (plain
``json.load`` of the same files in a fresh interpreter) in ``extra_info``; no wall time is
asserted.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_benchmem import runs
from pytest_benchmem.cli import main

IDS = 5_000
RUNS = 3
PASSES = 3
pytestmark = pytest.mark.e2e


def _benchmark(i: int, rng: random.Random, scale: float) -> dict[str, object]:
    size = [100, 1_000, 10_000][i % 3]
    module = f"tests/test_mod{i // 500}.py"
    fullname = f"{module}::TestCase::test_case[{size}-{i}]"
    peak = int(rng.randint(1_000, 50_000_000) * scale)
    rounds = [rng.uniform(1e-6, 1e-2) for _ in range(5)]
    return {
        "group": f"group{i % 7}",
        "name": f"test_case[{size}-{i}]",
        "fullname": fullname,
        "params": {"size": size, "i": i},
        "param": f"{size}-{i}",
        "extra_info": {
            "phase": "build",
            "benchmem": {
                "peak_bytes": [peak + k * 64 for k in range(PASSES)],
                "allocations": [rng.randint(1, 10_000)] * PASSES,
                "total_bytes": [peak * 2 + k for k in range(PASSES)],
            },
        },
        "options": {"disable_gc": False, "timer": "perf_counter", "min_rounds": 5},
        "stats": {
            "min": min(rounds),
            "max": max(rounds),
            "mean": sum(rounds) / 5,
            "stddev": 0.001,
            "rounds": 5,
            "median": sorted(rounds)[2],
            "iqr": 0.001,
            "q1": 0.001,
            "q3": 0.002,
            "iqr_outliers": 0,
            "stddev_outliers": 1,
            "outliers": "1;0",
            "ld15iqr": min(rounds),
            "hd15iqr": max(rounds),
            "ops": 1 / (sum(rounds) / 5),
            "total": sum(rounds),
            "data": rounds,
            "iterations": 1,
        },
    }


def _skip_unless_benchmark_only(config: pytest.Config) -> None:
    if not config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    _skip_unless_benchmark_only(request.config)


@pytest.fixture(scope="module")
def big_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[Path]:
    _skip_unless_benchmark_only(request.config)  # before writing 30 MB of JSON
    root = tmp_path_factory.mktemp("perf")
    paths = []
    for r in range(RUNS):
        rng = random.Random(0)  # the same ids and values in each run, scaled by 1 + r/10
        doc = {
            "machine_info": {"node": "perf"},
            "commit_info": {"id": "x"},
            "benchmarks": [_benchmark(i, rng, 1 + r / 10) for i in range(IDS)],
            "datetime": "2026-11-26T12:00:00+00:00",
            "version": "5.3.1",
            "benchmem": {"schema": 1, "label": f"v{r}", "spec": None, "packages": {}},
        }
        path = root / f"run{r}.json"
        path.write_text(json.dumps(doc, indent=4), encoding="utf-8")
        paths.append(path)
    return paths


_RSS = (
    "import resource, sys\n"
    "from pytest_benchmem.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    use = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    sys.stderr.write(f'maxrss_kib={use.ru_maxrss} cpu_s={use.ru_utime + use.ru_stime}\\n')\n"
)
_BASELINE = "import json, sys\nfor p in sys.argv[1:]:\n    json.load(open(p))\n"


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, env=os.environ.copy(), check=False)


def _usage(result: subprocess.CompletedProcess[str]) -> tuple[float, float]:
    """(peak RSS in MiB, CPU seconds) that the child reported on stderr."""
    fields = dict(part.split("=") for part in result.stderr.rsplit("\n", 2)[-2].split())
    return int(fields["maxrss_kib"]) / 1024, float(fields["cpu_s"])


def _seconds(argv: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        _run(argv)
        best = min(best, time.perf_counter() - start)
    return best


def _end_to_end(benchmark, argv: list[str], files: list[Path], target: float) -> None:
    baseline = _seconds([sys.executable, "-c", _BASELINE, *map(str, files)])
    results = []

    def once() -> None:
        results.append(_run(argv))

    benchmark.pedantic(once, rounds=3, iterations=1)
    assert all(r.returncode == 0 for r in results), results[-1].stderr
    mean = benchmark.stats.stats.mean
    rss, cpu = max(_usage(r)[0] for r in results), min(_usage(r)[1] for r in results)
    benchmark.extra_info.update(
        target_s=target,
        mean_s=round(mean, 3),
        within_target=mean <= target,
        cpu_s=round(cpu, 3),
        peak_rss_mib=round(rss, 1),
        baseline_json_load_s=round(baseline, 3),
        ratio_to_json_load=round(mean / baseline, 2),
    )
    print(
        f"\n{benchmark.name}: wall {mean:.3f} s, cpu {cpu:.3f} s (target {target} s), "
        f"json.load of the same files {baseline:.3f} s, peak RSS {rss:.0f} MiB"
    )


def test_default_view_end_to_end(benchmark, big_runs: list[Path]) -> None:
    argv = [sys.executable, "-c", _RSS, "compare", *map(str, big_runs)]
    _end_to_end(benchmark, argv, big_runs, 1.5)
    out = _run(argv)
    assert len(out.stdout.splitlines()) == IDS + 3


def test_csv_end_to_end(benchmark, big_runs: list[Path], tmp_path: Path) -> None:
    out_csv = tmp_path / "out.csv"
    argv = [sys.executable, "-c", _RSS, "compare", *map(str, big_runs), "--metric", "peak"]
    argv += ["--csv", str(out_csv)]
    _end_to_end(benchmark, argv, big_runs, 1.0)
    assert len(out_csv.read_text().splitlines()) == IDS + 1


def test_memory_under_300_mb(benchmark, big_runs: list[Path], tmp_path: Path) -> None:
    argv = [sys.executable, "-c", _RSS, "compare", *map(str, big_runs), "--metric", "peak"]
    argv += ["--csv", str(tmp_path / "m.csv"), "--fail-on", "peak:10%"]
    result = benchmark.pedantic(_run, args=(argv,), rounds=1, iterations=1)
    rss_mib, _ = _usage(result)
    benchmark.extra_info.update(peak_rss_mib=round(rss_mib, 1), target_mib=300)
    print(f"\npeak RSS of benchmem compare (+ CSV + gate): {rss_mib:.0f} MiB (target 300 MiB)")
    assert result.returncode == 1  # the synthetic runs grow 10% per run: the gate trips
    assert rss_mib < 300


def test_in_process_parse_and_compare(
    benchmark, big_runs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The part that is ours, without interpreter start-up: read 3 files, compare, render."""

    def once() -> None:
        runs.clear_cache()
        with pytest.raises(SystemExit):
            main(["compare", *map(str, big_runs), "--csv", os.devnull])

    benchmark.pedantic(once, rounds=3, iterations=1)
    assert len(capsys.readouterr().out.splitlines()) == 3 * (IDS + 3)
    benchmark.extra_info["ids"] = IDS
