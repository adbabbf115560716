"""Axis controls on the scatter and compare views (synthetic runs; the scaling view and the
real-plugin cases are in ``test_plot_shape_e2e``)."""

from __future__ import annotations

import pytest

from pytest_benchmem.errors import UsageError
from pytest_benchmem.plotting import AxisOptions, build_view


def test_scatter_axes_follow_the_flags(two_runs):
    layout = build_view("scatter", two_runs, metric="peak").figure.layout
    assert layout.yaxis.type == "log"  # ratios: log by default
    opts = AxisOptions(log_y=False, log_x=True)
    layout = build_view("scatter", two_runs, metric="peak", options=opts).figure.layout
    assert layout.yaxis.type == "linear"
    assert layout.xaxis.type == "log"
    assert all(text.endswith("B") for text in layout.xaxis.ticktext)
    opts = AxisOptions(log_x=False)
    layout = build_view("scatter", two_runs, metric="peak", options=opts).figure.layout
    assert layout.xaxis.type == "linear"
    assert layout.xaxis.title.text.startswith("peak (")
    layout = build_view(
        "scatter", two_runs, metric="peak", options=AxisOptions(log_y=True)
    ).figure.layout
    assert layout.yaxis.type == "log"


def test_compare_frees_only_x(two_runs):
    opts = AxisOptions(free="x")
    view = build_view("compare", two_runs, metric="peak", facet="kind", options=opts)
    assert view.figure.layout.xaxis2.matches is None
    shared = build_view("compare", two_runs, metric="peak", facet="kind")
    assert shared.figure.layout.xaxis2.matches == "x"
    with pytest.raises(UsageError, match="--free-axes y does not apply to the compare view"):
        build_view("compare", two_runs, metric="peak", facet="kind", options=AxisOptions(free="y"))
    with pytest.raises(UsageError, match="applies to faceted plots"):
        build_view("compare", two_runs, metric="peak", options=AxisOptions(free="x"))
    with pytest.raises(UsageError, match="--log-x/--linear-x does not apply to the compare"):
        build_view("compare", two_runs, metric="peak", options=AxisOptions(log_x=True))


def test_log_of_zero_is_refused(tmp_path):
    from plotruns import entry, write_run

    run = write_run(
        tmp_path / "z.json",
        [entry(f"t.py::t[{n}]", peak=[n * 100], params={"n": n}) for n in (0, 1, 10, 100)],
    )
    with pytest.raises(UsageError, match="--log-x: some values are zero"):
        build_view(None, [run], metric="peak", options=AxisOptions(log_x=True))
    view = build_view(None, [run], metric="peak")
    assert view.figure.layout.xaxis.type == "linear"  # 0 on the axis: never log by default
