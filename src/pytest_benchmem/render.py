"""Rendering a ``Comparison``: a terminal table (rich colours on a TTY), markdown, and CSV.

Values are scaled to one human unit per column (bytes in B/KiB/MiB/GiB, times in
ns/us/ms/s, counts with separators); the CSV keeps the raw, unscaled numbers. rich is
used (for its ANSI styles) only when colour is on: on a terminal and ``NO_COLOR`` unset.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .compare import Comparison, Row
from .files import write_atomic
from .sections import Report, Section
from .units import MISSING, ColumnScale, column_scale, human_count, signed_percent


def _percent(value: float | None) -> str:
    return MISSING if value is None else signed_percent(value)


def _title(comparison: Comparison) -> str:
    stat = comparison.stat or "headline min"
    runs, ids = len(comparison.labels), len(comparison.rows)
    plural = "s" * (runs != 1), "s" * (ids != 1)
    title = (
        f"{comparison.metric} ({stat}): {runs} run{plural[0]}, {ids} id{plural[1]}; "
        "change = last run vs first"
    )
    if comparison.metric == "time":
        title += "; ±IQR, n=rounds; noise rule: docs/compare.md"
    return title


def _spread_cell(scale: ColumnScale, value: float | None, row: Row, index: int) -> str:
    """A time value with its spread: ``12.34 ±0.21 n=15``."""
    text = scale.fmt(value)
    spread = row.spreads[index] if index < len(row.spreads) else None
    if value is None or spread is None:
        return text
    return f"{text} ±{scale.fmt(spread.iqr)} n={spread.rounds}"


def noise_text(row: Row) -> str:
    """The noise column: the verdict on the change (``within noise (IQRs overlap)``)."""
    if row.noise is None:
        return MISSING
    if row.within_noise and not row.noise.within:  # the spread moved the other way
        return f"within noise ({row.noise.describe()})"
    return row.noise.describe()


def _cells(comparison: Comparison) -> tuple[str, list[str], list[list[str]]]:
    """The title, header and formatted cells of the table."""
    values = [v for row in comparison.rows for v in row.values]
    value_scale = column_scale(comparison.metric, values)
    timed = comparison.metric == "time"
    header = ["id"]
    header += [f"{label} ({value_scale.label})" for label in comparison.labels]
    header += [f"change ({value_scale.label})", "change %"]
    header += ["noise"] if timed else []
    body = []
    for row in comparison.rows:
        if timed:
            cells = [_spread_cell(value_scale, v, row, i) for i, v in enumerate(row.values)]
        else:
            cells = [value_scale.fmt(v) for v in row.values]
        line = [
            row.id,
            *cells,
            value_scale.fmt(row.delta, signed=True),
            _percent(row.percent),
        ]
        body.append([*line, noise_text(row)] if timed else line)
    return _title(comparison), header, body


def _extremes(values: Sequence[float | None]) -> tuple[int | None, int | None]:
    """Indexes of the lightest and heaviest value in a row (None when all equal)."""
    present = [(v, i) for i, v in enumerate(values) if v is not None]
    if len(present) < 2 or min(present)[0] == max(present)[0]:
        return None, None
    return min(present)[1], max(present, key=lambda p: (p[0], -p[1]))[1]


def _marks(comparison: Comparison) -> list[list[str]]:
    """Per cell style: the lightest value of a row green, the heaviest red."""
    marks = []
    extra = 1 if comparison.metric == "time" else 0
    for row in comparison.rows:
        light, heavy = _extremes(row.values)
        cells = ["" for _ in range(len(row.values) + 3 + extra)]
        if row.within_noise:  # a change the spread does not support: not coloured
            cells = ["dim" for _ in cells]
        elif light is not None and heavy is not None:
            cells[1 + light], cells[1 + heavy] = "green", "red"
        marks.append(cells)
    return marks


def _layout(
    title: str, header: list[str], body: list[list[str]], marks: list[list[str]] | None
) -> str:
    """Aligned columns; with ``marks``, ANSI styles (rich) wrap the padded cells."""
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    paint = _painter() if marks is not None else None

    def line(cells: list[str], styles: list[str] | None = None) -> str:
        padded = [cells[0].ljust(widths[0])]
        padded += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        if paint is not None and styles is not None:
            padded = [paint(c, st) if st else c for c, st in zip(padded, styles, strict=True)]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    head = line(header, ["bold"] * len(header) if paint else None)
    row_marks: list[list[str] | None] = list(marks) if marks else [None] * len(body)
    rows = [line(r, m) for r, m in zip(body, row_marks, strict=True)]
    return "\n".join([title, head, rule, *rows]) + "\n"


def _painter() -> Callable[[str, str], str]:
    from rich.style import Style

    styles: dict[str, Style] = {}

    def paint(text: str, style: str) -> str:
        if style not in styles:
            styles[style] = Style.parse(style)
        return styles[style].render(text)

    return paint


def render_table(comparison: Comparison, *, color: bool | None = None) -> str:
    """The comparison as terminal text; ``color`` None = only when stdout is a terminal."""
    if color is None:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    title, header, body = _cells(comparison)
    return _layout(title, header, body, _marks(comparison) if color else None)


def title_of(comparison: Comparison) -> str:
    """The table's title line (metric, stat, runs, ids; for time the spread legend)."""
    return _title(comparison)


