"""The sweep manifest, ``<out>/sweep.json``: targets in order and how each ended.

Written atomically after provisioning and after every run, so an interrupted sweep leaves a
valid manifest; ``--resume`` reads it back to skip targets whose run is complete.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pytest_benchmem.files import write_atomic

from .model import CAPTURES_DIR, Stage, SweepOptions, TargetResult, TargetStatus

SCHEMA = 1
_KNOWN = frozenset(
    [
        "label",
        "spec",
        "status",
        "stage",
        "reason",
        "run",
        "log_dir",
        "logs",
        "versions",
        "durations",
        "resolution",
        "reused_venv",
        "fingerprint",
        "captures",
    ]
)


def result_to_json(result: TargetResult) -> dict[str, object]:
    """One target's manifest entry."""
    logs = sorted(p.name for p in result.log_dir.glob("*.log")) if result.log_dir.is_dir() else []
    return {
        "label": result.label,
        "spec": result.spec,
        "status": str(result.status),
        "stage": str(result.stage) if result.stage else None,
        "reason": result.reason,
        "run": str(result.run_path) if result.run_path else None,
        "log_dir": str(result.log_dir),
        "logs": [str(result.log_dir / name) for name in logs],
        "versions": dict(result.versions),
        "durations": {k: round(v, 4) for k, v in result.durations.items()},
        "resolution": result.resolution,
        "reused_venv": result.reused,
        "fingerprint": result.fingerprint,
        **_captures(result),
        **dict(result.extra),
    }


def _captures(result: TargetResult) -> dict[str, object]:
    """``captures``: the target's kept memray captures (``sweep --profile``), relative to out."""
    if result.run_path is None:
        return {}
    folder = result.run_path.parent / CAPTURES_DIR / result.label
    if not folder.is_dir():
        return {}
    files = sorted(p.name for p in folder.glob("*.bin"))
    return {"captures": {"dir": f"{CAPTURES_DIR}/{result.label}", "files": files}}


def result_from_json(entry: Mapping[str, object]) -> TargetResult:
    """Rebuild a ``TargetResult`` from its manifest entry (``--resume``)."""
    stage = entry.get("stage")
    run = entry.get("run")
    versions = entry.get("versions")
    durations = entry.get("durations")
    return TargetResult(
        label=str(entry["label"]),
        spec=str(entry["spec"]),
        status=TargetStatus(str(entry["status"])),
        stage=Stage(str(stage)) if stage else None,
        reason=str(entry["reason"]) if entry.get("reason") is not None else None,
        run_path=Path(str(run)) if run else None,
        log_dir=Path(str(entry["log_dir"])),
        versions={str(k): str(v) for k, v in versions.items()}
        if isinstance(versions, dict)
        else {},
        durations={str(k): float(v) for k, v in durations.items()}
        if isinstance(durations, dict)
        else {},
        resolution=str(entry["resolution"]) if entry.get("resolution") else None,
        reused=bool(entry.get("reused_venv")),
        fingerprint=str(entry.get("fingerprint") or ""),
        extra={k: v for k, v in entry.items() if k not in _KNOWN},
    )


def write_manifest(
    path: Path,
    results: Sequence[TargetResult],
    options: SweepOptions,
    *,
    harness: Mapping[str, object],
    extra: Mapping[str, object] | None = None,
) -> None:
    """Write the manifest atomically."""
    data: dict[str, object] = {
        "schema": SCHEMA,
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "suite": str(options.suite),
        "out": str(options.out),
        "memory": options.memory,
        "profile": options.profile,
        "pins": list(options.pins),
        "as_of": options.as_of,
        "find_links": list(options.find_links),
        "index_urls": list(options.index_urls),
        "pytest_args": list(options.pytest_args),
        "env": list(options.env),
        "python": options.python or sys.executable,
        "rounds": options.rounds,
        "harness": dict(harness),
        **dict(extra or {}),
        "targets": [result_to_json(r) for r in results],
    }
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def read_manifest(path: Path) -> dict[str, TargetResult]:
    """Previous results by label (empty when there is no readable manifest)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["targets"]
        return {str(e["label"]): result_from_json(e) for e in entries}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
