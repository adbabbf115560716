"""The noise rule (``pytest_benchmem.noise``) and how compare and its gate use it."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import pytest
from builders import bench, write_run

from pytest_benchmem import runs
from pytest_benchmem.cli import main
from pytest_benchmem.compare import compare_runs, gate
from pytest_benchmem.noise import Shift, Spread, combine_stats, spread_of, time_verdict
from pytest_benchmem.render import csv_text, render_table, to_markdown
from pytest_benchmem.units import parse_threshold


def timed(fullname: str, data: list[float], *, raw: bool = True) -> dict[str, Any]:
    """A benchmark whose stats pytest-benchmark would compute from ``data``."""
    stats = combine_stats(data)
    if not raw:
        del stats["data"]
    return bench(fullname, time=float(stats["min"]), stats=stats)  # type: ignore[arg-type]


def noisy(center: float, count: int = 20, *, seed: int = 1, width: float = 0.1) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(0, width)) for _ in range(count)]


# -- the statistics ----------------------------------------------------------------------------


def test_combine_stats_is_pytest_benchmarks_own() -> None:
    stats = combine_stats([3.0, 1.0, 2.0, 5.0, 4.0])
    assert (stats["min"], stats["max"], stats["rounds"], stats["median"]) == (1.0, 5.0, 5, 3.0)
    assert (stats["q1"], stats["q3"]) == (1.75, 4.25)
    assert stats["data"] == [3.0, 1.0, 2.0, 5.0, 4.0]
    with pytest.raises(ValueError, match="no rounds"):
        combine_stats([])


def test_spread_of_reads_pytest_benchmark_stats() -> None:
    spread = spread_of({"rounds": 4, "q1": 1.0, "q3": 2.0, "stddev": 0.5, "data": [1, 2, 2, 3]})
    assert spread == Spread(4, 1.0, 2.0, 0.5, (1.0, 2.0, 2.0, 3.0))
    assert spread.iqr == 1.0
    assert spread_of({"rounds": 4, "q1": 1.0}) is None
    assert spread_of({"rounds": 2, "q1": 1.0, "q3": 2.0, "data": ["x"]}) == Spread(2, 1.0, 2.0, 0.0)


# -- the rule ----------------------------------------------------------------------------------


def test_rule_is_overlapping_interquartile_ranges() -> None:
    base = Spread(10, 1.0, 1.2, 0.1)
    within = time_verdict(base, Spread(10, 1.1, 1.3, 0.1))
    assert (within.shift, within.method, within.within) == (Shift.WITHIN, "iqr", True)
    assert within.describe() == "within noise (IQRs overlap)"
    assert time_verdict(base, Spread(10, 1.2, 1.3, 0.1)).within  # touching overlaps
    slower = time_verdict(base, Spread(10, 1.3, 1.4, 0.1))
    assert slower.describe() == "slower (IQRs apart)"
    assert slower.agrees(+1.0)
    assert not slower.agrees(-1.0)
    assert not slower.agrees(0.0)
    faster = time_verdict(base, Spread(10, 0.5, 0.9, 0.1))
    assert faster.shift is Shift.FASTER
    assert faster.agrees(-1.0)
    # from real rounds: the quartiles pytest-benchmark computes
    rounds = spread_of(combine_stats(noisy(1.0, seed=1)))
    assert time_verdict(rounds, spread_of(combine_stats(noisy(1.0, seed=2)))).within
    assert time_verdict(rounds, spread_of(combine_stats(noisy(3.0, seed=3)))).shift is Shift.SLOWER


def test_rule_says_no_spread_for_single_rounds() -> None:
    one = Spread(1, 1.0, 1.0, 0.0, (1.0,))
    verdict = time_verdict(one, Spread(10, 1.0, 2.0, 0.1))
    assert (verdict.shift, verdict.method, verdict.describe()) == (
        Shift.UNKNOWN,
        "none",
        "no spread",
    )
    assert not verdict.within
    assert time_verdict(None, one).shift is Shift.UNKNOWN


# -- compare and its gate ----------------------------------------------------------------------


@pytest.fixture
def noise_pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A base, a rerun within its IQR (+4 % min) and a release 3x slower."""
    runs.clear_cache()
    base_data = noisy(1e-3, seed=1, width=0.2)
    rerun = [v * 1.04 for v in noisy(1e-3, seed=2, width=0.2)]
    base = write_run(tmp_path / "base.json", [timed("t.py::test_x", base_data)], label="base")
    same = write_run(tmp_path / "same.json", [timed("t.py::test_x", rerun)], label="rerun")
    slow_data = [v * 3 for v in noisy(1e-3, seed=3, width=0.2)]
    slow = write_run(tmp_path / "slow.json", [timed("t.py::test_x", slow_data)], label="slow")
    return base, same, slow


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(["compare", *(str(a) for a in args)])
    out, _ = capsys.readouterr()
    return int(info.value.code or 0), out


