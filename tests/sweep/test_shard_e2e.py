"""End to end with real uv: sharded equals unsharded; --plan --format json round-trips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sweepfakes import run_cli as _cli
from test_sweep_e2e import FAST, frozen_harness, harness_snapshot  # noqa: F401

import toywheels

pytestmark = pytest.mark.e2e

MB = 1_000_000
TARGETS = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0", "toypkg==4.0"]


@pytest.fixture(scope="module")
def four_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sizes = {"1.0": 1 * MB, "2.0": 2 * MB, "3.0": 3 * MB, "4.0": 4 * MB}
    return toywheels.build_toy_index(tmp_path_factory.mktemp("wheels4"), sizes)


def _peaks(out: Path) -> dict[str, list[int]]:
    found = {}
    for t in json.loads((out / "sweep.json").read_text())["targets"]:
        run = json.loads(Path(t["run"]).read_text())
        found[t["label"]] = [b["extra_info"]["benchmem"]["peak_bytes"] for b in run["benchmarks"]]
    return found


def test_sharded_equals_unsharded(
    four_wheels: Path, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    common = [*TARGETS, "--suite", str(suite_dir), "--find-links", str(four_wheels), *FAST]
    shards = []
    for k in (1, 2):  # two processes at once, each with its own cache and out dir
        env = {**os.environ, "BENCHMEM_CACHE_DIR": str(tmp_path / f"cache{k}")}
        out = tmp_path / f"shard{k}"
        argv = [sys.executable, "-c", "from pytest_benchmem.cli import main; main()", "sweep"]
        argv += [*common, "--shard", f"{k}/2", "--out", str(out)]
        shards.append(
            (out, subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        )
    whole = tmp_path / "whole"
    assert _cli(["sweep", *common, "--out", str(whole)]) == 0
    for _, proc in shards:
        output = proc.communicate(timeout=300)[0].decode()
        assert proc.returncode == 0, output
    one, two = (json.loads((o / "sweep.json").read_text()) for o, _ in shards)
    assert [t["label"] for t in one["targets"]] == ["1.0", "3.0"]
    assert [t["label"] for t in two["targets"]] == ["2.0", "4.0"]
    assert one["shard"]["shard"] == "1/2"
    assert one["plan"]["fingerprint"] == two["plan"]["fingerprint"]
    merged = tmp_path / "merged"
    assert _cli(["merge", str(merged), *(str(o) for o, _ in shards)]) == 0
    capsys.readouterr()
    assert [t["label"] for t in json.loads((merged / "sweep.json").read_text())["targets"]] == [
        "1.0", "2.0", "3.0", "4.0",
    ]  # fmt: skip
    assert _peaks(merged) == _peaks(whole)
    tables = []
    for directory in (whole, merged):
        assert _cli(["compare", str(directory), "--metric", "peak"]) == 0
        tables.append(capsys.readouterr().out)
    assert tables[0] == tables[1]
    # 1 MB -> 4 MB (+299.9%: the exact mode sees the small objects around the buffers too)
    assert "+300.0%" in tables[0] or "+299.9%" in tables[0]
    # bisect reads the merged dir: every release it probes was measured alike there
    logs = sorted((merged / "logs").rglob("*.log"))
    bisect = ["bisect", "toypkg", "--good", "1.0", "--bad", "4.0", "--suite", str(suite_dir)]
    bisect += ["--find-links", str(four_wheels), "--out", str(merged), *FAST]
    assert _cli(bisect) == 0
    out = capsys.readouterr().out
    assert "first bad release: 2.0\nlast good release: 1.0\n" in out
    assert out.count(": the run of the sweep in this directory") >= 2
    assert "measuring toypkg" not in out
    assert sorted((merged / "logs").rglob("*.log")) == logs  # nothing ran


def test_plan_json_entries_round_trip_through_only(
    four_wheels: Path, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    common = ["toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir)]
    common += ["--find-links", str(four_wheels), *FAST]
    assert _cli(["sweep", *common, "--plan", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["label"] for e in entries] == ["1.0", "2.0"]
    for entry in entries:
        out = tmp_path / f"only-{entry['only']}"
        assert _cli(["sweep", *common, "--only", str(entry["only"]), "--out", str(out)]) == 0
        manifest = json.loads((out / "sweep.json").read_text())
        (target,) = manifest["targets"]
        assert (target["label"], target["spec"], target["status"]) == (
            entry["label"],
            entry["spec"],
            "ok",
        )
        assert manifest["plan"]["fingerprint"] == entry["fingerprint"]
        run = json.loads(Path(target["run"]).read_text())
        assert run["benchmem"]["packages"]["toypkg"] == entry["label"]
