"""Sizes, durations, thresholds and formatting."""

from __future__ import annotations

import pytest

from pytest_benchmem.errors import UsageError
from pytest_benchmem.metrics import canonical_metric, check_stat, parse_list, series_stat
from pytest_benchmem.units import (
    byte_unit,
    format_value,
    human_bytes,
    human_count,
    human_time,
    parse_count,
    parse_duration,
    parse_size,
    parse_threshold,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100MiB", 100 * 1024**2),
        ("1.5 KiB", 1536),
        ("7B", 7),
        ("2GiB", 2 * 1024**3),
        ("5MB", 5_000_000),
        ("123", 123),
        (456, 456),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["12 parsecs", -1, True, "", "MiB", None, [1]])
def test_parse_size_rejects(bad):
    with pytest.raises(UsageError):
        parse_size(bad)


def test_parse_count_and_duration():
    assert parse_count("5") == 5
    assert parse_count(7) == 7
    for bad in ("5MiB", -2, False, "x"):
        with pytest.raises(UsageError):
            parse_count(bad)
    assert parse_duration("1ms") == pytest.approx(1e-3)
    assert parse_duration("3µs") == pytest.approx(3e-6)
    assert parse_duration("2") == 2.0
    with pytest.raises(UsageError):
        parse_duration("1 fortnight")


def test_thresholds():
    t = parse_threshold("peak:10%")
    assert (t.field, t.percent, t.absolute) == ("peak", 10.0, None)
    assert t.exceeded(4_000_000, 8_000_000)
    assert not t.exceeded(100, 110)  # exactly 10% is not strictly greater
    assert not t.exceeded(0, 100)  # a zero base never trips a percent rule
    assert not t.exceeded(100, 50)  # growth only
    both = parse_threshold("peak:20%+8MiB")
    assert both.absolute == 8 * 1024**2
    assert not both.exceeded(4_000_000, 8_000_000)
    assert parse_threshold("time:1ms").absolute == pytest.approx(1e-3)
    assert parse_threshold("allocations:5").absolute == 5
    assert parse_threshold("memory:1KiB").field == "peak"
    assert parse_threshold("10%", default_field="peak").percent == 10
    assert both.describe() == "peak:20%+8MiB"


@pytest.mark.parametrize(
    "bad",
    [
        "bogus",
        "peak",
        "peak:",
        "wall:10%",
        "peak:ten%",
        "allocations:5MiB",
        "peak:1%+2%",
        "peak:1+",
    ],
)
def test_bad_thresholds(bad):
    with pytest.raises(UsageError, match="threshold"):
        parse_threshold(bad)


@pytest.mark.parametrize("rule", ["peak:10%+10%", "peak:1MiB+2MiB"])
def test_two_of_a_kind_says_so(rule):
    # not "'10%' is not a percent like 10%"
    with pytest.raises(UsageError, match="give at most one percent and one amount"):
        parse_threshold(rule)


def test_formatting():
    assert human_bytes(10_485_760) == "10.0 MiB"
    assert human_bytes(512) == "512 B"
    assert human_bytes(-2048) == "-2.0 KiB"
    assert human_bytes(None) == "—"
    assert human_bytes(300 * 1024**2) == "300 MiB"
    assert human_time(0.0015) == "1.5 ms"
    assert human_time(2e-8) == "20 ns"
    assert human_time(None) == "—"
    assert human_count(12345) == "12,345"
    assert format_value("allocs", 1000) == "1,000"
    assert format_value("memory", 1024) == "1.0 KiB"
    assert format_value("time", 2.0) == "2 s"
    assert byte_unit([2 * 1024**2, 5 * 1024**2]) == ("MiB", 1024**2)
    assert byte_unit([0]) == ("B", 1)


def test_metrics_names():
    assert canonical_metric("memory") == "peak"
    assert canonical_metric("allocs") == "allocations"
    with pytest.raises(UsageError, match="unknown metric"):
        canonical_metric("p99")
    with pytest.raises(UsageError, match="unknown stat"):
        check_stat("p99")
    assert parse_list("peak, allocs,peak", ("peak", "allocated", "allocs"), what="x") == (
        "peak",
        "allocs",
    )
    with pytest.raises(UsageError):
        parse_list("bogus", ("peak",), what="x")
    with pytest.raises(UsageError):
        parse_list(" , ", ("peak",), what="x")
    assert series_stat([1, 2, 3], "mean") == 2
    assert series_stat([1, 3, 2], "median") == 2
    assert series_stat([5], "stddev") == 0
    assert series_stat([1, 3], "max") == 3
    assert series_stat([2, 4], "stddev") == pytest.approx(1.4142, rel=1e-3)
    with pytest.raises(ValueError):
        series_stat([], "min")


