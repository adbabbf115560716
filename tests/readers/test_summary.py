"""The markdown summary (``--summary md``) against golden files, and $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from builders import bench, write_run

from pytest_benchmem import runs
from pytest_benchmem.cli import main
from pytest_benchmem.errors import UsageError
from pytest_benchmem.noise import combine_stats
from pytest_benchmem.summary import append_step_summary, check_format, markdown_summary

GOLDEN = Path(__file__).parent.parent / "data" / "summary"
MB = 1_000_000


def timed(fullname: str, data: list[float], peak: int) -> dict[str, Any]:
    stats = combine_stats(data)
    return bench(fullname, time=float(stats["min"]), stats=stats, peak=[peak])  # type: ignore[arg-type]


def spread(center: float, step: float) -> list[float]:
    """Ten rounds, evenly spread: deterministic quartiles."""
    return [center + step * k for k in range(10)]


@pytest.fixture
def three(tmp_path: Path) -> list[Path]:
    """1.0 -> 2.0 -> 3.0: parse doubles its peak and triples its time; load moves in noise."""
    runs.clear_cache()
    made = []
    for n, label in enumerate(("1.0", "2.0", "3.0")):
        factor = 1 + 2 * (n == 2)
        made.append(
            write_run(
                tmp_path / f"{label}.json",
                [
                    timed("t.py::test_parse[big]", spread(2e-3 * factor, 1e-5), MB * (1 + (n > 0))),
                    timed("t.py::test_load", spread(1e-3 + n * 2e-6, 2e-5), 4096),
                ],
                label=label,
            )
        )
    return made


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("BENCHMEM_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_sweep_summary_matches_the_golden_file(three: list[Path]) -> None:
    loaded = [runs.load_run(p) for p in three]
    text = markdown_summary(
        loaded,
        ("peak", "time"),
        title="benchmem sweep: 4 targets",
        failed=["`4.0` failed at install: no version 4.0 (logs: `out/logs/4.0`)"],
    )
    _golden("sweep.md", text)
    assert "| `t.py::test_load` |" in text
    assert "_+0.4%_" in text  # the change within noise in italics
    assert "### Failed target (1)" in text


def test_compare_summary_md_matches_the_golden_file(
    three: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["compare", *map(str, three), "--summary", "md", "--fail-on", "time:10%"])
    out = capsys.readouterr().out
    assert info.value.code == 1  # parse tripled: slower (IQRs apart)
    _golden("compare.md", out)


def test_summary_format_is_checked() -> None:
    assert check_format("MD") == "md"
    with pytest.raises(UsageError, match="unknown --summary format 'html'"):
        check_format("html")


def test_step_summary_is_appended_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert append_step_summary("x\n") is None  # not in GitHub Actions: nothing written
    target = tmp_path / "step.md"
    target.write_text("## earlier step")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert append_step_summary("## benchmem\n") == target
    assert target.read_text() == "## earlier step\n\n## benchmem\n"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))
    with pytest.raises(UsageError, match="GITHUB_STEP_SUMMARY"):
        append_step_summary("x\n")
