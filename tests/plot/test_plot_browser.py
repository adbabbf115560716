"""Real browser: ``benchmem plot`` HTML opened in headless Chromium, offline, checked in the DOM.

Each page is rendered once with ``--dump-dom`` and ``--screenshot`` together; the DOM must show
the plot drawn (``main-svg``) with the expected traces, points, bars or heatmap rows x columns.
With ``BENCHMEM_UPDATE_SCREENSHOTS=1`` the screenshots are written to ``docs/img/`` (the images
in ``docs/plots.md``); otherwise to a temp dir.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import Page, needs_chromium, render
from plotruns import DEMO_VERSIONS, demo_suite, write_run

pytestmark = pytest.mark.e2e

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
SUMMARY = re.compile(r"(\w+) view of (\w+): (\d+) id\(s\) drawn from \d+ run\(s\) -> (.+)")


def _same_picture(page: Page, name: str) -> None:
    """The screenshot is the one in docs/img/ to the byte (the picture must not change).

    A deliberate change of the picture updates docs/img/ with BENCHMEM_UPDATE_SCREENSHOTS=1.
    """
    reference = DOCS_IMG / f"{name}.png"
    if page.screenshot == reference:  # updating the references right now
        return
    assert page.screenshot.read_bytes() == reference.read_bytes(), (
        f"{name}: the picture differs from {reference} (BENCHMEM_UPDATE_SCREENSHOTS=1 updates it)"
    )


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("BENCHMEM_UPDATE_SCREENSHOTS"):
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def demo(tmp_path: Path) -> list[Path]:
    return [
        write_run(tmp_path / "sweep" / f"{label}.json", demo_suite(i), label=label)
        for i, label in enumerate(DEMO_VERSIONS)
    ]


def plot(benchmem, *args: object) -> tuple[str, int, Path]:
    result = benchmem("plot", *args)
    assert result.code == 0, result.err
    match = SUMMARY.search(result.out)
    assert match, result.out
    return match.group(1), int(match.group(3)), Path(match.group(4))


@needs_chromium
def test_scaling_renders(benchmem, demo, tmp_path, shots):
    view, n_ids, html = plot(benchmem, demo[0], "--metric", "peak", "-o", tmp_path / "scaling.html")
    assert (view, n_ids) == ("scaling", 12)
    page = render(html, shots, "plot-scaling")
    assert page.count('class="main-svg"') >= 1
    assert page.count('class="point"') == 12  # every id on the x-axis is a marker
    assert page.count('class="trace scatter') == 6  # a line and a min..max band per kind
    assert page.count('class="js-fill"') == 3
    assert page.count('class="legendtext"') == 3


@needs_chromium
def test_scatter_renders(benchmem, demo, tmp_path, shots):
    view, n_ids, html = plot(
        benchmem, demo[0], demo[2], "--metric", "peak", "-o", tmp_path / "scatter.html"
    )
    assert (view, n_ids) == ("scatter", 13)
    page = render(html, shots, "plot-scatter")
    assert page.count('class="main-svg"') >= 1
    assert page.count('class="point"') == 13
    assert page.count('class="shape-group"') == 1  # the reference line at ratio 1
    # the five top movers carry their short id in place (no hovering needed)
    texts = re.findall(r'class="textpoint"[^>]*><text[^>]*data-unformatted="([^"]*)"', page.dom)
    labelled = [text for text in texts if text]
    assert len(labelled) == 5
    assert "test_parse" in labelled
    assert "test_build[list-10000]" in labelled
    assert not any("::" in text for text in labelled)


@needs_chromium
def test_compare_renders(benchmem, demo, tmp_path, shots):
    view, n_ids, html = plot(
        benchmem,
        demo[0],
        demo[2],
        "--metric",
        "peak",
        "--view",
        "compare",
        "-o",
        tmp_path / "compare.html",
    )
    assert (view, n_ids) == ("compare", 13)
    page = render(html, shots, "plot-compare")
    assert page.count('class="trace bars"') == 1
    assert page.count('class="point"') == 13  # one bar per id
    assert page.count('class="ytick"') == 13


@needs_chromium
def test_sweep_renders(benchmem, demo, tmp_path, shots):
    view, n_ids, html = plot(benchmem, *demo, "--metric", "peak", "-o", tmp_path / "sweep.html")
    assert (view, n_ids) == ("sweep", 13)
    page = render(html, shots, "plot-sweep")
    assert page.count('class="hm"') == 1
    assert page.count("<image") == 1  # the heatmap's cells are painted into one image
    assert page.count('class="ytick"') == 13  # rows: one per id
    assert page.count('class="xtick"') == 3  # columns: one per run
    # 39 cells (<= 400): each shows its change; a zero is 0, small changes read as percent
    cells = re.findall(r'class="heatmap-label"><text[^>]*data-unformatted="([^"]*)"', page.dom)
    assert len(cells) == 13 * 3
    assert cells[:3] == ["0", "0", "-6.8%"]  # test_build[list-10]
    assert "+8.1%" in cells  # a change under 20 % has its own colour and text
    assert not any(c.startswith(("-0", "+0", "−0")) for c in cells)
    _same_picture(page, "plot-sweep")


@needs_chromium
def test_sweep_report_renders(demo, tmp_path, shots):
    from pytest_benchmem.plotting import write_sweep_report

    html = write_sweep_report(demo, tmp_path / "report.html", metric="peak")
    page = render(html, shots, "sweep-report", height=1400)
    assert page.count('class="plot-container plotly"') == 2
    assert page.count('class="hm"') == 1
    assert page.count('class="point"') == 13 * 3  # a line per id across the three labels
    legends = re.findall(r'class="legendtext"[^>]*data-unformatted="([^"]*)"', page.dom)
    assert len(legends) == 13
    assert "test_build[list-10]" in legends  # the short id, not test_demo.py::test_build[...]
    assert not any("::" in name for name in legends)
    assert page.count('class="heatmap-label"') == 13 * 3


@needs_chromium
def test_missing_dims_printed_count_equals_drawn(benchmem, ragged_run, tmp_path):
    view, n_ids, html = plot(
        benchmem, ragged_run, "--metric", "peak", "--facet", "phase", "-o", tmp_path / "r.html"
    )
    assert (view, n_ids) == ("scaling", 5)
    page = render(html, tmp_path, "ragged")
    assert page.count('class="point"') == n_ids
    assert "phase=(none)" in page.dom


@pytest.fixture(scope="module")
def grow_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real plugin run: peaks of 1..60 MiB over ``mib`` x ``impl``, three memory passes
    that differ by up to 40% (see ``shapesuite.MODULE_GROW``)."""
    from shapesuite import run_suite

    root = tmp_path_factory.mktemp("grow")
    flags = ("--benchmark-memory-repeats=3",)
    return run_suite(root, {"grow": "1"}, grow=True, flags=flags)["grow"]


