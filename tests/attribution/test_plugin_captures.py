"""``--benchmark-memory-profile``: the plugin keeps the headline pass's capture per benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_benchmem.captures import CaptureKeeper, safe_stem
from pytest_benchmem.memread import read_peak_records

FAST = ("-p", "no:cacheprovider", "--benchmark-min-rounds=1", "--benchmark-max-time=0")
MIB = 1024 * 1024
SUITE = """
import os
import pytest

def grow():
    return bytearray(int(os.environ.get("SIZE", "3000000")))

def test_grow(benchmark):
    benchmark(grow)

@pytest.mark.parametrize("n", ["a-b", "a/b"])
def test_same_name(benchmark, n):
    benchmark(bytearray, 100_000)
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    pytester.makepyfile(test_caps=SUITE)

    def go(*args: str, size: int = 3_000_000) -> pytest.RunResult:
        monkeypatch.setenv("SIZE", str(size))
        return pytester.runpytest(*FAST, *args)

    return go


def blobs(path: Path) -> dict[str, dict[str, object]]:
    data = json.loads(path.read_text())
    return {b["name"]: b["extra_info"]["benchmem"] for b in data["benchmarks"]}


def test_captures_are_kept_named_and_recorded(run, pytester):
    (pytester.path / "out").mkdir()
    result = run("--benchmark-memory-profile=caps", "--benchmark-json=out/run.json")
    result.assert_outcomes(passed=3)
    names = sorted(p.name for p in (pytester.path / "caps").iterdir())
    assert names == [
        "test_caps.py--test_grow.bin",
        "test_caps.py--test_same_name[a-b]-2.bin",  # "a/b" became "a-b" too: numbered
        "test_caps.py--test_same_name[a-b].bin",
    ]
    found = blobs(pytester.path / "out" / "run.json")
    assert found["test_grow"]["capture"] == "../caps/test_caps.py--test_grow.bin"
    assert sorted(found["test_grow"]) == ["allocations", "capture", "peak_bytes", "total_bytes"]
    profile = json.loads((pytester.path / "out" / "run.json").read_text())["benchmem"]["profile"]
    assert profile["dir"] == str((pytester.path / "caps").resolve())
    assert profile["native"] is False
    result.stdout.fnmatch_lines(
        [
            "benchmem: 3 memory capture(s) kept in caps",
            "benchmem: see where the memory goes: benchmem flamegraph out/run.json --worst peak",
        ]
    )
    records = read_peak_records(pytester.path / "caps" / "test_caps.py--test_grow.bin")
    assert records.peak == found["test_grow"]["peak_bytes"][0]  # type: ignore[index]
    assert not records.native


def test_ini_key_native_and_implied_memory(run, pytester):
    pytester.makeini("[pytest]\nbenchmark_memory_profile = kept\n")
    result = run("--benchmark-memory-profile-native", "-k", "grow")
    result.assert_outcomes(passed=1, deselected=2)
    capture = pytester.path / "kept" / "test_caps.py--test_grow.bin"
    records = read_peak_records(capture)
    assert records.native
    assert any(hybrid for *_, hybrid in records.records)
    expected = (
        "benchmem: see where the memory goes: benchmem flamegraph kept/test_caps.py--test_grow.bin"
    )
    result.stdout.fnmatch_lines([expected])


def test_kept_capture_is_the_headline_pass(pytester):
    pytester.makepyfile(
        test_alt="""
        calls = []

        def alternate():
            calls.append(1)
            return bytearray(4_000_000 if len(calls) % 2 else 1_000_000)

        def test_alt(benchmark):
            benchmark(alternate)
        """
    )
    result = pytester.runpytest(
        *FAST,
        "--benchmark-memory-profile=c",
        "--benchmark-memory-repeats=3",
        "--benchmark-json=r.json",
    )
    result.assert_outcomes(passed=1)
    series = blobs(pytester.path / "r.json")["test_alt"]["peak_bytes"]
    assert isinstance(series, list)
    assert max(series) > min(series)  # the passes differ
    kept = read_peak_records(pytester.path / "c" / "test_alt.py--test_alt.bin")
    assert kept.peak == min(series)
    assert len(list((pytester.path / "c").iterdir())) == 1  # the other passes' files are gone


def test_gate_keeps_only_regressing_ids_unless_told(run, pytester):
    run("--benchmark-memory", "--benchmark-save=base", size=2 * MIB).assert_outcomes(passed=3)
    gate = ("--benchmark-memory-compare-fail=peak:10%", "--benchmark-json=r.json")
    result = run("--benchmark-memory-profile=caps", *gate, size=4 * MIB)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert [p.name for p in (pytester.path / "caps").iterdir()] == ["test_caps.py--test_grow.bin"]
    found = blobs(pytester.path / "r.json")
    assert "capture" in found["test_grow"]
    assert "capture" not in found["test_same_name[a-b]"]
    result.stdout.fnmatch_lines(
        ["benchmem: 1 memory capture(s) kept in caps, 2 non-regressing dropped"]
    )
    result = run(
        "--benchmark-memory-profile=all", "--benchmark-memory-profile-all", *gate, size=4 * MIB
    )
    assert len(list((pytester.path / "all").iterdir())) == 3


def test_profile_dir_that_is_a_file_is_a_usage_error(run, pytester):
    (pytester.path / "afile").write_text("x")
    result = run("--benchmark-memory-profile=afile")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--benchmark-memory-profile: 'afile' is a file, not a directory*"]
    )


def test_safe_stem_and_collisions(tmp_path):
    assert (
        safe_stem("tests/test_x.py::TestA::test_b[1-x y]")
        == "tests-test_x.py--TestA--test_b[1-x_y]"
    )
    long = safe_stem("t.py::test[" + "x" * 300 + "]")
    assert len(long) <= 120
    assert long != safe_stem("t.py::test[" + "x" * 299 + "y]")
    keeper = CaptureKeeper(tmp_path / "caps")
    for ident in ("a::T", "a::t", "a::T"):
        source = tmp_path / "pass.bin"
        source.write_bytes(ident.encode())
        keeper.store(ident, str(source))
    assert sorted(p.name for p in (tmp_path / "caps").iterdir()) == ["a--T.bin", "a--t-2.bin"]
    assert (tmp_path / "caps" / "a--T.bin").read_bytes() == b"a::T"  # stored again, same file


def test_keeping_captures_adds_no_pass(pytester):
    pytester.makepyfile(
        test_count="""
        import pathlib

        def work():
            log = pathlib.Path("calls.txt")
            log.write_text(log.read_text() + "x" if log.exists() else "x")
            return bytearray(1_000_000)

        def test_count(benchmark):
            benchmark.pedantic(work, rounds=2, iterations=1)
        """
    )
    counts = {}
    for mode, args in {
        "plain": ("--benchmark-memory",),
        "profile": ("--benchmark-memory-profile=c", "--benchmark-memory-profile-native"),
    }.items():
        (pytester.path / "calls.txt").unlink(missing_ok=True)
        result = pytester.runpytest(*FAST, "--benchmark-memory-repeats=3", *args)
        result.assert_outcomes(passed=1)
        counts[mode] = len((pytester.path / "calls.txt").read_text())
    # two timed rounds, three passes (and the exact mode's one discarded pass), either way
    assert counts["profile"] == counts["plain"] >= 2 + 3
