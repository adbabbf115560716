"""``sweep --plan`` on 30 releases from a recorded index page, and ``merge`` of 30 shard dirs.

Targets (issue 11): the plan of ``tomli --last 30`` (the recorded simple-API page served on
127.0.0.1, never the real index) takes <= 1 s; merging 30 shard directories of one run of 50
benchmarks each takes <= 2 s. Runs only with ``--benchmark-only`` (``nox -s perf``).
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pytest_benchmem.cli import main
from pytest_benchmem.sweep.manifest import result_to_json
from pytest_benchmem.sweep.merge import merge_dirs
from pytest_benchmem.sweep.model import TargetResult, TargetStatus

sys.path.insert(0, str(Path(__file__).parents[1] / "bisect"))
from indexserver import SimpleServer, simple_server

__all__ = ["simple_server"]

SHARDS = 30
BENCHMARKS = 50


@pytest.fixture(autouse=True)
def _only_with_benchmark_only(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_only", default=False):
        pytest.skip("perf benchmark: run with --benchmark-only (nox -s perf)")


def test_perf_plan_30_releases(
    benchmark: BenchmarkFixture,
    simple_server: SimpleServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_tomli.py").write_text("def test_x(benchmark):\n    benchmark(int)\n")
    argv = ["sweep", "tomli", "--last", "30", "--index-url", f"{simple_server.url}/simple"]
    argv += ["--suite", str(suite), "--out", str(tmp_path / "out"), "--plan", "--format", "json"]

    def plan() -> int:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        return int(exc.value.code or 0)

    benchmark.group = "plan and merge"
    assert benchmark.pedantic(plan, rounds=5, iterations=1) == 0
    entries = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(entries) == 30


def _run_json(label: str) -> dict[str, object]:
    stats = {"min": 0.001, "max": 0.002, "mean": 0.0015, "stddev": 0.0001, "rounds": 3,
             "median": 0.0015, "iqr": 0.0, "q1": 0.001, "q3": 0.002, "iqr_outliers": 0,
             "stddev_outliers": 0, "outliers": "0;0", "ld15iqr": 0.001, "hd15iqr": 0.002,
             "ops": 666.0, "total": 0.0045, "iterations": 1}  # fmt: skip
    benchmarks = [
        {
            "group": None,
            "name": f"test_{i}",
            "fullname": f"suite/test_x.py::test_{i}",
            "params": None,
            "param": None,
            "options": {},
            "stats": stats,
            "extra_info": {
                "benchmem": {
                    "peak_bytes": [1000 + i],
                    "allocations": [1],
                    "total_bytes": [1000 + i],
                }
            },
        }
        for i in range(BENCHMARKS)
    ]
    return {
        "machine_info": {"node": "runner"}, "commit_info": {}, "benchmarks": benchmarks,
        "datetime": "2026-01-01T00:00:00", "version": "5.2.3",
        "benchmem": {"schema": 1, "label": label, "python": "3.11.7"},
    }  # fmt: skip


@pytest.fixture(scope="module")
def shard_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("shards")
    labels = [f"1.{i}" for i in range(SHARDS)]
    plan = {"fingerprint": "f" * 16, "labels": labels, "parts": {}}
    dirs = []
    for k, label in enumerate(labels, start=1):
        out = root / f"shard{k}"
        logs = out / "logs" / label
        logs.mkdir(parents=True)
        (logs / "01-run.log").write_text("# argv: pytest\n")
        run = out / f"{label}.json"
        run.write_text(json.dumps(_run_json(label)))
        result = TargetResult(
            label,
            f"pkg=={label}",
            TargetStatus.OK,
            None,
            None,
            run,
            logs,
            {"pkg": label},
            {"run": 1.0},
        )
        manifest = {
            "schema": 1, "harness": {"version": "0.1.0+hx"}, "memory": True, "plan": plan,
            "shard": {"shard": f"{k}/{SHARDS}", "only": [], "entries": [label]},
            "targets": [result_to_json(result)],
        }  # fmt: skip
        (out / "sweep.json").write_text(json.dumps(manifest))
        dirs.append(out)
    return dirs


def test_perf_merge_30_shards(
    benchmark: BenchmarkFixture,
    shard_dirs: list[Path],
    tmp_path: Path,
) -> None:
    merge_outs = itertools.count()

    def setup() -> tuple[tuple[Path], dict[str, object]]:
        return (tmp_path / f"merged{next(merge_outs)}",), {}

    def merge(out: Path) -> int:
        return sum(r.ok for r in merge_dirs(out, shard_dirs))

    benchmark.group = "plan and merge"
    assert benchmark.pedantic(merge, setup=setup, rounds=5, iterations=1) == SHARDS
