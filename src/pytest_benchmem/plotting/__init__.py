"""Interactive plotly views of pytest-benchmark runs (needs the ``[plot]`` extra).

``plot_scaling``, ``plot_scatter``, ``plot_compare`` and ``plot_sweep`` each return
``(figure, n_ids)``, n_ids being the number of distinct benchmark ids drawn; ``write_html``
writes a self-contained page and ``write_sweep_report`` the page ``benchmem sweep --report``
produces. The package root never imports this module.

Importing this package checks that plotly is installed without importing it: plotly's object
model is imported by the views that build ``go.Figure`` objects, when they run (the sweep view
and the HTML writer need only plotly's package data).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_benchmem.errors import UsageError
from pytest_benchmem.files import write_atomic
from pytest_benchmem.runs import Run

from .spec import plotly_dir

plotly_dir()  # plotly missing: a one-line error naming the [plot] extra, before anything else

from .axes import AxisOptions  # noqa: E402
from .data import Dataset, load_dataset  # noqa: E402
from .heatmap import build_lines, build_sweep  # noqa: E402
from .layout import View  # noqa: E402
from .output import check_output, report_page, save_figure, write_html  # noqa: E402

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from pytest_benchmem.attribution.model import BenchmarkDiff

VIEWS = ("compare", "scatter", "sweep", "scaling")
Snapshots = Sequence[str | Path | Run]

__all__ = [
    "VIEWS",
    "AxisOptions",
    "View",
    "build_view",
    "check_output",
    "default_view",
    "plot_compare",
    "plot_scaling",
    "plot_scatter",
    "plot_sweep",
    "save_figure",
    "write_html",
    "write_sweep_report",
]


def plot_scaling(
    snapshots: Snapshots,
    *,
    metric: str = "time",
    x: str | None = None,
    color: str | None = None,
    facet: str | None = None,
    log: bool | str = "auto",
    labels: Sequence[str] | None = None,
) -> tuple[go.Figure, int]:
    """Plot ``metric`` against a numeric dim ``x`` (inferred when the runs have exactly one).

    Colour is the run label when there are several runs, else ``color`` or the next dim;
    ``facet`` splits into subplots; ``log="auto"`` uses log axes when data spans > 10x.
    Benchmarks lacking the colour or facet dim are drawn under ``(none)``.
    """
    from .scaling import build_scaling

    ds = load_dataset(snapshots, metric, labels, dims=(x, color, facet))
    view = build_scaling(ds, x=x, color=color, facet=facet, log=log)
    return view.figure, view.n_ids


def plot_scatter(
    snapshots: Snapshots,
    *,
    metric: str = "time",
    facet: str | None = None,
    clip: float | None = None,
    labels: Sequence[str] | None = None,
) -> tuple[go.Figure, int]:
    """Plot each id's base value (first run) against its ratio new/base, a line at 1.

    ``clip`` pins ratios beyond ``2**±clip`` to the edge (log2 units, like the sweep).
    """
    from .pairs import build_scatter

    ds = load_dataset(snapshots, metric, labels, dims=(facet,))
    view = build_scatter(ds, facet=facet, clip=clip)
    return view.figure, view.n_ids


def plot_compare(
    snapshots: Snapshots,
    *,
    metric: str = "time",
    sort: str = "absolute",
    facet: str | None = None,
    clip: float | None = None,
    labels: Sequence[str] | None = None,
) -> tuple[go.Figure, int]:
    """Plot bars of the change (last run vs first) per id, sorted.

    ``sort="absolute"`` draws the change in the metric's unit, ``"relative"`` in percent;
    ``clip`` cuts bars at ±clip in that unit.
    """
    from .pairs import build_compare

    ds = load_dataset(snapshots, metric, labels, dims=(facet,))
    view = build_compare(ds, sort=sort, facet=facet, clip=clip)
    return view.figure, view.n_ids


def plot_sweep(
    snapshots: Snapshots,
    *,
    metric: str = "time",
    clip: float | None = None,
    labels: Sequence[str] | None = None,
) -> tuple[go.Figure, int]:
    """Plot a heatmap of ids x runs: log2 fold change against the first run.

    The hover shows the absolute values and labels; ``clip`` clamps the colour scale to ±clip.
    """
    view = build_sweep(load_dataset(snapshots, metric, labels), clip=clip)
    return view.figure, view.n_ids


def default_view(count: int) -> str:
    """The view for ``count`` runs: 1 scaling, 2 scatter, 3+ sweep."""
    return "scaling" if count <= 1 else "scatter" if count == 2 else "sweep"


def build_view(
    name: str | None,
    snapshots: Snapshots,
    *,
    metric: str = "time",
    x: str | None = None,
    facet: str | None = None,
    clip: float | None = None,
    labels: Sequence[str] | None = None,
    stat: str | None = None,
    where: Sequence[str] = (),
    pivot: str | None = None,
    options: AxisOptions | None = None,
) -> View:
    """Build the view ``name`` (None: by run count), with notes on what was not drawn.

    ``stat`` reduces each benchmark's series (min, max, mean, median, stddev; for time also
    pytest-benchmark's stats); None draws the headline value. ``where`` keeps benchmarks
    matching every ``KEY=VALUE``; ``pivot`` folds one run along a dim (its values become the
    runs); ``options`` carries the axis controls (each view refuses those it cannot apply).
    """
    opts = options or AxisOptions()
    if name is not None and name not in VIEWS:
        msg = f"unknown view {name!r} (choose from {' | '.join(VIEWS)})"
        raise UsageError(msg)
    if x is not None and name not in (None, "scaling"):
        msg = f"--x applies to the scaling view only, not {name}"
        raise UsageError(msg)
    if facet is not None and name == "sweep":
        msg = "--facet does not apply to the sweep view"
        raise UsageError(msg)
    ds = load_dataset(
        snapshots,
        metric,
        labels,
        stat=stat,
        dims=(x, facet, opts.color),
        where=where,
        pivot=pivot,
        band=opts.band,
    )
    chosen = name or default_view(len(ds.labels))
    if chosen == "scaling":
        if clip is not None:
            msg = "--clip does not apply to the scaling view (it clamps scatter, compare, sweep)"
            raise UsageError(msg)
        from .scaling import build_scaling

        return build_scaling(ds, x=x, facet=facet, options=opts)
    if x is not None:
        msg = f"--x applies to the scaling view only, not {chosen} ({len(ds.labels)} runs)"
        raise UsageError(msg)
    if opts.band != "auto":
        msg = f"--band draws on the scaling view's lines, not the {chosen} view"
        raise UsageError(msg)
    if chosen in ("scatter", "compare"):
        from .pairs import build_compare, build_scatter  # plotly's objects: imported here

        if chosen == "scatter":
            opts.refuse("scatter", "y_zero", "color")
            return build_scatter(ds, facet=facet, clip=clip, options=opts)
        opts.refuse("compare", "log_x", "log_y", "y_zero", "color")
        return build_compare(ds, facet=facet, clip=clip, options=opts)
    opts.refuse("sweep", "log_x", "log_y", "y_zero", "free", "color")
    if facet is not None:
        msg = f"--facet does not apply to the sweep view ({len(ds.labels)} runs)"
        raise UsageError(msg)
    return build_sweep(ds, clip=clip)


def _report_summary(ds: Dataset) -> list[str]:
    lines = [
        f"Runs, in order: {' → '.join(ds.labels)}.",
        f"Metric: {ds.metric}; {len(ds.ids())} benchmark id(s).",
    ]
    if len(ds.labels) > 1:
        lines.append(
            "Heatmap: each cell is the log2 fold change against the first run "
            "(red heavier, blue lighter); hover a cell for the absolute values."
        )
    else:
        lines.append("Only one run: no heatmap of changes, just the values below.")
    lines.extend(f"Note: {note}" for note in ds.notes)
    return lines


def time_lines(runs: Sequence[Run]) -> list[str]:
    """The time change of each benchmark, last run vs first, with its spread and the noise
    verdict (``pytest_benchmem.noise``): the report states it for every metric it draws."""
    from pytest_benchmem.compare import build_comparison
    from pytest_benchmem.units import format_value, signed_percent

    if len(runs) < 2 or not any(run.has_metric("time") for run in runs):
        return []
    comparison = build_comparison(runs, "time", None, "name")
    first, last = comparison.labels[0], comparison.labels[-1]
    head = "(min ±IQR, n rounds; within noise when the interquartile ranges overlap)"
    lines = [f"Time, {first} → {last} {head}:"]
    for row in comparison.rows:
        cells = []
        for value, spread in ((row.values[0], row.spreads[0]), (row.values[-1], row.spreads[-1])):
            if value is None:
                cells.append("—")
                continue
            text = format_value("time", value)
            if spread is not None:
                text += f" ±{format_value('time', spread.iqr)} (n={spread.rounds})"
            cells.append(text)
        change = "" if row.percent is None else f" {signed_percent(row.percent)}"
        verdict = "" if row.noise is None else f", {row.noise.describe()}"
        if row.within_noise and row.noise is not None and not row.noise.within:
            verdict = f", within noise ({row.noise.describe()})"
        lines.append(f"{row.id}: {cells[0]} → {cells[1]}:{change}{verdict}")
    return lines


def report_metrics(runs: Sequence[Run], metric: str | Sequence[str] | None) -> tuple[str, ...]:
    """The report's metrics: those asked for, else peak then time (the time panel beside the
    peak) for runs with memory, time alone for runs without."""
    if isinstance(metric, str):
        return (metric,)
    if metric:
        return tuple(dict.fromkeys(metric))
    chosen = [m for m in ("peak", "time") if any(run.has_metric(m) for run in runs)]
    return tuple(chosen) or ("time",)


def _panels(
    group: Sequence[Run], metric: str, python: str, clip: float | None
) -> tuple[list[go.Figure], list[str]]:
    """One metric's heatmap (2+ runs) and lines for one interpreter's runs, and its summary."""
    ds = load_dataset([r.path for r in group], metric, [r.label for r in group])
    panel = [build_sweep(ds, clip=clip).figure] if len(ds.labels) > 1 else []
    panel.append(build_lines(ds).figure)
    summary = _report_summary(ds)
    if python:
        for fig in panel:
            fig.update_layout(title_text=f"Python {python}: {fig.layout.title.text or ''}")
        summary.insert(0, f"Python {python}:")
    return panel, summary


def write_sweep_report(
    runs: Sequence[str | Path],
    path: Path,
    *,
    metric: str | Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    attribution: Sequence[BenchmarkDiff] = (),
    clip: float | None = None,
    failed: Sequence[str] = (),
) -> Path:
    """Write one self-contained page: per metric (``metric``: one or several; default peak
    and time) the sweep heatmap (colour clamped to ±``clip`` log2 when given) and a line per
    benchmark across labels; each run's Python and memory mode; the ``failed`` targets (one
    line each, with the reason); for ``attribution`` (``sweep --profile``), where each changed
    peak moved.

    Returns:
        The path written.
    """
    from pytest_benchmem.origins import by_python, machines_note, runs_lines
    from pytest_benchmem.runs import load_runs

    loaded = load_runs(runs, labels)
    metrics = report_metrics(loaded, metric)
    groups = by_python(loaded)
    figures: list[go.Figure] = []
    summary: list[str] = runs_lines(loaded)
    if failed:
        summary.append(f"Failed targets ({len(failed)}), not drawn:")
        summary.extend(f"failed: {line}" for line in failed)
    for name in metrics:
        for python, group in groups:  # a Python matrix: one panel per interpreter
            panel, lines = _panels(group, name, python, clip)
            figures.extend(panel)
            summary.extend(lines)
    for python, group in groups:
        times = time_lines(group)
        summary.extend(([f"Python {python}:"] if python and times else []) + times)
    note = machines_note(loaded) if "time" in metrics else None
    if note:
        summary.append(note)
    if attribution:
        from .flame import attribution_section

        lines, extra = attribution_section(attribution)
        summary, figures = [*summary, *lines], [*figures, *extra]
    page = report_page(f"benchmem sweep report: {', '.join(metrics)}", summary, figures)
    return write_atomic(Path(path), page.encode("utf-8"))
