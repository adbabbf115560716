"""Writing plots: atomic self-contained HTML, output types, and what importing costs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest

from pytest_benchmem.errors import BenchmemError, UsageError
from pytest_benchmem.files import write_atomic
from pytest_benchmem.plotting import check_output, save_figure, write_html
from pytest_benchmem.plotting.output import report_page


def small_figure(title: str = "a <b> & c") -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    fig.update_layout(title_text=title)
    return fig


def test_write_html_is_self_contained_with_a_title(tmp_path):
    out = write_html(small_figure(), tmp_path / "deep" / "dir" / "p.html")
    page = out.read_text(encoding="utf-8")
    assert "<title>a &lt;b&gt; &amp; c</title>" in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no script from anywhere else
    assert len(page) > 1_000_000  # plotly.js itself is inside
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_atomic_leaves_no_temp_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "p.html"
    target.write_text("old")

    def boom(self, other):
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.html"]


def test_write_atomic_onto_a_directory_is_a_usage_error(tmp_path):
    (tmp_path / "d.html").mkdir()
    with pytest.raises(UsageError, match=r"cannot write .*d\.html"):
        write_atomic(tmp_path / "d.html", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.html"]


def test_check_output_kinds(tmp_path, monkeypatch):
    assert check_output(tmp_path / "A.HTML") == "html"
    assert check_output(tmp_path / "a.htm") == "html"
    with pytest.raises(UsageError, match=r"unsupported output type \(no suffix\)"):
        check_output(tmp_path / "plot")
    monkeypatch.setitem(sys.modules, "kaleido", None)
    with pytest.raises(BenchmemError, match=r"\.svg output needs kaleido.*\[plot-static\]"):
        check_output(tmp_path / "a.svg")


def test_save_figure_html(tmp_path):
    out = save_figure(small_figure(), tmp_path / "s.html")
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_report_page_has_plotly_once(tmp_path):
    page = report_page("t <1>", ["line & more"], [small_figure(), small_figure()])
    assert "<h1>t &lt;1&gt;</h1>" in page
    assert "<p>line &amp; more</p>" in page
    assert page.count('class="plotly-graph-div"') == 2
    assert page.count("plotly.js v") == 1


def python_modules_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys\n"
        "print(','.join(m for m in ('plotly', 'pandas', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ
    )
    return [m for m in done.stdout.strip().split(",") if m]


def test_package_root_imports_no_plotly_or_pandas():
    assert python_modules_after("import pytest_benchmem, pytest_benchmem.runs") == []


def test_plot_command_module_imports_plotly_lazily():
    assert python_modules_after("import pytest_benchmem.cli.plot_cmd") == []
    # the package checks plotly is installed without importing it: the sweep view needs only
    # plotly's package data; the views built from plotly's objects import it when they run
    assert python_modules_after("import pytest_benchmem.plotting") == []
    assert "plotly" in python_modules_after("import pytest_benchmem.plotting.pairs")
