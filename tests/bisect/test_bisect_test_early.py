"""``bisect --test`` that cannot select anything is reported before both ends ran (issue 13
defect 12): a malformed expression before any run, a test matching nothing after one end."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from fakesweep import FakeSweep
from test_bisect_cli import bisect_cli, project, toy_table  # noqa: F401 - the fixture

from pytest_benchmem.sweep import bisect_runner
from pytest_benchmem.sweep.model import Stage, SweepOptions, TargetResult, TargetStatus


class SelectingSweep(FakeSweep):
    """Runs fail as pytest does when the in-run ``--test`` selection keeps nothing."""

    def __call__(  # type: ignore[override]
        self, targets: Sequence[str], options: SweepOptions, **kw: object
    ) -> list[TargetResult]:
        test = next(e.split("=", 1)[1] for e in options.env if e.startswith("BENCHMEM_TEST="))
        if "test_work" in test:
            return super().__call__(targets, options, **kw)  # type: ignore[arg-type]
        labels = [t.partition("==")[2] for t in targets]
        self.calls.append(labels)
        reason = f"pytest exit code 4: --test {test!r} matches none of the 1 collected test(s)"
        return [
            TargetResult(
                label, t, TargetStatus.FAILED, Stage.RUN, reason, None, options.out / "logs", {}, {}
            )
            for t, label in zip(targets, labels, strict=True)
        ]


def test_a_test_matching_nothing_stops_after_the_first_end(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sweep = SelectingSweep(toy_table(5))
    monkeypatch.setattr(bisect_runner, "run_targets", sweep)
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--test", "nomatch") == 2
    err = capsys.readouterr().err
    assert err.startswith("benchmem: error: --test 'nomatch' matches none of the 1 collected")
    assert len(err.strip().splitlines()) == 1
    assert sweep.calls == [["1.0"]]  # the bad end never ran


def test_a_malformed_test_expression_stops_before_any_run(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sweep = SelectingSweep(toy_table(5))
    monkeypatch.setattr(bisect_runner, "run_targets", sweep)
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--test", "k:and or (") == 2
    assert "--test" in capsys.readouterr().err
    assert sweep.calls == []


def test_a_matching_test_still_probes_both_ends(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sweep = SelectingSweep(toy_table(5))
    monkeypatch.setattr(bisect_runner, "run_targets", sweep)
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--test", "test_work") == 0
    assert sweep.calls[:2] == [["1.0"], ["8.0"]]


def test_the_in_run_selection_fails_at_once_when_nothing_matches(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_a():\n    pass\n")
    monkeypatch.setenv("BENCHMEM_TEST", "nomatch")
    result = pytester.runpytest_subprocess("-p", "pytest_benchmem.inrun.select")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: --test 'nomatch' matches none of the 1 collected test(s)"])
