"""Running every provisioned target's suite once: in batches started together, each run
measured alone, in target order (``sweep.gate``); a batch of one runs as it always did.

``run_all`` is the single-round path of ``pipeline.run_targets`` (``--rounds N`` interleaves).
"""

from __future__ import annotations

import functools
from pathlib import Path

from .gate import GateEnd, batch_size, batches, run_batch
from .model import TargetResult
from .runone import SweepState, run_one, set_aside
from .venv import Provisioned, release_venv


def run_all(state: SweepState, slots: list[int], provs: list[Provisioned], logs_root: Path) -> None:
    """Every target's suite: batches started together, measured one at a time (``sweep.gate``);
    a batch of one (``--jobs 1``, one CPU, a fake runner) runs exactly as before."""
    size = batch_size(state.options.jobs) if getattr(state.runner, "gates", False) else 1
    stop = getattr(state.runner, "stop_all", None)

    def run(i: int, gate: GateEnd | None) -> TargetResult:
        prov = provs[i]
        previous = set_aside(state.options.out / f"{prov.label}.json")
        try:
            result = run_one(state, prov, logs_root, state.results[slots[i]].fingerprint, gate)
        finally:
            release_venv(prov)  # a concurrent --fresh may now replace it
        if result.ok:  # superseded, as a rerun always replaced it
            previous.unlink(missing_ok=True)
        return result

    def record(i: int, result: TargetResult) -> None:
        state.results[slots[i]] = result
        state.save()
        if state.progress is not None:
            state.progress.done(result)

    def gated(batch: range) -> None:
        run_batch(
            [functools.partial(run, i) for i in batch],
            lambda k, result: record(batch[k], result),
            stop=stop if callable(stop) else None,
            on_open=lambda k: state.tell(provs[batch[k]].label, "measuring"),
        )

    for batch in batches(len(provs), size):
        if len(batch) > 1:
            gated(batch)
        else:  # nothing starts beside it
            record(batch[0], run(batch[0], None))


def settle_warmups(state: SweepState, provs: list[Provisioned]) -> None:
    """Before the first run: every harness lock's warm-up finished (each venv planted).

    A run waits for its own lock's warm-up anyway; in a Python matrix another lock's warm-up
    could still be compiling in the background while the first runs are measured.
    """
    for prov in provs:
        if prov.stage is None and prov.lock is not None:
            state.cfg.warmups.ready(prov.venv, prov.lock, state.cfg.cache)
