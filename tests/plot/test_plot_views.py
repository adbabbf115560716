"""The four views through the public API: what is drawn, counted, coloured, and refused."""

from __future__ import annotations

import itertools
import math

import pytest
from plotruns import entry, many, scaling_suite, write_run

from pytest_benchmem.errors import UsageError
from pytest_benchmem.plotting import (
    build_view,
    plot_compare,
    plot_scaling,
    plot_scatter,
    plot_sweep,
    write_sweep_report,
)
from pytest_benchmem.runs import load_runs


def lines(fig):
    """The data traces of a scaling figure (bands are the ``fill`` traces)."""
    return [t for t in fig.data if t.fill != "toself"]


def bands(fig):
    return [t for t in fig.data if t.fill == "toself"]


# --- scaling ---------------------------------------------------------------------------------


def test_scaling_infers_the_one_numeric_dim_and_colours_by_the_next(one_run):
    fig, n_ids = plot_scaling([one_run], metric="peak")
    assert n_ids == 8  # test_other has no n: it has no place on the x-axis
    assert fig.layout.xaxis.title.text == "n"
    assert sorted(t.name for t in lines(fig)) == ["dict", "list"]
    assert fig.layout.legend.title.text == "kind"
    for trace in lines(fig):
        assert list(trace.x) == [10, 100, 1000, 10000]  # sorted along x
    assert fig.layout.xaxis.type == "log"  # 10..10000 spans more than a decade
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text == "peak"  # a log axis: its ticks carry the unit
    assert all(text.endswith(("B", "KiB", "MiB")) for text in fig.layout.yaxis.ticktext)


def test_scaling_without_a_colour_dim_colours_by_test_function(tmp_path):
    benches = [
        entry(f"t.py::{func}[{n}]", peak=[n * k], params={"n": n})
        for func, k in (("test_list", 8), ("test_buffer", 1))
        for n in (10, 100, 1000)
    ]
    fig, n_ids = plot_scaling([write_run(tmp_path / "r.json", benches)], metric="peak")
    assert n_ids == 6
    traces = lines(fig)
    assert [t.name for t in traces] == ["test_list", "test_buffer"]  # not "peak" twice
    assert len({t.line.color for t in traces}) == 2
    assert fig.layout.legend.title.text == "benchmark"


def test_scaling_band_spans_the_passes(one_run):
    fig, _ = plot_scaling([one_run], metric="peak")
    assert len(bands(fig)) == 2
    band = bands(fig)[0]
    xs = list(band.x)
    assert xs == [10, 100, 1000, 10000, 10000, 1000, 100, 10]
    # three passes 16 bytes apart: high then low, reversed
    ys = list(band.y)
    assert ys[0] > ys[-1]
    assert math.isclose((ys[0] - ys[-1]) * 1024, 32)


def test_scaling_single_pass_has_no_band(two_runs):
    fig, _ = plot_scaling(two_runs[:1], metric="peak")
    assert bands(fig) == []


def test_scaling_log_forced_either_way(one_run):
    fig, _ = plot_scaling([one_run], metric="peak", log=False)
    assert (fig.layout.xaxis.type, fig.layout.yaxis.type) == ("linear", "linear")
    tight = write_run(
        one_run.parent / "tight.json",
        [e for e in scaling_suite() if "[list-1" in e["fullname"]][:2],
    )
    fig, _ = plot_scaling([tight], metric="peak", log=True)
    assert (fig.layout.xaxis.type, fig.layout.yaxis.type) == ("log", "log")
    fig, _ = plot_scaling([tight], metric="peak")
    assert fig.layout.xaxis.type == "linear"  # 10..100 is exactly a decade, not more
    with pytest.raises(UsageError, match="log must be"):
        plot_scaling([one_run], metric="peak", log="sometimes")


