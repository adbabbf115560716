"""Runs measured in different memory modes are never compared silently: the one check
(``pytest_benchmem.modes``) and ``benchmem compare`` / ``benchmem plot`` refusing them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builders import bench, run_doc

from pytest_benchmem.cli import main
from pytest_benchmem.modes import (
    MemoryMode,
    MixedModesError,
    check_measurements,
    measurement_of,
)

MEMRAY_1 = {"memray": "1.20.0"}


def _write(path: Path, label: str, peak: int, **provenance: Any) -> Path:
    doc = run_doc([bench("t.py::test_a", time=1e-3, peak=[peak])], label=label)
    doc["benchmem"].update(provenance)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.mark.parametrize(
    ("provenance", "expected"),
    [
        ({}, "fast"),  # saved before the modes existed: the arena mode
        ({"trace_python_allocators": False}, "fast"),
        ({"trace_python_allocators": True}, "exact"),
        ({"mode": "exact", "trace_python_allocators": True}, "exact"),
        ({"mode": "fast", "trace_python_allocators": False}, "fast"),
        ({"mode": "bogus", "trace_python_allocators": True}, "exact"),
    ],
)
def test_the_mode_a_run_records(provenance, expected):
    assert measurement_of(provenance).mode is MemoryMode(expected)


def test_measurement_describes_allocator_and_memray_major():
    measured = measurement_of(
        {"mode": "exact", "pythonmalloc": "malloc", "packages": {"memray": "1.20.0"}}
    )
    assert measured.describe() == "exact, PYTHONMALLOC=malloc, memray 1"
    assert measurement_of({}).describe() == "fast"


def test_alike_runs_pass_and_unknowns_are_no_difference():
    old = measurement_of({"mode": "exact"})  # no pythonmalloc, no packages recorded
    new = measurement_of({"mode": "exact", "pythonmalloc": None, "packages": MEMRAY_1})
    assert check_measurements([("a", old), ("b", new)], allow=False) is None


@pytest.mark.parametrize(
    ("a", "b", "needle"),
    [
        ({"mode": "fast"}, {"mode": "exact"}, "a (fast); b (exact)"),
        (
            {"mode": "exact", "pythonmalloc": None},
            {"mode": "exact", "pythonmalloc": "malloc"},
            "a (exact); b (exact, PYTHONMALLOC=malloc)",
        ),
        (
            {"mode": "exact", "packages": {"memray": "1.20.0"}},
            {"mode": "exact", "packages": {"memray": "2.0.1"}},
            "a (exact, memray 1); b (exact, memray 2)",
        ),
    ],
)
def test_different_measurements_are_refused_in_one_line(a, b, needle):
    named = [("a", measurement_of(a)), ("b", measurement_of(b))]
    with pytest.raises(MixedModesError) as info:
        check_measurements(named, allow=False)
    message = str(info.value)
    assert "\n" not in message
    assert needle in message
    assert "--allow-mixed-modes" in message
    note = check_measurements(named, allow=True)
    assert note is not None
    assert note.startswith("note: memory compared across measurement modes")
    assert needle in note


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[Path, Path]:
    return (
        _write(tmp_path / "old.json", "old", 2_000_000),  # no mode recorded: fast
        _write(tmp_path / "new.json", "new", 1_100_000, mode="exact", packages=MEMRAY_1),
    )


@pytest.mark.parametrize("metric", ["peak", "allocations", "time,peak"])
def test_compare_refuses_memory_of_mixed_modes(capsys, mixed, metric):
    code, out, err = cli(capsys, "compare", *mixed, "--metric", metric)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(
        "benchmem: error: memory measured in different modes is not compared: "
        "old (fast); new (exact, memray 1)"
    )


def test_compare_gate_on_memory_is_refused_even_with_a_time_table(capsys, mixed):
    code, _, err = cli(capsys, "compare", *mixed, "--fail-on", "peak:10%")
    assert code == 2
    assert "different modes" in err


def test_compare_of_times_is_not_refused(capsys, mixed):
    code, out, _ = cli(capsys, "compare", *mixed, "--metric", "time")
    assert code == 0
    assert "test_a" in out


def test_compare_with_the_switch_shows_the_table_and_a_note(capsys, mixed):
    code, out, err = cli(capsys, "compare", *mixed, "--metric", "peak", "--allow-mixed-modes")
    assert code == 0, err
    assert "test_a" in out
    assert "note: memory compared across measurement modes (--allow-mixed-modes): " in out
    assert "old (fast); new (exact, memray 1)" in out


def test_compare_refuses_a_different_allocator(capsys, tmp_path):
    a = _write(tmp_path / "a.json", "a", 100, mode="exact", pythonmalloc=None)
    b = _write(tmp_path / "b.json", "b", 100, mode="exact", pythonmalloc="malloc")
    code, _, err = cli(capsys, "compare", a, b, "--metric", "peak")
    assert code == 2
    assert "a (exact); b (exact, PYTHONMALLOC=malloc)" in err


def test_plot_refuses_memory_of_mixed_modes(capsys, mixed, tmp_path):
    out_html = tmp_path / "p.html"
    code, _, err = cli(capsys, "plot", *mixed, "--metric", "peak", "-o", out_html)
    assert code == 2
    assert err.startswith("benchmem: error: memory measured in different modes")
    assert not out_html.exists()
    code, out, err = cli(
        capsys, "plot", *mixed, "--metric", "peak", "-o", out_html, "--allow-mixed-modes"
    )
    assert code == 0, err
    assert out_html.is_file()
    assert "note: memory compared across measurement modes" in out
    code, _, err = cli(capsys, "plot", *mixed, "--metric", "time", "-o", tmp_path / "t.html")
    assert code == 0, err
