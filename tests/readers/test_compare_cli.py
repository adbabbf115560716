"""``benchmem compare`` in-process (main + capsys): options, gate, and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builders import bench, write_run

from pytest_benchmem import runs
from pytest_benchmem.cli import main

MB = 1_000_000


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["compare", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code != 0
    assert err.startswith("benchmem: error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    base = write_run(
        tmp_path / "base.json",
        [bench("t.py::test_x[10]", peak=[4 * MB]), bench("t.py::test_y", peak=[MB])],
        label="v1",
    )
    new = write_run(
        tmp_path / "new.json",
        [bench("t.py::test_x[10]", peak=[8 * MB]), bench("t.py::test_y", peak=[MB])],
        label="v2",
    )
    runs.clear_cache()
    return base, new


def test_default_view(capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]) -> None:
    code, out, err = cli(capsys, *pair)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("time (headline min): 2 runs, 2 ids")
    assert lines[1].split()[:3] == ["id", "v1", "(ms)"]
    assert lines[3].split()[0] == "t.py::test_x[10]"


def test_gate_regression_exit_1(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]
) -> None:
    code, out, _ = cli(capsys, *pair, "--metric", "peak", "--fail-on", "peak:10%")
    assert code == 1
    assert "peak  t.py::test_x[10]: 3.81 MiB -> 7.63 MiB (+100.0%)" in out.splitlines()
    assert out.splitlines()[-1].startswith("1 regression past peak:10% (v1 -> v2")


def test_gate_all_clear_exit_0(capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]) -> None:
    code, out, _ = cli(capsys, *pair, "--fail-on", "peak:20%+8MiB", "--fail-on", "time:1s")
    assert code == 0
    assert out.splitlines()[-1] == (
        "no regressions: 4 compared within peak:20%+8MiB, time:1s (v1 -> v2)"
    )


def test_gate_compared_nothing_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = write_run(tmp_path / "a.json", [bench("t::a", peak=[1])])
    b = write_run(tmp_path / "b.json", [bench("t::b", peak=[1])])
    code, out, _ = cli(capsys, a, b, "--fail-on", "peak:10%")
    assert code == 1
    assert "no regressions" not in out
    assert "no benchmark ids shared" in out
    plain = write_run(tmp_path / "plain.json", [bench("t::a")])
    code, out, _ = cli(capsys, plain, a, "--fail-on", "peak:10%")
    assert code == 1
    assert "no peak data in 'plain'" in out


def test_bad_threshold_rejected_before_reading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was read")

    monkeypatch.setattr(runs, "load_runs", no_reading)
    code, _, err = cli(capsys, tmp_path / "missing.json", "x.json", "--fail-on", "bogus")
    assert code == 2
    _one_line_error(code, err, "bad threshold 'bogus'")
    code, _, err = cli(
        capsys, "a.json", "b.json", "--fail-on", "peak:10%", "--fail-on", "peak:lots"
    )
    _one_line_error(code, err, "peak:lots")
    assert code == 2
    code, _, err = cli(capsys, "a.json", "b.json", "--stat", "p99")
    _one_line_error(code, err, "unknown stat 'p99'")
    assert code == 2
    code, _, err = cli(capsys, "a.json", "b.json", "--sort", "size")
    _one_line_error(code, err, "unknown sort 'size'")
    code, _, err = cli(capsys, "a.json", "b.json", "--format", "html")
    _one_line_error(code, err, "unknown format 'html'")
    code, _, err = cli(capsys, "a.json", "b.json", "--metric", "vms")
    _one_line_error(code, err, "vms")
    assert code == 2


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_inputs_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path], tmp_path: Path
) -> None:
    good = pair[0]
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    truncated = _write(tmp_path / "trunc.json", good.read_text()[:-30])
    blob = json.loads(good.read_text())
    blob["benchmarks"][0]["extra_info"]["benchmem"]["peak_bytes"] = ["lots"]
    cases = {
        "missing": (tmp_path / "missing.json", "no such file"),
        "empty dir": (empty_dir, "no pytest-benchmark runs"),
        "malformed": (_write(tmp_path / "bad.json", "{oops"), "malformed JSON"),
        "truncated": (truncated, "truncated?"),
        "not a run": (_write(tmp_path / "other.json", '{"a": 1}'), "not a pytest-benchmark run"),
        "blob types": (
            _write(tmp_path / "blob.json", json.dumps(blob)),
            "benchmark 't.py::test_x[10]': extra_info.benchmem.peak_bytes",
        ),
    }
    for name, (path, needle) in cases.items():
        code, out, err = cli(capsys, good, path)
        _one_line_error(code, err, needle, str(path))
        assert out == "", name


def test_metric_no_run_has(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = write_run(tmp_path / "a.json", [bench("t::a")])
    b = write_run(tmp_path / "b.json", [bench("t::a")])
    code, out, err = cli(capsys, a, b, "--metric", "allocations")
    _one_line_error(code, err, "no run has allocations data")
    assert code == 1
    assert out == ""


def test_needs_two_runs(capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]) -> None:
    code, _, err = cli(capsys, pair[0])
    _one_line_error(code, err, "two or more runs, got 1")
    assert code == 2


def test_directory_of_runs_and_csv(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path], tmp_path: Path
) -> None:
    out_csv = tmp_path / "out" / "c.csv"
    code, _, err = cli(capsys, tmp_path, "--metric", "memory", "--csv", out_csv)
    assert code == 0
    assert f"benchmem: wrote {out_csv}" in err
    assert out_csv.read_text().splitlines()[:2] == [
        "id,v1,v2,change,change_pct",
        "t.py::test_x[10],4000000,8000000,4000000,100",
    ]


def test_csv_into_a_directory_is_refused_before_any_table(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path], tmp_path: Path
) -> None:
    code, out, err = cli(capsys, *pair, "--csv", tmp_path)
    _one_line_error(code, err, f"--csv {str(tmp_path)!r} is a directory")
    assert code == 2
    assert out == ""


def test_csv_under_a_file_is_one_line_naming_the_path(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = cli(capsys, *pair, "--csv", blocker / "c.csv")
    _one_line_error(code, err, f"cannot write {str(blocker / 'c.csv')!r}", "is a file")
    assert ".tmp" not in err


def test_markdown(capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]) -> None:
    code, out, _ = cli(capsys, *pair, "--metric", "peak", "--format", "md")
    assert code == 0
    assert "| `t.py::test_x[10]` | 3,906.25 | 7,812.50 | +3,906.25 | +100.0% |" in out
    assert "| id | v1 (KiB) | v2 (KiB) | change (KiB) | change % |" in out


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["compare", "--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    for text in (
        "Print a per-id comparison table across two or more runs (and optionally gate CI).",
        "Two or more pytest-benchmark runs, oldest → newest (a sweep is N).",
        "Row order: name (id) | value (largest in the last run) | change.",
        "Also write the raw (unscaled) comparison to this CSV file.",
        "[time|peak|allocat",
        "[default: time]",
        "[default: name]",
    ):
        assert text in out, text
    for word in ("--metric", "--stat", "--sort", "--csv", "--fail-on", "--format"):
        assert word in out


@pytest.mark.e2e
def test_console_script_subprocess(pair: tuple[Path, Path], tmp_path: Path) -> None:
    exe = shutil.which("benchmem") or str(Path(sys.executable).parent / "benchmem")
    ok = subprocess.run(
        [exe, "compare", *map(str, pair), "--metric", "peak", "--fail-on", "peak:10%"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert ok.returncode == 1
    assert "peak  t.py::test_x[10]: 3.81 MiB -> 7.63 MiB (+100.0%)" in ok.stdout
    assert "\x1b[" not in ok.stdout  # not a terminal: plain
    bad = subprocess.run(
        [exe, "compare", str(pair[0]), str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr == f"benchmem: error: {tmp_path / 'nope.json'}: no such file or directory\n"