@pytest.mark.parametrize("raw", [True, False], ids=["raw-rounds", "stats-only"])
def test_within_iqr_is_within_noise_and_3x_trips_the_gate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: bool
) -> None:
    """The acceptance pair: within noise passes --fail-on time:5 %; 3x apart fails it."""
    runs.clear_cache()
    base_data = noisy(1e-3, seed=1, width=0.2)
    rerun = [v * 1.04 for v in noisy(1e-3, seed=2, width=0.2)]
    slow_data = [v * 3 for v in noisy(1e-3, seed=3, width=0.2)]
    base, same, slow = (
        write_run(tmp_path / f"{name}.json", [timed("t.py::test_x", data, raw=raw)], label=name)
        for name, data in (("base", base_data), ("rerun", rerun), ("slow", slow_data))
    )
    assert min(rerun) > min(base_data) * 1.03  # the min moved, within the IQR

    code, out = cli(capsys, base, same, "--fail-on", "time:1%")
    assert code == 0, out
    assert "within noise" in out
    assert "time  t.py::test_x: " in out
    assert ": within noise, not counted" in out
    assert "no regressions: 1 compared within time:1%" in out
    code, out = cli(capsys, base, same, "--fail-on", "time:5%")
    assert code == 0, out

    code, out = cli(capsys, base, slow, "--fail-on", "time:5%")
    assert code == 1, out
    row = next(line for line in out.splitlines() if line.startswith("t.py::test_x"))
    assert "slower (IQRs apart)" in row
    assert "+2" in row
    assert "1 regression past time:5%" in out


def test_time_table_shows_spread_and_verdict(noise_pair: tuple[Path, Path, Path]) -> None:
    base, same, slow = (runs.load_run(p) for p in noise_pair)
    comparison = compare_runs([base, same, slow], "time")
    row = comparison.rows[0]
    assert len(row.spreads) == 3
    assert all(s is not None and s.rounds == 20 for s in row.spreads)
    assert row.noise is not None
    assert row.noise.shift is Shift.SLOWER
    assert not row.within_noise
    text = render_table(comparison, color=False)
    assert "±IQR, n=rounds" in text.splitlines()[0]
    assert " n=20" in text
    assert " ±" in text
    assert "noise" in text.splitlines()[1]
    md = to_markdown(comparison)
    assert "| noise |" in md.splitlines()[2]
    assert "slower (IQRs apart)" in md
    rows = list(csv.DictReader(io.StringIO(csv_text(comparison))))
    assert rows[0]["base_rounds"] == "20"
    assert float(rows[0]["slow_iqr"]) > 0
    assert float(rows[0]["rerun_stddev"]) > 0
    assert rows[0]["noise"] == "slower"

    pair = compare_runs([base, same], "time")
    assert pair.rows[0].within_noise
    flat = list(csv.DictReader(io.StringIO(csv_text(pair))))
    assert flat[0]["noise"] == "within noise"


def test_memory_tables_have_no_noise_column(noise_pair: tuple[Path, Path, Path]) -> None:
    base = runs.load_run(noise_pair[0])
    comparison = compare_runs([base, base], "time")
    assert "noise" in csv_text(comparison).splitlines()[0]
    text = render_table(comparison, color=True)
    assert "\x1b[2m" in text  # a change within noise is dimmed, not coloured


def test_gate_without_spread_still_trips(tmp_path: Path) -> None:
    """A single round has no spread: a gate never passes on missing data."""
    runs.clear_cache()
    one = {"rounds": 1, "q1": 1e-3, "q3": 1e-3}
    base = write_run(tmp_path / "a.json", [bench("t::x", time=1e-3, stats=one)])
    new = write_run(tmp_path / "b.json", [bench("t::x", time=1.2e-3, stats={**one, "q1": 1.2e-3})])
    result = gate(runs.load_run(base), runs.load_run(new), [parse_threshold("time:5%")])
    assert not result.ok
    assert result.regressions[0].line().endswith("(+20.0%, no spread)")


def test_compare_cli_csv_keeps_the_spread_and_verdict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``compare --csv`` (the CLI path, one metric or several) writes the spread and verdict."""
    runs.clear_cache()

    def entry(data: list[float], peak: int) -> dict[str, Any]:
        stats = combine_stats(data)
        return bench("t.py::test_x", time=float(stats["min"]), stats=stats, peak=[peak])

    base, slow = (
        write_run(tmp_path / f"{name}.json", [entry(data, peak)], label=name)
        for name, data, peak in (
            ("base", noisy(1e-3, seed=1, width=0.2), 1000),
            ("slow", [v * 3 for v in noisy(1e-3, seed=3, width=0.2)], 2000),
        )
    )
    out_csv = tmp_path / "one.csv"
    code, _ = cli(capsys, base, slow, "--csv", out_csv)
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out_csv.read_text()))
    assert row["noise"] == "slower"
    assert int(row["base_rounds"]) == int(row["slow_rounds"]) == 20
    assert float(row["slow_iqr"]) > float(row["base_iqr"]) > 0

    two_csv = tmp_path / "two.csv"
    code, _ = cli(capsys, base, slow, "--metric", "time,peak", "--csv", two_csv)
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(two_csv.read_text()))
    assert row["time:min:noise"] == "slower"
    assert row["time:min:slow_rounds"] == "20"
    assert row["peak:min:change"] == "1000"
    assert not any(key.startswith("peak:") and key.endswith("noise") for key in row)
