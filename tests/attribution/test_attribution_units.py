"""Attribution pieces: path normalisation, aggregation, ordering, sources and one-line errors."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_benchmem import attribution
from pytest_benchmem.attribution.frames import (
    Frame,
    is_harness,
    module_of,
    normalise_path,
    site_frame,
)
from pytest_benchmem.attribution.model import build_profile, diff_profiles
from pytest_benchmem.attribution.report import RENDERERS
from pytest_benchmem.attribution.tree import flame_nodes
from pytest_benchmem.measure import Keep, run_passes

SITE = "/venv/lib/python3.11/site-packages"


def test_paths_are_normalised_so_two_venvs_match():
    assert normalise_path(f"{SITE}/toypkg/extra.py") == "toypkg/extra.py"
    assert (
        normalise_path("/other/lib/python3.11/dist-packages/toypkg/extra.py") == "toypkg/extra.py"
    )
    assert normalise_path("/tmp/run1/suite/test_x.py", "/tmp/run1") == "suite/test_x.py"
    assert normalise_path("/usr/lib/python3.11/json/decoder.py") == "json/decoder.py"
    assert module_of("toypkg/extra.py") == "toypkg.extra"
    assert module_of("toypkg/__init__.py") == "toypkg"
    assert module_of("/somewhere/else/script.py") == "script"
    assert module_of("Objects/obmalloc.c") == "Objects/obmalloc.c"
    assert is_harness(f"{SITE}/pytest_benchmem/measure.py")
    assert is_harness("/src/pytest_benchmem/fixture.py")
    assert not is_harness(f"{SITE}/pytest_benchmem/plugin.py")


def test_site_is_the_innermost_python_frame():
    native = Frame("malloc", "<unknown>", 0, "<unknown>", native=True)
    python = Frame("make", "suite/test_np.py", 9, "suite.test_np")
    assert site_frame((native, python)) is python
    assert site_frame((native,)).site == "<unknown>:<unknown>"


def record(size: int, *frames: tuple[str, str, int]) -> tuple[int, int, tuple, None]:
    harness = ("_track", f"{SITE}/pytest_benchmem/measure.py", 120)
    caller = ("pytest_pyfunc_call", f"{SITE}/_pytest/python.py", 150)
    return (size, 1, (*frames, harness, caller), None)


def toy(version: str, grow: int, build: int, line: int) -> attribution.Profile:
    site = f"/venvs/{version}/lib/python3.11/site-packages/toypkg"
    work = ("work", f"{site}/__init__.py", 9)
    records = [
        record(grow, ("grow", f"{site}/extra.py", line), work),
        record(build, ("build", f"{site}/core.py", 7), work),
        record(100, ("helper", f"{site}/core.py", 20), ("build", f"{site}/core.py", 8), work),
    ]
    return build_profile("t::w", Path(f"{version}.bin"), grow + build + 100, records)


def test_diff_orders_growth_then_shrinks_and_sums_to_the_peak_change():
    diff = diff_profiles(toy("4.0", 1_000_000, 2_000_000, 5), toy("5.0", 6_000_000, 1_000_000, 7))
    assert [c.key for c in diff.changes] == [
        "toypkg.extra:grow",
        "toypkg.core:build",
        "toypkg.core:helper",
    ]
    grow, build, helper = diff.changes
    assert (grow.delta, grow.where) == (5_000_000, "extra.py:5 → :7")
    assert (build.delta, build.where) == (-1_000_000, "core.py:7")
    assert helper.delta == 0
    assert grow.line() == "+4.8 MiB  toypkg.extra:grow (extra.py:5 → :7)"
    assert [f.function for f in grow.stack] == ["grow", "work"]  # harness and pytest cut
    assert diff.sum_delta == diff.peak_delta == 4_000_000
    assert diff.footer() == (
        "sum of site differences +3.8 MiB vs peak difference +3.8 MiB (2.9 MiB → 6.7 MiB)"
    )
    text = RENDERERS["text"]([diff], 10, ["note: x"])
    assert "      ← toypkg:work (__init__.py:9)" in text
    assert text.endswith("note: x\n")
    data = json.loads(RENDERERS["json"]([diff], 1))
    assert [s["site"] for s in data["benchmarks"][0]["sites"]] == [
        "toypkg.extra:grow",
        "toypkg.core:build",
    ]


def test_new_and_gone_sites_say_so():
    a = build_profile("i", Path("a"), 10, [record(10, ("old", "/x/site-packages/p/m.py", 3))])
    b = build_profile("i", Path("b"), 20, [record(20, ("new", "/y/site-packages/p/m.py", 4))])
    new, gone = diff_profiles(a, b).changes
    assert new.line() == "+20 B  p.m:new (m.py:4, new)"
    assert gone.line() == "-10 B  p.m:old (m.py:3, gone)"


def test_flame_tree_widths_are_bytes_at_the_peak():
    before, after = toy("4.0", 1_000_000, 2_000_000, 5), toy("5.0", 6_000_000, 1_000_000, 7)
    nodes = {n.site: n for n in flame_nodes(after, before)}
    assert nodes["all"].size == 7_000_100
    assert nodes["toypkg:work"].size == 7_000_100
    assert (nodes["toypkg.extra:grow"].size, nodes["toypkg.extra:grow"].delta) == (
        6_000_000,
        5_000_000,
    )
    assert nodes["toypkg.core:build"].delta == -1_000_000
    assert "toypkg.core:helper" not in nodes  # 100 B is too narrow to draw: stays in build


# -- real captures and the one-line errors ---------------------------------------------------


def capture(directory: Path, name: str, size: int) -> Path:
    target = directory / f"{name}.bin"
    directory.mkdir(parents=True, exist_ok=True)
    run_passes(lambda: lambda: bytearray(size), keep=Keep(lambda p: shutil.copyfile(p, target)))
    return target


def write_run(
    path: Path, captures: dict[str, tuple[int, str | None]], python: str | None = None
) -> Path:
    benchmarks = []
    for ident, (peak, rel) in captures.items():
        blob: dict[str, object] = {"peak_bytes": [peak], "allocations": [1], "total_bytes": [peak]}
        if rel is not None:
            blob["capture"] = rel
        benchmarks.append({"name": ident.split("::")[-1], "fullname": ident, "stats": {"min": 1.0},
                           "extra_info": {"benchmem": blob}})  # fmt: skip
    info = {"schema": 1, "python": python}
    path.write_text(json.dumps({"benchmarks": benchmarks, "benchmem": info}))
    return path


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    capture(tmp_path / "a", "x", 1_000_000)
    capture(tmp_path / "a", "y", 3_000_000)
    capture(tmp_path / "b", "x", 2_000_000)
    a = write_run(
        tmp_path / "a.json", {"t.py::x": (1_000_000, "a/x.bin"), "t.py::y": (3_000_000, "a/y.bin")}
    )
    b = write_run(tmp_path / "b.json", {"t.py::x": (2_000_000, "b/x.bin")})
    return a, b


def one_line_error(benchmem, *args: object) -> str:
    result = benchmem(*args)
    assert result.code != 0
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("benchmem: error: ")
    assert "Traceback" not in result.err
    return result.err


def test_diff_of_two_runs_and_worst_pick(runs, benchmem, tmp_path):
    result = benchmem("diff", *runs)
    assert result.code == 0, result.err
    assert "  +977 KiB  test_attribution_units:<lambda> (test_attribution_units.py:" in result.out
    flame = benchmem("flamegraph", runs[0], "--worst", "peak", "-o", tmp_path / "f.html")
    assert flame.out.startswith("flame graph of t.py::y: ")
    flame = benchmem("flamegraph", runs[0], "--id", "t.py::x", "-o", tmp_path / "f.html")
    assert flame.out.startswith("flame graph of t.py::x: ")
    flame = benchmem("flamegraph", tmp_path / "b" / "x.bin", "-o", tmp_path / "g.html")
    assert flame.out.startswith("flame graph of x: ")
    assert (tmp_path / "g.html").read_text().count("<script") >= 1


def test_run_without_captures_names_the_flag(benchmem, tmp_path):
    plain = write_run(tmp_path / "plain.json", {"t.py::x": (5, None)})
    err = one_line_error(benchmem, "diff", plain, plain)
    assert "has no memory captures (record them with pytest --benchmark-memory-profile=DIR" in err
    err = one_line_error(benchmem, "flamegraph", plain)
    assert "--benchmark-memory-profile=DIR" in err


def test_missing_corrupt_and_foreign_captures(runs, benchmem, tmp_path):
    (tmp_path / "a" / "x.bin").unlink()
    err = one_line_error(benchmem, "diff", *runs)
    assert err.startswith("benchmem: error: capture ")
    assert "a/x.bin' does not exist" in err
    (tmp_path / "a" / "x.bin").write_bytes(b"not a capture" * 10)
    err = one_line_error(benchmem, "diff", *runs)
    assert "cannot read memray capture" in err
    assert "does not look like a binary generated by memray" in err
    foreign = foreign_version_capture(tmp_path)
    err = one_line_error(benchmem, "flamegraph", foreign)
    assert "written by another memray version (this is memray " in err


def foreign_version_capture(tmp_path: Path) -> Path:
    """An uncompressed capture whose header claims another file-format version."""
    import memray

    path = tmp_path / "foreign.bin"
    with memray.Tracker(destination=memray.FileDestination(path, compress_on_exit=False)):
        bytearray(1000)
    data = bytearray(path.read_bytes())
    assert data[:7] == b"memray\x00"
    data[7] = 99  # the format version right after the magic
    path.write_bytes(bytes(data))
    return path


def test_ids_unknown_ambiguous_or_in_one_run_only(runs, benchmem):
    err = one_line_error(benchmem, "diff", *runs, "--id", "t.py::y")
    assert "benchmark 't.py::y' has a capture only in" in err
    err = one_line_error(benchmem, "diff", *runs, "--id", "zzz")
    assert "no benchmark matches --id 'zzz' (ids: t.py::x, t.py::y)" in err
    err = one_line_error(benchmem, "flamegraph", runs[0])
    assert "has 2 captures: pick one with --id PATTERN or --worst peak (t.py::x, t.py::y)" in err
    err = one_line_error(benchmem, "flamegraph", runs[0], "--id", "t.py::*")
    assert "--id 't.py::*' matches 2 benchmarks: t.py::x, t.py::y" in err
    err = one_line_error(benchmem, "flamegraph", runs[0], "--worst", "speed")
    assert "--worst 'speed'" in err
    err = one_line_error(benchmem, "diff", *runs, "--format", "xml")
    assert "--format 'xml'" in err


def test_sweep_labels(runs, benchmem, tmp_path):
    (tmp_path / "sweep.json").write_text("{}")
    err = one_line_error(benchmem, "diff", "a", "nope", "--dir", tmp_path)
    assert "no run labelled 'nope' in" in err
    assert "(labels: a, b)" in err
    assert benchmem("diff", "a", "b", "--dir", tmp_path).code == 0


def test_import_is_light():
    code = (
        "import sys, pytest_benchmem, pytest_benchmem.attribution\n"
        "heavy = [m for m in ('memray', 'plotly', 'pandas', 'typer') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_consecutive_changes_and_mode_note(runs, tmp_path):
    a, b = runs
    plain = write_run(tmp_path / "plain.json", {"t.py::x": (5, None)})
    diffs = attribution.changed_between([("a", a), ("b", b), ("plain", plain)])
    assert [(d.benchmark_id, d.before_label, d.after_label) for d in diffs] == [
        ("t.py::x", "a", "b")
    ]
    assert attribution.changed_between([("a", a), ("b", b)], threshold=2.0) == []
    before, after = diffs[0].before, diffs[0].after
    assert attribution.mode_note(before, after) is None
    fast = dataclasses.replace(before, python_allocators=False)
    traced = dataclasses.replace(after, python_allocators=True)
    note = attribution.mode_note(fast, traced)
    assert note is not None
    assert note.startswith("note: A was measured in the fast mode and B in the exact mode")
    note = attribution.mode_note(traced, fast)
    assert note is not None
    assert note.startswith("note: A was measured in the exact mode and B in the fast mode")


def test_sources_reject_what_is_not_a_run(benchmem, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    err = one_line_error(benchmem, "flamegraph", tmp_path / "bad.json")
    assert "is not valid JSON (line 1" in err
    (tmp_path / "list.json").write_text("[]")
    err = one_line_error(benchmem, "flamegraph", tmp_path / "list.json")
    assert "is not a pytest-benchmark run (no 'benchmarks' list)" in err
    err = one_line_error(benchmem, "flamegraph", tmp_path)
    assert "is a directory" in err
    err = one_line_error(benchmem, "flamegraph", tmp_path / "bad.json", "-o", tmp_path / "x.png")
    assert "a flame graph is HTML" in err
    err = one_line_error(
        benchmem, "diff", tmp_path / "bad.json", tmp_path / "bad.json", "-o", "d.svg"
    )
    assert "the differential flame graph is HTML" in err


def test_bytes_of_the_call_itself_get_the_harness_site():
    profile = build_profile("i", Path("a"), 360, [record(360)])  # no frame below the harness
    assert list(attribution.sites(profile)) == ["pytest_benchmem:<call>"]


def test_a_python_matrix_pairs_runs_of_one_interpreter(tmp_path):
    capture(tmp_path / "c", "small", 1_000_000)
    capture(tmp_path / "c", "big", 3_000_000)
    runs = [
        (
            "1.0-py3.11",
            write_run(tmp_path / "r1.json", {"t::x": (1_000_000, "c/small.bin")}, "3.11.7"),
        ),
        (
            "1.0-py3.12",
            write_run(tmp_path / "r2.json", {"t::x": (3_000_000, "c/big.bin")}, "3.12.1"),
        ),
        (
            "2.0-py3.11",
            write_run(tmp_path / "r3.json", {"t::x": (3_000_000, "c/big.bin")}, "3.11.7"),
        ),
        (
            "2.0-py3.12",
            write_run(tmp_path / "r4.json", {"t::x": (3_000_000, "c/big.bin")}, "3.12.1"),
        ),
    ]
    diffs = attribution.changed_between(runs)
    assert [(d.before_label, d.after_label) for d in diffs] == [("1.0-py3.11", "2.0-py3.11")]
