"""Flame graphs of the memory live at the peak, drawn with plotly (offline, one HTML file).

``flame_figure`` draws one capture (width = bytes at the peak, colour = share of the peak);
``diff_figure`` draws a differential flame graph (width = bytes at the peak in B, colour =
growth against A on a diverging scale: red grew, blue shrank, with the scale in the legend).
The root sits at the top and callees hang below (an icicle), as memray's reporter draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

from pytest_benchmem.attribution.model import BenchmarkDiff, Profile
from pytest_benchmem.attribution.tree import FlameNode, flame_nodes
from pytest_benchmem.units import human_bytes

MIB = 1024 * 1024
#: diverging scale: blue = shrank, light grey = unchanged, red = grew
DIFF_SCALE = [
    (0.0, "#2166ac"),
    (0.35, "#92c5de"),
    (0.5, "#eeeeee"),
    (0.65, "#f4a582"),
    (1.0, "#b2182b"),
]
SHARE_SCALE = "YlOrRd"


def _icicle(nodes: Sequence[FlameNode], colors: list[float], diff: bool) -> go.Icicle:
    return go.Icicle(
        ids=[n.ident for n in nodes],
        labels=[n.label for n in nodes],
        parents=[n.parent for n in nodes],
        values=[n.size for n in nodes],
        branchvalues="total",
        customdata=[n.hover(diff) for n in nodes],
        hovertemplate="%{customdata}<extra></extra>",
        text=[_box_text(n, diff) for n in nodes],
        textinfo="text",
        tiling={"orientation": "v"},
        maxdepth=-1,
        marker={"colors": colors},
        sort=False,
    )


def _box_text(node: FlameNode, diff: bool) -> str:
    text = f"{node.label}<br>{human_bytes(node.size)}"
    if diff and node.delta:
        sign = "+" if node.delta > 0 else "-"
        text += f" ({sign}{human_bytes(abs(node.delta))})"
    return text


def flame_figure(nodes: Sequence[FlameNode], title: str) -> go.Figure:
    """One capture's flame graph: width and colour are the bytes live at the peak."""
    total = max(nodes[0].size, 1) if nodes else 1
    shares = [100.0 * n.size / total for n in nodes]
    trace = _icicle(nodes, shares, diff=False)
    trace.marker.update(
        colorscale=SHARE_SCALE,
        cmin=0,
        cmax=100,
        showscale=True,
        colorbar={"title": {"text": "% of peak"}, "ticksuffix": "%"},
    )
    figure = go.Figure(trace)
    figure.update_layout(
        title={"text": title},
        margin={"t": 70, "l": 10, "r": 10, "b": 10},
        height=720,
    )
    return figure


def diff_figure(nodes: Sequence[FlameNode], title: str) -> go.Figure:
    """A differential flame graph: width = bytes at the peak in B, colour = growth vs A."""
    deltas = [n.delta / MIB for n in nodes[1:]] or [0.0]
    span = max((abs(d) for d in deltas), default=0.0) or 1.0 / MIB
    trace = _icicle(nodes, [n.delta / MIB for n in nodes], diff=True)
    trace.marker.update(
        colorscale=DIFF_SCALE,
        cmid=0,
        cmin=-span,
        cmax=span,
        showscale=True,
        colorbar={
            "title": {"text": "growth vs A (MiB)<br>red grew · blue shrank"},
            "tickformat": "+.2f",
        },
    )
    figure = go.Figure(trace)
    gone = nodes[0].before - nodes[0].size if nodes else 0
    sub = (
        f"peak in A {human_bytes(nodes[0].before)} → B {human_bytes(nodes[0].size)}"
        if nodes
        else ""
    )
    figure.update_layout(
        title={
            "text": f"{title}<br><sup>width: bytes live at the peak in B · {sub}"
            f"{' · net ' + ('+' if gone <= 0 else '-') + human_bytes(abs(gone))}</sup>"
        },
        margin={"t": 90, "l": 10, "r": 10, "b": 10},
        height=720,
    )
    return figure


def write_flamegraph(profile: Profile, path: str | Path) -> Path:
    """One capture's flame graph as a self-contained HTML page."""
    from .output import write_html

    title = f"memory live at the peak: {profile.benchmark_id} ({human_bytes(profile.peak)})"
    return write_html(flame_figure(flame_nodes(profile), title), path)


def write_diff_html(diffs: Sequence[BenchmarkDiff], path: str | Path) -> Path:
    """Differential flame graphs (one per benchmark) in one self-contained HTML page."""
    from pytest_benchmem.files import write_atomic

    from .output import report_page

    figures = [
        diff_figure(
            flame_nodes(d.after, d.before),
            f"{d.benchmark_id}: {d.before_label} → {d.after_label}",
        )
        for d in diffs
    ]
    summary = [f"{d.benchmark_id}: {d.footer()}" for d in diffs]
    summary.append(
        "Width: bytes live at the peak in B. Colour: growth against A (red grew, blue shrank, "
        "grey unchanged); the scale is in each graph's legend."
    )
    return write_atomic(Path(path), report_page("benchmem diff", summary, figures))


def attribution_section(diffs: Sequence[BenchmarkDiff]) -> tuple[list[str], list[go.Figure]]:
    """Summary lines and differential flame graphs for a sweep report."""
    from pytest_benchmem.attribution.report import brief

    lines = ["Where the peak moved between consecutive versions (sites live at the peak):"]
    figures = []
    for diff in diffs:
        lines += brief(diff)
        title = f"{diff.benchmark_id}: {diff.before_label} → {diff.after_label}"
        figures.append(diff_figure(flame_nodes(diff.after, diff.before), title))
    return lines, figures
