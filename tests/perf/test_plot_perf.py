"""Performance of ``benchmem plot``: the sweep view of 5,000 ids x 3 runs, end to end.

Target: the command writes its HTML in <= 1.25 s (a fresh process: interpreter start, reading
three 2 MB runs, building the heatmap, writing ~5 MB of self-contained HTML). Reported in the
same run against the target and against a naive pandas + plotly-express pipeline doing the same
heatmap (long frame -> pivot -> ``px.imshow`` -> ``write_html``). No wall time is asserted.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

IDS = 5000
RUNS = 3
TARGET_S = 1.25

NAIVE = """
import sys
import numpy as np
import plotly.express as px
from pytest_benchmem import load_long_df
frame, _ = load_long_df(sys.argv[1:-1], metric="peak")
wide = frame.pivot_table(index="id", columns="snapshot", values="value", sort=False)
fold = np.log2(wide.div(wide.iloc[:, 0], axis=0))
px.imshow(fold, color_continuous_scale="RdBu_r", aspect="auto").write_html(
    sys.argv[-1], include_plotlyjs=True
)
"""


#: The sweep view as it was before its hover went into one typed array (a hover string per
#: cell, validated cell by cell): kept only here, as the baseline of the same run.
BEFORE = """
import math, sys
import numpy as np
import plotly.graph_objects as go
import pytest_benchmem.plotting as plotting
from pytest_benchmem.plotting import heatmap as h
from pytest_benchmem.plotting.data import esc
from pytest_benchmem.units import column_scale
from pytest_benchmem.plotting.layout import MAX_TICKS, View, finish, id_axis_height

def fold_of(base, value):
    if base > 0 and value > 0:
        return math.log2(value / base)
    if value == base:
        return 0.0
    return math.inf if value > base else -math.inf

def fold_text(fold):
    if math.isinf(fold):
        return "from zero" if fold > 0 else "to zero"
    return f"x{2.0**fold:.3g} (log2 {fold:+.2f})"

def row(points, labels, scale):
    first = next(i for i, point in enumerate(points) if point is not None)
    base = points[first]
    folds, texts = [], []
    for label, point in zip(labels, points):
        if point is None:
            folds.append(None)
            texts.append(f"{esc(base.id)}<br>{esc(label)}: no value")
            continue
        fold = fold_of(base.value, point.value)
        folds.append(fold)
        texts.append(f"{esc(point.id)}<br>{esc(label)}: {scale.human(point.value)}"
                     f"<br>{esc(labels[first])}: {scale.human(base.value)}<br>{fold_text(fold)}")
    return folds, texts

def build_sweep(ds, *, clip=None):
    tables, ids = ds.by_run(), ds.ids()
    scale = column_scale(ds.metric, [point.value for point in ds.points], bytes_by_median=True)
    z, text = [], []
    for key in ids:
        folds, texts = row([table.get(key) for table in tables], ds.labels, scale)
        z.append(folds)
        text.append(texts)
    finite = [abs(v) for r in z for v in r if v is not None and math.isfinite(v)]
    limit = clip if clip is not None else max([1.0, *finite])
    shown = [[math.nan if v is None else max(-limit, min(limit, v)) for v in r] for r in z]
    trace = go.Heatmap(z=np.array(shown, dtype=float), x=list(ds.labels), y=ids, text=text,
        hovertemplate="%{text}<extra></extra>", colorscale=h.COLOURSCALE, zmin=-limit,
        zmax=limit, zmid=0, xgap=1, ygap=1 if len(ids) <= MAX_TICKS else 0,
        colorbar=h._colourbar(limit, ds.labels[0]))
    axis = {"type": "category", "automargin": True}
    figure = go.Figure(trace, layout={"xaxis": {**axis, "side": "top"},
        "yaxis": {**axis, "autorange": "reversed", "showticklabels": len(ids) <= MAX_TICKS},
        "height": id_axis_height(len(ids), per_row=16)})
    finish(figure, f"{ds.metric}: change against {ds.labels[0]} (log2 fold)")
    return View("sweep", figure, len(ids), ds.metric, ds.labels, tuple(ds.notes))

