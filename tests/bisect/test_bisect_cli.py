"""``benchmem bisect`` and its runner, with a fake sweep at the ``run_targets`` seam (no uv)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fakesweep import MB, FakeSweep, write_run
from packaging.version import Version

from pytest_benchmem.cli import main
from pytest_benchmem.errors import UsageError
from pytest_benchmem.sweep import bisect_runner
from pytest_benchmem.sweep.bisect_runner import (
    Prober,
    Request,
    run_bisect,
)
from pytest_benchmem.sweep.model import Stage, SweepOptions, TargetResult, TargetStatus
from pytest_benchmem.sweep.releases import interpreter_version
from toywheels import build_toy_index, write_toy_suite

ID = "test_toy.py::test_work"
VERSIONS = [f"{i}.0" for i in range(1, 9)]


def toy_table(first_bad: int = 5, **broken: object) -> dict[str, object]:
    table: dict[str, object] = {
        v: {ID: (6 if i + 1 >= first_bad else 1) * MB} for i, v in enumerate(VERSIONS)
    }
    table.update({k.replace("_", "."): v for k, v in broken.items()})
    return table


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    build_toy_index(tmp_path / "wheels", dict.fromkeys(VERSIONS, 1))
    write_toy_suite(tmp_path / "suite")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def fake(
    monkeypatch: pytest.MonkeyPatch, table: dict[str, object], metric: str = "peak"
) -> FakeSweep:
    sweep = FakeSweep(table, metric=metric)
    monkeypatch.setattr(bisect_runner, "run_targets", sweep)
    return sweep


def bisect_cli(*args: str) -> int:
    argv = ["bisect", "toypkg", "--suite", "suite", "--find-links", "wheels", "--out", "out"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, *args])
    return int(exc.value.code or 0)


def manifest(project: Path) -> dict[str, object]:
    data = json.loads((project / "out" / "bisect.json").read_text())
    assert isinstance(data, dict)
    return data


def test_finds_first_bad_release(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0
    out = capsys.readouterr().out
    assert sweep.calls == [["1.0", "8.0"], ["4.0"], ["6.0"], ["5.0"]]
    assert "first bad release: 5.0\nlast good release: 4.0\n" in out
    assert f"  {ID}: 977 KiB -> 5.7 MiB (+500.0%)" in out
    assert "compare them: benchmem compare out/4.0.json out/5.0.json --metric peak" in out
    table = out.split("release  ", 1)[1].splitlines()
    assert [line.split()[0] for line in table[2:7]] == ["1.0", "4.0", "5.0", "6.0", "8.0"]
    assert table[2].split()[1:4] == ["977", "KiB", "good"]
    data = manifest(project)
    assert [t["label"] for t in data["targets"]] == ["1.0", "4.0", "5.0", "6.0", "8.0"]  # type: ignore[index]
    section = data["bisect"]
    assert isinstance(section, dict)
    assert section["status"] == "found"
    assert section["probe_order"] == ["1.0", "8.0", "4.0", "6.0", "5.0"]
    assert (section["first_bad"], section["last_good"]) == ("5.0", "4.0")
    assert section["threshold"] == "peak:10%"
    assert data["harness"] == {"version": "fake"}


def test_ctrl_c_says_what_is_kept_and_a_rerun_finishes(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = fake(monkeypatch, toy_table(5))
    real_call = sweep.__call__

    def interrupt_the_third_probe(targets, options, **kw):  # type: ignore[no-untyped-def]
        if len(sweep.calls) == 1:
            sweep.calls.append(list(targets))
            raise KeyboardInterrupt
        return real_call(targets, options, **kw)

    monkeypatch.setattr(bisect_runner, "run_targets", interrupt_the_third_probe)
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 130
    err = capsys.readouterr().err
    assert (
        "benchmem bisect: interrupted; the finished probes and bisect.json are kept in out" in err
    )
    assert manifest(project)["bisect"]["status"] == "interrupted"  # type: ignore[index]
    assert [t["label"] for t in manifest(project)["targets"]] == ["1.0", "8.0"]  # type: ignore[index]
    monkeypatch.setattr(bisect_runner, "run_targets", real_call)
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0


def test_env_reaches_every_probe(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = fake(monkeypatch, toy_table(5))
    seen: list[tuple[str, ...]] = []

    def recording(targets, options, **kw):  # type: ignore[no-untyped-def]
        seen.append(options.env)
        return sweep(targets, options, **kw)

    monkeypatch.setattr(bisect_runner, "run_targets", recording)
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--env", "PYTHONMALLOC=malloc") == 0
    assert seen
    assert all(env == ("PYTHONMALLOC=malloc",) for env in seen)
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--env", "NOVALUE") == 2
    assert "--env expects NAME=VALUE" in capsys.readouterr().err


def test_broken_release_is_skipped_and_reported(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5, **{"6_0": "uv: not a zip file"}))
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0
    out = capsys.readouterr().out
    assert "first bad release: 5.0" in out
    assert "skipped 6.0: install: uv: not a zip file (logs: " in out
    assert "  [4] 6.0: skipped (install: uv: not a zip file)" in out
    assert manifest(project)["bisect"]["skipped"] == ["6.0"]  # type: ignore[index]


def test_unreadable_run_is_skipped(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5, **{"4_0": None}))
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0
    out = capsys.readouterr().out
    assert "skipped 4.0: collect: " in out
    assert "malformed JSON" in out


def test_untested_releases_between_the_answer(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5, **{"5_0": "boom", "6_0": "boom"}))
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0
    out = capsys.readouterr().out
    assert "first bad release: 7.0\nlast good release: 4.0\n" in out
    assert "the change may come from: 5.0, 6.0)" in out


def test_no_regression_exits_1_with_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "4.0") == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "benchmem: error: no regression between 1.0 and 4.0: no selected benchmark grew past "
        "peak:10% (largest change 0)\n"
    )
    assert "4.0      977 KiB (0)  good (--bad)" in captured.out  # a zero is 0, never +0.0%
    data = manifest(project)
    assert data["bisect"]["status"] == "no-regression"  # type: ignore[index]
    assert [t["label"] for t in data["targets"]] == ["1.0", "4.0"]  # type: ignore[index]


def test_threshold_not_crossed_is_no_regression(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--threshold", "600%") == 1
    assert (
        "no selected benchmark grew past peak:600% (largest change +500.0%)"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--good", "8.0", "--bad", "1.0"], "--good 8.0 is newer than --bad 1.0"),
        (["--good", "1.0", "--bad", "9.9"], "--bad 9.9: unknown version of toypkg (latest: 1.0, "),
        (["--good", "0.1", "--bad", "8.0"], "--good 0.1: unknown version of toypkg"),
        (["--good", "2.0rc1", "--bad", "8.0"], "; pre-releases need --pre)"),
        (["--good", "abc", "--bad", "8.0"], "; not a version)"),
        (["--good", "1.0", "--bad", "8.0", "--metric", "bogus"], "unknown metric 'bogus'"),
        (
            ["--good", "1.0", "--bad", "8.0", "--threshold", "ten"],
            "threshold 'ten': expected a size",
        ),
        (
            ["--good", "1.0", "--bad", "8.0", "--threshold", "time:10%"],
            "--threshold 'time:10%' is about time, but --metric is peak",
        ),
    ],
)
def test_usage_errors_before_any_probe(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    sweep = fake(monkeypatch, toy_table(5))
    assert bisect_cli(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith("benchmem: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert sweep.calls == []


def test_an_end_left_out_of_the_listing_says_why(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_benchmem.sweep.bisect_runner import resolve_ends
    from pytest_benchmem.sweep.releases import Listing
    from toywheels import alloc_body, build_wheel

    build_wheel(project / "wheels", "toypkg", "9.0", alloc_body(1), requires_python=">=3.99")
    sweep = fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "9.0") == 2
    err = capsys.readouterr().err
    assert "--bad 9.0: toypkg 9.0 requires Python >=3.99 (target 3." in err
    assert sweep.calls == []
    listing = Listing("toypkg", (), excluded={Version("2.0"): "is yanked"})
    with pytest.raises(UsageError, match=r"--good 2\.0: toypkg 2\.0 is yanked"):
        resolve_ends(listing, Request("toypkg", "2.0", "3.0"))
    listing = Listing(
        "toypkg", (Version("1.0"),), excluded={Version("3.1"): "was uploaded after --as-of"}
    )
    with pytest.raises(UsageError, match=r"--bad 3\.1\.0: toypkg 3\.1\.0 was uploaded"):
        resolve_ends(listing, Request("toypkg", "1.0", "3.1.0"))


def test_missing_suite_is_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5))
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "bisect",
                "toypkg",
                "--good",
                "1.0",
                "--bad",
                "8.0",
                "--suite",
                "nope",
                "--find-links",
                "wheels",
            ]
        )
    assert exc.value.code == 2
    assert "suite not found: nope" in capsys.readouterr().err


def test_test_matching_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--test", "nothing") == 2
    err = capsys.readouterr().err
    assert err == f"benchmem: error: --test 'nothing' matches no benchmark (the suite has: {ID})\n"
    assert manifest(project)["bisect"]["status"].startswith("error: --test 'nothing'")  # type: ignore[index]


def test_good_end_that_cannot_be_measured(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5, **{"1_0": "no wheel"}))
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 1
    assert (
        "the --good release 1.0 could not be measured: install: no wheel" in capsys.readouterr().err
    )


def test_test_selects_one_of_several(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "test_toy.py::test_other"
    table = {v: {ID: MB, other: (3 if i >= 2 else 1) * MB} for i, v in enumerate(VERSIONS)}
    fake(monkeypatch, table)  # type: ignore[arg-type]
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--test", "test_other") == 0
    out = capsys.readouterr().out
    assert "first bad release: 3.0" in out
    assert "release  test_other" in out
    assert manifest(project)["bisect"]["selected"] == [other]  # type: ignore[index]


def test_many_benchmarks_show_the_largest_change(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [f"t.py::test_{k}" for k in "abcd"]
    table = {
        v: {i: (2 if (n >= 4 and i.endswith("c")) else 1) * MB for i in ids}
        for n, v in enumerate(VERSIONS)
    }
    fake(monkeypatch, table)  # type: ignore[arg-type]
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0
    out = capsys.readouterr().out
    assert "release  largest change" in out
    assert "test_c +100.0%" in out
    good_row = next(line for line in out.splitlines() if line.startswith("1.0 "))
    assert good_row.split()[:4] == ["1.0", "test_c", "977", "KiB"]  # its own value, no +0.0 %


def test_time_metric(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = {v: {ID: 0.001 * (3 if n >= 6 else 1)} for n, v in enumerate(VERSIONS)}
    fake(monkeypatch, table, metric="time")  # type: ignore[arg-type]
    assert (
        bisect_cli("--good", "1.0", "--bad", "8.0", "--metric", "time", "--threshold", "time:50%")
        == 0
    )
    out = capsys.readouterr().out
    assert "first bad release: 7.0" in out
    assert "compare them: benchmem compare out/6.0.json out/7.0.json --metric time" in out
    assert "3 ms ±300 us (+200.0%, slower)" in out  # the table: spread and noise verdict
    assert "(+200.0%, slower (IQRs apart))\n" in out  # what crossed the threshold


def test_time_within_noise_is_never_bad(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """8 % slower past a 5 % threshold, the quartiles overlapping: no release is bad."""
    table = {v: {ID: 0.001 * (1.08 if n >= 6 else 1)} for n, v in enumerate(VERSIONS)}
    fake(monkeypatch, table, metric="time")  # type: ignore[arg-type]
    args = ("--good", "1.0", "--bad", "8.0", "--metric", "time", "--threshold", "time:5%")
    assert bisect_cli(*args) == 1
    captured = capsys.readouterr()
    assert "(+8.0%, within noise)" in captured.out
    assert "close to the threshold: measured twice" in captured.out  # the bad end, again
    assert captured.err.startswith(
        "benchmem: error: no regression between 1.0 and 8.0: no selected benchmark grew past "
        "time:5% outside noise"
    )


def test_python_option_reads_the_interpreter_version(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "8.0", "--python", sys.executable) == 0
    assert (project / "out" / "logs" / "bisect" / "python-version.log").is_file()


def test_interpreter_version(tmp_path: Path) -> None:
    version = interpreter_version(sys.executable, tmp_path / "logs")
    assert version == ".".join(map(str, sys.version_info[:3]))
    with pytest.raises(UsageError, match="--python /no/such/python: cannot run it"):
        interpreter_version("/no/such/python", tmp_path / "logs")


def test_second_bisect_hands_earlier_runs_to_the_sweep(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep = fake(monkeypatch, toy_table(5))
    assert bisect_cli("--good", "1.0", "--bad", "8.0") == 0
    assert bisect_cli("--good", "2.0", "--bad", "6.0") == 0
    # before the second search's first step, the manifest still lists every earlier probe,
    # so the real pipeline (resume) reuses their runs instead of measuring them again
    assert sorted(sweep.seen_manifests[4]) == ["1.0", "4.0", "5.0", "6.0", "8.0"]
    assert [t["label"] for t in manifest(project)["targets"]] == ["2.0", "4.0", "5.0", "6.0"]  # type: ignore[index]


def test_prober_values_without_the_metric(tmp_path: Path) -> None:
    options = SweepOptions(suite=tmp_path, out=tmp_path)
    prober = Prober("toypkg", options, "peak")
    run = write_run(tmp_path / "1.0.json", "1.0", {ID: 0.5}, metric="time")
    result = TargetResult("1.0", "toypkg==1.0", TargetStatus.OK, None, None, run, tmp_path, {}, {})
    assert prober.values(result).failure == "collect: the run has no peak values"
    failed = TargetResult(
        "2.0", "toypkg==2.0", TargetStatus.FAILED, Stage.RUN, None, None, tmp_path, {}, {}
    )
    assert prober.values(failed).failure == "run: failed"


def test_run_bisect_api(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sweep = FakeSweep(toy_table(3))
    options = SweepOptions(
        suite=project / "suite", out=project / "api", find_links=(str(project / "wheels"),)
    )
    echoed: list[str] = []
    outcome, prober, listing = run_bisect(
        Request("toypkg", "1.0", "8.0", threshold="peak:50%"),
        options,
        run=sweep,
        echo=echoed.append,
    )
    assert (outcome.last_good, outcome.first_bad) == ("2.0", "3.0")
    assert len(listing.versions) == 8
    assert echoed == [
        (
            "bisect toypkg: 8 releases from 1.0 to 8.0; a release is bad when a benchmark grows "
            "past peak:50% against 1.0"
        ),
        "measuring toypkg 1.0, 8.0 ...",
        "measuring toypkg 4.0 ...",
        "measuring toypkg 2.0 ...",
        "measuring toypkg 3.0 ...",
    ]
    assert sorted(prober.records) == [p.version for p in outcome.probes]