def test_scaling_several_runs_colour_by_label(two_runs):
    fig, n_ids = plot_scaling(two_runs, metric="time", labels=["old", "new"])
    assert n_ids == 8
    assert {t.name for t in lines(fig)} == {"old", "new"}
    assert fig.layout.legend.title.text == "run"
    # one legend entry per label, however many lines share it
    assert sum(bool(t.showlegend) for t in lines(fig)) == 2
    assert fig.layout.yaxis.title.text == "time"  # a log axis: its ticks carry the unit
    assert all(text.endswith(("us", "ms")) for text in fig.layout.yaxis.ticktext)


def test_scaling_explicit_colour_and_facet(two_runs):
    fig, n_ids = plot_scaling(two_runs[:1], metric="peak", color="kind", facet="kind")
    assert n_ids == 8
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["kind=dict", "kind=list"]


def test_scaling_missing_colour_and_facet_dims_are_their_own_category(ragged_run):
    fig, n_ids = plot_scaling([ragged_run], metric="peak", color="kind", facet="phase")
    assert n_ids == 5  # every benchmark drawn
    assert sum(len(t.x) for t in lines(fig)) == 5
    assert {t.name for t in lines(fig)} == {"list", "(none)"}
    assert [a.text for a in fig.layout.annotations] == ["phase=build", "phase=(none)"]


def test_scaling_categorical_x(ragged_run):
    fig, n_ids = plot_scaling([ragged_run], metric="peak", x="kind")
    assert n_ids == 2
    assert fig.layout.xaxis.type == "category"


def test_scaling_needs_an_x(tmp_path, one_run):
    flat = write_run(
        tmp_path / "flat.json", [entry("t.py::test_a", peak=[1]), entry("t.py::test_b", peak=[2])]
    )
    with pytest.raises(UsageError, match=r"needs a numeric dim.*parametrize the benchmarks"):
        plot_scaling([flat], metric="peak")
    two = write_run(
        tmp_path / "two.json", [entry("t.py::t[1-2]", peak=[1], params={"a": 1, "b": 2})]
    )
    with pytest.raises(UsageError, match=r"several numeric dims could be the x-axis \(a, b\).*--x"):
        plot_scaling([two], metric="peak")
    with pytest.raises(
        UsageError, match=r"unknown dim 'size' for the x-axis \(dims in these runs: kind, n"
    ):
        plot_scaling([one_run], metric="peak", x="size")


def test_scaling_nothing_on_the_axis_is_an_error(one_run):
    with pytest.raises(UsageError, match="nothing to draw in the scaling view"):
        plot_scaling([one_run], metric="peak", x="node.class")


def test_node_dims_when_named(one_run):
    fig, n_ids = plot_scaling([one_run], metric="peak", facet="node.func")
    assert n_ids == 8
    assert [a.text for a in fig.layout.annotations] == ["node.func=test_build"]


# --- scatter ---------------------------------------------------------------------------------


def test_scatter_ratio_against_base(two_runs):
    fig, n_ids = plot_scatter(two_runs, metric="peak")
    assert n_ids == 9
    (trace,) = fig.data
    assert trace.name == "new / base"
    ratios = sorted(trace.y)
    assert ratios[0] == 1.0  # test_other did not change
    assert all(math.isclose(r, 2.0, rel_tol=1e-3) for r in ratios[1:])
    assert [s.y0 for s in fig.layout.shapes] == [1]
    assert fig.layout.xaxis.type == "log"
    assert "base: " in trace.hovertext[0]
    assert "new: " in trace.hovertext[0]


def test_scatter_clip_pins_outliers(two_runs):
    fig, _ = plot_scatter(two_runs, metric="peak", clip=0.5)
    (trace,) = fig.data
    assert max(trace.y) == pytest.approx(2**0.5)
    assert list(trace.marker.symbol).count("triangle-up") == 8
    with pytest.raises(UsageError, match="clip must be a positive number"):
        plot_scatter(two_runs, metric="peak", clip=0)


