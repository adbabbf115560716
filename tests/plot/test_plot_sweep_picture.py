"""The large sweep view, held in a real browser: the picture and what the hover says.

240 ids x 4 runs (more than MAX_TICKS rows and MAX_TEXT_CELLS cells: no tick labels, no
in-cell text, the hover carries everything), with ids missing from the first run (folded
against their first run with a value), a gap in the middle, zero peaks and an id that needs
escaping. The page is opened in headless Chromium; a script hovers a fixed list of cells
through plotly.js (``Plotly.Fx.hover``) and writes each hover label's lines into the DOM.
The screenshot must equal ``tests/plot/golden/plot-sweep-large.png`` to the byte and the
hover lines must read as below (both recorded from the sweep view before its figure became
plain dicts; ``BENCHMEM_UPDATE_SCREENSHOTS=1`` rewrites the image after a deliberate change).
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from browser import needs_chromium, render
from plotruns import entry, write_run

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).resolve().parent / "golden" / "plot-sweep-large.png"
IDS = 240
LABELS = ("1.0", "1.1", "2.0", "3.0")
#: (row, column) of the cells hovered, in order
CELLS = ((0, 0), (0, 2), (5, 1), (5, 3), (6, 2), (7, 0), (7, 2), (8, 1), (3, 2), (100, 3))
HOVER_SCRIPT = """
<script>
setTimeout(function () {
  var gd = document.querySelector('.plotly-graph-div');
  var out = [];
  %s.forEach(function (c) {
    Plotly.Fx.hover(gd, {xval: c[1], yval: c[0]});
    var lines = Array.from(gd.querySelectorAll('.hovertext .nums tspan.line'));
    out.push(c.join(',') + ' => ' + lines.map(function (t) { return t.textContent; }).join(' | '));
    Plotly.Fx.unhover(gd);
  });
  var pre = document.createElement('pre');
  pre.id = 'hovers';
  pre.textContent = out.join('\\n');
  document.body.appendChild(pre);
}, 1000);
</script>
"""
FIRST = "first run with a value"
HOVERS = [
    f"0,0 => test_s.py::test_x[0] | 1.0: 0.9766 KiB | {FIRST}: 0.9766 KiB | ×1 (log2 +0.00)",
    f"0,2 => test_s.py::test_x[0] | 2.0: 1.055 KiB | {FIRST}: 0.9766 KiB | ×1.08 (log2 +0.11)",
    f"5,1 => test_s.py::test_x[5] | 1.1: 0.0625 KiB | {FIRST}: 0 KiB | ×Infinity (log2 +Infinity)",
    f"5,3 => test_s.py::test_x[5] | 3.0: 0 KiB | {FIRST}: 0 KiB | ×1 (log2 +0.00)",
    f"6,2 => test_s.py::test_x[6] | 2.0: 0 KiB | {FIRST}: 0 KiB | ×1 (log2 +0.00)",
    f"7,0 => test_s.py::test_x[8] | 1.0: 8.789 KiB | {FIRST}: 8.789 KiB | ×1 (log2 +0.00)",
    f"7,2 => test_s.py::test_x[8] | 2.0: 10.2 KiB | {FIRST}: 8.789 KiB | ×1.16 (log2 +0.21)",
    f"8,1 => test_s.py::test_x[a<b-9] | 1.1: 7.813 KiB | {FIRST}: 9.766 KiB | ×0.8 (log2 -0.32)",
    "3,2 => ",  # a gap (no value in 2.0): no hover
    f"100,3 => test_s.py::test_x[102] | 3.0: 136.8 KiB | {FIRST}: 100.6 KiB | ×1.36 (log2 +0.44)",
]


def _peak(i: int, run: int) -> int:
    if i == 5:
        return (0, 64, 64, 0)[run]  # zero, from zero, back to zero
    if i == 6:
        return 0
    return int(1000 * (i + 1) * (1 + ((i * 7 + run * 3) % 11 - 5) * 0.04 * run))


def _suite(run: int) -> list[dict[str, object]]:
    benches = []
    for i in range(IDS):
        if (run == 0 and i % 50 == 7) or (run == 2 and i % 40 == 3):
            continue  # late ids, and gaps in the middle
        name = f"test_s.py::test_x[a<b-{i}]" if i == 9 else f"test_s.py::test_x[{i}]"
        benches.append(entry(name, peak=[_peak(i, run)], params={"i": i}))
    return benches


@needs_chromium
def test_large_sweep_picture_and_hover_unchanged(benchmem, tmp_path):
    runs = [write_run(tmp_path / f"v{r}.json", _suite(r), label=x) for r, x in enumerate(LABELS)]
    out = tmp_path / "sweep.html"
    result = benchmem("plot", *runs, "--metric", "peak", "-o", out)
    assert result.code == 0, result.err
    assert f"sweep view of peak: {IDS} id(s) drawn from 4 run(s)" in result.out
    cells = "[" + ",".join(f"[{r},{c}]" for r, c in CELLS) + "]"
    page_text = out.read_text(encoding="utf-8")
    out.write_text(page_text.replace("</body>", HOVER_SCRIPT % cells + "</body>"), "utf-8")
    update = bool(os.environ.get("BENCHMEM_UPDATE_SCREENSHOTS"))
    if update:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    page = render(out, GOLDEN.parent if update else tmp_path, GOLDEN.stem, height=1000)
    found = re.search(r'<pre id="hovers">(.*?)</pre>', page.dom, flags=re.S)
    assert found, "the hover script did not run"
    assert html.unescape(found.group(1)).split("\n") == HOVERS
    assert page.count('class="hm"') == 1
    assert page.count('class="ytick"') == 0  # > MAX_TICKS rows: no tick labels
    assert page.count('class="heatmap-label"') == 0  # > MAX_TEXT_CELLS cells: no in-cell text
    assert page.screenshot.read_bytes() == GOLDEN.read_bytes(), (
        f"the sweep picture differs from {GOLDEN} (BENCHMEM_UPDATE_SCREENSHOTS=1 updates it)"
    )
