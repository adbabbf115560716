"""The pure bisect search, driven by fake probes (no venvs)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_benchmem.compare import Regression
from pytest_benchmem.errors import BenchmemError, UsageError
from pytest_benchmem.sweep.bisect import (
    BisectStatus,
    Direction,
    Probe,
    ProbeResult,
    ProbeVerdict,
    bisect,
    crossed,
    judge,
    marginal,
    no_regression_message,
    select_benchmarks,
)
from pytest_benchmem.units import parse_threshold

MB = 1_000_000
VERSIONS = [f"{i}.0" for i in range(1, 9)]
TEN = parse_threshold("10%", default_field="peak")
ID = "test_toy.py::test_work"


class FakeProbe:
    """Probes from a table: version -> values, or a failure string for broken releases."""

    def __init__(self, table: Mapping[str, object]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, version: str) -> ProbeResult:
        self.calls.append(version)
        entry = self.table[version]
        if isinstance(entry, str):
            return ProbeResult(failure=entry)
        assert isinstance(entry, dict)
        return ProbeResult(values=dict(entry))


def toy_table(first_bad: int, *, broken: Mapping[str, str] | None = None) -> dict[str, object]:
    table: dict[str, object] = {
        v: {ID: (6 if i + 1 >= first_bad else 1) * MB} for i, v in enumerate(VERSIONS)
    }
    table.update(broken or {})
    return table


def test_toy_range_names_5_first_bad_in_at_most_5_probes() -> None:
    fake = FakeProbe(toy_table(5))
    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN)
    assert outcome.status is BisectStatus.FOUND
    assert outcome.found
    assert (outcome.first_bad, outcome.last_good) == ("5.0", "4.0")
    assert len(fake.calls) <= 5
    assert fake.calls[:2] == ["1.0", "8.0"]
    assert [p.version for p in outcome.probes] == sorted(fake.calls, key=float)
    assert [p.order for p in outcome.probes] == [
        fake.calls.index(p.version) + 1 for p in outcome.probes
    ]
    bad = outcome.probe("5.0")
    assert bad is not None
    assert bad.verdict is ProbeVerdict.BAD
    assert bad.crossings == (Regression("peak", ID, 1 * MB, 6 * MB, TEN),)
    assert bad.crossings[0].percent == pytest.approx(500.0)
    assert outcome.probe("4.0").verdict is ProbeVerdict.GOOD  # type: ignore[union-attr]
    assert outcome.probe("2.0") is None
    assert outcome.versions == tuple(VERSIONS)
    assert outcome.selected == (ID,)
    assert outcome.untested == ()


@pytest.mark.parametrize("first_bad", range(2, 9))
def test_every_regression_point_is_found(first_bad: int) -> None:
    fake = FakeProbe(toy_table(first_bad))
    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN)
    assert outcome.first_bad == f"{first_bad}.0"
    assert outcome.last_good == f"{first_bad - 1}.0"
    assert len(fake.calls) <= 5


def test_broken_release_on_the_path_is_skipped_and_reported() -> None:
    fake = FakeProbe(toy_table(5, broken={"6.0": "install: not a zip file"}))
    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN)
    assert (outcome.first_bad, outcome.last_good) == ("5.0", "4.0")
    assert "6.0" in fake.calls
    assert len(fake.calls) <= 5
    assert [(p.version, p.reason) for p in outcome.skipped] == [("6.0", "install: not a zip file")]
    assert outcome.untested == ()


def test_broken_releases_between_the_answer_are_reported_as_untested() -> None:
    broken = {"5.0": "install: boom", "6.0": "run: crashed"}
    fake = FakeProbe(toy_table(5, broken=broken))
    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN)
    assert (outcome.last_good, outcome.first_bad) == ("4.0", "7.0")
    assert outcome.untested == ("5.0", "6.0")
    assert outcome.found


def test_no_regression_between_the_ends() -> None:
    table = {v: {ID: MB + i * 10_000} for i, v in enumerate(VERSIONS)}
    fake = FakeProbe(table)
    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN)
    assert outcome.status is BisectStatus.NO_REGRESSION
    assert not outcome.found
    assert fake.calls == ["1.0", "8.0"]
    assert no_regression_message(outcome) == (
        "no regression between 1.0 and 8.0: no selected benchmark grew past peak:10% "
        "(largest change +7.0%)"
    )


def test_sub_range_and_only_selected_benchmarks_count() -> None:
    other = "test_toy.py::test_other"
    table = {v: {ID: MB, other: (9 if i >= 2 else 1) * MB} for i, v in enumerate(VERSIONS)}
    outcome = bisect(VERSIONS, "2.0", "6.0", FakeProbe(table), threshold=TEN, test="test_work")
    assert outcome.status is BisectStatus.NO_REGRESSION
    assert outcome.versions == ("2.0", "3.0", "4.0", "5.0", "6.0")
    everything = bisect(VERSIONS, "2.0", "6.0", FakeProbe(table), threshold=TEN)
    assert (everything.last_good, everything.first_bad) == ("2.0", "3.0")
    assert everything.probe("3.0").crossings[0].id == other  # type: ignore[union-attr]


def test_bad_when_any_benchmark_regressed() -> None:
    a, b = "t.py::test_a", "t.py::test_b"
    table = {v: {a: MB, b: (3 if i >= 4 else 1) * MB} for i, v in enumerate(VERSIONS)}
    outcome = bisect(VERSIONS, "1.0", "8.0", FakeProbe(table), threshold=TEN)
    assert outcome.first_bad == "5.0"
    assert [c.id for c in outcome.probe("5.0").crossings] == [b]  # type: ignore[union-attr]


def test_absolute_part_of_the_threshold_must_be_crossed_too() -> None:
    rule = parse_threshold("10%+1MiB", default_field="peak")
    table = {
        v: {ID: MB + (600_000 if i >= 3 else 0) + (2 * MB if i >= 6 else 0)}
        for i, v in enumerate(VERSIONS)
    }
    outcome = bisect(VERSIONS, "1.0", "8.0", FakeProbe(table), threshold=rule)
    assert outcome.first_bad == "7.0"


def test_time_threshold() -> None:
    rule = parse_threshold("20%", default_field="time")
    table = {v: {ID: 0.001 * (2 if i >= 1 else 1)} for i, v in enumerate(VERSIONS)}
    outcome = bisect(VERSIONS, "1.0", "8.0", FakeProbe(table), threshold=rule)
    assert (outcome.last_good, outcome.first_bad) == ("1.0", "2.0")


def test_adjacent_ends_need_no_search() -> None:
    fake = FakeProbe(toy_table(2))
    outcome = bisect(VERSIONS, "1.0", "2.0", fake, threshold=TEN)
    assert (outcome.last_good, outcome.first_bad) == ("1.0", "2.0")
    assert fake.calls == ["1.0", "2.0"]


def test_on_probe_sees_probes_in_probe_order() -> None:
    seen: list[Probe] = []
    bisect(VERSIONS, "1.0", "8.0", FakeProbe(toy_table(5)), threshold=TEN, on_probe=seen.append)
    assert [p.order for p in seen] == list(range(1, len(seen) + 1))
    assert seen[0].version == "1.0"
    assert seen[0].verdict is ProbeVerdict.GOOD


@pytest.mark.parametrize(
    ("good", "bad", "message"),
    [
        ("8.0", "1.0", "--good 8.0 is newer than --bad 1.0"),
        ("3.0", "3.0", r"--good and --bad are the same release \(3.0\)"),
        ("0.5", "8.0", "--good 0.5: unknown version"),
        ("1.0", "9.9", "--bad 9.9: unknown version"),
    ],
)
def test_bad_ends_are_usage_errors(good: str, bad: str, message: str) -> None:
    fake = FakeProbe(toy_table(5))
    with pytest.raises(UsageError, match=message):
        bisect(VERSIONS, good, bad, fake, threshold=TEN)
    assert fake.calls == []


def test_unmeasurable_ends_are_errors() -> None:
    with pytest.raises(
        BenchmemError, match=r"the --good release 1\.0 could not be measured: install: x"
    ):
        bisect(
            VERSIONS,
            "1.0",
            "8.0",
            FakeProbe(toy_table(5, broken={"1.0": "install: x"})),
            threshold=TEN,
        )
    with pytest.raises(
        BenchmemError, match=r"the --bad release 8\.0 could not be measured: run: y"
    ):
        bisect(
            VERSIONS, "1.0", "8.0", FakeProbe(toy_table(5, broken={"8.0": "run: y"})), threshold=TEN
        )


def test_test_matching_nothing_is_a_usage_error_after_the_good_probe() -> None:
    fake = FakeProbe(toy_table(5))
    with pytest.raises(
        UsageError, match=r"--test 'nothing' matches no benchmark \(the suite has: test_toy"
    ):
        bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN, test="nothing")
    assert fake.calls == ["1.0"]


def test_release_without_the_selected_benchmarks_is_skipped() -> None:
    table = toy_table(5)
    table["4.0"] = {"t.py::test_unrelated": 1.0}
    outcome = bisect(VERSIONS, "1.0", "8.0", FakeProbe(table), threshold=TEN)
    assert outcome.probe("4.0").reason == "none of the selected benchmarks ran"  # type: ignore[union-attr]
    assert (outcome.last_good, outcome.first_bad, outcome.untested) == ("3.0", "5.0", ("4.0",))


# -- selection ---------------------------------------------------------------------------------

IDS = [
    "tests/test_a.py::test_alloc[small]",
    "tests/test_a.py::test_alloc[big]",
    "tests/test_b.py::test_parse",
    "tests/test_b.py::TestX::test_parse_big",
]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (None, IDS),
        ("tests/test_b.py::test_parse", [IDS[2]]),
        ("test_parse", [IDS[2]]),  # exact: the last part, never test_parse_big
        ("test_alloc[big]", [IDS[1]]),
        ("test_b.py::TestX::test_parse_big", [IDS[3]]),
        ("k:alloc", IDS[:2]),
        ("k:ALLOC", IDS[:2]),
        ("k:alloc and not big", [IDS[0]]),
        ("k:big", [IDS[1], IDS[3]]),
        ("k:test_a or TestX", [IDS[0], IDS[1], IDS[3]]),
        ("k:not (alloc or TestX)", [IDS[2]]),
        ("k:(parse and big) or small", [IDS[0], IDS[3]]),
        ("k:not not small", [IDS[0]]),
        ("glob:test_alloc*", IDS[:2]),
        ("glob:tests/test_b.py::*", IDS[2:]),
        ("glob:*[[]big]", [IDS[1]]),
    ],
)
def test_select_benchmarks(expr: str | None, expected: list[str]) -> None:
    assert list(select_benchmarks(IDS, expr)) == expected


def test_an_exact_id_is_not_a_substring() -> None:
    """``test_parse[5000]`` used to match ``test_parse[50000]`` too."""
    ids = ["t.py::test_parse[5000]", "t.py::test_parse[50000]", "t.py::test_parse[500]"]
    assert select_benchmarks(ids, "test_parse[5000]") == ("t.py::test_parse[5000]",)
    with pytest.raises(UsageError, match="matches no benchmark"):
        select_benchmarks(ids, "5000")
    assert len(select_benchmarks(ids, "k:5000")) == 2  # the explicit substring syntax


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("k:", "empty expression"),
        ("k:alloc and", "unexpected end of expression"),
        ("k:(alloc", "unexpected end of expression"),
        ("k:(alloc big", "missing '\\)'"),
        ("k:alloc )", "unexpected '\\)'"),
        ("k:or alloc", "unexpected 'or'"),
        ("glob:", "empty pattern"),
        ("", "empty id"),
        ("zzz", "matches no benchmark"),
        ("alloc", "matches no benchmark"),
    ],
)
def test_select_benchmarks_errors(expr: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        select_benchmarks(IDS, expr)


def test_select_benchmarks_lists_at_most_five_ids() -> None:
    ids = [f"t.py::test_{i}" for i in range(7)]
    with pytest.raises(UsageError, match=r"test_4, \.\.\.\)$"):
        select_benchmarks(ids, "nope")


def test_judge_and_crossing_percent() -> None:
    assert judge(ProbeResult(failure="x"), {}, (), TEN) == (ProbeVerdict.SKIPPED, (), "x")
    assert Regression("peak", "a", 0.0, 5.0, TEN).percent is None


# -- the property ------------------------------------------------------------------------------


@given(
    n=st.integers(min_value=2, max_value=40),
    data=st.data(),
)
def test_property_answer_brackets_the_change(n: int, data: st.DataObject) -> None:
    versions = [f"{i}.0" for i in range(1, n + 1)]
    change = data.draw(st.integers(min_value=1, max_value=n - 1), label="first bad index")
    inner = st.sets(st.integers(min_value=1, max_value=n - 2)) if n > 2 else st.just(set())
    broken: set[int] = data.draw(inner, label="broken")
    table: dict[str, object] = {
        v: ("install: broken" if i in broken else {ID: 2.0 if i >= change else 1.0})
        for i, v in enumerate(versions)
    }
    fake = FakeProbe(table)
    outcome = bisect(versions, versions[0], versions[-1], fake, threshold=TEN)
    assert outcome.first_bad is not None
    assert outcome.last_good is not None
    last_good, first_bad = versions.index(outcome.last_good), versions.index(outcome.first_bad)
    assert last_good < change <= first_bad
    assert all(versions.index(v) in broken for v in outcome.untested)
    assert len(outcome.untested) == first_bad - last_good - 1
    if not broken:
        assert len(fake.calls) <= 2 + math.ceil(math.log2(n - 1))


# -- direction, close calls, time noise ----------------------------------------------------------


def test_lighter_names_the_first_release_that_dropped() -> None:
    table: dict[str, object] = {
        v: {ID: (1 if i + 1 >= 6 else 6) * MB} for i, v in enumerate(VERSIONS)
    }
    fake = FakeProbe(table)
    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN, direction=Direction.LIGHTER)
    assert (outcome.first_bad, outcome.last_good) == ("6.0", "5.0")
    assert outcome.direction is Direction.LIGHTER
    # a heavier search over the same releases finds nothing
    with_heavier = bisect(VERSIONS, "1.0", "8.0", FakeProbe(table), threshold=TEN)
    assert with_heavier.status is BisectStatus.NO_REGRESSION
    message = no_regression_message(with_heavier)
    assert message.startswith("no regression between 1.0 and 8.0: no selected benchmark grew")
    assert message.endswith("(largest change -83.3%)")
    heavier_table: dict[str, object] = {v: {ID: MB} for v in VERSIONS}
    none = bisect(
        VERSIONS, "1.0", "8.0", FakeProbe(heavier_table), threshold=TEN, direction=Direction.LIGHTER
    )
    assert no_regression_message(none).startswith(
        "no lighter release between 1.0 and 8.0: no selected benchmark dropped past peak:10%"
    )


@pytest.mark.parametrize(
    ("rule", "base", "new", "expected"),
    [
        ("10%", 100.0, 89.0, True),
        ("10%", 100.0, 90.0, False),  # strictly more than 10 %
        ("10%", 100.0, 120.0, False),  # heavier is not lighter
        ("5MiB", 20 * 2**20, 14 * 2**20, True),
        ("10%+5MiB", 20 * 2**20, 16 * 2**20, False),  # 20 % but only 4 MiB
        ("10%", 0.0, 0.0, False),
    ],
)
def test_crossed_lighter(rule: str, base: float, new: float, expected: bool) -> None:
    threshold = parse_threshold(rule, default_field="peak")
    assert crossed(threshold, base, new, Direction.LIGHTER) is expected


def test_direction_names() -> None:
    assert Direction.parse("Faster") is Direction.LIGHTER
    assert Direction.parse("slower") is Direction.HEAVIER
    assert Direction.LIGHTER.word("time") == "faster"
    assert Direction.LIGHTER.word("peak") == "lighter"
    with pytest.raises(UsageError, match="unknown --direction 'up'"):
        Direction.parse("up")


def test_a_verdict_at_the_threshold_is_measured_again() -> None:
    """4.0 first reads +10.05 % (within 1 % of the 10 % rule); measured again it is +0 %."""
    table = toy_table(6)
    table["4.0"] = {ID: 1.1005 * MB}
    fake = FakeProbe(table)
    again: list[str] = []

    def remeasure(version: str) -> ProbeResult:
        again.append(version)
        return ProbeResult(values={ID: 1.0 * MB})

    outcome = bisect(VERSIONS, "1.0", "8.0", fake, threshold=TEN, remeasure=remeasure)
    assert again == ["4.0"]
    assert (outcome.first_bad, outcome.last_good) == ("6.0", "5.0")
    probe = outcome.probe("4.0")
    assert probe is not None
    assert probe.first is not None
    assert probe.first.values == {ID: 1.1005 * MB}
    assert probe.verdict is ProbeVerdict.GOOD
    # clear verdicts are trusted at once
    assert all(p.first is None for p in outcome.probes if p.version != "4.0")


def _timed(center: float, seed: int) -> ProbeResult:
    from pytest_benchmem.noise import combine_stats

    rng = random.Random(seed)
    stats = combine_stats([center * (1 + rng.uniform(0, 0.3)) for _ in range(20)])
    return ProbeResult(values={ID: float(stats["min"])}, stats={ID: stats})  # type: ignore[arg-type]


def test_time_within_noise_never_trips() -> None:
    rule = parse_threshold("5%", default_field="time")
    base = _timed(1e-3, 1)
    noisy = _timed(1.08e-3, 2)  # the min 8 % up, the quartiles overlapping
    assert noisy.values[ID] > base.values[ID] * 1.05
    verdict, crossings, _ = judge(noisy, base.values, [ID], rule, base_stats=base.stats)
    assert (verdict, crossings) == (ProbeVerdict.GOOD, ())
    assert marginal(noisy, base.values, [ID], rule, base_stats=base.stats)
    slow = _timed(3e-3, 3)
    verdict, crossings, _ = judge(slow, base.values, [ID], rule, base_stats=base.stats)
    assert verdict is ProbeVerdict.BAD
    assert crossings[0].noise is not None
    assert crossings[0].noise.describe() == "slower (IQRs apart)"
    assert not marginal(slow, base.values, [ID], rule, base_stats=base.stats)