def markdown_rows(comparison: Comparison, *, emphasise: bool = False) -> list[str]:
    """The markdown table's lines; ``emphasise`` puts changes within noise in italics."""
    _, header, body = _cells(comparison)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    align = "| :--- | " + " | ".join("---:" for _ in header[1:]) + " |"
    rows = [line(header), align]
    change = len(comparison.labels) + 1  # the first change column
    for cells, row in zip(body, comparison.rows, strict=True):
        shown = [f"`{cells[0]}`", *cells[1:]]
        if emphasise and row.within_noise:
            shown[change : change + 2] = [f"_{c}_" for c in shown[change : change + 2]]
        rows.append(line(shown))
    return rows


def to_markdown(comparison: Comparison) -> str:
    """A GitHub-flavoured markdown table (for pasting into a pull request)."""
    rows = markdown_rows(comparison)
    return f"**{_title(comparison)}**\n\n" + "\n".join(rows) + "\n"


def _raw(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _spread_columns(comparison: Comparison) -> list[str]:
    names = []
    for label in comparison.labels:
        names += [f"{label}_iqr", f"{label}_stddev", f"{label}_rounds"]
    return [*names, "noise"]


def _spread_values(row: Row, runs: int) -> list[str]:
    cells: list[str] = []
    for index in range(runs):
        spread = row.spreads[index] if index < len(row.spreads) else None
        if spread is None:
            cells += ["", "", ""]
        else:
            cells += [_raw(spread.iqr), _raw(spread.stddev), str(spread.rounds)]
    if row.noise is None:
        return [*cells, ""]
    return [*cells, "within noise" if row.within_noise else str(row.noise.shift)]


def csv_text(comparison: Comparison) -> str:
    """The raw (unscaled) comparison as CSV text: id, one column per run, change, change_pct.

    For time, then each run's spread (``<label>_iqr``, ``_stddev``, ``_rounds``) and the
    noise verdict (``noise``: within noise, slower, faster, or no spread).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    timed = comparison.metric == "time"
    header = ["id", *comparison.labels, "change", "change_pct"]
    writer.writerow(header + (_spread_columns(comparison) if timed else []))
    for row in comparison.rows:
        cells = [row.id, *(_raw(v) for v in row.values), _raw(row.delta), _raw(row.percent)]
        writer.writerow(cells + (_spread_values(row, len(comparison.labels)) if timed else []))
    return buffer.getvalue()


def to_csv(comparison: Comparison, path: str | Path) -> Path:
    """Write the raw comparison to ``path`` atomically (see ``csv_text``)."""
    return write_atomic(path, csv_text(comparison))


# --- the full compare output: sections (--group-by) x metric blocks x extra columns ---------


def _report_title(report: Report) -> str:
    stat = report.stat or "headline min"
    runs = len(report.labels)
    ids = sum(len(section.ids) for section in report.sections)
    plural = "s" * (runs != 1), "s" * (ids != 1)
    title = (
        f"{', '.join(report.metrics)} ({stat}): {runs} run{plural[0]}, {ids} id{plural[1]}; "
        "change = last run vs first"
    )
    if "time" in report.metrics:
        title += "; ±IQR, n=rounds; noise rule: docs/compare.md"
    return title


def _extra_text(values: Sequence[float | None]) -> str:
    """One cell of an extra column: the value, or ``first → ... → last`` where runs differ."""
    shown: list[str] = []
    for value in values:
        if value is None:
            continue
        text = human_count(value) if float(value).is_integer() else f"{value:,.4g}"
        if not shown or shown[-1] != text:
            shown.append(text)
    return " → ".join(shown) if shown else MISSING


def _section_cells(
    report: Report, section: Section
) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Header, body and colour marks of one sub-table (every block side by side)."""
    multi = len(section.blocks) > 1
    header = ["id"]
    body: list[list[str]] = [[ident] for ident in section.ids]
    marks: list[list[str]] = [[""] for _ in section.ids]
    for block in section.blocks:
        _, block_header, block_body = _cells(block)
        prefix = f"{block.metric} " if multi else ""
        header += [prefix + name for name in block_header[1:]]
        for cells, row in zip(body, block_body, strict=True):
            cells.extend(row[1:])
        for styles, row in zip(marks, _marks(block), strict=True):
            styles.extend(row[1:])
    for name, column in zip(report.extras, section.extras, strict=True):
        header.append(f"extra:{name}")
        for cells, style, values in zip(body, marks, column, strict=True):
            cells.append(_extra_text(values))
            style.append("")
    return header, body, marks


def render_report(report: Report, *, color: bool | None = None) -> str:
    """The whole compare output as terminal text (one table per section, then the notes)."""
    if color is None:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    parts = []
    for index, section in enumerate(report.sections):
        header, body, marks = _section_cells(report, section)
        title = _report_title(report) if index == 0 else ""
        if section.title:
            title = f"{title}\n\n{section.title}" if title else f"\n{section.title}"
        parts.append(_layout(title, header, body, marks if color else None))
    if not report.sections:
        parts.append(_report_title(report) + "\n")
    parts.extend(f"note: {note}\n" for note in report.notes)
    return "".join(parts)


def report_markdown(report: Report) -> str:
    """The whole compare output as GitHub-flavoured markdown (a table per section)."""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    out = [f"**{_report_title(report)}**\n"]
    for section in report.sections:
        header, body, _ = _section_cells(report, section)
        if section.title:
            out.append(f"*{section.title}*\n")
        align = "| :--- | " + " | ".join("---:" for _ in header[1:]) + " |"
        rows = [line(header), align, *(line([f"`{r[0]}`", *r[1:]]) for r in body)]
        out.append("\n".join(rows) + "\n")
    out.extend(f"_note: {note}_\n" for note in report.notes)
    return "\n".join(out)


def report_csv(report: Report) -> str:
    """The raw compare output as CSV; one metric, no groups, no extras = ``csv_text``'s columns.

    With several metrics, each column is ``metric:stat:run`` (and ``metric:stat:change``,
    ``metric:stat:change_pct``, and for time the spread and noise columns of ``csv_text``);
    ``--group-by`` adds a leading ``group`` column; each extra column is ``extra:NAME:run``.
    """
    simple = len(report.metrics) == 1 and not report.group_by and not report.extras
    if simple and report.sections:
        return csv_text(report.sections[0].blocks[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    multi = len(report.metrics) > 1
    stat = report.stat or "min"
    head = ["group"] if report.group_by else []
    head.append("id")
    for metric in report.metrics:
        prefix = f"{metric}:{stat}:" if multi else ""
        names = [*report.labels, "change", "change_pct"]
        if metric == "time":
            names += _spread_columns(Comparison(metric, report.stat, report.labels, ()))
        head += [prefix + name for name in names]
    head += [f"extra:{name}:{label}" for name in report.extras for label in report.labels]
    writer.writerow(head)
    for section in report.sections:
        for index, ident in enumerate(section.ids):
            cells = [section.title] if report.group_by else []
            cells.append(ident)
            for block in section.blocks:
                row = block.rows[index]
                cells += [_raw(v) for v in row.values] + [_raw(row.delta), _raw(row.percent)]
                if block.metric == "time":
                    cells += _spread_values(row, len(report.labels))
            for column in section.extras:
                cells += [_raw(v) for v in column[index]]
            writer.writerow(cells)
    return buffer.getvalue()


def write_report_csv(report: Report, path: str | Path) -> Path:
    """Write ``report_csv`` to ``path`` atomically."""
    return write_atomic(path, report_csv(report))
