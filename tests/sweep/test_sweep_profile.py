"""``sweep --profile`` at the process seam: the capture flag per run, rounds, the manifest."""

from __future__ import annotations

import json
from pathlib import Path

from sweepfakes import FakeRunner, labels_of

from pytest_benchmem.sweep import SweepOptions, run_targets
from pytest_benchmem.sweep.process import Command, CommandResult

FLAG = "--benchmark-memory-profile="


class KeepsCaptures(FakeRunner):
    """pytest that writes one capture file where --benchmark-memory-profile points."""

    def __call__(self, command: Command) -> CommandResult:
        for arg in command.argv:
            if arg.startswith(FLAG):
                folder = Path(arg.removeprefix(FLAG))
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "suite-test_toy.py--test_work.bin").write_bytes(b"capture")
        return super().__call__(command)


def _profiled(fake: FakeRunner) -> list[str | None]:
    return [
        next((a.removeprefix(FLAG) for a in c.argv if a.startswith(FLAG)), None)
        for c in fake.steps("pytest")
    ]


def test_profile_flag_per_target_and_manifest(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    stale = out / "captures" / "1.0" / "gone.bin"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    fake = KeepsCaptures()
    options = SweepOptions(suite=suite_dir, out=out, profile=True)
    run_targets(["toypkg==1.0", "toypkg==2.0"], options, runner=fake)
    assert _profiled(fake) == [str(out / "captures" / "1.0"), str(out / "captures" / "2.0")]
    assert not stale.exists()  # an earlier run's captures do not linger
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["profile"] is True
    assert [t["captures"] for t in manifest["targets"]] == [
        {"dir": f"captures/{label}", "files": ["suite-test_toy.py--test_work.bin"]}
        for label in ("1.0", "2.0")
    ]


def test_rounds_keep_round_one_captures(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = KeepsCaptures()
    options = SweepOptions(suite=suite_dir, out=out, profile=True, rounds=2)
    run_targets(["toypkg==1.0", "toypkg==2.0"], options, runner=fake)
    assert labels_of(fake.steps("pytest")) == ["1.0", "2.0", "1.0", "2.0"]
    # the combined run's memory is round 1's: only round 1 keeps captures
    assert _profiled(fake) == [
        str(out / "captures" / "1.0"),
        str(out / "captures" / "2.0"),
        None,
        None,
    ]


def test_no_profile_no_flag(suite_dir: Path, tmp_path: Path):
    fake = KeepsCaptures()
    run_targets(["toypkg==1.0"], SweepOptions(suite=suite_dir, out=tmp_path / "o"), runner=fake)
    assert _profiled(fake) == [None]
    manifest = json.loads((tmp_path / "o" / "sweep.json").read_text())
    assert "captures" not in manifest["targets"][0]