def test_scatter_three_runs_one_trace_per_newer_run(three_runs):
    fig, n_ids = plot_scatter(three_runs, metric="peak")
    assert [t.name for t in fig.data] == ["2.0 / 1.0", "3.0 / 1.0"]
    assert n_ids == 9


def test_scatter_facet_with_missing_dim(two_runs):
    fig, n_ids = plot_scatter(two_runs, metric="peak", facet="kind")
    assert n_ids == 9
    assert [a.text for a in fig.layout.annotations] == ["kind=dict", "kind=list", "kind=(none)"]
    assert sum(len(t.x) for t in fig.data) == 9
    assert len(fig.layout.shapes) == 3  # the reference line in every facet


def test_scatter_ratio_axis_never_zooms_into_noise(tmp_path):
    # 1.0 and 0.999998 (16 bytes of 8 MB): the axis must not stretch that over its height
    base = write_run(
        tmp_path / "a.json", [entry("t.py::big", peak=[8_000_000]), entry("t.py::same", peak=[10])]
    )
    new = write_run(
        tmp_path / "b.json", [entry("t.py::big", peak=[7_999_984]), entry("t.py::same", peak=[10])]
    )
    fig, _ = plot_scatter([base, new], metric="peak")
    low, high = fig.layout.yaxis.range
    assert fig.layout.yaxis.type == "log"
    assert 10**low <= 1 / 1.1
    assert 10**high >= 1.1


def test_scatter_facets_share_the_ratio_range(two_runs):
    fig, _ = plot_scatter(two_runs, metric="peak", facet="kind")
    ranges = {tuple(fig.layout[n].range) for n in fig.layout if n.startswith("yaxis")}
    assert len(ranges) == 1
    ((low, high),) = ranges
    assert 10**low < 2 < 10**high  # every point (ratio 2) is inside


def test_scatter_needs_two_runs(one_run):
    with pytest.raises(UsageError, match="the scatter view needs at least 2 runs"):
        plot_scatter([one_run])


def test_scatter_unpaired_and_zero_base_ids_are_noted(tmp_path):
    base = write_run(tmp_path / "a.json", [*many(4), entry("t.py::zero", peak=[0])])
    new = write_run(tmp_path / "b.json", [*many(6, runs_missing=1), entry("t.py::zero", peak=[10])])
    view = build_view("scatter", [base, new], metric="peak")
    assert view.n_ids == 3
    assert sum(len(t.x) for t in view.figure.data) == 3
    assert "1 id(s) only in a (no pair, not drawn)" in view.notes
    assert "2 id(s) only in b (no pair, not drawn)" in view.notes
    assert "1 id(s) grew from a zero base (no ratio, not drawn)" in view.notes


def test_scatter_with_nothing_in_common_is_an_error(tmp_path):
    base = write_run(tmp_path / "a.json", [entry("t.py::a", peak=[1])])
    new = write_run(tmp_path / "b.json", [entry("t.py::b", peak=[1])])
    with pytest.raises(UsageError, match="nothing to draw in the scatter view"):
        plot_scatter([base, new], metric="peak")


# --- compare ---------------------------------------------------------------------------------


def test_compare_absolute_bars_sorted(two_runs):
    fig, n_ids = plot_compare(two_runs, metric="peak")
    assert n_ids == 9
    (bars,) = fig.data
    assert list(bars.x) == sorted(bars.x)
    assert bars.y[-1] == "test_s.py::test_build[dict-10000]"  # the largest growth on top
    assert bars.x[0] == 0  # test_other did not change
    assert fig.layout.xaxis.title.text.startswith("change (")
    assert list(bars.marker.color).count("#d62728") == 8


def test_compare_relative_in_percent(two_runs):
    fig, _ = plot_compare(two_runs, metric="peak", sort="relative")
    (bars,) = fig.data
    assert fig.layout.xaxis.title.text == "change (%)"
    assert max(bars.x) == pytest.approx(100.0, rel=1e-3)
    with pytest.raises(UsageError, match=r"unknown sort 'size'.*absolute \| relative"):
        plot_compare(two_runs, sort="size")


