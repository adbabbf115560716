"""``benchmem merge OUT SHARD_DIR...``: shard directories of one plan -> one sweep directory.

Shards must share the plan (its fingerprint: targets, suite content, mode, pytest args, ...)
and the harness; a mismatch is a one-line error naming the two directories. The merged
directory is built beside ``OUT`` and swapped in, so a failed merge leaves nothing behind and
merging the same shards again writes the same files.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_benchmem.errors import UsageError
from pytest_benchmem.files import write_atomic
from pytest_benchmem.modes import measurement_of

from .manifest import result_from_json, result_to_json
from .model import TargetResult, TargetStatus
from .rounds import ROUNDS_DIR

SWEEP_MANIFEST = "sweep.json"
NOT_MERGED_REASON = "in no merged shard (its shard did not run, or was not given to merge)"
#: plan parts whose difference merge names (others: "different plans")
_PART_NAMES = {
    "suite": "suite fingerprint",
    "memory": "measurement mode",
    "pytest_args": "pytest args",
    "env": "environment (--env)",
    "rounds": "rounds (--rounds)",
    "entries": "targets",
    "pythons": "interpreters",
}


@dataclass(frozen=True)
class ShardDir:
    """One shard directory and its manifest."""

    path: Path
    manifest: Mapping[str, object]

    @property
    def plan(self) -> Mapping[str, object]:
        plan = self.manifest.get("plan")
        return plan if isinstance(plan, dict) else {}

    def results(self) -> list[TargetResult]:
        """The shard's results, their paths found in this directory (a shard made on another
        runner and downloaded here records paths that do not exist here)."""
        targets = self.manifest.get("targets")
        if not isinstance(targets, list):
            return []
        return [self._local(result_from_json(t)) for t in targets]

    def _local(self, result: TargetResult) -> TargetResult:
        run = result.run_path
        if run is not None and not run.is_file():
            run = self.path / run.name
        log_dir = result.log_dir
        if not log_dir.is_dir():
            log_dir = self.path / "logs" / log_dir.name
        return replace(result, run_path=run, log_dir=log_dir)


def read_shard(path: Path) -> ShardDir:
    """A shard directory's manifest; UsageError when it is not a sweep directory of a plan."""
    manifest = path / SWEEP_MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: not a sweep directory (no {SWEEP_MANIFEST})"
        raise UsageError(msg) from None
    except (OSError, ValueError) as exc:
        msg = f"{manifest}: unreadable manifest ({exc})"
        raise UsageError(msg) from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        msg = f"{manifest}: not a sweep manifest (no targets list)"
        raise UsageError(msg)
    shard = ShardDir(path, data)
    if not shard.plan.get("fingerprint"):
        msg = f"{path}: its sweep recorded no plan (run it again with this version of benchmem)"
        raise UsageError(msg)
    return shard


def _run_modes(shard: ShardDir) -> set[str]:
    """How each finished run of a shard measured memory (from the runs' own provenance)."""
    modes: set[str] = set()
    for result in shard.results():
        if not result.ok or result.run_path is None:
            continue
        try:
            data = json.loads(result.run_path.read_text(encoding="utf-8"))
            prov = data.get("benchmem") or {}
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(prov, dict):  # the one reading of a run's measurement (modes.py)
            modes.add(measurement_of(prov).describe())
    return modes


def check_same_plan(shards: Sequence[ShardDir]) -> None:
    """UsageError naming two directories when their shards cannot be merged."""
    first = shards[0]
    for other in shards[1:]:
        why = _difference(first, other)
        if why is not None:
            msg = f"cannot merge {first.path} and {other.path}: different {why}"
            raise UsageError(msg)
    modes = {s.path: _run_modes(s) for s in shards}
    seen = {m for ms in modes.values() for m in ms}
    if len(seen) > 1:
        a, b = sorted(seen)[:2]
        da = next(p for p, ms in modes.items() if a in ms)
        db = next(p for p, ms in modes.items() if b in ms)
        msg = f"cannot merge {da} and {db}: different measurement mode ({a} vs {b})"
        raise UsageError(msg)


def _difference(a: ShardDir, b: ShardDir) -> str | None:
    ha, hb = a.manifest.get("harness"), b.manifest.get("harness")
    va = ha.get("version") if isinstance(ha, dict) else None
    vb = hb.get("version") if isinstance(hb, dict) else None
    if va != vb:
        return f"harness versions ({va} vs {vb})"
    if a.plan.get("fingerprint") == b.plan.get("fingerprint"):
        return None
    pa, pb = a.plan.get("parts"), b.plan.get("parts")
    pa, pb = (pa if isinstance(pa, dict) else {}), (pb if isinstance(pb, dict) else {})
    for key, name in _PART_NAMES.items():
        if pa.get(key) != pb.get(key):
            shown = "" if key in ("entries", "pythons") else f" ({pa.get(key)} vs {pb.get(key)})"
            return f"{name}{shown}"
    return f"plans ({a.plan.get('fingerprint')} vs {b.plan.get('fingerprint')})"


def _collect(
    shards: Sequence[ShardDir],
) -> tuple[list[str], dict[str, tuple[ShardDir, TargetResult]]]:
    """The plan's labels in order and, per label, the shard result that ran it."""
    listed = shards[0].plan.get("labels")
    labels = [str(x) for x in listed] if isinstance(listed, list) else []
    found: dict[str, tuple[ShardDir, TargetResult]] = {}
    for shard in shards:
        for result in shard.results():
            if result.status is TargetStatus.SKIPPED and not result.ok:
                continue  # listed but not run by this shard (interrupted)
            key = result.label if result.label in labels else _entry_of(shard, result, labels)
            held = found.get(key)
            if held is not None and held[0].path != shard.path:
                if held[1].ok and result.ok:
                    msg = f"cannot merge: {key} was run by both {held[0].path} and {shard.path}"
                    raise UsageError(msg)
                if held[1].ok:
                    continue
            found[key] = (shard, result)
    return labels, found