@needs_chromium
def test_band_and_unit_log_ticks_render(benchmem, grow_run, tmp_path, shots):
    html = tmp_path / "band.html"
    view, n_ids, _ = plot(benchmem, grow_run, "--metric", "peak", "--x", "mib", "-o", html)
    assert (view, n_ids) == ("scaling", 8)
    page = render(html, shots, "plot-band-log-ticks")
    assert page.count('class="js-fill"') == 2  # a shaded min..max band per line
    assert page.count('class="point"') == 8
    # the log y-axis labels its ticks with units: 3 MiB and 30 MiB read differently
    ticks = re.findall(r'data-unformatted="(\d+ [KMG]iB)"', page.dom)
    assert "3 MiB" in ticks
    assert "30 MiB" in ticks
    assert "10 MiB" in ticks
    assert page.count('data-unformatted="30"') == 1  # the log x-axis: 1, 3, 10, 30
    none = tmp_path / "none.html"
    plot(benchmem, grow_run, "--metric", "peak", "--x", "mib", "--band", "none", "-o", none)
    assert render(none, tmp_path, "no-band").count('class="js-fill"') == 0


@needs_chromium
def test_pivot_scatter_renders(benchmem, grow_run, tmp_path, shots):
    html = tmp_path / "pivot.html"
    view, n_ids, _ = plot(
        benchmem, grow_run, "--metric", "peak", "--pivot", "param:impl", "-o", html
    )
    assert (view, n_ids) == ("scatter", 4)  # mib 1..30, py against c
    page = render(html, shots, "plot-pivot-scatter")
    assert page.count('class="point"') == 4
    assert "impl=c / impl=py" in page.dom
    drawn = "".join(re.findall(r"<svg.*?</svg>", page.dom, flags=re.S))
    assert drawn
    assert "NaN" not in drawn  # no point, path or label made of a missing value
    assert 'data-unformatted="10 MiB"' in page.dom  # the log x-axis of base values