def test_compare_clip_cuts_bars(two_runs):
    fig, _ = plot_compare(two_runs, metric="peak", sort="relative", clip=50)
    (bars,) = fig.data
    assert max(bars.x) == 50
    assert list(bars.marker.pattern.shape).count("/") == 8


def test_compare_first_against_last_with_facets(three_runs):
    view = build_view("compare", three_runs, metric="peak", facet="kind")
    assert view.n_ids == 9
    assert "comparing the first run (1.0) with the last (3.0)" in view.notes
    assert len(view.figure.data) == 3
    assert max(max(t.x) for t in view.figure.data) > 0


def test_compare_facets_stack_without_overlap(three_runs):
    fig, _ = plot_compare(three_runs, metric="peak", facet="kind")
    layout = fig.layout
    axes = sorted(
        (layout[name] for name in layout if name.startswith("yaxis")),
        key=lambda axis: -axis.domain[1],
    )
    assert len(axes) == 3
    usable = layout.height - layout.margin.t - layout.margin.b
    for upper, lower in itertools.pairwise(axes):
        # room for the upper panel's tick labels and the lower panel's title
        assert (upper.domain[0] - lower.domain[1]) * usable >= 60
    titled = [name for name in layout if name.startswith("xaxis") and layout[name].title.text]
    assert len(titled) == 1  # the bottom panel only
    # one scale for every panel: bar lengths compare across facets
    assert {layout[n].matches for n in layout if n.startswith("xaxis")} == {"x"}
    anchored = layout["yaxis" + layout[titled[0]].anchor[1:]]
    assert anchored.domain[0] == min(axis.domain[0] for axis in axes)


def test_compare_relative_drops_zero_base_with_a_note(tmp_path):
    base = write_run(
        tmp_path / "a.json", [entry("t.py::zero", peak=[0]), entry("t.py::one", peak=[10])]
    )
    new = write_run(
        tmp_path / "b.json", [entry("t.py::zero", peak=[5]), entry("t.py::one", peak=[20])]
    )
    view = build_view("compare", [base, new], metric="peak")
    assert view.n_ids == 2  # absolute: a zero base is fine
    _, n_ids = plot_compare([base, new], metric="peak", sort="relative")
    assert n_ids == 1
    new2 = write_run(tmp_path / "c.json", [entry("t.py::other", peak=[5])])
    with pytest.raises(UsageError, match="nothing to draw in the compare view"):
        plot_compare([base, new2], metric="peak")


# --- sweep -----------------------------------------------------------------------------------


def test_sweep_log2_fold_against_first(three_runs):
    fig, n_ids = plot_sweep(three_runs, metric="peak")
    assert n_ids == 9
    (heat,) = fig.data
    assert list(heat.x) == ["1.0", "2.0", "3.0"]
    assert len(heat.y) == 9
    row = list(heat.y).index("test_s.py::test_build[list-1000]")
    assert [round(v, 3) for v in heat.z[row]] == [0.0, 1.0, 2.0]
    other = list(heat.y).index("test_s.py::test_other")
    assert list(heat.z[other]) == [0.0, 0.0, 0.0]
    assert heat.zmin == -2.0
    assert heat.zmax == 2.0
    assert heat.zmid == 0
    # the hover's numbers are one typed array the browser formats (no string per cell)
    value, base, ratio, fold = heat.customdata[row][2]
    assert (value, base, ratio, fold) == (32_000 / 1024, 8_000 / 1024, 4.0, 2.0)  # exact in f4
    assert heat.hovertemplate == (
        "%{y}<br>%{x}: %{customdata[0]:,.4~r} KiB<br>1.0: %{customdata[1]:,.4~r} KiB"
        "<br>×%{customdata[2]:.3~g} (log2 %{customdata[3]:+.2f})<extra></extra>"
    )
    # 27 cells (<= 400): each shows its change, a zero as 0
    assert list(heat.text[row]) == ["0", "×2", "×4"]
    assert list(heat.text[other]) == ["0", "0", "0"]
    assert heat.texttemplate == "%{text}"