def _entry_of(shard: ShardDir, result: TargetResult, labels: list[str]) -> str:
    """The plan label of a result whose label was learned at install (a bare requirement)."""
    shard_info = shard.manifest.get("shard")
    entries = shard_info.get("entries") if isinstance(shard_info, dict) else None
    pool = [str(e) for e in entries] if isinstance(entries, list) else labels
    results = shard.results()
    index = next(i for i, r in enumerate(results) if r is result or r == result)
    return pool[index] if index < len(pool) else result.label


def merge_dirs(out: Path, dirs: Sequence[Path]) -> list[TargetResult]:
    """Merge shard directories into ``out``; returns one result per plan entry, in order."""
    if not dirs:
        msg = "merge needs at least one shard directory"
        raise UsageError(msg)
    out = out.resolve()
    for d in dirs:
        if d.resolve() == out:
            msg = f"cannot merge {d} into itself: give another OUT directory"
            raise UsageError(msg)
    shards = [read_shard(d) for d in dirs]
    check_same_plan(shards)
    labels, found = _collect(shards)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.merge-", dir=out.parent))
    try:
        results = [_place(label, found.get(label), tmp, out) for label in labels]
        write_atomic(tmp / SWEEP_MANIFEST, _manifest(shards, results, out))
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return results


def _check_out(out: Path) -> None:
    """``out`` must be absent, empty, or an earlier merge (replaced as a whole)."""
    if not out.exists():
        return
    if not out.is_dir():
        msg = f"{out}: exists and is not a directory"
        raise UsageError(msg)
    if not any(out.iterdir()):
        return
    try:
        data = json.loads((out / SWEEP_MANIFEST).read_text(encoding="utf-8"))
        merged = isinstance(data, dict) and "merged" in data
    except (OSError, ValueError):
        merged = False
    if not merged:
        msg = f"{out}: exists and is not a merged sweep directory; give a new or empty OUT"
        raise UsageError(msg)


def _place(
    label: str, held: tuple[ShardDir, TargetResult] | None, tmp: Path, out: Path
) -> TargetResult:
    """Copy one target's run and logs into ``tmp``; the result as ``out`` will hold it."""
    log_dir = out / "logs" / label
    if held is None:
        return TargetResult(
            label, "", TargetStatus.SKIPPED, None, NOT_MERGED_REASON, None, log_dir, {}, {}
        )
    shard, result = held
    if result.log_dir.is_dir():
        shutil.copytree(result.log_dir, tmp / "logs" / result.label)
    run_path = None
    if result.run_path is not None and result.run_path.is_file():
        name = f"{result.label}.json"
        shutil.copy2(result.run_path, tmp / name)
        run_path = out / name
    elif result.ok:
        reason = f"its run {result.run_path} is missing from {shard.path}"
        return replace(result, status=TargetStatus.FAILED, reason=reason, run_path=None)
    rounds = shard.path / ROUNDS_DIR / result.label  # --rounds: every round's own run
    if rounds.is_dir():
        shutil.copytree(rounds, tmp / ROUNDS_DIR / result.label)
    extra = {**_rebased(result.extra, shard, out), "shard_dir": str(shard.path.resolve())}
    return replace(result, run_path=run_path, log_dir=out / "logs" / result.label, extra=extra)


def _rebased(extra: Mapping[str, object], shard: ShardDir, out: Path) -> dict[str, object]:
    """``extra`` with the shard's paths (where it ran, where it is now) moved under ``out``."""
    text = json.dumps(dict(extra))
    for old in {str(shard.manifest.get("out") or ""), str(shard.path.resolve())} - {""}:
        text = text.replace(json.dumps(old + "/")[1:-1], json.dumps(str(out) + "/")[1:-1])
    rebased = json.loads(text)
    return rebased if isinstance(rebased, dict) else dict(extra)


def _manifest(shards: Sequence[ShardDir], results: list[TargetResult], out: Path) -> str:
    data = dict(shards[0].manifest)
    data.pop("targets", None)
    data["command"] = [Path(sys.argv[0]).name, *sys.argv[1:]]
    data["out"] = str(out)
    data["shard"] = None
    data["merged"] = {
        "shards": [{"dir": str(s.path.resolve()), "shard": s.manifest.get("shard")} for s in shards]
    }
    entries = []
    for result in results:
        entry = result_to_json(result)
        entry["logs"] = [str(result.log_dir / Path(p).name) for p in _logs_of(result, shards)]
        entries.append(entry)
    data["targets"] = entries
    return json.dumps(data, indent=2) + "\n"


def _logs_of(result: TargetResult, shards: Sequence[ShardDir]) -> list[str]:
    source = result.extra.get("shard_dir")
    if not isinstance(source, str):
        return []
    logs = Path(source) / "logs" / result.label
    return sorted(p.name for p in logs.glob("*.log")) if logs.is_dir() else []


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in place of ``out`` (an earlier merge is replaced, never mixed)."""
    if not out.exists():
        tmp.replace(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.replace(old)
    try:
        tmp.replace(out)
    except OSError:
        old.replace(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
