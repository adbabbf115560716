"""Writing figures: self-contained HTML (plotly.js inline), PNG/SVG through kaleido, the report.

Every file is written atomically (a temp file beside the target, then ``os.replace``), so a
reader never sees half a page and an interrupted write leaves the old file in place.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_benchmem.errors import PLOT_STATIC_HINT, BenchmemError, UsageError
from pytest_benchmem.files import write_atomic

from .spec import CONFIG, FigureSpec, spec_html, spec_page, to_figure

if TYPE_CHECKING:
    import plotly.graph_objects as go

HTML_SUFFIXES = (".html", ".htm")
IMAGE_SUFFIXES = (".png", ".svg")
_STYLE = "body{font-family:sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}p{margin:.3em 0}"


def check_output(path: Path) -> str:
    """The output kind for ``path`` (``html`` or the image format); errors for anything else."""
    if path.is_dir():
        msg = f"cannot write {str(path)!r}: it is a directory (give a file such as plot.html)"
        raise UsageError(msg)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in IMAGE_SUFFIXES:
        if importlib.util.find_spec("kaleido") is None:
            msg = f"{suffix} output needs kaleido, from the [plot-static] extra"
            raise BenchmemError(msg, hint=PLOT_STATIC_HINT)
        return suffix[1:]
    shown = suffix or "no suffix"
    msg = f"cannot write {str(path)!r}: unsupported output type ({shown}); use .html, .png or .svg"
    raise UsageError(msg)


def figure_html(
    figure: go.Figure | FigureSpec, *, full_html: bool = True, with_js: bool = True
) -> str:
    """The figure as HTML with plotly.js inline (nothing is loaded from the network).

    A plain figure dict (:data:`~.spec.FigureSpec`) is written as is, without plotly's
    object model; the page is the one ``plotly.io.to_html`` writes.
    """
    if isinstance(figure, dict):
        return spec_html(figure, full_html=full_html, with_js=with_js)
    import plotly.io as pio

    text: str = pio.to_html(
        figure,
        full_html=full_html,
        include_plotlyjs=with_js,
        config=CONFIG,
        validate=False,
    )
    return text


def _title(figure: go.Figure | FigureSpec) -> str | None:
    if isinstance(figure, dict):
        title: str | None = figure.get("layout", {}).get("title", {}).get("text")
        return title
    return figure.layout.title.text  # type: ignore[no-any-return]


def write_html(figure: go.Figure | FigureSpec, path: str | Path) -> Path:
    """Write ``figure`` as one self-contained HTML page (plotly.js inside), atomically."""
    target = Path(path)
    title = _title(figure)
    if isinstance(figure, dict):  # assembled as bytes around plotly.js, title in its head
        return write_atomic(target, spec_page(figure, title=title))
    page = figure_html(figure)
    if title:
        page = page.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)
    return write_atomic(target, page.encode("utf-8"))


def save_figure(figure: go.Figure | FigureSpec, path: str | Path) -> Path:
    """Write ``figure`` by suffix: ``.html`` (self-contained) or ``.png``/``.svg`` via kaleido."""
    target = Path(path)
    kind = check_output(target)
    if kind == "html":
        return write_html(figure, target)
    import plotly.io as pio

    if isinstance(figure, dict):
        figure = to_figure(figure)
    try:
        data: bytes = pio.to_image(figure, format=kind, width=1200, height=800)
    except RuntimeError as exc:  # kaleido's own failures: no browser, a browser that died
        detail = " ".join(str(exc).split()) or type(exc).__name__
        msg = f"cannot write {str(target)!r}: kaleido failed: {detail}"
        raise BenchmemError(
            msg, hint="kaleido drives a Chrome/Chromium browser: install one"
        ) from None
    return write_atomic(target, data)


def report_page(
    title: str, summary: Sequence[str], figures: Sequence[go.Figure | FigureSpec]
) -> str:
    """One HTML page holding ``figures`` (plotly.js inline once) under a title and summary."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts.extend(f"<p>{html.escape(line)}</p>" for line in summary)
    for index, figure in enumerate(figures):
        div = figure_html(figure, full_html=False, with_js=index == 0)
        parts.append(f'<div class="plot">{div}</div>')
    parts.append("</body></html>")
    return "\n".join(parts)
