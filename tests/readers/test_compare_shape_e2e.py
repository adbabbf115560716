"""End to end: ``--pivot``, ``--where``, ``--group-by``, ``extra:NAME`` and ``--metric a,b`` on
runs written by the real plugin (see ``shapesuite``), through ``pytest_benchmem.cli.main``.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from pytest_benchmem import runs
from pytest_benchmem.cli import main
from shapesuite import run_suite

pytestmark = pytest.mark.e2e

SUM1 = "test_a.py::test_sum[1]"
SUM2 = "test_a.py::test_sum[2]"
BEE = "test_b.py::test_b"


@pytest.fixture(scope="module")
def shape_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """one (scale 1), new (scale 2): the same suite, everything in ``test_sum`` doubled."""
    return run_suite(tmp_path_factory.mktemp("shape"), {"one": "1", "new": "2"})


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    runs.clear_cache()
    with pytest.raises(SystemExit) as info:
        main(["compare", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code != 0
    assert err.startswith("benchmem: error: "), err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def _table(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        if line.startswith(("test_a.py", "test_b.py")):
            ident, _, rest = line.partition("  ")
            rows[ident.strip()] = rest.split()
    return rows


# --- pivot ----------------------------------------------------------------------------------


def test_pivot_folds_one_run_and_counts_benchmarks_lacking_the_dim(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path]
) -> None:
    code, out, _ = cli(capsys, shape_runs["one"], "--pivot", "param:impl", "--metric", "peak")
    assert code == 0, out
    header = out.splitlines()[1]
    assert header.index("impl=py") < header.index("impl=c")  # values in order, as series
    rows = _table(out)
    assert set(rows) == {SUM1, SUM2, BEE}  # paired by the rest of the id
    assert rows[SUM1][-1] == "+100.0%"
    assert rows[BEE][-1] == "0"  # no change reads 0, never +0.0%
    assert "nan" not in out.lower()
    assert "note: pivot on param:impl: 3 benchmarks lack it (left out)" in out


def test_pivot_regression_in_the_pair_fails_the_gate(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path], tmp_path: Path
) -> None:
    out_csv = tmp_path / "pivot.csv"
    args = [shape_runs["one"], "--pivot", "param:impl", "--metric", "peak", "--csv", out_csv]
    code, out, _ = cli(capsys, *args, "--fail-on", "peak:10%")
    assert code == 1
    assert "2 regressions past peak:10% (impl=py -> impl=c, 3 compared)" in out
    assert f"peak  {SUM1}:" in out
    records = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [r["id"] for r in records] == [SUM1, SUM2, BEE]
    for record in records:
        assert all(v and not math.isnan(float(v)) for k, v in record.items() if k != "id")
    # within the threshold, the same pivot passes
    code, out, _ = cli(capsys, *args, "--fail-on", "peak:150%")
    assert code == 0, out
    assert "no regressions: 3 compared" in out


def test_pivot_in_load_long_df_has_no_nan_series(shape_runs: dict[str, Path]) -> None:
    frame, unit = runs.load_long_df([shape_runs["one"]], metric="peak", pivot="param:impl")
    assert unit == "B"
    assert list(dict.fromkeys(frame["snapshot"])) == ["impl=py", "impl=c"]
    assert not frame["value"].isna().any()
    assert set(frame["id"]) == {SUM1, SUM2, BEE}
    assert set(frame["module"]) == {"test_a.py", "test_b.py"}
    assert set(frame["func"]) == {"test_sum", "test_b"}


def test_pivot_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path]
) -> None:
    code, _, err = cli(capsys, shape_runs["one"], shape_runs["new"], "--pivot", "param:impl")
    _one_line_error(code, err, "--pivot folds one run, got 2")
    code, _, err = cli(capsys, shape_runs["one"], "--pivot", "param:nope")
    _one_line_error(code, err, "'param:nope'", "param:impl")
    code, _, err = cli(capsys, shape_runs["one"], "--pivot", "func", "--where", "func=test_sum")
    _one_line_error(code, err, "a pivot needs two")
    code, _, err = cli(capsys, shape_runs["one"])
    _one_line_error(code, err, "--pivot DIM")


# --- where ----------------------------------------------------------------------------------


def test_where_keeps_benchmarks_matching_every_condition(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path]
) -> None:
    pair = [shape_runs["one"], shape_runs["new"]]
    code, out, _ = cli(capsys, *pair, "--metric", "peak", "--where", "param:impl=c")
    assert code == 0
    assert set(_table(out)) == {
        "test_a.py::test_sum[1-c]",
        "test_a.py::test_sum[2-c]",
        "test_b.py::test_b[c]",
    }
    # numeric equality ("2.0" == 2), and every condition must hold
    code, out, _ = cli(capsys, *pair, "--where", "n=2.0", "--where", "module=test_a.py")
    assert code == 0
    assert set(_table(out)) == {
        "test_a.py::test_sum[2-py]",
        "test_a.py::test_sum[2-c]",
        "test_a.py::TestK::test_k[2]",
    }


def test_where_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path]
) -> None:
    pair = [shape_runs["one"], shape_runs["new"]]
    code, _, err = cli(capsys, *pair, "--where", "colour=red")
    _one_line_error(code, err, "no benchmark has the dim 'colour'", "param:impl", "module")
    code, _, err = cli(capsys, *pair, "--where", "impl")
    _one_line_error(code, err, "expected KEY=VALUE")
    code, _, err = cli(capsys, *pair, "--where", "impl=rust")
    _one_line_error(code, err, "no benchmark matches")


# --- group-by, extra columns, several metrics ---------------------------------------------


def test_group_by_gives_sorted_sub_tables(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path], tmp_path: Path
) -> None:
    pair = [shape_runs["one"], shape_runs["new"]]
    out_csv = tmp_path / "g.csv"
    args = ["--metric", "peak", "--group-by", "module,class", "--sort", "value", "--csv", out_csv]
    code, out, _ = cli(capsys, *pair, *args)
    assert code == 0
    titles = [line for line in out.splitlines() if line.startswith("module=")]
    assert titles == [
        "module=test_a.py, class=TestK",
        "module=test_a.py, class=(none)",
        "module=test_b.py, class=(none)",
    ]
    block = out.split(titles[1])[1].split(titles[2])[0]
    ids = [line.split()[0] for line in block.splitlines() if line.startswith("test_a")]
    assert ids[0] == "test_a.py::test_sum[2-c]"  # largest in the last run first, per section
    assert ids[-1] == "test_a.py::test_plain"
    groups = {r["group"] for r in csv.DictReader(io.StringIO(out_csv.read_text()))}
    assert groups == set(titles)
    code, _, err = cli(capsys, *pair, "--group-by", "param:colour")
    _one_line_error(code, err, "--group-by param:colour")


def test_extra_column_beside_the_metrics(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path], tmp_path: Path
) -> None:
    pair = [shape_runs["one"], shape_runs["new"]]
    out_csv = tmp_path / "x.csv"
    code, out, _ = cli(capsys, *pair, "--metric", "peak,extra:rows", "--csv", out_csv)
    assert code == 0
    assert out.splitlines()[1].split()[-1] == "extra:rows"
    rows = _table(out)
    assert rows["test_a.py::test_sum[2-c]"][-3:] == ["2,000", "→", "4,000"]
    assert rows["test_a.py::test_plain"][-1] == "5"
    assert rows["test_a.py::TestK::test_k[1]"][-1] == "—"
    record = next(
        r for r in csv.DictReader(io.StringIO(out_csv.read_text())) if r["id"].endswith("[2-c]")
    )
    assert (record["extra:rows:one"], record["extra:rows:new"]) == ("2000", "4000")
    code, out, _ = cli(capsys, *pair, "--metric", "peak,extra:rows", "--format", "md")
    assert code == 0
    assert "| extra:rows |" in out
    code, _, err = cli(capsys, *pair, "--metric", "peak,extra:size")
    _one_line_error(code, err, "unknown column extra:size", "extra:rows")
    assert "extra:note" not in err  # not numeric
    code, _, err = cli(capsys, *pair, "--metric", "extra:rows")
    _one_line_error(code, err, "at least one metric")


def test_several_metrics_give_one_block_each(
    capsys: pytest.CaptureFixture[str], shape_runs: dict[str, Path], tmp_path: Path
) -> None:
    pair = [shape_runs["one"], shape_runs["new"]]
    out_csv = tmp_path / "m.csv"
    code, out, _ = cli(capsys, *pair, "--metric", "time,peak", "--csv", out_csv)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("time, peak (headline min): 2 runs, 9 ids")
    header = lines[1]
    assert header.index("time one") < header.index("time change %") < header.index("peak one")
    assert "peak change %" in header
    head = next(csv.reader(io.StringIO(out_csv.read_text())))
    assert head[:5] == [
        "id",
        "time:min:one",
        "time:min:new",
        "time:min:change",
        "time:min:change_pct",
    ]
    assert "time:min:one_iqr" in head
    assert "time:min:noise" in head  # time's spread and noise columns, prefixed
    assert head[-4:] == [
        "peak:min:one",
        "peak:min:new",
        "peak:min:change",
        "peak:min:change_pct",
    ]
    code, _, err = cli(capsys, *pair, "--metric", "time,bogus")
    _one_line_error(code, err, "unknown metric 'bogus'")