plotting.build_sweep = h.build_sweep = build_sweep
from pytest_benchmem.cli import main
main()
"""


def _entry(i: int, factor: float) -> dict[str, object]:
    peak = int((i + 1) * 1024 * factor)
    return {
        "group": None,
        "name": f"test_x[{i}]",
        "fullname": f"test_m.py::test_x[{i}]",
        "params": {"i": i},
        "param": str(i),
        "extra_info": {
            "benchmem": {"peak_bytes": [peak], "allocations": [3], "total_bytes": [2 * peak]}
        },
        "options": {"timer": "perf_counter"},
        "stats": {
            "min": 1e-6 * (i + 1),
            "max": 2e-6 * (i + 1),
            "mean": 1.5e-6 * (i + 1),
            "stddev": 1e-7,
            "median": 1.4e-6 * (i + 1),
            "rounds": 5,
            "iterations": 1,
        },
    }


@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("plotperf")
    paths = []
    for r in range(RUNS):
        doc = {
            "machine_info": {},
            "commit_info": {},
            "benchmarks": [_entry(i, 1 + 0.1 * r + (i % 7) * 0.01 * r) for i in range(IDS)],
            "datetime": "2026-11-26T12:00:00",
            "version": "5.3.1",
            "benchmem": {
                "schema": 1,
                "label": f"{r + 1}.0",
                "spec": None,
                "python": "3.11",
                "packages": {},
            },
        }
        path = root / f"v{r}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(path)
    return paths


def _python(*args: str | Path) -> float:
    """Run python with ``args``; return the child's CPU time (user + sys), load-independent."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, *map(str, args)], check=True, env=os.environ, capture_output=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_plot_sweep_5000_ids_end_to_end(benchmark, sweep_runs, tmp_path):
    out = tmp_path / "sweep.html"
    cli = "from pytest_benchmem.cli import main; main()"

    cpu: list[float] = []

    def plot() -> None:
        cpu.append(_python("-c", cli, "plot", *sweep_runs, "--metric", "peak", "-o", out))

    benchmark.pedantic(plot, rounds=3, iterations=1, warmup_rounds=1)
    assert out.stat().st_size > 1_000_000
    page = out.read_text(encoding="utf-8")
    assert "test_m.py::test_x[4999]" in page

    before_out = tmp_path / "before.html"
    before_cpu: list[float] = []
    before: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        before_cpu.append(
            _python("-c", BEFORE, "plot", *sweep_runs, "--metric", "peak", "-o", before_out)
        )
        before.append(time.perf_counter() - start)
    ours_cpu, before_size, size = min(cpu), before_out.stat().st_size, out.stat().st_size

    naive_out = tmp_path / "naive.html"
    naive = []
    for _ in range(2):
        start = time.perf_counter()
        _python("-c", NAIVE, *sweep_runs, naive_out)
        naive.append(time.perf_counter() - start)
    ours = benchmark.stats.stats.min
    benchmark.extra_info.update(
        {
            "ids": IDS,
            "runs": RUNS,
            "target_s": TARGET_S,
            "ours_min_s": round(ours, 3),
            "ours_cpu_min_s": round(min(cpu), 3),
            "ratio_to_target": round(ours / TARGET_S, 3),
            "naive_min_s": round(min(naive), 3),
            "before_min_s": round(min(before), 3),
            "ratio_to_before_cpu": round(ours_cpu / min(before_cpu), 3),
            "html_bytes": size,
            "html_bytes_before": before_size,
            "ratio_naive_over_ours": round(min(naive) / ours, 2),
        }
    )
    print(
        f"\nbenchmem plot sweep, {IDS} ids x {RUNS} runs: {ours:.3f} s end to end "
        f"({ours / TARGET_S:.0%} of the {TARGET_S} s target; CPU {min(cpu):.3f} s); "
        f"naive pandas+px pipeline "
        f"{min(naive):.3f} s ({min(naive) / ours:.2f}x ours)"
    )
    print(
        f"benchmem plot sweep vs before (a hover string per cell): CPU {ours_cpu:.3f} s / "
        f"{min(before_cpu):.3f} s = {ours_cpu / min(before_cpu):.2f}x (target <= 0.6x); "
        f"wall {ours:.3f} s / {min(before):.3f} s = {ours / min(before):.2f}x; HTML "
        f"{size / 1e6:.2f} MB / {before_size / 1e6:.2f} MB = {size / before_size:.2f}x "
        "(target <= 1x)"
    )
