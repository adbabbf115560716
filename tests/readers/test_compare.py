"""compare.py: the table model (rows, changes, sorts) and the regression gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import bench, write_run

from pytest_benchmem import runs
from pytest_benchmem.compare import (
    Comparison,
    GateResult,
    Regression,
    Row,
    compare_runs,
    gate,
)
from pytest_benchmem.errors import SchemaError, UsageError
from pytest_benchmem.units import format_gate_value, parse_threshold

MB = 1_000_000


def _runs(tmp_path: Path, *specs: list[dict[str, object]]) -> list[runs.Run]:
    paths = [write_run(tmp_path / f"r{i}.json", spec) for i, spec in enumerate(specs)]
    return runs.load_runs(paths)


def test_rows_values_and_change(tmp_path: Path) -> None:
    loaded = _runs(
        tmp_path,
        [bench("t::a", time=1.0, peak=[100]), bench("t::gone", time=1.0, peak=[5])],
        [bench("t::a", time=2.0, peak=[150])],
        [bench("t::a", time=3.0, peak=[200]), bench("t::new", time=1.0, peak=[0])],
    )
    comp = compare_runs(loaded, "peak")
    assert comp == Comparison(
        metric="peak",
        stat=None,
        labels=("r0", "r1", "r2"),
        rows=(
            Row("t::a", (100.0, 150.0, 200.0), 100.0, 100.0),
            Row("t::gone", (5.0, None, None), None, None),
            Row("t::new", (None, None, 0.0), None, None),
        ),
    )
    time = compare_runs(loaded, "time", "mean")
    assert time.rows[0].values == (1.2, 2.4, pytest.approx(3.6))
    assert time.stat == "mean"
    assert compare_runs(loaded, "memory").metric == "peak"


def test_zero_base_has_no_percent(tmp_path: Path) -> None:
    loaded = _runs(tmp_path, [bench("t::a", peak=[0])], [bench("t::a", peak=[10])])
    row = compare_runs(loaded, "peak").rows[0]
    assert (row.delta, row.percent) == (10.0, None)


def test_single_run_has_no_change(tmp_path: Path) -> None:
    loaded = _runs(tmp_path, [bench("t::a", peak=[3])])
    assert compare_runs(loaded, "peak").rows == (Row("t::a", (3.0,), None, None),)


def test_each_sort_reorders(tmp_path: Path) -> None:
    first = [
        bench("t::a", peak=[100]),
        bench("t::b", peak=[1000]),
        bench("t::c", peak=[10]),
        bench("t::d", peak=[0]),
        bench("t::e", peak=[50]),
    ]
    last = [
        bench("t::a", peak=[300]),  # +200%, middle value
        bench("t::b", peak=[1100]),  # +10%, largest value
        bench("t::c", peak=[5]),  # -50%
        bench("t::d", peak=[7]),  # from zero: ranks first on change
        bench("t::f", peak=[1]),  # missing in first: last on change
    ]
    loaded = _runs(tmp_path, first, last)
    ids = {
        s: [r.id for r in compare_runs(loaded, "peak", sort=s).rows]
        for s in ("name", "value", "change")
    }
    assert ids["name"] == ["t::a", "t::b", "t::c", "t::d", "t::e", "t::f"]
    assert ids["value"] == ["t::b", "t::a", "t::d", "t::c", "t::f", "t::e"]
    assert ids["change"] == ["t::d", "t::a", "t::b", "t::c", "t::e", "t::f"]
    assert len({tuple(v) for v in ids.values()}) == 3


def test_name_sort_is_natural(tmp_path: Path) -> None:
    names = ["t::x[1000]", "t::x[20]", "t::x[100]", "t::b[3]", "t::x[100]-b", "t::x"]
    loaded = _runs(tmp_path, [bench(n) for n in names])
    assert [r.id for r in compare_runs(loaded, "time").rows] == [
        "t::b[3]",
        "t::x",
        "t::x[20]",
        "t::x[100]",
        "t::x[100]-b",
        "t::x[1000]",
    ]


def test_change_sort_ranks_shrink_from_zero_and_no_change(tmp_path: Path) -> None:
    loaded = _runs(
        tmp_path,
        [bench("t::a", time=0.0), bench("t::b", time=0.0), bench("t::c", time=1.0)],
        [bench("t::a", time=0.0), bench("t::b", time=-1.0), bench("t::c", time=0.5)],
    )
    assert [r.id for r in compare_runs(loaded, "time", sort="change").rows] == [
        "t::a",
        "t::c",
        "t::b",
    ]


def test_bad_names_and_missing_metric(tmp_path: Path) -> None:
    loaded = _runs(tmp_path, [bench("t::a")], [bench("t::a")])
    with pytest.raises(UsageError, match="unknown sort 'size'"):
        compare_runs(loaded, "time", sort="size")
    with pytest.raises(UsageError, match="unknown stat 'p99'"):
        compare_runs(loaded, "peak", "p99")
    with pytest.raises(UsageError, match="for time"):
        compare_runs(loaded, "time", "p99")
    with pytest.raises(UsageError, match="unknown metric"):
        compare_runs(loaded, "vms")
    with pytest.raises(SchemaError, match="no run has peak data"):
        compare_runs(loaded, "peak")
    with pytest.raises(UsageError, match="no runs"):
        compare_runs([], "time")


# -- gate -----------------------------------------------------------------------------------


def _pair(tmp_path: Path, base: list[dict[str, object]], new: list[dict[str, object]]):
    return _runs(tmp_path, base, new)


def test_gate_catches_4mb_to_8mb_at_10_percent(tmp_path: Path) -> None:
    base, new = _pair(tmp_path, [bench("t::x", peak=[4 * MB])], [bench("t::x", peak=[8 * MB])])
    result = gate(base, new, [parse_threshold("peak:10%")])
    assert not result.ok
    assert result.compared == 1
    assert [r.line() for r in result.regressions] == ["peak  t::x: 3.81 MiB -> 7.63 MiB (+100.0%)"]
    lines = result.summary().splitlines()
    assert lines[0] == "peak  t::x: 3.81 MiB -> 7.63 MiB (+100.0%)"
    assert lines[-1].startswith("1 regression past peak:10%")


def test_gate_passes_4mb_to_8mb_at_20_percent_plus_8mib(tmp_path: Path) -> None:
    base, new = _pair(tmp_path, [bench("t::x", peak=[4 * MB])], [bench("t::x", peak=[8 * MB])])
    result = gate(base, new, [parse_threshold("peak:20%+8MiB")])
    assert result.ok
    assert result.regressions == ()
    assert result.summary() == "no regressions: 1 compared within peak:20%+8MiB (r0 -> r1)"


def test_regression_line_matches_spec_example() -> None:
    reg = Regression("peak", "test_x[10]", 1_000_000, 2_000_000, parse_threshold("peak:10%"))
    assert reg.line() == "peak  test_x[10]: 977 KiB -> 1.91 MiB (+100.0%)"
    zero = Regression("peak", "t", 0, 2048, parse_threshold("peak:1KiB"))
    assert zero.line() == "peak  t: 0 B -> 2 KiB (from zero)"
    count = Regression("allocations", "t", 1000, 2500, parse_threshold("allocations:5"))
    assert count.line() == "allocations  t: 1,000 -> 2,500 (+150.0%)"
    timed = Regression("time", "t", 0.001, 0.002, parse_threshold("time:10%"))
    assert timed.line() == "time  t: 1 ms -> 2 ms (+100.0%)"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1 KiB"), (1_000_000, "977 KiB"), (2 * 1024**3, "2 GiB")],
)
def test_format_gate_value(value: float, text: str) -> None:
    assert format_gate_value("peak", value) == text


def test_gate_is_growth_only_and_strictly_greater(tmp_path: Path) -> None:
    base, new = _pair(
        tmp_path,
        [
            bench("t::same", peak=[100]),
            bench("t::shrink", peak=[100]),
            bench("t::edge", peak=[100]),
        ],
        [bench("t::same", peak=[100]), bench("t::shrink", peak=[10]), bench("t::edge", peak=[110])],
    )
    assert gate(base, new, [parse_threshold("peak:10%")]).ok  # +10% is not > 10%
    assert gate(base, new, [parse_threshold("peak:10")]).ok  # +10 B is not > 10 B
    result = gate(base, new, [parse_threshold("peak:9%")])
    assert [r.id for r in result.regressions] == ["t::edge"]
    assert result.compared == 3


def test_percent_and_absolute_must_both_be_exceeded(tmp_path: Path) -> None:
    base, new = _pair(
        tmp_path,
        [bench("t::tiny", peak=[100]), bench("t::big", peak=[10 * MB])],
        [bench("t::tiny", peak=[1000]), bench("t::big", peak=[13 * MB])],
    )
    result = gate(base, new, [parse_threshold("peak:10%+1MiB")])
    assert [r.id for r in result.regressions] == ["t::big"]


def test_zero_base_never_trips_a_percent_rule(tmp_path: Path) -> None:
    base, new = _pair(tmp_path, [bench("t::x", peak=[0])], [bench("t::x", peak=[10 * MB])])
    assert gate(base, new, [parse_threshold("peak:1%")]).ok
    assert not gate(base, new, [parse_threshold("peak:1MiB")]).ok


def test_only_ids_in_both_runs_are_compared(tmp_path: Path) -> None:
    base, new = _pair(
        tmp_path,
        [bench("t::both", peak=[100]), bench("t::gone", peak=[1])],
        [bench("t::both", peak=[100]), bench("t::added", peak=[10**9])],
    )
    result = gate(base, new, [parse_threshold("peak:1%")])
    assert result.ok
    assert result.compared == 1


def test_no_shared_ids_is_not_an_all_clear(tmp_path: Path) -> None:
    base, new = _pair(tmp_path, [bench("t::a", peak=[1])], [bench("t::b", peak=[1])])
    result = gate(base, new, [parse_threshold("peak:10%")])
    assert not result.ok
    assert result.compared == 0
    text = result.summary()
    assert "no regressions" not in text
    assert "no benchmark ids shared by 'r0' and 'r1'" in text
    assert text.splitlines()[-1].startswith("gate failed: nothing compared")


def test_no_memory_data_is_not_an_all_clear(tmp_path: Path) -> None:
    base, new = _pair(tmp_path, [bench("t::a")], [bench("t::a", peak=[5])])
    result = gate(base, new, [parse_threshold("peak:10%")])
    assert not result.ok
    assert "no peak data in 'r0'" in result.summary()
    assert "--benchmark-memory" in result.summary()
    # one field with data does not hide another with none
    both = gate(base, new, [parse_threshold("time:50%"), parse_threshold("allocated:5%")])
    assert both.compared == 1
    assert not both.ok
    assert "allocated:5%: compared nothing" in both.summary()


def test_shared_ids_without_the_field_in_both(tmp_path: Path) -> None:
    base, new = _pair(
        tmp_path,
        [bench("t::a", peak=[1]), bench("t::b")],
        [bench("t::a"), bench("t::b", peak=[1])],
    )
    result = gate(base, new, [parse_threshold("peak:10%")])
    assert not result.ok
    assert "no shared benchmark has peak in both" in result.summary()


def test_several_rules_and_fields(tmp_path: Path) -> None:
    base, new = _pair(
        tmp_path,
        [bench("t::a", time=1.0, peak=[100], allocations=[10])],
        [bench("t::a", time=3.0, peak=[300], allocations=[11])],
    )
    rules = [
        parse_threshold(r)
        for r in ("peak:10%", "peak:50B", "allocations:5", "time:1s", "allocated:1%")
    ]
    result = gate(base, new, rules)
    # one regression per (field, id): the first rule that trips
    assert [(r.field, r.rule.describe()) for r in result.regressions] == [
        ("peak", "peak:10%"),
        ("time", "time:1s"),
        ("allocated", "allocated:1%"),
    ]
    assert result.compared == 4
    assert result.summary().splitlines()[-1] == (
        "3 regressions past peak:10%, peak:50B, allocations:5, time:1s, allocated:1% "
        "(r0 -> r1, 4 compared)"
    )


def test_gate_without_rules_is_not_ok(tmp_path: Path) -> None:
    base, new = _pair(tmp_path, [bench("t::a")], [bench("t::a")])
    result = gate(base, new, [])
    assert not result.ok
    assert result.notes == ("no thresholds given",)


def test_gate_result_ok_needs_comparisons() -> None:
    assert not GateResult(regressions=(), compared=0, notes=()).ok
    assert GateResult(regressions=(), compared=2, notes=()).ok