# --- issue 13 defect 5: only ASCII digits and finite values ----------------------------------


@pytest.mark.parametrize("text", ["²", "٣", "1²", "¹0", "9" * 5000, str(2**64)])
def test_counts_accept_only_ascii_digits_in_range(text: str):
    with pytest.raises(UsageError, match="whole number"):
        parse_count(text)


@pytest.mark.parametrize("text", ["1e400MiB", "1e400", "inf", "nan", "1e19GiB", "²MiB", "٣MiB"])
def test_sizes_accept_only_finite_ascii_numbers(text: str):
    with pytest.raises(UsageError, match="expected a size"):
        parse_size(text)


@pytest.mark.parametrize("rule", ["peak:1e400MiB", "allocations:²", "time:1e400s", "peak:1e400%"])
def test_thresholds_with_extreme_numbers_are_usage_errors(rule: str):
    with pytest.raises(UsageError, match="threshold"):
        parse_threshold(rule)


def test_tick_labels_carry_units_and_never_repeat() -> None:
    from pytest_benchmem.ticks import log_ticks, tick_label

    assert tick_label("peak", 3 * 1024**2) == "3 MiB"
    assert tick_label("peak", 30 * 1024**2) == "30 MiB"
    assert tick_label("allocated", 512) == "512 B"
    assert tick_label("time", 2e-5) == "20 us"
    assert tick_label("time", 1.5) == "1.5 s"
    assert tick_label("allocations", 10_000) == "10k"
    assert tick_label("n", 3) == "3"
    ticks = log_ticks("peak", 1024**2, 100 * 1024**2)
    assert [tick_label("peak", t) for t in ticks] == [
        "1 MiB",
        "3 MiB",
        "10 MiB",
        "30 MiB",
        "100 MiB",
    ]
    assert log_ticks("peak", 0, 10) == []
    wide = log_ticks("n", 1, 1e30)  # 31 decades: every few kept, at most 10
    assert 2 <= len(wide) <= 10
    narrow = log_ticks("time", 1e-3, 1.1e-3)  # no tick inside: the nearest either side
    assert len(narrow) >= 2
    labels = [tick_label("time", t) for t in log_ticks("time", 1e-9, 10.0)]
    assert len(set(labels)) == len(labels)


def test_percent_change_is_one_rule_for_tables_gates_bisect_and_plots() -> None:
    from pytest_benchmem.compare import Regression
    from pytest_benchmem.sweep.bisect_verdict import Direction, crossed
    from pytest_benchmem.units import percent_change, signed_percent

    assert percent_change(200.0, 300.0) == 50.0
    assert percent_change(200.0, 100.0) == -50.0
    assert percent_change(0.0, 5.0) is None  # growth from nothing has no percent
    assert percent_change(0.0, 0.0) is None
    shown = {
        (base, new): signed_percent(change)
        for base, new in ((7.0, 7.0), (1e6, 1e6 + 1), (1e6, 1e6 - 1), (3.0, 4.0), (4.0, 3.0))
        if (change := percent_change(base, new)) is not None
    }
    assert list(shown.values()) == ["0", "0", "0", "+33.3%", "-25.0%"]  # a zero shows as 0
    # every user of the rule agrees with it, the zero base included
    rule = parse_threshold("peak:10%")
    assert Regression("peak", "a", 4.0, 5.0, rule).percent == percent_change(4.0, 5.0)
    assert Regression("peak", "a", 0.0, 5.0, rule).percent is None
    assert "from zero" in Regression("peak", "a", 0.0, 5.0, rule).line()
    assert not rule.exceeded(0.0, 5.0)  # a zero base never trips a percent rule
    assert rule.exceeded(100.0, 111.0)
    assert not rule.exceeded(100.0, 110.0)
    assert crossed(rule, 100.0, 89.0, Direction.LIGHTER)
    assert not crossed(rule, 100.0, 90.0, Direction.LIGHTER)
    assert not crossed(rule, 0.0, -5.0, Direction.LIGHTER)
