"""``benchmem sweep PKG --each-minor/--since/--until/--last`` and the same keys in pyproject."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

import pytest_benchmem.sweep as sweep_pkg
from pytest_benchmem.cli import main
from pytest_benchmem.sweep.manifest import write_manifest
from pytest_benchmem.sweep.model import SweepOptions, TargetResult, TargetStatus
from toywheels import build_toy_index, build_wheel, write_toy_suite

VERSIONS = ("1.0.0", "1.0.1", "1.1.0", "1.1.3", "1.2.0", "2.0.0", "2.0.1", "2.1.0b1")


class RecordingSweep:
    """Records the targets the CLI expanded; every target "fails" at once (no uv)."""

    def __init__(self) -> None:
        self.targets: list[str] = []

    def __call__(
        self, targets: Sequence[str], options: SweepOptions, **kwargs: object
    ) -> list[TargetResult]:
        self.targets = list(targets)
        results = [
            TargetResult(
                t.partition("==")[2],
                t,
                TargetStatus.SKIPPED,
                None,
                "recorded",
                None,
                options.out,
                {},
                {},
            )
            for t in targets
        ]
        extra = kwargs.get("extra")
        write_manifest(options.out / "sweep.json", results, options, harness={}, extra=extra)  # type: ignore[arg-type]
        return results


@pytest.fixture
def recorder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingSweep:
    build_toy_index(tmp_path / "wheels", dict.fromkeys(VERSIONS, 1))
    write_toy_suite(tmp_path / "suite")
    monkeypatch.chdir(tmp_path)
    fake = RecordingSweep()
    monkeypatch.setattr(sweep_pkg, "run_targets", fake)
    return fake


def sweep_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(["sweep", *args])
    return int(exc.value.code or 0)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--last", "3"], ["1.2.0", "2.0.0", "2.0.1"]),
        (["--each-minor"], ["1.0.1", "1.1.3", "1.2.0", "2.0.1"]),
        (["--each-minor", "--pre"], ["1.0.1", "1.1.3", "1.2.0", "2.0.1", "2.1.0b1"]),
        (["--since", "1.1", "--until", "2.0.0"], ["1.1.0", "1.1.3", "1.2.0", "2.0.0"]),
        (["--since", "1.1", "--each-minor", "--last", "2"], ["1.2.0", "2.0.1"]),
    ],
)
def test_sweep_policy_flags(
    recorder: RecordingSweep,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    expected: list[str],
) -> None:
    sweep_cli("toypkg", *flags, "--suite", "suite", "--find-links", "wheels", "--out", "out")
    assert recorder.targets == [f"toypkg=={v}" for v in expected]
    assert f"toypkg {' '.join(flags)}: {', '.join(expected)}" in capsys.readouterr().err
    data = json.loads(Path("out/sweep.json").read_text())
    assert data["expansion"]["versions"] == expected


def test_sweep_policy_from_pyproject(
    recorder: RecordingSweep, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("pyproject.toml").write_text(
        "[tool.benchmem.sweep]\n"
        'targets = ["toypkg"]\n'
        'suite = "suite"\n'
        'find-links = ["wheels"]\n'
        "each-minor = true\n"
        'since = "1.1"\n'
        'until = "1.9"\n'
    )
    sweep_cli("--out", "out")
    assert recorder.targets == ["toypkg==1.1.3", "toypkg==1.2.0"]
    assert "note: excluded pre-releases (use --pre): 2.1.0b1" in capsys.readouterr().err


def test_sweep_policy_matching_nothing(
    recorder: RecordingSweep, capsys: pytest.CaptureFixture[str]
) -> None:
    code = sweep_cli("toypkg", "--since", "3.0", "--suite", "suite", "--find-links", "wheels")
    assert code == 2
    assert "no release of 'toypkg' matches --since 3.0" in capsys.readouterr().err
    assert recorder.targets == []


def test_sweep_policy_checks_requires_python_of_the_python_option(
    recorder: RecordingSweep, tmp_path: Path
) -> None:
    build_wheel(tmp_path / "wheels", "toypkg", "3.0", "X = 3\n", requires_python=">=3.99")
    args = ["toypkg", "--last", "2", "--suite", "suite", "--find-links", "wheels", "--out", "out"]
    sweep_cli(*args, "--python", sys.executable)
    assert recorder.targets == ["toypkg==2.0.0", "toypkg==2.0.1"]
    assert (tmp_path / "out" / "logs" / "sweep" / "python-version.log").is_file()
