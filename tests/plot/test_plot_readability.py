"""Plots and tables that read without hovering: no signed zeros, a colour scale that follows
the data, values in the heatmap's cells, short ids in legends, top movers labelled in place;
and the sweep report's statements (modes, Python, time panel, failed targets)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from plotruns import entry, scaling_suite, write_run

from pytest_benchmem.plotting import plot_scatter, plot_sweep, write_sweep_report
from pytest_benchmem.plotting.data import short_ids
from pytest_benchmem.plotting.heatmap import MIN_LIMIT, change_text, colour_limit
from pytest_benchmem.units import plain_zero, signed_percent

# --- a zero is 0 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("-0.00", "0"),
        ("+0.0%", "0"),
        ("-0.0%", "0"),
        ("−0.0 %", "0"),
        ("+0", "0"),
        ("-0.01", "-0.01"),
        ("+10.0%", "+10.0%"),
        ("0.50", "0.50"),
        ("—", "—"),
        ("", ""),
    ],
)
def test_plain_zero(text: str, shown: str):
    assert plain_zero(text) == shown


def test_signed_percent_rounds_to_a_plain_zero():
    assert signed_percent(-0.04) == "0"
    assert signed_percent(0.04) == "0"
    assert signed_percent(0.05, 0) == "0"
    assert signed_percent(-0.06) == "-0.1%"
    assert signed_percent(12.345) == "+12.3%"
    assert change_text(math.log2(0.9996)) == "0"
    assert change_text(math.log2(1.05)) == "+5.0%"
    assert change_text(math.log2(0.8)) == "-20%"
    assert change_text(2.0) == "×4"
    assert change_text(float("nan")) == ""


def test_compare_table_shows_no_signed_zero(benchmem, tmp_path: Path):
    """A change of a few bytes in MiB-sized peaks rounds to zero: the table prints 0."""
    big = [entry(f"t.py::test_{i}", peak=[50_000_000 + i]) for i in range(3)]
    base = write_run(tmp_path / "a.json", big, label="a")
    moved = [entry(f"t.py::test_{i}", peak=[50_000_000 + i - 7]) for i in range(3)]
    new = write_run(tmp_path / "b.json", moved, label="b")
    result = benchmem("compare", base, new, "--metric", "peak")
    assert result.code == 0, result.err
    assert "test_1" in result.out
    for bad in ("-0.0", "+0.0", "-0.00", "−0"):
        assert bad not in result.out


# --- the heatmap ------------------------------------------------------------------------------


def _runs(tmp_path: Path, factors: list[float], ids: int = 3) -> list[Path]:
    return [
        write_run(
            tmp_path / f"v{n}.json",
            [entry(f"tests/test_s.py::test_b[{i}]", peak=[int(1e6 * f)]) for i in range(ids)],
            label=f"{n}.0",
        )
        for n, f in enumerate(factors, start=1)
    ]


def test_colour_scale_follows_a_small_change(tmp_path: Path):
    fig, _ = plot_sweep(_runs(tmp_path, [1.0, 1.05, 1.1]), metric="peak")
    (heat,) = fig.data
    assert heat.zmax == pytest.approx(math.log2(1.1), rel=1e-6)  # not ×2: 10 % fills the scale
    assert heat.zmin == -heat.zmax
    assert list(heat.colorbar.ticktext) == ["-9.1%", "-4.7%", "0", "+4.9%", "+10%"]
    assert list(heat.text[0]) == ["0", "+5.0%", "+10%"]


def test_colour_scale_of_unchanged_runs_is_one_percent(tmp_path: Path):
    fig, _ = plot_sweep(_runs(tmp_path, [1.0, 1.0]), metric="peak")
    (heat,) = fig.data
    assert heat.zmax == pytest.approx(MIN_LIMIT)
    assert list(heat.text[0]) == ["0", "0"]
    assert colour_limit(heat.z, 3.0) == 3.0  # --clip wins


def test_cell_text_only_up_to_400_cells(tmp_path: Path):
    fig, _ = plot_sweep(_runs(tmp_path, [1.0, 2.0], ids=200), metric="peak")
    assert len(fig.data[0].text) == 200  # 400 cells: still written
    fig, _ = plot_sweep(_runs(tmp_path / "more", [1.0, 2.0], ids=201), metric="peak")
    assert fig.data[0].text is None  # 402 cells: the hover carries the values


# --- short ids, top movers --------------------------------------------------------------------


def test_short_ids_drop_the_shared_path():
    ids = ["tests/test_s.py::test_b[10]", "tests/test_s.py::test_b[100]", "tests/test_s.py::x"]
    assert short_ids(ids) == {
        "tests/test_s.py::test_b[10]": "test_b[10]",
        "tests/test_s.py::test_b[100]": "test_b[100]",
        "tests/test_s.py::x": "x",
    }
    two_files = ["tests/a/test_x.py::t", "tests/b/test_x.py::t"]
    assert short_ids(two_files) == {key: key[len("tests/") :] for key in two_files}
    assert short_ids(["t.py::T::test_a"]) == {"t.py::T::test_a": "test_a"}
    assert short_ids(["a::t", "b::t", "t"]) == {"a::t": "a::t", "b::t": "b::t", "t": "t"}


def test_report_lines_legend_uses_short_ids(tmp_path: Path):
    html = write_sweep_report(_runs(tmp_path, [1.0, 1.2]), tmp_path / "r.html", metric="peak")
    page = html.read_text()
    assert '"name":"test_b[0]"' in page
    assert '"name":"tests/test_s.py::test_b[0]"' not in page


def test_scatter_labels_its_top_movers_in_place(tmp_path: Path):
    base = write_run(tmp_path / "a.json", scaling_suite(), label="a")
    moved = scaling_suite(1.5)
    moved[0]["extra_info"]["benchmem"]["peak_bytes"] = [10**9]  # one id moves far more
    new = write_run(tmp_path / "b.json", moved, label="b")
    fig, _ = plot_scatter([base, new], metric="peak")
    (trace,) = fig.data
    assert trace.mode == "markers+text"
    labelled = [t for t in trace.text if t]
    assert len(labelled) == 5
    assert labelled[0] == "test_build[list-10]"  # the biggest mover, its short id
    assert all("::" not in t for t in labelled)
    assert all(
        h.split("<br>")[0] in set(short_ids([b["fullname"] for b in moved]).values())
        for h in trace.hovertext
    )


# --- the sweep report -------------------------------------------------------------------------


def _with_mode(path: Path, mode: str | None) -> Path:
    doc = json.loads(path.read_text())
    if mode is not None:
        doc["benchmem"]["mode"] = mode
    path.write_text(json.dumps(doc))
    return path


def test_report_states_modes_python_time_panel_and_failures(tmp_path: Path):
    runs = [
        _with_mode(write_run(tmp_path / f"{v}.json", scaling_suite(f), label=v), "exact")
        for v, f in (("1.0", 1.0), ("2.0", 1.3))
    ]
    page = write_sweep_report(
        runs,
        tmp_path / "report.html",
        clip=1.0,
        failed=["3.0: pytest failed (exit 1): 2 failed tests, log: logs/3.0/pytest.log"],
    ).read_text()
    assert "Run 1.0: python 3.11.7; memory mode exact" in page
    assert "Run 2.0: python 3.11.7; memory mode exact" in page
    assert "Failed targets (1), not drawn:" in page
    assert "failed: 3.0: pytest failed (exit 1): 2 failed tests" in page
    # peak and time: a heatmap and a line view each, the time change with its spread
    assert page.count('"texttemplate":"%{text}"') == 2  # our two heatmaps (values in cells)
    assert "time: change against 1.0 (log2 fold)" in page
    assert "peak: change against 1.0 (log2 fold)" in page
    assert "Time, 1.0 → 2.0 (min ±IQR" in page
    assert '"zmax":1.0' in page  # --clip clamps both heatmaps


def test_report_notes_runs_measured_in_different_modes(tmp_path: Path):
    a = _with_mode(write_run(tmp_path / "a.json", scaling_suite(), label="a"), "exact")
    b = _with_mode(write_run(tmp_path / "b.json", scaling_suite(), label="b"), "fast")
    page = write_sweep_report([a, b], tmp_path / "r.html", metric=["peak"]).read_text()
    assert "Run b: python 3.11.7; memory mode fast" in page
    assert "measured in 2 different memory modes (exact, fast)" in page
    assert page.count('"texttemplate":"%{text}"') == 1
    assert "time: change against" not in page  # only the metric asked for
