"""The combined table: memory columns right of a divider inside pytest-benchmark's table."""

from __future__ import annotations

import re

import pytest

from pytest_benchmem.recorder import Recorder, replay, text_of
from pytest_benchmem.table import (
    Column,
    TableMismatchError,
    TableSpec,
    blob_of,
    build_columns,
    caption,
    fold,
    memory_table,
    session_supported,
)

SUITE = """
import pytest

@pytest.mark.parametrize("mib", [2, 3])
def test_alloc(benchmark, mib):
    benchmark(bytearray, mib * 1024 * 1024)

@pytest.mark.benchmark(group="other")
def test_small(benchmark):
    benchmark(bytearray, 100_000)
"""


def _table_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "│" in line]


def _header(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if line.startswith("Name (time in"))


def test_default_table_has_peak_right_of_divider_caption_and_legend(suite):
    suite.pytester.makepyfile(test_suite=SUITE)
    result = suite.run("--benchmark-memory")
    result.assert_outcomes(passed=3)
    header = _header(result)
    assert re.search(r"Iterations │ +Peak \(MiB\)$", header), header
    rows = _table_lines(result)
    assert len(rows) == 2 + 3  # two group headers, three rows
    for line in rows:
        assert line == line.rstrip(), "trailing padding"
    row2 = next(line for line in rows if line.startswith("test_alloc[2]"))
    row3 = next(line for line in rows if line.startswith("test_alloc[3]"))
    assert row2.endswith(" 2.0")
    assert row3.endswith(" 3.0")
    # each group is its own table with its own unit
    small = next(line for line in rows if line.startswith("test_small"))
    assert small.endswith(" 97.7"), small  # KiB: its group has its own unit
    out = result.stdout.str()
    assert "benchmark 'other': 1 tests" in out
    result.stdout.fnmatch_lines(
        [
            (
                "Memory: peak shown; also recorded: allocated, allocs "
                "(--benchmark-memory-columns=peak,allocated,allocs)"
            ),
            "",
            "Legend:",
            "  Outliers: 1 Standard Deviation*",
            "  OPS: Operations Per Second*",
        ]
    )
    # the rules and the centred title are as wide as the widened table
    widths = {len(line) for line in result.outlines if line and set(line) == {"-"}}
    assert max(len(line) for line in rows) in widths


def test_columns_in_the_order_given_and_stats_spread(suite):
    suite.pytester.makepyfile(test_suite=SUITE)
    result = suite.run(
        "--benchmark-memory",
        "--benchmark-memory-columns=allocs,peak,allocated",
        "--benchmark-memory-repeats=2",
        "--benchmark-memory-stats=max,median",
    )
    result.assert_outcomes(passed=3)
    header = _header(result)
    labels = header.split("│", 1)[1].split("  ")
    labels = [label.strip() for label in labels if label.strip()]
    assert labels == [
        "Allocs max",
        "Allocs median",
        "Peak max (MiB)",
        "Peak median (MiB)",
        "Allocated max (MiB)",
        "Allocated median (MiB)",
    ]
    assert "Memory:" not in result.stdout.str()  # every metric is shown: no caption
    result.stdout.fnmatch_lines(["Legend:"])


def test_single_pass_stays_one_column_per_metric(suite):
    suite.pytester.makepyfile(test_suite=SUITE)
    result = suite.run("--benchmark-memory", "--benchmark-memory-columns=peak,allocs")
    header = _header(result)
    assert header.endswith("Iterations │  Peak (MiB)  Allocs"), header
    result.stdout.fnmatch_lines(["Memory: peak, allocs shown; also recorded: allocated *"])


def test_no_memory_measured_leaves_the_table_unchanged(suite):
    suite.pytester.makepyfile(test_suite=SUITE)
    result = suite.run()
    out = result.stdout.str()
    assert "│" not in out
    assert "Memory:" not in out
    result.stdout.fnmatch_lines(["Name (time in *Iterations", "Legend:"])


