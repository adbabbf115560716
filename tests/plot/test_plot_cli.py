"""``benchmem plot`` end to end in-process: views, output, printed summary, one-line errors."""

from __future__ import annotations

import re
import sys
import webbrowser
from pathlib import Path

import pytest
from plotruns import scaling_suite, write_run

SUMMARY = re.compile(
    r"^(?P<view>\w+) view of (?P<metric>\w+): (?P<ids>\d+) id\(s\) drawn "
    r"from (?P<runs>\d+) run\(s\) -> (?P<path>.+)$",
    re.MULTILINE,
)


def summary(out: str) -> dict[str, str]:
    match = SUMMARY.search(out)
    assert match, out
    return match.groupdict()


def assert_user_error(result, *needles: str) -> None:
    assert result.code != 0
    assert result.err.startswith("benchmem: error: "), result.err
    assert result.err.count("\n") == 1, result.err  # one line
    assert "Traceback" not in result.err + result.out
    for needle in needles:
        assert needle in result.err, result.err


def test_one_run_defaults_to_scaling_under_benchmarks_plots(
    benchmem, one_run, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = benchmem("plot", one_run, "--metric", "peak")
    assert result.code == 0, result.err
    info = summary(result.out)
    assert info == {
        "view": "scaling",
        "metric": "peak",
        "ids": "8",
        "runs": "1",
        "path": str(Path(".benchmarks/plots/scaling-peak-base.html")),
    }
    assert "note: 1 id(s) have no 'n' dim" in result.out
    page = (tmp_path / info["path"]).read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "<title>peak vs n — base</title>" in page
    assert "plotly.js v" in page or "plotly-" in page  # the library itself is inline
    assert not re.search(r"<script[^>]+src=\"https?://", page)  # nothing from the network


def test_two_runs_scatter_with_labels(benchmem, two_runs, tmp_path):
    out = tmp_path / "plots" / "s.html"
    result = benchmem(
        "plot", *two_runs, "--metric", "memory", "-l", "v1", "--label", "v2", "-o", out
    )
    assert result.code == 0, result.err
    assert summary(result.out) | {"path": ""} == {
        "view": "scatter",
        "metric": "peak",
        "ids": "9",
        "runs": "2",
        "path": "",
    }
    assert "v2 \\u002f v1" in out.read_text(encoding="utf-8")  # plotly's JSON escapes "/"


def test_three_runs_sweep_with_clip(benchmem, three_runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = benchmem("plot", *three_runs, "--metric", "peak", "--clip", "1")
    assert result.code == 0, result.err
    info = summary(result.out)
    assert (info["view"], info["ids"]) == ("sweep", "9")
    assert info["path"] == str(Path(".benchmarks/plots/sweep-peak-1.0-3.0.html"))
    assert '"zmax":1.0' in (tmp_path / info["path"]).read_text(encoding="utf-8")


def test_view_compare_and_x_and_facet(benchmem, two_runs, one_run, tmp_path):
    result = benchmem(
        "plot", *two_runs, "--view", "compare", "--facet", "kind", "-o", tmp_path / "c.html"
    )
    assert result.code == 0, result.err
    assert summary(result.out)["view"] == "compare"
    result = benchmem("plot", one_run, "--metric", "time", "--x", "n", "-o", tmp_path / "x.html")
    assert result.code == 0, result.err
    assert summary(result.out)["ids"] == "8"


def test_printed_count_equals_drawn_when_dims_are_missing(benchmem, ragged_run, tmp_path):
    out = tmp_path / "r.html"
    result = benchmem("plot", ragged_run, "--metric", "peak", "--facet", "phase", "-o", out)
    assert result.code == 0, result.err
    assert summary(result.out)["ids"] == "5"
    page = out.read_text(encoding="utf-8")
    assert "phase=(none)" in page
    assert "phase=build" in page
    for i in ("a[list-10]", "a[list-1000]", "b[10]", "b[1000]", "c[100]"):
        assert f"test_r.py::test_{i}" in page


def test_open_uses_the_browser(benchmem, one_run, tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda uri, *a, **k: opened.append(uri) or True)
    out = tmp_path / "o.html"
    assert benchmem("plot", one_run, "-o", out, "--open").code == 0
    assert opened == [out.resolve().as_uri()]
    assert benchmem("plot", one_run, "-o", out, "--no-open").code == 0
    assert len(opened) == 1


def test_unknown_dim_lists_existing_dims(benchmem, one_run, two_runs):
    assert_user_error(benchmem("plot", one_run, "--x", "size"), "unknown dim 'size'", "kind, n")
    assert_user_error(
        benchmem("plot", *two_runs, "--facet", "size"), "unknown dim 'size'", "kind, n"
    )


def test_bad_views(benchmem, one_run, two_runs):
    assert_user_error(
        benchmem("plot", one_run, "--view", "scatter"), "scatter view needs at least 2 runs"
    )
    assert_user_error(benchmem("plot", *two_runs, "--view", "bogus"), "unknown view 'bogus'")
    assert_user_error(benchmem("plot", *two_runs, "--clip", "-1"), "clip must be a positive number")


def test_bad_outputs(benchmem, one_run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_user_error(
        benchmem("plot", one_run, "-o", blocker / "p.html"),
        "cannot write",
        "is a file, not a directory",
    )
    assert_user_error(
        benchmem("plot", one_run, "-o", tmp_path / "out.xyz"), "unsupported output type (.xyz)"
    )
    assert not (tmp_path / "out.xyz").exists()


def test_image_output_needs_the_static_extra(benchmem, one_run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "kaleido", None)
    for suffix in (".png", ".svg"):
        result = benchmem("plot", one_run, "-o", tmp_path / f"p{suffix}")
        assert_user_error(result, f"{suffix} output needs kaleido", "pip install '.[plot-static]'")


@pytest.mark.e2e
def test_image_output_with_kaleido(benchmem, one_run, tmp_path):
    """A real PNG through kaleido and a real browser (no mock of plotly or kaleido)."""
    import shutil
    import struct

    pytest.importorskip("kaleido", reason="kaleido (the [plot-static] extra) is not installed")
    if not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("kaleido needs a Chrome/Chromium browser; none is installed")
    result = benchmem("plot", one_run, "-o", tmp_path / "p.png")
    assert result.code == 0, result.err
    data = (tmp_path / "p.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (1200, 800)
    assert len(data) > 10_000  # a drawn plot, not an empty canvas


def test_kaleido_failure_is_one_line(benchmem, one_run, tmp_path, monkeypatch):
    import plotly.io as pio

    pytest.importorskip("kaleido", reason="kaleido (the [plot-static] extra) is not installed")

    def no_browser(*args, **kwargs):
        msg = "\n\nKaleido requires Google Chrome to be installed.\n\n    $ plotly_get_chrome\n"
        raise RuntimeError(msg)

    monkeypatch.setattr(pio, "to_image", no_browser)
    result = benchmem("plot", one_run, "-o", tmp_path / "p.png")
    assert_user_error(result, "kaleido failed: Kaleido requires Google Chrome", "Chromium")
    assert not (tmp_path / "p.png").exists()


def test_plot_extra_missing(benchmem, one_run, tmp_path, monkeypatch):
    for name in [
        m
        for m in sys.modules
        if m == "pytest_benchmem.plotting" or m.startswith("pytest_benchmem.plotting.")
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "plotly", None)
    result = benchmem("plot", one_run, "-o", tmp_path / "p.html")
    assert_user_error(result, "plots need plotly", "pip install '.[plot]'")


def test_missing_run_file(benchmem, tmp_path):
    assert_user_error(benchmem("plot", tmp_path / "nope.json"), "nope.json")


def test_label_count_mismatch(benchmem, two_runs, tmp_path):
    assert_user_error(benchmem("plot", *two_runs, "-l", "a", "-o", tmp_path / "x.html"), "label")


def test_help_texts(benchmem):
    result = benchmem("plot", "--help")
    assert result.code == 0
    text = " ".join(result.out.replace("│", " ").split())
    for phrase in (
        "Render an interactive plotly view from one or more pytest-benchmark runs.",
        "pytest-benchmark JSON file(s).",
        "compare | scatter | sweep | scaling (default: by count).",
        "Dim to facet by.",
        "scaling: dim for the x-axis.",
        "Clamp the colour scale.",
        "HTML out.",
        "--no-open",
    ):
        assert phrase in text, phrase


def test_timing_only_run_with_memory_metric(benchmem, tmp_path):
    from plotruns import entry

    timing = write_run(tmp_path / "t.json", [entry("t.py::a"), entry("t.py::b")])
    assert_user_error(
        benchmem("plot", timing, "--metric", "peak", "-o", tmp_path / "t.html"), "no run has peak"
    )


def test_directory_argument(benchmem, tmp_path):
    for i in range(3):
        write_run(tmp_path / "runs" / f"{i:04d}_x.json", scaling_suite(1 + i))
    result = benchmem("plot", tmp_path / "runs", "--metric", "peak", "-o", tmp_path / "d.html")
    assert result.code == 0, result.err
    assert summary(result.out)["view"] == "sweep"