def test_sweep_clip_clamps_the_colour_scale(three_runs):
    fig, _ = plot_sweep(three_runs, metric="peak", clip=1.5)
    (heat,) = fig.data
    assert (heat.zmin, heat.zmax) == (-1.5, 1.5)
    assert max(max(r) for r in heat.z) == 1.5


def test_sweep_missing_ids_and_zero_values(tmp_path):
    runs = [
        write_run(tmp_path / "a.json", [entry("t.py::a", peak=[100]), entry("t.py::z", peak=[0])]),
        write_run(
            tmp_path / "b.json",
            [
                entry("t.py::a", peak=[200]),
                entry("t.py::z", peak=[64]),
                entry("t.py::late", peak=[10]),
            ],
        ),
        write_run(
            tmp_path / "c.json", [entry("t.py::late", peak=[40]), entry("t.py::z", peak=[0])]
        ),
    ]
    view = build_view(None, runs, metric="peak")
    assert view.name == "sweep"
    (heat,) = view.figure.data
    assert list(heat.y) == ["t.py::a", "t.py::z", "t.py::late"]
    cells = [[None if math.isnan(v) else float(v) for v in row] for row in heat.z]
    assert cells[0] == [0.0, 1.0, None]  # an empty cell where the id is missing
    assert cells[1] == [0.0, 2.0, 0.0]  # from zero: pinned to the top of the scale
    assert cells[2] == [None, 0.0, 2.0]  # folded against its first run (b)
    assert list(heat.customdata[1][1]) == [64.0, 0.0, math.inf, math.inf]  # from zero
    assert all(math.isnan(v) for v in heat.customdata[0][2])  # no value: no hover (gap)
    assert heat.hoverongaps is False
    assert list(heat.customdata[2][2]) == [40.0, 10.0, 4.0, 2.0]  # against its first run
    assert "<br>first run with a value: " in heat.hovertemplate
    assert "1 id(s) missing from a are folded against their first run" in view.notes


def test_sweep_needs_two_runs(one_run):
    with pytest.raises(UsageError, match="the sweep view needs at least 2 runs"):
        plot_sweep([one_run])


# --- shared input handling -------------------------------------------------------------------


def test_metric_no_run_has(two_runs, tmp_path):
    timing = write_run(tmp_path / "t.json", [entry("t.py::a"), entry("t.py::b")])
    with pytest.raises(UsageError, match=r"no run has peak values.*--benchmark-memory"):
        plot_sweep([timing, timing], metric="peak")
    with pytest.raises(UsageError, match="unknown metric"):
        plot_scatter(two_runs, metric="vms")
    with pytest.raises(UsageError, match=r"no run has rss values.*isolate=True"):
        plot_scatter(two_runs, metric="rss")


def test_labels_and_memory_alias(two_runs):
    fig, _ = plot_scatter(two_runs, metric="memory", labels=["v1", "v2"])
    assert fig.data[0].name == "v2 / v1"
    with pytest.raises(UsageError, match="label"):
        plot_scatter(two_runs, labels=["only-one"])


def test_runs_objects_and_directories(two_runs):
    runs = load_runs(two_runs)
    _, n_ids = plot_compare(runs, metric="peak", labels=["x", "y"])
    assert n_ids == 9
    _, n_ids = plot_sweep([two_runs[0].parent], metric="peak")  # a directory of runs
    assert n_ids == 9
    with pytest.raises(UsageError, match="no runs given"):
        plot_sweep([])


def test_default_view_by_count(one_run, two_runs, three_runs):
    assert build_view(None, [one_run], metric="peak").name == "scaling"
    assert build_view(None, two_runs, metric="peak").name == "scatter"
    assert build_view(None, three_runs, metric="peak").name == "sweep"


