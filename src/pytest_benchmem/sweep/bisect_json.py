"""The ``bisect`` section of ``<out>/bisect.json``: the search, its probes and their values.

Written by ``bisect_runner`` after every probe (the manifest's targets are the sweep's own
format); read back by ``bisect_report`` and ``--resume``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_benchmem.metrics import canonical_metric

from .bisect import BisectResult, Probe

if TYPE_CHECKING:
    from .bisect_runner import Request


def _probe_json(probe: Probe) -> dict[str, object]:
    shown = ("run", "log_dir", "status", "failed_tests")
    data: dict[str, object] = {
        "version": probe.version,
        "order": probe.order,
        "verdict": str(probe.verdict),
        "reason": probe.reason,
        "values": dict(probe.result.values),
        "crossings": [
            {
                "id": c.id,
                "base": c.base,
                "new": c.new,
                "percent": c.percent,
                "noise": c.noise.describe() if c.noise is not None else None,
            }
            for c in probe.crossings
        ],
        **{k: v for k, v in probe.result.detail.items() if k in shown},
    }
    if probe.first is not None:  # a marginal verdict, measured once more: the first values
        data["remeasured"] = {"first_values": dict(probe.first.values)}
    return data


def section(request: Request, outcome: BisectResult | None, status: str) -> dict[str, object]:
    """The ``bisect`` section of the manifest."""
    data: dict[str, object] = {
        "package": request.package,
        "good": request.good,
        "bad": request.bad,
        "metric": canonical_metric(request.metric),
        "threshold": request.rule().describe(),
        "test": request.test,
        "direction": str(request.way()),
        "status": status,
    }
    if outcome is not None:
        data |= {
            "candidates": list(outcome.versions),
            "selected": list(outcome.selected),
            "probed": [p.version for p in outcome.probes],
            "probe_order": [p.version for p in sorted(outcome.probes, key=lambda p: p.order)],
            "first_bad": outcome.first_bad,
            "last_good": outcome.last_good,
            "untested": list(outcome.untested),
            "skipped": [p.version for p in outcome.skipped],
            "probes": [_probe_json(p) for p in outcome.probes],
        }
    return data
