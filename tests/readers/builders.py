"""Small builders of pytest-benchmark JSON documents for reader and compare tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def bench(
    fullname: str,
    *,
    time: float = 1e-3,
    peak: Sequence[int] | None = None,
    allocations: Sequence[int] | None = None,
    total: Sequence[int] | None = None,
    params: dict[str, Any] | None = None,
    extra_info: dict[str, Any] | None = None,
    group: str | None = None,
    stats: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One benchmark entry as pytest-benchmark writes it (``peak`` etc. fill the blob)."""
    name = fullname.rpartition("::")[2]
    info = dict(extra_info or {})
    if peak is not None:
        blob = {"peak_bytes": list(peak)}
        blob["allocations"] = list(allocations if allocations is not None else [1] * len(peak))
        blob["total_bytes"] = list(total if total is not None else peak)
        info["benchmem"] = blob
    base_stats = {
        "min": time,
        "max": time * 1.5,
        "mean": time * 1.2,
        "stddev": time * 0.1,
        "median": time * 1.1,
        "rounds": 5,
        "iterations": 1,
        "outliers": "0;0",
        "ops": 1 / time if time else 0.0,
    }
    base_stats.update(stats or {})
    return {
        "group": group,
        "name": name,
        "fullname": fullname,
        "params": params,
        "param": None,
        "extra_info": info,
        "options": {"timer": "perf_counter"},
        "stats": base_stats,
    }


def run_doc(
    benchmarks: Sequence[dict[str, Any]], *, label: str | None = None, provenance: bool = True
) -> dict[str, Any]:
    """A whole run document; ``label`` goes into the top-level ``benchmem`` provenance."""
    doc: dict[str, Any] = {
        "machine_info": {"node": "test"},
        "commit_info": {"id": "unversioned"},
        "benchmarks": list(benchmarks),
        "datetime": "2026-11-26T12:00:00+00:00",
        "version": "5.3.1",
    }
    if provenance:
        doc["benchmem"] = {
            "schema": 1,
            "label": label,
            "spec": None,
            "python": "3.11.7",
            "packages": {},
        }
    return doc


def write_run(path: Path, benchmarks: Sequence[dict[str, Any]], **kwargs: Any) -> Path:
    """Write a run document to ``path`` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run_doc(benchmarks, **kwargs)), encoding="utf-8")
    return path
