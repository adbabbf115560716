"""End to end: ``benchmem plot`` with --pivot, --where, --color, the axis controls and --band,
on runs written by the real plugin (see ``shapesuite``); figures inspected through the API
that ``benchmem plot`` calls, errors through the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_benchmem import runs
from pytest_benchmem.plotting import AxisOptions, build_view
from shapesuite import run_suite

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """one: the shape suite (impl py/c, some without impl); grow: mib 1..30 x impl, 3 passes."""
    root = tmp_path_factory.mktemp("plotshape")
    shape = run_suite(root / "shape", {"one": "1"})
    grow = run_suite(
        root / "grow", {"grow": "1"}, grow=True, flags=("--benchmark-memory-repeats=3",)
    )
    return {**shape, **grow}


def _numbers(trace: object) -> list[float]:
    return [float(v) for axis in ("x", "y") for v in (getattr(trace, axis) or ())]


def _one_line(result: object, *needles: str) -> None:
    code, err = result.code, result.err  # type: ignore[attr-defined]
    assert code != 0
    assert err.startswith("benchmem: error: "), err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


# --- pivot and where ------------------------------------------------------------------------


def test_pivot_scatter_pairs_the_values_and_has_no_nan_series(real_runs: dict[str, Path]) -> None:
    runs.clear_cache()
    view = build_view(None, [real_runs["one"]], metric="peak", pivot="param:impl")
    assert view.name == "scatter"  # two values: the view for two runs
    assert view.labels == ("impl=py", "impl=c")
    assert view.n_ids == 3  # test_sum[1], test_sum[2], test_b
    assert "pivot on param:impl: 3 benchmarks lack it (left out)" in view.notes
    assert [t.name for t in view.figure.data] == ["impl=c / impl=py"]
    for trace in view.figure.data:
        assert all(math.isfinite(v) for v in _numbers(trace))
    ratios = sorted(view.figure.data[0].y)
    assert ratios == pytest.approx([1.0, 2.0, 2.0], rel=1e-3)  # c allocates twice in test_sum
    bars = build_view("compare", [real_runs["one"]], metric="peak", pivot="param:impl")
    assert bars.n_ids == 3
    assert all(math.isfinite(v) for v in bars.figure.data[0].x)


def test_where_filters_the_plot(real_runs: dict[str, Path], benchmem: Callable) -> None:
    view = build_view(None, [real_runs["grow"]], metric="peak", where=["impl=c", "mib=30"])
    assert view.n_ids == 1
    result = benchmem("plot", real_runs["grow"], "--where", "nope=1", "-o", "x.html")
    _one_line(result, "no benchmark has the dim 'nope'", "param:impl")
    result = benchmem("plot", real_runs["one"], real_runs["grow"], "--pivot", "param:impl")
    _one_line(result, "--pivot folds one run, got 2")
    result = benchmem("plot", real_runs["grow"], "--where", "impl")
    _one_line(result, "expected KEY=VALUE")


# --- axes, colour, bands ----------------------------------------------------------------------


def test_log_axes_label_ticks_with_units(real_runs: dict[str, Path]) -> None:
    view = build_view(None, [real_runs["grow"]], metric="peak", x="mib")
    layout = view.figure.layout
    assert layout.xaxis.type == "log"  # 1..30 spans more than a decade
    assert layout.yaxis.type == "log"
    ticks = list(layout.yaxis.ticktext)
    assert "3 MiB" in ticks
    assert "30 MiB" in ticks  # never two labels alike: 3 MiB and 30 MiB read differently
    assert len(set(ticks)) == len(ticks)
    # positions are in the drawn unit (MiB here): each tick sits where its label says
    scale = {"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
    for value, text in zip(layout.yaxis.tickvals, ticks, strict=True):
        number, unit = text.split()
        assert value * 1024**2 == pytest.approx(float(number) * scale[unit])
    assert list(layout.xaxis.ticktext) == ["1", "3", "10", "30"]


def test_linear_and_zero_based_axes(real_runs: dict[str, Path]) -> None:
    opts = AxisOptions(log_x=False, log_y=False)
    layout = build_view(None, [real_runs["grow"]], metric="peak", options=opts).figure.layout
    assert (layout.xaxis.type, layout.yaxis.type) == ("linear", "linear")
    assert layout.yaxis.title.text == "peak (MiB)"  # a linear axis names its unit
    opts = AxisOptions(y_zero=True)
    layout = build_view(None, [real_runs["grow"]], metric="peak", options=opts).figure.layout
    assert layout.yaxis.type == "linear"
    assert layout.yaxis.rangemode == "tozero"
    assert layout.xaxis.type == "log"
    opts = AxisOptions(log_y=True)
    one = build_view(None, [real_runs["one"]], metric="peak", x="n", options=opts)
    layout = one.figure.layout
    assert layout.yaxis.type == "log"


def test_facets_share_axes_unless_freed(real_runs: dict[str, Path]) -> None:
    shared = build_view(None, [real_runs["grow"]], metric="peak", facet="impl").figure.layout
    assert shared.yaxis2.matches == "y"
    assert shared.xaxis2.matches == "x"
    opts = AxisOptions(free="y")
    free = build_view(None, [real_runs["grow"]], metric="peak", facet="impl", options=opts)
    layout = free.figure.layout
    assert layout.yaxis2.matches is None
    assert layout.xaxis2.matches == "x"
    # each facet its own range: py (2x) reaches 84 MiB, c 42 MiB
    assert layout.yaxis.range != layout.yaxis2.range
    assert shared.yaxis.range == shared.yaxis2.range


def test_color_by_a_dim(real_runs: dict[str, Path]) -> None:
    opts = AxisOptions(color="param:impl")
    view = build_view(None, [real_runs["grow"]], metric="peak", options=opts)
    names = {t.name for t in view.figure.data if t.fill != "toself"}
    assert names == {"py", "c"}
    assert view.figure.layout.legend.title.text == "param:impl"


def test_band_shades_the_spread_over_the_passes(real_runs: dict[str, Path]) -> None:
    def fills(options: AxisOptions, metric: str = "peak") -> int:
        view = build_view(None, [real_runs["grow"]], metric=metric, options=options)
        return sum(t.fill == "toself" for t in view.figure.data)

    assert fills(AxisOptions()) == 2  # auto: the two lines whose passes differ
    assert fills(AxisOptions(band="none")) == 0
    assert fills(AxisOptions(band="auto"), metric="time") == 0  # auto: memory passes only
    assert fills(AxisOptions(band="minmax"), metric="time") == 0  # one round each (FAST)
    view = build_view(None, [real_runs["grow"]], metric="peak")
    band = next(t for t in view.figure.data if t.fill == "toself")
    line = next(
        t for t in view.figure.data if t.legendgroup == band.legendgroup and t.fill != "toself"
    )
    assert max(band.y) > max(line.y)  # the band reaches the heaviest pass above the min line


def test_axis_option_errors_are_one_line(
    real_runs: dict[str, Path], benchmem: Callable, tmp_path: Path
) -> None:
    grow, out = real_runs["grow"], tmp_path / "p.html"
    cases = [
        (["--band", "wide"], "unknown band 'wide'"),
        (["--free-axes", "z"], "unknown --free-axes 'z'"),
        (["--free-axes", "y"], "--free-axes applies to faceted plots"),
        (["--y-zero", "--log-y"], "--y-zero needs a linear y-axis"),
        (["--color", "colour"], "unknown dim 'colour'"),
        (["--x", "impl", "--log-x"], "--log-x needs a numeric x dim"),
        (["--view", "sweep", "--log-y"], "--log-y/--linear-y does not apply to the sweep view"),
    ]
    for args, needle in cases:
        _one_line(benchmem("plot", grow, "-o", out, *args), needle)
    pair = [real_runs["one"], real_runs["one"]]
    _one_line(benchmem("plot", *pair, "--color", "impl", "-o", out), "--color does not apply")
    _one_line(benchmem("plot", *pair, "--band", "none", "-o", out), "--band draws on")
    result = benchmem("plot", grow, "--y-zero", "--band", "minmax", "--color", "impl", "-o", out)
    assert result.code == 0, result.err
    assert "scaling view of peak" not in result.out  # time is the default metric
    assert out.exists()


def test_node_dims_facet_and_colour(real_runs: dict[str, Path]) -> None:
    opts = AxisOptions(color="func")
    view = build_view(None, [real_runs["one"]], metric="peak", x="n", facet="module", options=opts)
    layout = view.figure.layout
    assert [a.text for a in layout.annotations] == ["module=test_a.py"]  # test_b has no n
    assert layout.legend.title.text == "func"
    assert {t.name for t in view.figure.data} == {"test_sum", "test_k"}