def test_quiet_prints_no_table(suite):
    suite.pytester.makepyfile(test_suite=SUITE)
    result = suite.run("--benchmark-memory", "--benchmark-quiet")
    result.assert_outcomes(passed=3)
    assert "│" not in result.stdout.str()


def test_pytest_benchmark_compare_rows_show_the_saved_runs_memory(suite, monkeypatch):
    suite.pytester.makepyfile(
        test_one="""
        import os
        def test_grow(benchmark):
            benchmark(bytearray, int(os.environ["SIZE"]))
        """
    )
    monkeypatch.setenv("SIZE", str(1024 * 1024))
    suite.run("--benchmark-memory", "--benchmark-save=base").assert_outcomes(passed=1)
    monkeypatch.setenv("SIZE", str(2 * 1024 * 1024))
    result = suite.run("--benchmark-memory", "--benchmark-compare")
    result.assert_outcomes(passed=1)
    rows = [line for line in _table_lines(result) if "test_grow" in line]
    assert len(rows) == 2
    assert rows[0].endswith(" 1.0")
    assert "0001_base" in rows[0]
    assert rows[1].endswith(" 2.0")
    assert "NOW" in rows[1]


def test_changed_table_layout_falls_back_to_a_separate_memory_table(suite, monkeypatch):
    import pytest_benchmark.table

    def _display(self, tr, groups, progress_reporter=None):
        tr.write_line("a different table")
        tr.write_line("Legend:")

    suite.pytester.makepyfile(test_suite=SUITE)
    # pytester runs in this process: monkeypatch (not a conftest assignment) so the changed
    # table does not leak into the tests that run after this one
    monkeypatch.setattr(pytest_benchmark.table.TableResults, "display", _display)
    result = suite.run("--benchmark-memory")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "a different table",
            "Legend:",
            "benchmem: memory shown separately: pytest-benchmark changed*",
            "*- benchmem: memory -*",
            "Name * │  Peak (*)",
        ]
    )


# -- units ---------------------------------------------------------------------------------
def _bench(name, peaks, allocs=None, total=None, **extra):
    blob = {
        "peak_bytes": peaks,
        "allocations": allocs or [1] * len(peaks),
        "total_bytes": total or peaks,
    }
    return {"name": name, "fullname": f"t.py::{name}", "extra_info": {"benchmem": blob}, **extra}


def test_blob_of_rejects_malformed_blobs():
    assert blob_of({"extra_info": {}}) is None
    assert blob_of({"extra_info": None}) is None
    assert blob_of({"extra_info": {"benchmem": "x"}}) is None
    bad = _bench("a", [1])
    bad["extra_info"]["benchmem"]["allocations"] = [True]
    assert blob_of(bad) is None
    empty = _bench("a", [1])
    empty["extra_info"]["benchmem"]["total_bytes"] = []
    assert blob_of(empty) is None
    assert blob_of(_bench("a", [3, 4]))["peak_bytes"] == [3.0, 4.0]


def test_columns_share_one_unit_and_mark_missing_rows():
    rows = [_bench("a", [2 * 1024**2]), {"name": "b", "extra_info": {}}, _bench("c", [5 * 1024**2])]
    (peak,) = build_columns(rows, TableSpec(columns=("peak",), stats=("min",)))
    assert peak.label == "Peak (MiB)"
    assert peak.cells == ("2.0", "-", "5.0")
    spread = build_columns(
        [_bench("a", [10, 12], allocs=[3, 4])],
        TableSpec(columns=("allocs",), stats=("mean", "stddev")),
    )
    assert [c.label for c in spread] == ["Allocs mean", "Allocs stddev"]
    assert spread[0].cells == ("3.5",)


def test_compare_columns_use_the_peak_unit():
    rows = [_bench("a", [3 * 1024**2], path=None), _bench("b", [1024**2], path=None)]
    spec = TableSpec(columns=("peak",), stats=("min",), base={"t.py::a": 2 * 1024**2})
    _peak, base, delta = build_columns(rows, spec)
    assert base.label == "base (MiB)"
    assert delta.label == "Δ peak (MiB)"
    assert base.cells == ("2.0", "-")
    assert delta.cells == ("+1.0", "-")