def test_build_view_rejects_misplaced_options(two_runs, three_runs):
    with pytest.raises(
        UsageError,
        match=r"unknown view 'bogus' \(choose from compare \| scatter \| sweep \| scaling\)",
    ):
        build_view("bogus", two_runs)
    with pytest.raises(UsageError, match="--x applies to the scaling view only"):
        build_view("scatter", two_runs, x="n")
    with pytest.raises(UsageError, match="--clip does not apply to the scaling view"):
        build_view("scaling", two_runs, clip=1.0)
    with pytest.raises(UsageError, match="--x applies to the scaling view only"):
        build_view(None, two_runs, x="n")
    with pytest.raises(UsageError, match="--facet does not apply to the sweep view"):
        build_view("sweep", three_runs, facet="kind")
    with pytest.raises(UsageError, match="--facet does not apply to the sweep view"):
        build_view(None, three_runs, facet="kind")
    with pytest.raises(
        UsageError, match=r"unknown dim 'nope' for facet \(dims in these runs: kind, n;"
    ):
        build_view(None, two_runs, facet="nope")


# --- the sweep report ------------------------------------------------------------------------


def test_sweep_report_page(three_runs, tmp_path):
    out = write_sweep_report(three_runs, tmp_path / "report" / "sweep.html", metric="peak")
    page = out.read_text(encoding="utf-8")
    assert page.count('class="plotly-graph-div"') == 2
    assert page.count('<script type="text/javascript">/**') <= 1  # plotly.js inline once
    assert "Runs, in order: 1.0 → 2.0 → 3.0." in page
    assert "cdn.plot.ly" not in page.split("</head>")[0]
    assert page.count("test_s.py::test_other") >= 2
    # the time change of every benchmark, with its spread and the noise verdict
    assert "Time, 1.0 → 3.0 (min ±IQR, n rounds; within noise when" in page
    assert "no spread" in page or "IQRs" in page


def test_sweep_report_states_time_noise(tmp_path):
    from pytest_benchmem.noise import combine_stats

    def run(name: str, data: list[float]):
        stats = combine_stats(data)
        bench = entry("t.py::test_x", peak=[1000])
        bench["stats"] = {**bench["stats"], **stats}
        return write_run(tmp_path / f"{name}.json", [bench], label=name)

    base = [1e-3 + k * 1e-5 for k in range(10)]
    paths = [run("a", base), run("b", [v * 1.01 for v in base]), run("c", [v * 3 for v in base])]
    page = write_sweep_report(paths[:2], tmp_path / "noise.html").read_text()
    assert "t.py::test_x: 1 ms ±50 us (n=10) → 1.01 ms ±50.5 us (n=10)" in page
    assert "(n=10)" in page
    assert "+1.0%, within noise (IQRs overlap)" in page
    page = write_sweep_report([paths[0], paths[2]], tmp_path / "slow.html").read_text()
    assert "+200.0%, slower (IQRs apart)" in page


def test_sweep_report_one_run_and_many_ids(tmp_path):
    one = write_run(tmp_path / "one.json", many(3))
    page = write_sweep_report(
        [one], tmp_path / "one.html", metric="peak", labels=["solo"]
    ).read_text()
    assert page.count('class="plotly-graph-div"') == 1
    assert "Only one run" in page
    big = [write_run(tmp_path / f"b{i}.json", many(200, 1 + i)) for i in range(2)]
    page = write_sweep_report(big, tmp_path / "big.html").read_text()
    assert "200 benchmarks" in page  # one gapped trace instead of 200


# --- corners ---------------------------------------------------------------------------------


