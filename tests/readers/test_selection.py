"""Units of ``selection`` (where, pivot, group-by, extra columns) and the node dims, on small
JSON builders; the end-to-end tests on real plugin runs are in ``test_compare_shape_e2e``."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import bench, write_run

from pytest_benchmem.errors import UsageError
from pytest_benchmem.runs import load_run
from pytest_benchmem.sections import build_report, parse_columns
from pytest_benchmem.selection import (
    apply_where,
    extra_names,
    parse_group_by,
    parse_where,
    pivot,
    pivot_key,
    same_value,
    split_groups,
)


def _run(tmp_path: Path, *benches: dict[str, object]) -> object:
    return load_run(write_run(tmp_path / "r.json", list(benches)))


def test_node_dims_and_prefixed_dims(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        bench(
            "t.py::TestA::test_x[py-3]",
            params={"impl": "py", "n": 3, "flag": True, "cfg": [1]},
            extra_info={"rows": 7, "impl": "shadow"},
            group="g",
        ),
    )
    (b,) = run.benchmarks
    assert (b.dim("module"), b.dim("class"), b.dim("func"), b.dim("group")) == (
        "t.py",
        "TestA",
        "test_x",
        "g",
    )
    assert b.dim("node.func") == "test_x"
    assert b.dim("param:impl") == "py"
    assert b.dim("extra:impl") == "shadow"
    assert b.dim("param:flag") == "True"
    assert b.dim("param:cfg") == "[1]"
    assert b.dim("extra:benchmem") is None
    assert b.dim("param:missing") is None
    assert b.dim("nothing") is None


def test_same_value_and_where(tmp_path: Path) -> None:
    assert same_value(10, "10.0")
    assert same_value("c", "c")
    assert not same_value("c", "py")
    assert not same_value("nan", "nan ")
    run = _run(
        tmp_path,
        bench("t.py::test_a[1]", params={"n": 1}),
        bench("t.py::test_a[2]", params={"n": 2}),
        bench("t.py::test_b"),
    )
    (kept,) = apply_where([run], parse_where(["n=2", "func=test_a"]))
    assert [b.id for b in kept.benchmarks] == ["t.py::test_a[2]"]
    assert apply_where([run], ()) == [run]
    with pytest.raises(UsageError, match="expected KEY=VALUE"):
        parse_where(["=3"])


def test_pivot_keys(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        bench("m.py::TestK::test_f[c-1]", params={"impl": "c", "n": 1}),
        bench("m.py::test_g[custom]", params={"impl": "py", "n": 1}),
        bench("m.py::test_h", extra_info={"impl": "c"}),
    )
    f, g, h = run.benchmarks
    assert pivot_key(f, "param:impl", "c") == "m.py::TestK::test_f[1]"
    assert pivot_key(g, "impl", "py") == "m.py::test_g[1]"  # id from ids=: rebuilt
    assert pivot_key(h, "impl", "c") == "m.py::test_h"  # not in the id: unchanged
    assert pivot_key(f, "func", "test_f") == "m.py::TestK::[c-1]"
    assert pivot_key(f, "module", "m.py") == "TestK::test_f[c-1]"
    assert pivot_key(f, "class", "TestK") == "m.py::test_f[c-1]"
    assert pivot_key(f, "group", "x") == f.id


def test_pivot_counts_left_out_and_needs_two_values(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        bench("t.py::test_a[py]", params={"impl": "py"}, peak=[10]),
        bench("t.py::test_a[c]", params={"impl": "c"}, peak=[20]),
        bench("t.py::test_b", peak=[5]),
    )
    folded = pivot([run], "param:impl")
    assert [r.label for r in folded.runs] == ["impl=py", "impl=c"]
    assert folded.notes == ("pivot on param:impl: 1 benchmark lacks it (left out)",)
    assert [b.id for r in folded.runs for b in r.benchmarks] == ["t.py::test_a"] * 2
    only = apply_where([run], parse_where(["impl=c"]))
    with pytest.raises(UsageError, match="a pivot needs two"):
        pivot(only, "impl")
    with pytest.raises(UsageError, match="folds one run, got 2"):
        pivot([run, run], "impl")


def test_groups_extras_and_columns(tmp_path: Path) -> None:
    run = _run(
        tmp_path,
        bench("a.py::test_x", peak=[1], extra_info={"rows": 3, "note": "x", "ok": True}),
        bench("b.py::test_y", peak=[2]),
    )
    assert extra_names([run]) == ["rows"]
    assert parse_group_by(None) == ()
    assert parse_group_by("module, func,module") == ("module", "func")
    with pytest.raises(UsageError, match="expected dims"):
        parse_group_by(" , ")
    groups = split_groups([run, run], ("module",))
    assert [title for title, _ in groups] == ["module=a.py", "module=b.py"]
    assert split_groups([run], ()) == [("", [run])]
    columns, stat = parse_columns("peak,memory,extra:rows,extra:rows", "max")
    assert (columns.metrics, columns.extras, stat) == (("peak",), ("rows",), "max")
    report = build_report([run, run], columns, stat, "change", group_by=("module",))
    assert [s.title for s in report.sections] == ["module=a.py", "module=b.py"]
    assert report.sections[0].extras == (((3.0, 3.0),),)
    assert report.sections[1].extras == (((None, None),),)
    with pytest.raises(UsageError, match="give a name after extra:"):
        parse_columns("peak,extra:", None)
    with pytest.raises(UsageError, match="nothing to compare"):
        build_report([], columns)
