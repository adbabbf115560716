"""Finding captures: a run JSON with captures, a capture file, or a label of a sweep directory.

Owns the one-line errors of bad input: a run without captures (naming the flag that makes
them), a missing or unreadable capture, an unknown or ambiguous id (listing the candidates).
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_benchmem.captures import CAPTURE_KEY, PROFILE_KEY
from pytest_benchmem.errors import BenchmemError, SchemaError, UsageError
from pytest_benchmem.metrics import BLOB_KEY

CAPTURE_SUFFIXES = (".bin",)
DEFAULT_SWEEP_DIR = Path(".benchmarks/sweep")
MAKE_CAPTURES = (
    "record them with pytest --benchmark-memory-profile=DIR (or benchmem sweep --profile)"
)
WORST = {"peak": "peak_bytes", "allocated": "total_bytes", "allocations": "allocations"}


@dataclass(frozen=True)
class CaptureRef:
    """One benchmark's kept capture, found from a run (or given directly)."""

    benchmark_id: str
    path: Path
    rootdir: str | None = None
    values: tuple[tuple[str, int], ...] = ()  # headline peak/allocated/allocations

    def value(self, metric: str) -> int | None:
        """The headline (min over passes) of a blob series, or None."""
        return dict(self.values).get(WORST[metric])


@dataclass(frozen=True)
class CaptureSet:
    """The captures of one source (run, capture file or sweep label), by benchmark id."""

    source: str
    captures: dict[str, CaptureRef]
    python: str | None = None  # the run's interpreter version (a Python matrix pairs by it)


def resolve_source(text: str | Path, sweep_dir: Path | None = None) -> Path:
    """A path as given, else ``<sweep dir>/<label>.json`` for a sweep label."""
    path = Path(text)
    if path.exists():
        return path
    base = sweep_dir or DEFAULT_SWEEP_DIR
    candidate = base / f"{text}.json"
    if candidate.is_file():
        return candidate
    if base.is_dir() and (base / "sweep.json").is_file():
        labels = sorted(p.stem for p in base.glob("*.json") if p.name not in _NOT_RUNS)
        msg = f"no run labelled {str(text)!r} in {base} (labels: {', '.join(labels) or 'none'})"
        raise UsageError(msg)
    msg = f"{str(text)!r} does not exist (give a run JSON, a capture .bin, or a sweep label)"
    raise UsageError(msg)


_NOT_RUNS = {"sweep.json", "bisect.json"}


def load_captures(text: str | Path, sweep_dir: Path | None = None) -> CaptureSet:
    """The captures named by ``text``: a capture file, or every capture a run records."""
    path = resolve_source(text, sweep_dir)
    if path.is_dir():
        msg = f"{str(path)!r} is a directory (give a run JSON, a capture .bin, or a sweep label)"
        raise UsageError(msg)
    if path.suffix.lower() in CAPTURE_SUFFIXES:
        return CaptureSet(str(path), {path.stem: CaptureRef(path.stem, path)})
    data = _read_json(path)
    info = data.get(BLOB_KEY)
    python = info.get("python") if isinstance(info, dict) else None
    return CaptureSet(
        str(path), _run_captures(path, data), python if isinstance(python, str) else None
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read {str(path)!r}: {exc}"
        raise SchemaError(msg) from None
    except json.JSONDecodeError as exc:
        msg = f"{str(path)!r} is not valid JSON (line {exc.lineno}: {exc.msg})"
        raise SchemaError(msg) from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        msg = f"{str(path)!r} is not a pytest-benchmark run (no 'benchmarks' list)"
        raise SchemaError(msg)
    return data


def _headlines(blob: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    out = []
    for key in WORST.values():
        series = blob.get(key)
        if isinstance(series, list) and series and all(isinstance(v, int) for v in series):
            out.append((key, min(series)))
    return tuple(out)


def _run_captures(path: Path, data: dict[str, Any]) -> dict[str, CaptureRef]:
    run_info = data.get(BLOB_KEY)
    run_info = run_info if isinstance(run_info, dict) else {}
    profile = run_info.get(PROFILE_KEY)
    profile = profile if isinstance(profile, dict) else {}
    rootdir = profile.get("rootdir") if isinstance(profile.get("rootdir"), str) else None
    out: dict[str, CaptureRef] = {}
    for bench in data["benchmarks"]:
        if not isinstance(bench, dict):
            continue
        ident = bench.get("fullname") or bench.get("name")
        blob = (bench.get("extra_info") or {}).get(BLOB_KEY)
        if not isinstance(ident, str) or not isinstance(blob, dict):
            continue
        rel = blob.get(CAPTURE_KEY)
        if not isinstance(rel, str) or not rel:
            continue
        found = _locate(path, rel, profile)
        out[ident] = CaptureRef(ident, found, rootdir, _headlines(blob))
    if not out:
        msg = f"{str(path)!r} has no memory captures ({MAKE_CAPTURES})"
        raise BenchmemError(msg)
    return out


def _locate(run: Path, rel: str, profile: dict[str, Any]) -> Path:
    """The capture file: beside the run first, then where the plugin wrote it."""
    candidates = [run.parent / rel]
    for key in ("relative_to",):
        if isinstance(profile.get(key), str):
            candidates.append(Path(profile[key]) / rel)
    if isinstance(profile.get("dir"), str):
        candidates.append(Path(profile["dir"]) / Path(rel).name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


def match_ids(ids: list[str], pattern: str | None) -> list[str]:
    """Ids equal to ``pattern``, else matching it as a glob, else containing it."""
    if pattern is None:
        return list(ids)
    if pattern in ids:
        return [pattern]
    globbed = [i for i in ids if fnmatch.fnmatchcase(i, pattern)]
    return globbed or [i for i in ids if pattern in i]


def candidates_text(ids: list[str], limit: int = 8) -> str:
    """``a, b, c (and 4 more)``: the ids to choose from, for one-line errors."""
    shown = ", ".join(ids[:limit])
    more = f" (and {len(ids) - limit} more)" if len(ids) > limit else ""
    return shown + more


def pick_one(captures: CaptureSet, pattern: str | None, worst: str | None) -> CaptureRef:
    """One capture for the flame graph: by ``--id`` pattern, ``--worst`` metric, or the only one."""
    ids = list(captures.captures)
    if pattern is not None:
        matched = match_ids(ids, pattern)
        if not matched:
            msg = (
                f"no benchmark matches --id {pattern!r} in {captures.source} "
                f"(ids: {candidates_text(ids)})"
            )
            raise UsageError(msg)
        if len(matched) > 1 and worst is None:
            msg = (
                f"--id {pattern!r} matches {len(matched)} benchmarks: "
                f"{candidates_text(matched)}; narrow it or add --worst"
            )
            raise UsageError(msg)
        ids = matched
    if len(ids) == 1:
        return captures.captures[ids[0]]
    if worst is None:
        msg = (
            f"{captures.source} has {len(ids)} captures: pick one with --id PATTERN or "
            f"--worst peak ({candidates_text(ids)})"
        )
        raise UsageError(msg)
    if worst not in WORST:
        msg = f"--worst {worst!r}: expected one of {', '.join(WORST)}"
        raise UsageError(msg)
    return max(
        (captures.captures[i] for i in ids),
        key=lambda ref: (ref.value(worst) or -1, ref.benchmark_id),
    )
