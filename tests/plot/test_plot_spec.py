"""The sweep view's plain-dict figure is what plotly itself would write, to the byte.

The sweep view builds its figure as a dict (``plotting.spec``) and writes it without plotly's
object model. These tests hold each shortcut against plotly: the page against
``plotly.io.to_html``, the typed arrays against plotly's numpy encoding, the merged template,
colour scale and palette against plotly's own, and the whole figure against its validated
``go.Figure`` (nothing invalid, nothing plotly would add or change).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from plotruns import entry, write_run

from pytest_benchmem.plotting import build_view
from pytest_benchmem.plotting.heatmap import RDBU_R
from pytest_benchmem.plotting.layout import PALETTE, TEMPLATE
from pytest_benchmem.plotting.output import figure_html, write_html
from pytest_benchmem.plotting.spec import CONFIG, spec_html, template, to_figure, typed_array


def _sweep(tmp_path, ids: int):
    runs = []
    for r, label in enumerate(("1.0", "2.0", "3.0")):
        benches = [
            entry(f"t.py::test_{i}[<{i}>]", peak=[(i + 1) * 1000 * (r + 1) + 7 * i * r])
            for i in range(ids)
            if not (r == 0 and i == 3)  # folded against its first run with a value
        ]
        runs.append(write_run(tmp_path / f"{label}.json", benches, label=label))
    return build_view("sweep", runs, metric="peak")


def test_typed_arrays_are_plotlys_encoding_of_numpy_arrays():
    values = [0.5, math.nan, -math.inf, 3.25, 1e-9, 7.0]
    for single, dtype in ((True, np.float32), (False, np.float64)):
        ours = typed_array(values, (2, 3), single=single)
        figure = go.Figure(go.Heatmap(z=np.array(values, dtype=dtype).reshape(2, 3)))
        assert ours == figure.to_plotly_json()["data"][0]["z"]
    flat = typed_array([1.0, 2.0], (2,), single=False)
    assert flat == go.Figure(go.Scatter(y=np.array([1.0, 2.0]))).to_plotly_json()["data"][0]["y"]


def test_template_palette_and_colour_scale_are_plotlys():
    figure = go.Figure()
    figure.update_layout(template=TEMPLATE)
    assert template(TEMPLATE) == figure.layout.template.to_plotly_json()
    assert (*qualitative.Plotly, *qualitative.Dark24) == PALETTE
    scale = go.Heatmap(colorscale="RdBu_r").colorscale
    assert [list(step) for step in scale] == RDBU_R


def test_sweep_spec_is_its_validated_figure(tmp_path):
    view = _sweep(tmp_path, 30)  # <= MAX_TEXT_CELLS: the in-cell text branch too
    assert isinstance(view.drawing, dict)
    assert "text" in view.drawing["data"][0]
    validated = json.loads(pio.to_json(to_figure(view.drawing)))
    assert validated == json.loads(pio.to_json(view.drawing, validate=False))
    assert view.figure.data[0].z.dtype == np.float64  # the API's figure holds numpy arrays
    assert view.figure.data[0].customdata.dtype == np.float32


def test_sweep_page_is_plotlys_page_to_the_byte(tmp_path):
    view = _sweep(tmp_path, 200)  # > MAX_TICKS ids: no tick labels, no in-cell text
    spec = view.drawing
    assert isinstance(spec, dict)
    for full_html, with_js in ((True, True), (False, False)):
        ours = spec_html(spec, full_html=full_html, with_js=with_js, div_id="sweep")
        theirs = pio.to_html(
            spec,  # as it is (the figure it makes is held equal to it above)
            full_html=full_html,
            include_plotlyjs=with_js,
            config=CONFIG,
            div_id="sweep",
            validate=False,
        )
        assert ours == theirs
    page = figure_html(spec)
    assert "t.py::test_3[&lt;3&gt;]" in page  # escaped for plotly's pseudo-HTML hover
    assert "<3>" not in page.partition("Plotly.newPlot")[2]


def test_written_sweep_page_is_plotlys_page_with_its_title(tmp_path):
    view = _sweep(tmp_path, 20)
    spec = view.drawing
    assert isinstance(spec, dict)
    written = write_html(spec, tmp_path / "sweep.html").read_text(encoding="utf-8")
    plot_id = re.search(r'<div id="([^"]+)" class="plotly-graph-div"', written)
    assert plot_id
    theirs = pio.to_html(
        spec, include_plotlyjs=True, config=CONFIG, div_id=plot_id.group(1), validate=False
    )
    title = "<title>peak: change against 1.0 (log2 fold)</title>"
    assert written == theirs.replace("<head>", f"<head>\n    {title}", 1)
