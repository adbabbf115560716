"""Interleaved sweep rounds with real uv venvs over toy wheels: ``benchmem sweep --rounds 3``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweepfakes import run_cli as _cli
from test_sweep_e2e import FAST, frozen_harness, harness_snapshot, wheels  # noqa: F401

from pytest_benchmem.runs import discover_runs, load_run

pytestmark = pytest.mark.e2e

MB = 1_000_000
ROUNDS = [*FAST, "--pytest-arg=--benchmark-min-rounds=2"]


def test_three_interleaved_rounds_are_recorded_and_combined(
    wheels: Path,  # noqa: F811
    suite_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir), "--rounds", "3"]
    code = _cli([*args, "--find-links", str(wheels), "--out", str(out), *ROUNDS])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["rounds"] == 3
    order = []
    for target in manifest["targets"]:
        assert target["status"] == "ok"
        records = target["rounds"]
        assert [r["round"] for r in records] == [1, 2, 3]
        assert all(r["status"] == "ok" and r["duration"] > 0 for r in records)
        assert all(Path(r["run"]).is_file() for r in records)
        order += [(r["order"], target["label"], r["round"]) for r in records]
    # alternating: 1.0 and 2.0 take turns, round by round
    assert [(label, number) for _, label, number in sorted(order)] == [
        ("1.0", 1), ("2.0", 1), ("1.0", 2), ("2.0", 2), ("1.0", 3), ("2.0", 3),
    ]  # fmt: skip

    # the labelled run combines every round's timing rounds; memory is round 1's
    per_round = [
        json.loads(Path(r["run"]).read_text())["benchmarks"][0]["stats"]["data"]
        for r in manifest["targets"][1]["rounds"]
    ]
    combined = json.loads((out / "2.0.json").read_text())
    stats = combined["benchmarks"][0]["stats"]
    assert stats["data"] == [v for data in per_round for v in data]
    assert stats["rounds"] == sum(len(d) for d in per_round) >= 6
    assert stats["min"] == min(stats["data"])
    assert combined["benchmem"]["rounds"]["count"] == 3
    assert combined["benchmem"]["rounds"]["memory_from"] == 1
    run = load_run(out / "2.0.json")
    assert run.benchmarks[0].value("peak") is not None
    assert run.benchmarks[0].value("peak") > 9 * MB
    # the round files are not runs of the sweep directory
    assert [p.name for p in discover_runs(out)] == ["1.0.json", "2.0.json"]
    assert "noise" in captured.out  # the summary's time table carries the verdict
