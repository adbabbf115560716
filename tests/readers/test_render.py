"""render.py: terminal table (plain and coloured), markdown, and the raw CSV."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest

from pytest_benchmem import render
from pytest_benchmem.compare import Comparison, Row
from pytest_benchmem.errors import UsageError
from pytest_benchmem.render import render_table, to_csv, to_markdown
from pytest_benchmem.units import ColumnScale, column_scale

KIB = 1024


def _peak() -> Comparison:
    return Comparison(
        metric="peak",
        stat=None,
        labels=("1.0", "2.0"),
        rows=(
            Row("t.py::test_a[1]", (1_000_000.0, 2_000_000.0), 1_000_000.0, 100.0),
            Row("t.py::test_b|x", (512.0 * KIB, None), None, None),
        ),
    )


def test_plain_table_one_unit_per_column() -> None:
    text = render_table(_peak(), color=False)
    lines = text.splitlines()
    assert lines[0] == "peak (headline min): 2 runs, 2 ids; change = last run vs first"
    assert lines[1].split() == [
        "id",
        "1.0",
        "(KiB)",
        "2.0",
        "(KiB)",
        "change",
        "(KiB)",
        "change",
        "%",
    ]
    assert set(lines[2]) == {"-", " "}
    assert lines[3].split() == ["t.py::test_a[1]", "976.56", "1,953.12", "+976.56", "+100.0%"]
    assert lines[4].split() == ["t.py::test_b|x", "512.00", "—", "—", "—"]
    assert "\x1b[" not in text
    # right-aligned numbers end in the same column
    assert lines[3].index("976.56") + 6 == lines[4].index("512.00") + 6


def test_colour_marks_lightest_green_and_heaviest_red() -> None:
    text = render_table(_peak(), color=True)
    row = text.splitlines()[3]
    green, red = "\x1b[32m", "\x1b[31m"
    assert row.index(green) < row.index("976.56") < row.index(red) < row.index("1,953.12")
    # a row with one value (or equal values) is not marked
    assert green not in text.splitlines()[4]
    plain = [line.rstrip() for line in render_table(_peak(), color=False).splitlines()]
    stripped = text
    for code in ("\x1b[32m", "\x1b[31m", "\x1b[1m", "\x1b[0m"):
        stripped = stripped.replace(code, "")
    assert [line.rstrip() for line in stripped.splitlines()] == plain


def test_colour_follows_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout", Tty())
    assert "\x1b[" in render_table(_peak())
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render_table(_peak())
    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" not in render_table(_peak())


@pytest.mark.parametrize(
    ("metric", "values", "unit", "shown"),
    [
        ("peak", [100.0, 5000.0], "B", "5,000"),
        ("peak", [2048.0, 5 * 1024**2], "KiB", "5,120.00"),
        ("allocated", [3 * 1024**3], "GiB", "3.00"),
        ("time", [2.5e-3, 1.0], "ms", "1,000.00"),
        ("time", [3e-9], "ns", "3"),
        ("time", [2.0], "s", "2.00"),
        ("time", [], "s", "—"),
        ("allocations", [1000.0, 20.0], "count", "1,000"),
        ("allocations", [1.5], "count", "1.5"),
    ],
)
def test_scale_for(metric: str, values: list[float], unit: str, shown: str) -> None:
    scale = column_scale(metric, values)
    assert scale.label == unit
    assert scale.fmt(max(values) if values else None) == shown


def test_scale_signed() -> None:
    assert ColumnScale("peak", "KiB", 1024, 2).fmt(-2048) == "-2.00"
    assert ColumnScale("peak", "KiB", 1024, 2).fmt(2048, signed=True) == "+2.00"


def test_markdown_table() -> None:
    text = to_markdown(_peak())
    lines = text.splitlines()
    assert lines[0] == "**peak (headline min): 2 runs, 2 ids; change = last run vs first**"
    assert lines[2] == "| id | 1.0 (KiB) | 2.0 (KiB) | change (KiB) | change % |"
    assert lines[3] == "| :--- | ---: | ---: | ---: | ---: |"
    assert lines[4] == "| `t.py::test_a[1]` | 976.56 | 1,953.12 | +976.56 | +100.0% |"
    assert lines[5] == "| `t.py::test_b\\|x` | 512.00 | — | — | — |"


def test_csv_is_raw_and_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "sub" / "cmp.csv"
    assert to_csv(_peak(), out) == out
    rows = list(csv.reader(out.open(newline="")))
    assert rows == [
        ["id", "1.0", "2.0", "change", "change_pct"],
        ["t.py::test_a[1]", "1000000", "2000000", "1000000", "100"],
        ["t.py::test_b|x", "524288", "", "", ""],
    ]
    time = Comparison("time", "min", ("a", "b"), (Row("x", (1.5e-6, 3e-6), 1.5e-6, 100.0),))
    # time adds each run's spread and the noise verdict (empty: this row carries no stats)
    assert render.csv_text(time).splitlines()[1] == "x,1.5e-06,3e-06,1.5e-06,100,,,,,,,"
    # a failed write leaves the old file in place and no temp file behind
    before = out.read_text()

    def boom(self: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", boom)
    with pytest.raises(UsageError, match=r"cannot write '.*cmp\.csv': No space left on device"):
        to_csv(time, out)
    assert out.read_text() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["cmp.csv"]


def test_csv_gets_the_umask_mode_not_mkstemps(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = to_csv(_peak(), tmp_path / "cmp.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_csv_unwritable_path_names_the_path_not_the_temp_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        to_csv(_peak(), tmp_path)
    assert info.value.message == f"cannot write {str(tmp_path)!r}: it is a directory"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(UsageError) as info:
        to_csv(_peak(), blocker / "cmp.csv")
    assert info.value.message == (
        f"cannot write {str(blocker / 'cmp.csv')!r}: {str(blocker)!r} is a file, not a directory"
    )
    assert ".tmp" not in info.value.message


def test_empty_comparison_renders() -> None:
    empty = Comparison("time", None, ("a", "b"), ())
    assert render_table(empty, color=True).splitlines()[0].startswith("time (headline min)")
    assert "0 ids" in to_markdown(empty)
    assert render.csv_text(empty) == (
        "id,a,b,change,change_pct,a_iqr,a_stddev,a_rounds,b_iqr,b_stddev,b_rounds,noise\n"
    )
