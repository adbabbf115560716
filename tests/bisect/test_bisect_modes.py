"""``benchmem bisect`` refuses to compare memory of releases measured in different modes
(e.g. a run kept from an earlier bisect made under another default), unless allowed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from fakesweep import MB, FakeSweep

from pytest_benchmem.cli import main
from pytest_benchmem.sweep import bisect_runner
from pytest_benchmem.sweep.model import SweepOptions, TargetResult
from toywheels import build_toy_index, write_toy_suite

ID = "test_toy.py::test_work"
VERSIONS = [f"{i}.0" for i in range(1, 9)]


class MixedSweep(FakeSweep):
    """The good end's run says it was measured in the exact mode; the others record none
    (runs saved before the modes existed: the fast mode)."""

    def __call__(
        self, targets: Sequence[str], options: SweepOptions, **kwargs: object
    ) -> list[TargetResult]:
        results = super().__call__(targets, options, **kwargs)  # type: ignore[arg-type]
        for result in results:
            if result.label == "1.0" and result.run_path is not None:
                data = json.loads(result.run_path.read_text())
                data["benchmem"]["mode"] = "exact"
                result.run_path.write_text(json.dumps(data))
        return results


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    build_toy_index(tmp_path / "wheels", dict.fromkeys(VERSIONS, 1))
    write_toy_suite(tmp_path / "suite")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))
    table = {v: {ID: (6 if i >= 4 else 1) * MB} for i, v in enumerate(VERSIONS)}
    monkeypatch.setattr(bisect_runner, "run_targets", MixedSweep(table))
    return tmp_path


def bisect_cli(*args: str) -> int:
    argv = ["bisect", "toypkg", "--suite", "suite", "--find-links", "wheels", "--out", "out"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--good", "1.0", "--bad", "8.0", *args])
    return int(exc.value.code or 0)


def test_bisect_refuses_ends_measured_in_different_modes(project, capsys):
    code = bisect_cli()
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("benchmem: error:") == 1
    assert (
        "benchmem: error: memory measured in different modes is not compared: "
        "1.0 (exact); 8.0 (fast); measure them alike, or pass --allow-mixed-modes"
    ) in err


def test_bisect_with_the_switch_searches_with_a_note(project, capsys):
    code = bisect_cli("--allow-mixed-modes")
    out = capsys.readouterr().out
    assert code == 0
    assert "note: memory compared across measurement modes (--allow-mixed-modes): " in out
    assert "5.0" in out  # the first heavier release is still found


def test_time_bisect_is_not_refused(project, monkeypatch, capsys):
    table = {v: {ID: 0.001 * (3 if i >= 4 else 1)} for i, v in enumerate(VERSIONS)}
    monkeypatch.setattr(bisect_runner, "run_targets", MixedSweep(table, metric="time"))
    code = bisect_cli("--metric", "time", "--threshold", "50%")
    assert code == 0, capsys.readouterr().err
