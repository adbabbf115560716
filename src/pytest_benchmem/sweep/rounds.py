"""Interleaved sweep rounds (``--rounds N``): targets alternate, A B A B ..., and combine.

Each round's run is kept as ``<out>/rounds/<label>/round-<k>.json``; the manifest records
every round (its place in the overall order, status, duration). When the rounds are done,
``<out>/<label>.json`` combines them: every round's raw timing rounds (``stats.data``)
concatenated and pytest-benchmark's stats recomputed from them; memory from round 1 (it is
exact, so one round is enough: the pipeline runs the later rounds without the memory pass).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_benchmem.errors import SchemaError
from pytest_benchmem.files import write_atomic
from pytest_benchmem.noise import combine_stats

from .model import TargetResult, TargetStatus
from .venv import Provisioned

ROUNDS_DIR = "rounds"


def round_path(out: Path, label: str, number: int) -> Path:
    """Where round ``number`` of ``label`` is kept."""
    return out / ROUNDS_DIR / label / f"round-{number}.json"


@dataclass
class _Target:
    """One target across the rounds: its records so far and its last result."""

    slot: int
    prov: Provisioned
    records: list[dict[str, object]]
    last: TargetResult | None = None
    stopped: bool = False


def _record(result: TargetResult, number: int, order: int, kept: Path | None) -> dict[str, object]:
    return {
        "round": number,
        "order": order,
        "status": str(result.status),
        "stage": str(result.stage) if result.stage else None,
        "reason": result.reason,
        "run": str(kept) if kept else None,
        "duration": round(result.durations.get("run", 0.0), 4),
    }


def run_interleaved(
    items: Sequence[tuple[int, Provisioned]],
    rounds: int,
    out: Path,
    run_one: Callable[[Provisioned, int], TargetResult],
    update: Callable[[int, TargetResult], None],
) -> list[tuple[int, TargetResult]]:
    """Run every target ``rounds`` times, alternating; return (slot, combined result) pairs.

    ``run_one(prov, k)`` runs round ``k`` and writes ``<out>/<label>.json``; it is moved to
    ``round_path``. ``update(slot, result)`` receives an interim result after every round (not
    ok: the combined run does not exist yet, so ``--resume`` reruns an interrupted target). A
    target that fails a round is not run again; its finished rounds still count.
    """
    targets = [_Target(slot, prov, []) for slot, prov in items]
    order = 0
    for number in range(1, rounds + 1):
        for target in targets:
            if target.stopped:
                continue
            order += 1
            result = run_one(target.prov, number)
            kept = None
            if result.ok and result.run_path is not None:
                kept = round_path(out, result.label, number)
                kept.parent.mkdir(parents=True, exist_ok=True)
                result.run_path.replace(kept)
            target.records.append(_record(result, number, order, kept))
            target.last = result
            target.stopped = not result.ok
            reason = f"interrupted after round {number} of {rounds}"
            interim = replace(
                result,
                status=TargetStatus.SKIPPED if result.ok else result.status,
                reason=reason if result.ok else result.reason,
                run_path=None,
                extra={**result.extra, "rounds": list(target.records)},
            )
            update(target.slot, interim)
    return [(t.slot, _finish(t, out, rounds)) for t in targets if t.last is not None]


def _finish(target: _Target, out: Path, rounds: int) -> TargetResult:
    """The target's combined result: its ok rounds merged into ``<out>/<label>.json``."""
    last = target.last
    assert last is not None
    done = [r for r in target.records if r["status"] in (TargetStatus.OK, TargetStatus.PARTIAL)]
    total = sum(float(str(r["duration"])) for r in target.records)
    extra = {**last.extra, "rounds": list(target.records)}
    durations = {**last.durations, "run": round(total, 4)}
    if not done:
        return replace(last, extra=extra, durations=durations)
    paths = [Path(str(r["run"])) for r in done]
    final = out / f"{last.label}.json"
    write_atomic(final, json.dumps(combine_runs(paths), indent=4) + "\n")
    status, reason = TargetStatus.OK, None
    troubled = [r for r in target.records if r["status"] != TargetStatus.OK]
    if troubled or len(done) < rounds:
        first = troubled[0] if troubled else {"round": len(done) + 1, "reason": "not run"}
        status = TargetStatus.PARTIAL
        reason = f"{len(done)} of {rounds} rounds kept; round {first['round']}: {first['reason']}"
    return replace(
        last, status=status, stage=None, reason=reason, run_path=final, extra=extra,
        durations=durations,
    )  # fmt: skip


def _load(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        msg = f"{path}: not a pytest-benchmark run"
        raise SchemaError(msg)
    return data


def _raw(bench: dict[str, object]) -> list[float] | None:
    stats = bench.get("stats")
    data = stats.get("data") if isinstance(stats, dict) else None
    if not isinstance(data, list) or not data:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in data):
        return None
    return [float(v) for v in data]


def combine_runs(paths: Sequence[Path]) -> dict[str, object]:
    """One run document from the rounds' documents (the first round's order and metadata).

    A benchmark's stats are recomputed from every round's ``stats.data`` (pytest-benchmark's
    own quartile method); a benchmark whose rounds lack raw data keeps round 1's stats.
    Memory (``extra_info.benchmem``) is round 1's. The provenance records the rounds.
    """
    docs = [_load(p) for p in paths]
    combined = dict(docs[0])
    by_id: dict[str, list[dict[str, object]]] = {}
    for doc in docs:
        for bench in doc["benchmarks"]:  # type: ignore[attr-defined]
            if isinstance(bench, dict):
                key = str(bench.get("fullname") or bench.get("name"))
                by_id.setdefault(key, []).append(bench)
    benchmarks = []
    for series in by_id.values():
        bench = dict(series[0])
        raws = [_raw(b) for b in series]
        if all(r is not None for r in raws):
            data = [v for r in raws if r is not None for v in r]
            stats = dict(bench["stats"])
            stats.update(combine_stats(data))
            bench["stats"] = stats
        benchmarks.append(bench)
    combined["benchmarks"] = benchmarks
    provenance = combined.get("benchmem")
    if isinstance(provenance, dict):
        combined["benchmem"] = {
            **provenance,
            "rounds": {"count": len(docs), "memory_from": 1, "files": [str(p) for p in paths]},
        }
    return combined
