"""A stand-in for ``run_targets`` (no uv): writes one small run per ``pkg==X`` target.

It behaves like the real pipeline where bisect relies on it: ``<out>/<label>.json`` runs, a
``TargetResult`` per target in order, and the manifest rewritten with only the given targets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from pytest_benchmem.sweep.manifest import read_manifest, write_manifest
from pytest_benchmem.sweep.model import Stage, SweepOptions, TargetResult, TargetStatus

MB = 1_000_000


def write_run(path: Path, label: str, values: Mapping[str, float], *, metric: str = "peak") -> Path:
    """A minimal pytest-benchmark run whose benchmarks have ``values`` for ``metric``."""
    benchmarks = []
    for ident, value in values.items():
        stats = {"min": value if metric == "time" else 0.001, "max": 0.002, "mean": 0.0015}
        if metric == "time":  # ten rounds whose quartiles span 10 % above the min
            stats |= {"rounds": 10, "q1": value, "q3": value * 1.1, "iqr": value * 0.1}
        extra = {} if metric == "time" else {"benchmem": {"peak_bytes": [int(value)]}}
        benchmarks.append(
            {
                "name": ident.rsplit("::", 1)[-1],
                "fullname": ident,
                "group": None,
                "params": None,
                "extra_info": extra,
                "stats": stats,
            }
        )
    data = {"benchmarks": benchmarks, "benchmem": {"schema": 1, "label": label}}
    path.write_text(json.dumps(data))
    return path


class FakeSweep:
    """``table``: version -> {id: value} (a run), a str (fails at install), or None (no run)."""

    def __init__(self, table: Mapping[str, object], *, metric: str = "peak") -> None:
        self.table = table
        self.metric = metric
        self.calls: list[list[str]] = []
        self.seen_manifests: list[dict[str, TargetResult]] = []

    def __call__(
        self,
        targets: Sequence[str],
        options: SweepOptions,
        *,
        manifest: str = "sweep.json",
        progress: object | None = None,
    ) -> list[TargetResult]:
        self.seen_manifests.append(read_manifest(options.out / manifest))
        labels = [t.partition("==")[2] for t in targets]
        self.calls.append(labels)
        results = [self._one(t, label, options) for t, label in zip(targets, labels, strict=True)]
        write_manifest(options.out / manifest, results, options, harness={"version": "fake"})
        return results

    def _one(self, spec: str, label: str, options: SweepOptions) -> TargetResult:
        entry = self.table[label]
        logs = options.out / "logs" / label
        logs.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, str):
            return TargetResult(
                label, spec, TargetStatus.FAILED, Stage.INSTALL, entry, None, logs, {}, {}
            )
        path = options.out / f"{label}.json"
        if entry is None:
            path.write_text("{not json")
        else:
            assert isinstance(entry, dict)
            write_run(path, label, entry, metric=self.metric)
        return TargetResult(label, spec, TargetStatus.OK, None, None, path, logs, {}, {"run": 0.1})