def test_single_path_fast_times_and_only_an_x_dim(tmp_path):
    run = write_run(
        tmp_path / "ns.json",
        [entry(f"t.py::t[{n}]", time=n * 1e-9, params={"n": n}) for n in (1, 10, 100)],
    )
    fig, n_ids = plot_scaling(run)  # one path, not a list
    assert n_ids == 3
    assert fig.layout.yaxis.title.text == "time"
    assert list(fig.layout.yaxis.ticktext) == ["1 ns", "3 ns", "10 ns", "30 ns", "100 ns"]
    assert [t.name for t in fig.data] == ["time"]  # no dim left to colour by
    assert fig.layout.yaxis.type == "log"


def test_a_run_without_the_metric_is_noted(tmp_path, two_runs):
    timing = write_run(tmp_path / "timing.json", [entry("test_s.py::test_other")])
    view = build_view("sweep", [*two_runs, timing], metric="peak")
    assert "timing: no peak values" in view.notes
    partial = write_run(tmp_path / "partial.json", [entry("t.py::a", peak=[1]), entry("t.py::b")])
    view = build_view("sweep", [partial, partial], metric="peak")
    assert "partial#1: 1 benchmark(s) have no peak value" in view.notes[0]


def test_scatter_clip_pins_shrinkage_low_and_skips_empty_facets(tmp_path, two_runs):
    fig, _ = plot_scatter(list(reversed(two_runs)), metric="peak", clip=0.5)
    assert list(fig.data[0].marker.symbol).count("triangle-down") == 8
    third = write_run(tmp_path / "third.json", [entry("test_s.py::test_other", peak=[1])])
    fig, n_ids = plot_scatter([*two_runs, third], metric="peak", facet="kind")
    assert n_ids == 9
    assert len(fig.data) == 3 + 1  # new in every facet, third only where test_other is


def test_allocations_are_plain_counts(two_runs):
    fig, _ = plot_compare(two_runs, metric="allocs")
    assert fig.layout.xaxis.title.text == "change (count)"
    assert set(fig.data[0].x) == {0}  # the builders record 10 allocations in every run


def test_scale_and_decade_helpers():
    from pytest_benchmem.plotting.data import spans_decade
    from pytest_benchmem.units import column_scale

    assert spans_decade([]) is False
    assert spans_decade([0, 100]) is False
    assert spans_decade([1, 11]) is True
    assert column_scale("allocations", [1, 2], bytes_by_median=True).title == "allocations"
    assert column_scale("peak", [3 * 1024**2], bytes_by_median=True).title == "peak (MiB)"
    assert column_scale("time", [0.5], bytes_by_median=True).human(0.5) == "500 ms"


def test_scaling_colour_dim_over_several_runs_dashes_each_run(two_runs):
    fig, n_ids = plot_scaling(two_runs, metric="peak", color="kind")
    assert n_ids == 8
    named = {(t.name, t.line.dash) for t in lines(fig)}
    assert named == {
        ("dict · base", "solid"),
        ("list · base", "solid"),
        ("dict · new", "dash"),
        ("list · new", "dash"),
    }


def test_hover_text_escapes_ids(tmp_path):
    runs = [
        write_run(tmp_path / f"{v}.json", [entry("t.py::t[a<b>&c]", peak=[p], params={"n": 1})])
        for v, p in (("a", 10), ("b", 20))
    ]
    fig, _ = plot_sweep(runs, metric="peak")
    assert list(fig.data[0].y) == ["t.py::t[a&lt;b&gt;&amp;c]"]  # hover shows %{y}
    assert fig.data[0].hovertemplate.startswith("%{y}<br>%{x}: %{customdata[0]:,.4~r} B<br>")
    fig, _ = plot_scatter(runs, metric="peak")
    assert fig.data[0].hovertext[0].startswith("t[a&lt;b&gt;&amp;c]<br>a: 10 B")  # short id
    assert fig.data[0].text[0] == "t[a&lt;b&gt;&amp;c]"  # a top mover, labelled in place
    fig, _ = plot_scaling(runs[:1], metric="peak")
    assert fig.data[0].text[0].startswith("t.py::t[a&lt;b&gt;&amp;c]<br>a<br>n=1")
