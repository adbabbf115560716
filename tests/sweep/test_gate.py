"""The driver's gate (``sweep.gate``) with fake runs: each fake is a job that talks the in-run
plugin's protocol on its descriptor (ready, then block until go) and logs what it does."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from sweepfakes import FakeRunner

from pytest_benchmem.inrun.gate import GATE_ENV, GO, READY
from pytest_benchmem.sweep import gate as gatemod
from pytest_benchmem.sweep.gate import GateEnd, batch_size, batches, open_gate, run_batch
from pytest_benchmem.sweep.model import SweepOptions, TargetResult, TargetStatus
from pytest_benchmem.sweep.pipeline import run_targets
from pytest_benchmem.sweep.process import Command, CommandResult, SubprocessRunner
from pytest_benchmem.sweep.warmup import Warmups


class Log:
    """What the fake runs and the coordinator did, in order (appends are atomic)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def add(self, what: str, i: int) -> None:
        self.events.append((what, i))

    def index(self, what: str, i: int) -> int:
        return self.events.index((what, i))


def gated(log: Log, i: int, *, ready: bool = True) -> Callable[[GateEnd], str]:
    """A run that starts, says ready, waits for go, then measures (or ends before the gate)."""

    def job(gate: GateEnd) -> str:
        log.add("start", i)
        if not ready:  # a crash, a collection error, a failed isolation check: no gate
            log.add("ended", i)
            return f"failed {i}"
        os.write(gate.fd, READY)
        answer = os.read(gate.fd, 1)
        if answer != GO:
            log.add("eof", i)
            return f"stopped {i}"
        log.add("measure", i)
        time.sleep(0.01)
        log.add("measured", i)
        return f"ok {i}"

    return job


def test_runs_start_together_and_measure_one_at_a_time_in_order() -> None:
    log = Log()
    results: list[tuple[int, str]] = []

    def on_result(i: int, result: str) -> None:
        log.add("recorded", i)
        results.append((i, result))

    run_batch([gated(log, i) for i in range(3)], on_result)
    assert results == [(0, "ok 0"), (1, "ok 1"), (2, "ok 2")]
    starts = [log.index("start", i) for i in range(3)]
    measures = [log.index("measure", i) for i in range(3)]
    assert max(starts) < min(measures)  # every start-up before any measurement
    for i in range(2):  # run i is measured and recorded before run i+1 opens
        assert log.index("measured", i) < log.index("recorded", i) < log.index("measure", i + 1)


def test_a_run_that_ends_before_the_gate_does_not_block_the_others() -> None:
    log = Log()
    results: list[str] = []
    jobs = [gated(log, 0), gated(log, 1, ready=False), gated(log, 2)]
    run_batch(jobs, lambda i, r: results.append(r))
    assert results == ["ok 0", "failed 1", "ok 2"]
    assert log.index("ended", 1) < log.index("measure", 0)  # waited for it before measuring
    assert ("measure", 1) not in log.events


def test_a_failed_isolation_check_means_the_run_never_starts() -> None:
    """The job returns its failure before any process starts: the gate's socket is untouched."""
    log = Log()
    results: list[str] = []

    def isolation_fails(gate: GateEnd) -> str:
        log.add("isolation failed", 1)
        return "isolation"

    run_batch([gated(log, 0), isolation_fails, gated(log, 2)], lambda i, r: results.append(r))
    assert results == ["ok 0", "isolation", "ok 2"]
    assert log.index("measured", 0) < log.index("measure", 2)


def test_ctrl_c_stops_every_run_and_does_not_hang() -> None:
    log = Log()
    stopped = threading.Event()

    def on_result(i: int, result: str) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the first result is recorded

    with pytest.raises(KeyboardInterrupt):
        run_batch([gated(log, i) for i in range(3)], on_result, stop=stopped.set)
    assert stopped.is_set()
    assert ("measured", 0) in log.events
    # the runs still waiting at the gate read end of file and stop, unmeasured
    assert {i for what, i in log.events if what == "eof"} == {1, 2}
    assert not {i for what, i in log.events if what == "measure"} - {0}


def test_a_job_error_is_raised_in_order_after_the_runs_before_it() -> None:
    log = Log()
    results: list[str] = []

    def broken(gate: GateEnd) -> str:
        os.write(gate.fd, READY)
        os.read(gate.fd, 1)
        msg = "disk full"
        raise OSError(msg)

    with pytest.raises(OSError, match="disk full"):
        run_batch([gated(log, 0), broken, gated(log, 2)], lambda i, r: results.append(r))
    assert results == ["ok 0"]
    assert ("eof", 2) in log.events  # never measured


def test_held_counts_the_wait_at_the_gate_only() -> None:
    gate = open_gate()
    try:
        assert gate.held() == 0.0  # not ready yet
        gate.ready_at = time.monotonic() - 5
        assert gate.held() >= 5
        gate.opened_at = gate.ready_at + 2
        assert gate.held() == 2  # frozen once open
        assert gate.env() == {"BENCHMEM_GATE_FD": str(gate.fd)}
    finally:
        gate.close()


