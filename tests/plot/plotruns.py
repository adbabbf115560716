"""Small pytest-benchmark JSON builders for the plot tests (ids, params, extra_info, blobs)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def entry(
    fullname: str,
    *,
    time: float = 1e-3,
    peak: Sequence[int] | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """One benchmark as pytest-benchmark writes it; ``peak`` fills the memory blob."""
    info = dict(extra or {})
    if peak is not None:
        info["benchmem"] = {
            "peak_bytes": list(peak),
            "allocations": [10] * len(peak),
            "total_bytes": [2 * p for p in peak],
        }
    stats = {
        "min": time,
        "max": time * 2,
        "mean": time * 1.5,
        "stddev": time * 0.1,
        "median": time * 1.4,
        "rounds": 3,
        "iterations": 1,
        "ops": 1 / time if time else 0.0,
    }
    return {
        "group": group,
        "name": fullname.rpartition("::")[2],
        "fullname": fullname,
        "params": params,
        "param": None,
        "extra_info": info,
        "options": {"timer": "perf_counter"},
        "stats": stats,
    }


def write_run(path: Path, benchmarks: Sequence[dict[str, Any]], label: str | None = None) -> Path:
    """Write a run document (with our provenance when ``label`` is given)."""
    doc: dict[str, Any] = {
        "machine_info": {"node": "test"},
        "commit_info": {},
        "benchmarks": list(benchmarks),
        "datetime": "2026-11-26T12:00:00+00:00",
        "version": "5.3.1",
    }
    if label is not None:
        doc["benchmem"] = {
            "schema": 1,
            "label": label,
            "spec": None,
            "python": "3.11.7",
            "packages": {},
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def scaling_suite(factor: float = 1.0, *, repeats: int = 1) -> list[dict[str, Any]]:
    """A suite over ``n`` (10..10000, so > a decade) for two kinds, plus one test without dims."""
    out = []
    for kind in ("list", "dict"):
        for n in (10, 100, 1000, 10000):
            base = int(n * (8 if kind == "list" else 40) * factor)
            peak = [base + 16 * i for i in range(repeats)]
            out.append(
                entry(
                    f"test_s.py::test_build[{kind}-{n}]",
                    time=n * 1e-7 * factor,
                    peak=peak,
                    params={"kind": kind, "n": n},
                )
            )
    out.append(entry("test_s.py::test_other", time=5e-4, peak=[4096]))
    return out


def many(count: int, factor: float = 1.0, *, runs_missing: int = 0) -> list[dict[str, Any]]:
    """``count`` simple benchmarks test_m.py::test_x[i] with peak and time growing with i."""
    return [
        entry(
            f"test_m.py::test_x[{i}]",
            time=(i + 1) * 1e-6 * factor,
            peak=[int((i + 1) * 1024 * factor)],
            params={"i": i},
        )
        for i in range(runs_missing, count)
    ]


#: growth of each kind's peak per version in :func:`demo_suite` (1.0, 2.0, 3.0)
DEMO_GROWTH = {"list": (1.0, 1.0, 0.5), "dict": (1.0, 2.0, 2.0), "set": (1.0, 1.1, 1.25)}
DEMO_VERSIONS = ("1.0", "2.0", "3.0")


def demo_suite(version: int) -> list[dict[str, Any]]:
    """A realistic-looking run: 12 parametrized ids over kind x n, three passes, plus one plain id.

    Version 2.0 makes ``dict`` twice as heavy; 3.0 halves ``list``; ``set`` creeps up.
    """
    out = []
    for kind, growth in DEMO_GROWTH.items():
        for n in (10, 100, 1000, 10000):
            base = n * {"list": 8, "dict": 100, "set": 220}[kind] * growth[version] + 512
            peak = [int(base), int(base * 1.04), int(base * 1.1)]
            out.append(
                entry(
                    f"test_demo.py::test_build[{kind}-{n}]",
                    time=n * 2e-8 * growth[version] + 1e-6,
                    peak=peak,
                    params={"kind": kind, "n": n},
                )
            )
    out.append(entry("test_demo.py::test_parse", time=3e-4, peak=[64 * 1024 * (1 + version)]))
    return out
