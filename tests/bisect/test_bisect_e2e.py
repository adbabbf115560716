"""``benchmem bisect`` end to end, offline: real uv venvs over toy wheels built by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_benchmem.cli import main
from toywheels import MB, build_broken_wheel, build_toy_index, write_toy_suite

pytestmark = pytest.mark.e2e

FAST = ["--pytest-arg=--benchmark-min-rounds=1", "--pytest-arg=--benchmark-max-time=0"]


def toy_project(root: Path) -> Path:
    """toypkg 1.0 … 8.0: 5.0 and later allocate 5 MB more; 6.0's wheel is not a zip."""
    sizes = {f"{i}.0": (6 if i >= 5 else 1) * MB for i in range(1, 9) if i != 6}
    build_toy_index(root / "wheels", sizes)
    build_broken_wheel(root / "wheels", "toypkg", "6.0")
    write_toy_suite(root / "suite")
    return root


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0)


def test_bisect_names_5_0_on_real_venvs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(toy_project(tmp_path))
    common = ["--suite", "suite", "--find-links", "wheels", "--out", "out", *FAST]
    code = run_cli("bisect", "toypkg", "--good", "1.0", "--bad", "8.0", *common)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "first bad release: 5.0\nlast good release: 4.0\n" in captured.out
    assert "skipped 6.0: install: " in captured.out
    assert "compare them: benchmem compare out/4.0.json out/5.0.json --metric peak" in captured.out

    data = json.loads((tmp_path / "out" / "bisect.json").read_text())
    labels = [t["label"] for t in data["targets"]]
    assert len(labels) <= 5
    assert labels == ["1.0", "4.0", "5.0", "6.0", "8.0"]
    statuses = {t["label"]: (t["status"], t["stage"]) for t in data["targets"]}
    assert statuses["6.0"] == ("failed", "install")
    assert all(statuses[v] == ("ok", None) for v in ("1.0", "4.0", "5.0", "8.0"))
    section = data["bisect"]
    assert (section["first_bad"], section["last_good"], section["skipped"]) == (
        "5.0",
        "4.0",
        ["6.0"],
    )
    peaks = {
        p["version"]: next(iter(p["values"].values())) for p in section["probes"] if p["values"]
    }
    assert peaks["5.0"] - peaks["4.0"] > 4.5 * MB
    for version in ("1.0", "4.0", "5.0", "8.0"):  # the runs are ordinary sweep runs
        run = json.loads((tmp_path / "out" / f"{version}.json").read_text())
        assert run["benchmem"]["label"] == version

    # the ends measured again: no regression between 1.0 and 4.0 -> one line, exit 1
    code = run_cli("bisect", "toypkg", "--good", "1.0", "--bad", "4.0", *common)
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("benchmem: error: no regression between 1.0 and 4.0: ")
    assert captured.err.count("\n") == 1


TWO_TESTS = '''"""test_work measures toypkg; test_other always fails (never runs under --test)."""

import toypkg


def test_work(benchmark):
    assert benchmark(toypkg.work) > 0


def test_other(benchmark):
    benchmark(lambda: None)
    raise RuntimeError("test_other ran")
'''


def test_test_narrows_every_probe_and_failing_tests_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))
    build_toy_index(
        tmp_path / "wheels", {f"{i}.0": (6 if i >= 3 else 1) * MB for i in (1, 2, 3, 4)}
    )
    write_toy_suite(tmp_path / "suite", TWO_TESTS)
    monkeypatch.chdir(tmp_path)
    common = ["--suite", "suite", "--find-links", "wheels", *FAST]
    code = run_cli(
        "bisect", "toypkg", "--good", "1.0", "--bad", "4.0", "--test", "test_work",
        "--out", "narrow", *common,
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "first bad release: 3.0\nlast good release: 2.0\n" in captured.out
    assert "failed" not in captured.out
    data = json.loads((tmp_path / "narrow" / "bisect.json").read_text())
    assert {t["status"] for t in data["targets"]} == {"ok"}  # test_other never ran
    for target in data["targets"]:
        run = json.loads(Path(target["run"]).read_text())
        assert [b["name"] for b in run["benchmarks"]] == ["test_work"]
    assert data["bisect"]["selected"] == ["suite/test_toy.py::test_work"]

    # without --test both tests run at each probe; the failing one is named on the terminal
    code = run_cli("bisect", "toypkg", "--good", "2.0", "--bad", "3.0", "--out", "all", *common)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "      1 test failed: suite/test_toy.py::test_other" in captured.out
    probes = json.loads((tmp_path / "all" / "bisect.json").read_text())["bisect"]["probes"]
    assert all(p["failed_tests"] == ["suite/test_toy.py::test_other"] for p in probes)


def test_lighter_names_the_release_that_dropped_5_mb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))
    build_toy_index(tmp_path / "wheels", {f"{i}.0": (1 if i >= 6 else 6) * MB for i in range(1, 9)})
    write_toy_suite(tmp_path / "suite")
    monkeypatch.chdir(tmp_path)
    common = ["--suite", "suite", "--find-links", "wheels", "--out", "out", *FAST]
    code = run_cli(
        "bisect", "toypkg", "--good", "1.0", "--bad", "8.0", "--direction", "lighter", *common
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "first lighter release: 6.0\nlast release before it: 5.0\n" in captured.out
    assert "a release is lighter when a benchmark drops past peak:10% against 1.0" in captured.out
    data = json.loads((tmp_path / "out" / "bisect.json").read_text())
    assert (data["bisect"]["direction"], data["bisect"]["first_bad"]) == ("lighter", "6.0")
