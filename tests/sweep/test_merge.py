"""benchmem merge through the fake runner: combining shards, refusing other plans, atomicity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli

import toywheels
from pytest_benchmem.errors import UsageError
from pytest_benchmem.runs import discover_runs, load_runs
from pytest_benchmem.sweep import SweepOptions, TargetStatus, run_targets
from pytest_benchmem.sweep.merge import merge_dirs

TARGETS = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"]


def _shard(suite: Path, out: Path, shard: str | None, **kw: object) -> Path:
    opts = SweepOptions(suite=suite, out=out, shard=shard, **kw)  # type: ignore[arg-type]
    run_targets(TARGETS, opts, runner=FakeRunner())
    return out


def _tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def test_merge_combines_shards_in_plan_order_and_is_idempotent(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    b = _shard(suite_dir, tmp_path / "b", "2/2")
    out = tmp_path / "merged"
    assert _cli(["merge", str(out), str(b), str(a)]) == 0
    captured = capsys.readouterr()
    assert "2 shard dir(s)" in captured.err
    assert "peak" in captured.out
    manifest = json.loads((out / "sweep.json").read_text())
    assert [t["label"] for t in manifest["targets"]] == ["1.0", "2.0", "3.0"]
    assert all(t["status"] == "ok" for t in manifest["targets"])
    assert manifest["shard"] is None
    assert len(manifest["merged"]["shards"]) == 2
    for t in manifest["targets"]:
        assert Path(t["run"]).parent == out.resolve()
        assert t["logs"]
        assert all(Path(p).is_file() for p in t["logs"])
        assert (out / f"{t['label']}.json").read_bytes() == next(
            (d / f"{t['label']}.json").read_bytes()
            for d in (a, b)
            if (d / f"{t['label']}.json").exists()
        )
    # the merged dir reads like any sweep dir, in the plan's order
    assert [p.name for p in discover_runs(out)] == ["1.0.json", "2.0.json", "3.0.json"]
    assert [r.label for r in load_runs([out])] == ["1.0", "2.0", "3.0"]
    before = _tree(out)
    assert _cli(["merge", str(out), str(b), str(a)]) == 0
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".merged")]


def test_merge_reports_missing_and_failed_targets(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    out = tmp_path / "merged"
    assert _cli(["merge", str(out), str(a)]) == 1
    err = capsys.readouterr().err
    assert "benchmem merge: 1 of 3 target(s) failed:" in err
    assert "2.0 skipped: in no merged shard" in err
    results = merge_dirs(out, [a])
    assert [(r.label, r.status) for r in results] == [
        ("1.0", TargetStatus.OK),
        ("2.0", TargetStatus.SKIPPED),
        ("3.0", TargetStatus.OK),
    ]
    # a failed target is carried over with its stage and logs
    opts = SweepOptions(suite=suite_dir, out=tmp_path / "b", shard="2/2")
    run_targets(TARGETS, opts, runner=FakeRunner(pytest_rc={"2.0": 3}))
    results = merge_dirs(out, [a, tmp_path / "b"])
    failed = results[1]
    assert failed.status is TargetStatus.FAILED
    assert failed.stage is not None
    assert (failed.log_dir / "01-venv.log").is_file()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"memory": False}, "different measurement mode (True vs False)"),
        ({"pytest_args": ("-k", "work")}, "different pytest args ([] vs ['-k', 'work'])"),
        ({"suite": "other"}, "different suite fingerprint ("),
        ({"env": ("PYTHONMALLOC=malloc",)}, "different environment (--env)"),
        ({"rounds": 2}, "different rounds (--rounds) (1 vs 2)"),
    ],
)
def test_merge_refuses_other_plans_and_writes_nothing(
    suite_dir: Path, tmp_path: Path, change: dict[str, object], why: str
):
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    kw = dict(change)
    suite = suite_dir
    if kw.pop("suite", None):
        suite = toywheels.write_toy_suite(tmp_path / "suite2")
        (suite / "test_toy.py").write_text((suite / "test_toy.py").read_text() + "\n# edited\n")
    b = _shard(suite, tmp_path / "b", "2/2", **kw)
    out = tmp_path / "merged"
    with pytest.raises(UsageError) as exc:
        merge_dirs(out, [a, b])
    message = str(exc.value)
    assert message.startswith(f"cannot merge {a} and {b}: {why}")
    assert "\n" not in message
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_merge_refuses_runs_of_different_modes(suite_dir: Path, tmp_path: Path):
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    b = _shard(suite_dir, tmp_path / "b", "2/2")
    run = b / "2.0.json"
    data = json.loads(run.read_text())
    data["benchmem"]["mode"] = "fast"
    run.write_text(json.dumps(data))
    with pytest.raises(UsageError, match=r"different measurement mode \(exact vs fast\)"):
        merge_dirs(tmp_path / "merged", [a, b])


def test_merge_refuses_bad_inputs(suite_dir: Path, tmp_path: Path):
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    with pytest.raises(UsageError, match="not a sweep directory"):
        merge_dirs(tmp_path / "m", [a, tmp_path])
    with pytest.raises(UsageError, match="into itself"):
        merge_dirs(a, [a])
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a merged sweep directory"):
        merge_dirs(taken, [a])
    assert (taken / "notes.txt").read_text() == "mine"
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "sweep.json").write_text(json.dumps({"targets": []}))
    with pytest.raises(UsageError, match="recorded no plan"):
        merge_dirs(tmp_path / "m", [legacy])
    b = _shard(suite_dir, tmp_path / "b", "1/2")  # the same slice twice
    with pytest.raises(UsageError, match=r"cannot merge: 1\.0 was run by both"):
        merge_dirs(tmp_path / "m", [a, b])


def test_merge_reads_shards_moved_from_where_they_ran(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """CI downloads each shard's artifact elsewhere: the manifest's absolute paths are gone."""
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    b = _shard(suite_dir, tmp_path / "b", "2/2")
    moved = tmp_path / "downloads"
    moved.mkdir()
    a, b = a.rename(moved / "shard-a"), b.rename(moved / "shard-b")
    out = tmp_path / "merged"
    report = tmp_path / "report.html"
    assert _cli(["merge", str(out), str(a), str(b), "--report", str(report)]) == 0
    assert "Report: " in capsys.readouterr().out
    assert report.stat().st_size > 0
    manifest = json.loads((out / "sweep.json").read_text())
    assert [t["status"] for t in manifest["targets"]] == ["ok", "ok", "ok"]
    assert all(t["logs"] for t in manifest["targets"])
    assert _cli(["merge", str(tmp_path / "m2"), str(a), "--report", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert not (tmp_path / "m2").exists()


def test_merged_view_marks_times_from_different_machines(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    a = _shard(suite_dir, tmp_path / "a", "1/2")
    b = _shard(suite_dir, tmp_path / "b", "2/2")
    for shard, node in ((a, "runner-a"), (b, "runner-b")):
        for run in shard.glob("*.json"):
            if run.name == "sweep.json":
                continue
            data = json.loads(run.read_text())
            data["machine_info"] = {"node": node, "cpu": {"brand_raw": "Some CPU"}}
            run.write_text(json.dumps(data))
    out = tmp_path / "merged"
    assert _cli(["merge", str(out), str(a), str(b)]) == 0
    note = (
        "note: times come from 2 machines (runner-a (Some CPU): 1.0, 3.0; "
        "runner-b (Some CPU): 2.0); compare times only within one machine"
    )
    assert note in capsys.readouterr().out
    assert _cli(["compare", str(out), "--metric", "time", "--format", "md"]) == 0
    assert f"> {note}" in capsys.readouterr().out
    assert _cli(["compare", str(out), "--metric", "peak"]) == 0
    assert "times come from" not in capsys.readouterr().out  # peaks compare across machines


def test_merge_keeps_every_round_of_interleaved_shards(suite_dir: Path, tmp_path: Path):
    a = _shard(suite_dir, tmp_path / "a", "1/2", rounds=2)
    b = _shard(suite_dir, tmp_path / "b", "2/2", rounds=2)
    out = tmp_path / "merged"
    results = merge_dirs(out, [a, b])
    assert [r.status for r in results] == [TargetStatus.OK] * 3
    manifest = json.loads((out / "sweep.json").read_text())
    text = json.dumps([t.get("rounds") for t in manifest["targets"]])
    files = [Path(p) for p in re.findall(r'"([^"]+\.json)"', text)]
    assert len(files) >= 6  # two rounds of three targets
    for path in files:
        assert path.is_relative_to(out.resolve()), path
        assert path.is_file(), path
    assert sorted(p.name for p in (out / "rounds").iterdir()) == ["1.0", "2.0", "3.0"]
