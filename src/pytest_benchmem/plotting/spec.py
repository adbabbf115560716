"""Figures as plain JSON-ready dicts ("specs"), written to HTML without plotly's object model.

A view that draws thousands of cells (the sweep heatmap) builds its figure as a dict: its big
arrays already in plotly.js's typed-array form (``{"dtype", "bdata", "shape"}``, base64 of
little-endian numbers, as plotly.py itself encodes a numpy array), the template already
merged, nothing left to validate. :func:`spec_html` writes the same page ``plotly.io.to_html``
writes for it (a test holds the two byte for byte) without importing plotly's object model
(``plotly.basedatatypes``), numpy or even ``plotly`` itself: only plotly.js and the template
are read from plotly's package data. :func:`to_figure` gives the validated ``go.Figure``
(numpy arrays in place of the typed arrays) for the Python API.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import importlib.util
import json
import math
import sys
import uuid
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_benchmem.errors import PLOT_HINT, BenchmemError

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: a figure as plain dicts: ``{"data": [trace, ...], "layout": {...}}``
FigureSpec = dict[str, Any]
#: the plotly.js page config every written figure gets
CONFIG = {"displaylogo": False, "responsive": True}
_DTYPES = {"f": "f4", "d": "f8"}  # array typecode -> plotly.js typed-array dtype
_CODES = {dtype: code for code, dtype in _DTYPES.items()}
#: what plotly.py escapes in the JSON it puts inside a <script> (plotly.io's _swap_json)
_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"))


def typed_array(values: Sequence[float], shape: tuple[int, ...], *, single: bool) -> dict[str, str]:
    """``values`` (row-major) as a plotly.js typed array: float32 when ``single``, else
    float64; the same bytes and spec plotly.py writes for a numpy array of that dtype."""
    code = "f" if single else "d"
    data = array(code, values)
    if sys.byteorder == "big":  # pragma: no cover - plotly.js reads little-endian
        data.byteswap()
    spec = {"dtype": _DTYPES[code], "bdata": base64.b64encode(data.tobytes()).decode("ascii")}
    if len(shape) > 1:
        spec["shape"] = ", ".join(str(n) for n in shape)
    return spec


def _is_typed(value: object) -> bool:
    return isinstance(value, dict) and "bdata" in value and value.get("dtype") in _CODES


def decode(value: Any) -> Any:
    """``value`` with every typed array replaced by its numpy array (recursively)."""
    if _is_typed(value):
        import numpy as np

        shape = tuple(int(n) for n in value.get("shape", "").split(",") if n.strip())
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype="<" + value["dtype"])
        return flat.reshape(shape) if shape else flat
    if isinstance(value, dict):
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def to_figure(spec: Mapping[str, Any]) -> go.Figure:
    """The validated plotly figure of ``spec`` (typed arrays become numpy arrays)."""
    import plotly.graph_objects as go

    return go.Figure(decode(dict(spec)))


def plotly_dir() -> Path:
    """plotly's package directory, found without importing plotly."""
    found = importlib.util.find_spec("plotly")
    if found is None or not found.submodule_search_locations:
        msg = "plots need plotly, which is not installed"
        raise BenchmemError(msg, hint=PLOT_HINT)
    return Path(next(iter(found.submodule_search_locations)))


@functools.cache
def plotly_js() -> bytes:
    """The plotly.js bundle that ships with plotly (what ``include_plotlyjs=True`` inlines),
    as UTF-8 bytes: the page is assembled as bytes, never as a 4.8 MB non-ASCII str."""
    return (plotly_dir() / "package_data" / "plotly.min.js").read_bytes()


@functools.cache
def _named_template(name: str) -> dict[str, Any]:
    path = plotly_dir() / "package_data" / "templates" / f"{name}.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def merged(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``update`` as ``go.Figure.update_layout`` does: dicts merge key by
    key, anything else (lists, numbers, strings) replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def template(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """plotly's default template with ``overrides`` merged in: what a ``go.Figure`` gets from
    ``update_layout(template=overrides)``. The default is plotly's "plotly" unless this
    process changed ``plotly.io.templates.default`` (then that one is asked for)."""
    pio = sys.modules.get("plotly.io")
    name = "plotly" if pio is None else pio.templates.default
    if name == "plotly":
        return merged(_named_template("plotly"), overrides)
    base = pio.templates[name].to_plotly_json() if name else {}  # type: ignore[union-attr]
    return merged(base, overrides)


def _json(value: object) -> str:
    """JSON as plotly.py writes it into a page: compact, ASCII, NaN as null, <>/ escaped."""
    text = json.dumps(value, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:  # plotly.js reads null; JSON has no NaN
        text = json.dumps(_nulls(value), separators=(",", ":"))
    for unsafe, safe in _SAFE:
        if unsafe in text:
            text = text.replace(unsafe, safe)
    return text


def _nulls(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _nulls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def _size(value: object) -> str:
    return f"{value}px" if isinstance(value, (int, float)) else str(value)


def spec_html(
    spec: Mapping[str, Any],
    *,
    full_html: bool = True,
    with_js: bool = True,
    div_id: str | None = None,
) -> str:
    """The page ``plotly.io.to_html(spec, include_plotlyjs=with_js, full_html=full_html,
    config=CONFIG, validate=False)`` writes, byte for byte (``div_id`` fixes the div's id)."""
    return spec_page(spec, full_html=full_html, with_js=with_js, div_id=div_id).decode("utf-8")


def spec_page(
    spec: Mapping[str, Any],
    *,
    full_html: bool = True,
    with_js: bool = True,
    div_id: str | None = None,
    title: str | None = None,
) -> bytes:
    """:func:`spec_html` as UTF-8 bytes; ``title`` (plain text) goes into the page's head."""
    layout = spec.get("layout", {})
    defaults = layout.get("template", {}).get("layout", {})
    width = _size(layout.get("width", defaults.get("width", "100%")))
    height = _size(layout.get("height", defaults.get("height", "100%")))
    plot_id = div_id or str(uuid.uuid4())
    pad = " " * 4  # plotly's page template indents each part by multiples of four spaces
    script = (
        f'{pad * 4}if (document.getElementById("{plot_id}")) {{{pad * 5}Plotly.newPlot('
        f'{pad * 6}"{plot_id}",{pad * 6}{_json(spec.get("data", []))},'
        f"{pad * 6}{_json(layout)},{pad * 6}{json.dumps(CONFIG)}{pad * 5}){pad * 4}}}"
    )
    head = f'<div style="height:{height}; width:{width};">{pad * 2}{pad * 2}'
    js = b""
    if with_js:
        config = "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
        head += f"{pad * 2}{config}\n{pad * 2}<script>"
        js = plotly_js() + f"</script>{pad}".encode()
    tail = (
        f'{pad * 3}<div id="{plot_id}" class="plotly-graph-div" style="height:100%; '
        f'width:100%;"></div>{pad * 3}<script>{pad * 4}window.PLOTLYENV=window.PLOTLYENV || '
        f"{{}};{pad * 4}{script};{pad * 3}</script>{pad * 2}</div>"
    )
    if full_html:
        named = f"\n    <title>{html.escape(title)}</title>" if title else ""
        head = (
            f'<!doctype html>\n<html>\n<head>{named}\n    <meta charset="utf-8" />\n'
            "    <style>html, body {height: 100%;}</style>\n</head>\n<body>\n"
            f"    {head}"
        )
        tail += "\n</body>\n</html>"
    return b"".join((head.encode("utf-8"), js, tail.encode("utf-8")))