def test_batches_follow_jobs_and_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    assert gatemod.usable_cpus() >= 1
    monkeypatch.setattr(gatemod, "usable_cpus", lambda: 2)
    assert batch_size(4) == 2
    assert batch_size(1) == 1
    assert batch_size(0) == 1
    assert batches(5, 2) == [range(2), range(2, 4), range(4, 5)]
    assert batches(2, 1) == [range(1), range(1, 2)]
    assert batches(0, 3) == []


def _sleeper(tmp_path: Path, seconds: float, held: Callable[[], float]) -> Command:
    argv = (sys.executable, "-c", f"import time; time.sleep({seconds})")
    return Command(argv, tmp_path, tmp_path / "01-run.log", None, 0.3, (), held)


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_timeout_does_not_count_the_time_held_at_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pidfd: bool
) -> None:
    if not pidfd:  # a system without pidfd_open: Popen's timed wait, in slices
        monkeypatch.setattr("pytest_benchmem.sweep.process._pidfd", lambda pid: None)
    runner = SubprocessRunner()
    done = runner(_sleeper(tmp_path, 0.6, lambda: 10.0))  # waited "10 s" at the gate
    assert done.returncode == 0
    assert not done.timed_out
    killed = runner(_sleeper(tmp_path, 30, lambda: 0.0))
    assert killed.timed_out


@dataclass
class GatedFake(FakeRunner):
    """The fake pytest talks the gate's protocol on its inherited descriptor, like the plugin."""

    gates: ClassVar[bool] = True
    events: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, command: Command) -> CommandResult:
        env = command.env or {}
        fd = env.get(GATE_ENV)
        label = env.get("BENCHMEM_LABEL", "")
        if fd is not None and label != self.interrupt_on:
            assert int(fd) in command.pass_fds
            assert "pytest_benchmem.inrun.gate" in command.argv
            self.events.append(("start", label))
            os.write(int(fd), READY)
            if os.read(int(fd), 1) != GO:
                return CommandResult(command, 88, "benchmem gate: gone\n")
            self.events.append(("measure", label))
        return super().__call__(command)


def _progress(done: list[str], updates: list[tuple[str, str]]) -> object:
    class Progress:
        def phase(self, text: str) -> None:
            pass

        def update(self, key: str, text: str) -> None:
            updates.append((key, text))

        def done(self, result: TargetResult) -> None:
            done.append(result.label)

    return Progress()


def test_the_pipeline_starts_a_batch_together_and_records_in_order(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gatemod, "usable_cpus", lambda: 2)
    fake = GatedFake()
    done: list[str] = []
    updates: list[tuple[str, str]] = []
    targets = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"]
    options = SweepOptions(suite=suite_dir, out=tmp_path / "out", jobs=4)
    progress = _progress(done, updates)
    results = run_targets(targets, options, runner=fake, progress=progress)  # type: ignore[arg-type]
    assert [r.status for r in results] == [TargetStatus.OK] * 3
    assert done == ["1.0", "2.0", "3.0"]
    # batches of two: 1.0 and 2.0 start together, 3.0 (alone) runs as before, ungated
    assert set(fake.events[:2]) == {("start", "1.0"), ("start", "2.0")}
    assert fake.events[2:] == [("measure", "1.0"), ("measure", "2.0")]
    assert set(results[0].durations) >= {"startup", "run"}
    assert "startup" not in results[2].durations
    measuring = [key for key, text in updates if text == "measuring"]
    assert measuring == ["1.0", "2.0"]  # said as each gate opens, in order
    assert ("3.0", "running the suite") in updates  # alone: no gate


def test_ctrl_c_in_a_gated_batch_keeps_what_finished(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gatemod, "usable_cpus", lambda: 3)
    out = tmp_path / "out"
    targets = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"]
    options = SweepOptions(suite=suite_dir, out=out, jobs=3)
    fake = GatedFake(interrupt_on="2.0")
    with pytest.raises(KeyboardInterrupt):
        run_targets(targets, options, runner=fake)
    manifest = json.loads((out / "sweep.json").read_text())
    assert [t["status"] for t in manifest["targets"]] == ["ok", "skipped", "skipped"]
    assert ("measure", "3.0") not in fake.events  # never measured: its gate was closed
    assert not list(out.glob("*.tmp"))


def test_every_warm_up_is_done_before_the_first_run(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Python matrix has one harness lock (and warm-up) per interpreter: all settle first."""
    order: list[str] = []
    ready = Warmups.ready

    def recording_ready(self: Warmups, venv: Path, lock: object, cache: Path) -> int:
        order.append("warm-up settled")
        return ready(self, venv, lock, cache)  # type: ignore[arg-type]

    class Recording(FakeRunner):
        def __call__(self, command: Command) -> CommandResult:
            if "pytest" in command.argv and "--benchmark-only" in command.argv:
                order.append("run")
            return super().__call__(command)

    monkeypatch.setattr(Warmups, "ready", recording_ready)
    targets = ["toypkg==1.0", "toypkg==2.0"]
    results = run_targets(
        targets, SweepOptions(suite=suite_dir, out=tmp_path / "out"), runner=Recording()
    )
    assert [r.status for r in results] == [TargetStatus.OK] * 2
    assert order[:2] == ["warm-up settled"] * 2
    assert order.count("run") == 2