def test_compare_columns_and_peak_column_share_one_unit():
    # now 2 and 8 MiB (alone: MiB), base 0.5 MiB (alone: KiB): one unit for all three
    rows = [_bench("a", [2 * 1024**2], path=None), _bench("b", [8 * 1024**2], path=None)]
    spec = TableSpec(columns=("peak",), stats=("min",), base={"t.py::a": 512 * 1024})
    peak, base, delta = build_columns(rows, spec)
    assert (peak.label, base.label, delta.label) == ("Peak (KiB)", "base (KiB)", "Δ peak (KiB)")
    assert peak.cells == ("2,048.0", "8,192.0")
    assert base.cells == ("512.0", "-")
    assert delta.cells == ("+1,536.0", "-")
    # without the peak column shown, base and Δ peak still get one unit between them
    _allocs, base, delta = build_columns(rows, TableSpec(("allocs",), ("min",), spec.base))
    assert (base.label, delta.label) == ("base (KiB)", "Δ peak (KiB)")


def test_caption_only_names_hidden_metrics():
    assert caption(TableSpec(columns=("peak", "allocated", "allocs"), stats=())) is None
    text = caption(TableSpec(columns=("allocated",), stats=()))
    assert text is not None
    assert "also recorded: peak, allocs" in text


def test_fold_detects_a_layout_it_does_not_know():
    spec = TableSpec(columns=("peak",), stats=("min",))
    rows = [_bench("a", [100])]
    rec = Recorder()
    rec.write_line("-- benchmark: 1 tests --")
    rec.write_line("Name  Min")
    rec.write_line("not a rule")
    rec.write("a  1.0\n")
    rec.write_line("-----")
    with pytest.raises(TableMismatchError):
        fold(rec.lines, [rows], spec)
    with pytest.raises(TableMismatchError, match="0 of 1"):
        fold([[("no table here", {})]], [rows], spec)
    short = Recorder()
    short.write_line("-- benchmark: 2 tests --")
    with pytest.raises(TableMismatchError, match="group size"):
        fold(short.lines, [rows], spec)


def test_memory_table_and_replay():
    class Terminal:
        def __init__(self):
            self.out = []

        def ensure_newline(self):
            pass

        def write(self, text, **markup):
            self.out.append(text)

    lines = memory_table([_bench("a", [10]), _bench("bb", [20])], TableSpec(("peak",), ("min",)))
    term = Terminal()
    replay(term, [*lines, []])
    text = "".join(term.out)
    assert "Name" in text
    assert "│" in text
    assert text.endswith("\n")
    assert [text_of(line) for line in lines][-1].startswith("Memory: peak shown")


def test_session_supported_names_what_is_missing():
    assert "BenchmarkSession has no" in session_supported(object())


def test_column_width():
    assert Column("Peak", ("1", "12345678")).width == 10


def test_plugin_falls_back_when_the_session_lacks_private_names():
    from pytest_benchmem.fixture import Measured
    from pytest_benchmem.measure import MemoryResult
    from pytest_benchmem.options import Settings
    from pytest_benchmem.plugin import BenchmemPlugin

    class Config:
        _benchmarksession = object()

    class Terminal:
        def __init__(self):
            self.lines = []

        def ensure_newline(self):
            pass

        def write(self, text, **markup):
            self.lines.append(text)

        def write_line(self, text="", **markup):
            self.lines.append(text + "\n")

    plugin = BenchmemPlugin(Config(), Settings())  # type: ignore[arg-type]
    measured = Measured("t.py::test_a", "test_a")
    measured.result = MemoryResult.from_passes([(2048, 1, 2048)])
    plugin.measured[measured.nodeid] = measured
    assert plugin._install_table(Config._benchmarksession) is False
    assert plugin.fallback is not None
    term = Terminal()
    plugin._after_table(term, Config._benchmarksession)
    text = "".join(term.lines)
    assert (
        "benchmem: memory shown separately: pytest-benchmark changed (BenchmarkSession has no"
        in text
    )
    assert "test_a" in text
    assert "Peak (KiB)" in text
