"""Conformance with the public interface reference (spec/000_6490d573f730cc9e.txt).

Pins the promises the other test modules leave open: the public signatures and defaults (by
``inspect``), the fixture's ``pedantic`` signature, the pytest flags' defaults, the CLI help
texts and metavars, the ``--fail-on`` grammar end to end, and the headline-min rules. A test
marked ``xfail(strict=True)`` records a place where the implementation deviates from the spec.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pytest_benchmem
from pytest_benchmem.cli import main

EMPTY = inspect.Parameter.empty
POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
KW = inspect.Parameter.KEYWORD_ONLY
VAR_KW = inspect.Parameter.VAR_KEYWORD
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- helpers ----------------------------------------------------------------------------------
def assert_signature(func: Callable[..., Any], expected: list[tuple[str, Any, Any]]) -> None:
    """``func`` takes exactly the spec's parameters (name, kind, default), in order.

    Parameters beyond the spec's are allowed only when they are optional keyword arguments,
    so every call written from the spec keeps working.
    """
    params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
    got = [(p.name, p.kind, p.default) for p in params[: len(expected)]]
    assert got == expected, f"{func.__qualname__}{inspect.signature(func)}"
    for extra in params[len(expected) :]:
        assert extra.default is not EMPTY, f"{func.__qualname__}: extra required {extra.name}"
        assert extra.kind in (KW, POS), extra


def bench_entry(
    fullname: str, *, time: float, peak: int, allocations: int, total: int
) -> dict[str, Any]:
    """One pytest-benchmark entry carrying the ``extra_info.benchmem`` blob."""
    return {
        "group": None,
        "name": fullname.rpartition("::")[2],
        "fullname": fullname,
        "params": None,
        "param": None,
        "extra_info": {
            "benchmem": {
                "peak_bytes": [peak],
                "allocations": [allocations],
                "total_bytes": [total],
            }
        },
        "options": {},
        "stats": {
            "min": time,
            "max": time,
            "mean": time,
            "stddev": 0.0,
            "median": time,
            "rounds": 1,
            "iterations": 1,
            "outliers": "0;0",
            "ops": 1 / time,
        },
    }


def write_run(path: Path, entries: list[dict[str, Any]], label: str | None = None) -> Path:
    doc: dict[str, Any] = {
        "machine_info": {"node": "spec"},
        "commit_info": {},
        "benchmarks": entries,
        "datetime": "2026-11-26T12:00:00+00:00",
        "version": "5.2.3",
    }
    if label is not None:
        doc["benchmem"] = {"schema": 1, "label": label, "spec": None, "python": "3.11"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), ANSI.sub("", out), ANSI.sub("", err)


@pytest.fixture
def wide_help(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """``benchmem ... --help`` rendered 200 columns wide (no wrapping inside a cell)."""

    def render(capsys: pytest.CaptureFixture[str], *command: str) -> str:
        monkeypatch.setenv("COLUMNS", "200")
        monkeypatch.setenv("NO_COLOR", "1")
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        code, out, _ = run_cli(capsys, *command, "--help")
        assert code == 0
        return out

    return render


def squash(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


# -- Engine: measure_peak / measure_memory / MemoryResult ------------------------------------
def test_engine_signatures() -> None:
    spec = [("action", POS, EMPTY), ("repeats", POS, 1)]
    assert_signature(pytest_benchmem.measure_peak, spec)
    assert_signature(pytest_benchmem.measure_memory, spec)


def test_memory_result_fields() -> None:
    names = [f.name for f in dataclasses.fields(pytest_benchmem.MemoryResult)]
    assert names[:5] == ["peak_bytes", "peak_bytes_max", "allocations", "total_bytes", "repeats"]


def test_measure_peak_is_the_min_over_repeats_and_measure_memory_keeps_the_spread() -> None:
    sizes = iter([3_000_000, 1_000_000, 2_000_000, 3_000_000, 1_000_000, 2_000_000])
    peak = pytest_benchmem.measure_peak(lambda: bytearray(next(sizes)), repeats=3)
    assert type(peak) is int
    # (the exact default also sees the lambda's frame object and the bytearray object)
    assert 1_000_000 <= peak < 1_000_512
    result = pytest_benchmem.measure_memory(lambda: bytearray(next(sizes)), repeats=3)
    assert isinstance(result, pytest_benchmem.MemoryResult)
    assert result.repeats == 3
    assert 1_000_000 <= result.peak_bytes < 1_000_512
    assert 3_000_000 <= result.peak_bytes_max < 3_000_512
    assert result.allocations >= 1
    assert result.total_bytes >= result.peak_bytes


# -- Readers & loader ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("from_pytest_benchmark", [("path", POS, EMPTY), ("metric", KW, "min")]),
        ("memory_from_pytest_benchmark", [("path", POS, EMPTY), ("field", KW, "peak_bytes")]),
        ("load_samples", [("path", POS, EMPTY), ("metric", KW, "time"), ("stat", KW, "min")]),
        ("load_long_df", [("runs", POS, EMPTY), ("metric", KW, "time"), ("stat", KW, "min")]),
        ("discover_runs", [("root", POS, ".benchmarks")]),
        ("human_bytes", [("n", POS, EMPTY)]),
    ],
)
def test_reader_signatures(name: str, expected: list[tuple[str, Any, Any]]) -> None:
    assert_signature(getattr(pytest_benchmem, name), expected)


def test_sample_is_id_value_dims() -> None:
    sample = pytest_benchmem.Sample("t.py::test_a", 1.5, {"n": 3, "kind": "x", "ratio": 0.5})
    assert (sample.id, sample.value, dict(sample.dims)) == (
        "t.py::test_a",
        1.5,
        {"n": 3, "kind": "x", "ratio": 0.5},
    )


def test_sample_unpacks_as_a_triple() -> None:
    sample = pytest_benchmem.Sample("t.py::test_a", 1.5, {"n": 3})
    sample_id, value, dims = sample
    assert (sample_id, value, dims, sample[0]) == ("t.py::test_a", 1.5, {"n": 3}, "t.py::test_a")


def test_readers_return_label_samples_unit(tmp_path: Path) -> None:
    path = write_run(
        tmp_path / "0001_base.json",
        [bench_entry("t.py::test_a", time=2e-3, peak=4096, allocations=7, total=8192)],
    )
    label, samples, unit = pytest_benchmem.from_pytest_benchmark(path)
    assert (label, unit, [(s.id, s.value) for s in samples]) == (
        "0001_base",
        "s",
        [("t.py::test_a", 2e-3)],
    )
    label, samples, unit = pytest_benchmem.memory_from_pytest_benchmark(path)
    assert (label, unit, [s.value for s in samples]) == ("0001_base", "B", [4096.0])
    for metric, value in (("peak", 4096.0), ("allocated", 8192.0), ("allocations", 7.0)):
        assert [s.value for s in pytest_benchmem.load_samples(path, metric=metric)[1]] == [value]
    assert pytest_benchmem.load_samples(path)[2] == "s"


# -- Plotting --------------------------------------------------------------------------------
PLOT_SIGNATURES = {
    "plot_scaling": [
        ("snapshots", POS, EMPTY),
        ("metric", KW, "time"),
        ("x", KW, None),
        ("color", KW, None),
        ("facet", KW, None),
        ("log", KW, "auto"),
        ("labels", KW, None),
    ],
    "plot_scatter": [
        ("snapshots", POS, EMPTY),
        ("metric", KW, "time"),
        ("facet", KW, None),
        ("clip", KW, None),
        ("labels", KW, None),
    ],
    "plot_compare": [
        ("snapshots", POS, EMPTY),
        ("metric", KW, "time"),
        ("sort", KW, "absolute"),
        ("facet", KW, None),
        ("clip", KW, None),
        ("labels", KW, None),
    ],
    "plot_sweep": [
        ("snapshots", POS, EMPTY),
        ("metric", KW, "time"),
        ("clip", KW, None),
        ("labels", KW, None),
    ],
}


@pytest.mark.parametrize("name", sorted(PLOT_SIGNATURES))
def test_plot_signatures(name: str) -> None:
    plotting = pytest.importorskip("pytest_benchmem.plotting")
    assert_signature(getattr(plotting, name), PLOT_SIGNATURES[name])


# -- Sweeps ----------------------------------------------------------------------------------
def test_sweep_signature() -> None:
    from pytest_benchmem.sweep import sweep

    params = list(inspect.signature(sweep).parameters.values())
    assert [(p.name, p.kind) for p in params] == [
        ("versions", POS),
        ("run", POS),
        ("provision_kwargs", VAR_KW),
    ]
    assert all(p.default is EMPTY for p in params[:2])


def test_bare_import_loads_neither_plotting_nor_sweep_nor_memray() -> None:
    code = (
        "import sys, pytest_benchmem\n"
        "names = ('pytest_benchmem.plotting', 'pytest_benchmem.sweep', 'pytest_benchmem.cli',"
        " 'memray')\n"
        "print(sorted(n for n in names if n in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- The benchmark_memory fixture ------------------------------------------------------------
def test_fixture_pedantic_signature() -> None:
    from pytest_benchmem.fixture import BenchmarkMemory

    assert_signature(
        BenchmarkMemory.pedantic,
        [
            ("target", POS, EMPTY),
            ("args", POS, ()),
            ("kwargs", POS, None),
            ("setup", POS, None),
            ("rounds", POS, 1),
            ("warmup_rounds", POS, 0),
            ("iterations", POS, 1),
        ],
    )
    call = list(inspect.signature(BenchmarkMemory.__call__).parameters.values())[1:]
    assert [p.kind for p in call] == [
        POS,
        inspect.Parameter.VAR_POSITIONAL,
        VAR_KW,
    ]


QUICK_MACHINE_INFO = """
import platform
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_benchmark_generate_machine_info(config):
    return {"node": "spec", "machine": platform.machine(), "python_implementation": "CPython",
            "python_version": platform.python_version(), "system": "Linux", "cpu": {}}
"""

HEADLINE_SUITE = """
import pytest
from pytest_benchmem.measure import tracking_active

PASSES = {"n": 0}

def first_pass_heavy():
    # timing calls run untracked; the first memray pass allocates 10 MiB, the second 1 MiB
    if tracking_active():
        PASSES["n"] += 1
        # heavy on every other tracked call: one pass of two is 10 MiB, the other 1 MiB
        return bytearray((10 if PASSES["n"] % 2 else 1) * 1024 * 1024)
    return None

@pytest.mark.benchmem(repeats=2, max_peak="5MiB")
def test_gate_reads_min(benchmark_memory):
    benchmark_memory(first_pass_heavy)
    assert benchmark_memory.result.peak_bytes_max >= 10 * 1024 * 1024
    assert benchmark_memory.peak_bytes < 2 * 1024 * 1024

@pytest.mark.benchmem(repeats=2)
def test_two_passes(benchmark):
    benchmark(bytearray, 100_000)

@pytest.mark.benchmem(repeats=2)
def test_pedantic_spec_keywords(benchmark_memory):
    from pytest_benchmem.fixture import BenchmarkMemory

    assert isinstance(benchmark_memory, BenchmarkMemory)
    out = benchmark_memory.pedantic(
        bytearray, args=(2_000_000,), kwargs=None, setup=None, rounds=1, warmup_rounds=0,
        iterations=1,
    )
    assert len(out) == 2_000_000
    assert 2_000_000 <= benchmark_memory.peak_bytes < 2_000_200
    assert benchmark_memory.result.repeats == 2
"""


def test_ceiling_reads_the_headline_min_and_stats_default_to_min_mean_max(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(QUICK_MACHINE_INFO)
    pytester.makepyfile(test_headline=HEADLINE_SUITE)
    out_json = pytester.path / "out.json"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0",
        "--benchmark-memory",
        f"--benchmark-json={out_json}",
    )
    result.assert_outcomes(passed=3)
    header = next(line for line in result.outlines if line.startswith("Name (time in"))
    assert re.search(r"│ +Peak min \(\w+\) +Peak mean \(\w+\) +Peak max \(\w+\)$", header), header
    benches = {b["name"]: b for b in json.loads(out_json.read_text())["benchmarks"]}
    for bench in benches.values():
        blob = bench["extra_info"]["benchmem"]
        assert sorted(blob) == ["allocations", "peak_bytes", "total_bytes"]
        assert all(len(series) == 2 for series in blob.values())
    peaks = benches["test_gate_reads_min"]["extra_info"]["benchmem"]["peak_bytes"]
    assert max(peaks) >= 10 * 1024 * 1024 > 2 * 1024 * 1024 > min(peaks)


# -- pytest flags ----------------------------------------------------------------------------
FLAG_HELP = {
    "--benchmark-memory": "Default: off.",
    "--benchmark-memory-repeats=N": "Default: 1.",
    "--benchmark-memory-columns=COLS": "peak, allocated, allocs. Default: peak.",
    "--benchmark-memory-stats=STATS": "min, mean, max, median, stddev. Default: min,mean,max.",
    "--benchmark-memory-compare=[REF]": "Default: off.",
    "--benchmark-memory-compare-fail=FIELD:THRESHOLD": "Fields: peak, allocated, allocations.",
}


def test_flag_help_states_the_spec_defaults(pytester: pytest.Pytester) -> None:
    lines = pytester.runpytest("--help").outlines
    for flag, default in FLAG_HELP.items():
        start = next(i for i, line in enumerate(lines) if line.split()[:1] == [flag])
        block = [lines[start].strip()[len(flag) :]]
        for line in lines[start + 1 :]:
            if not line.startswith("    "):  # the next option (or group) starts
                break
            block.append(line.strip())
        text = " ".join(" ".join(block).split()).replace("- ", "-")
        assert default in text, (flag, text)


def test_flag_defaults_when_nothing_is_given(pytester: pytest.Pytester) -> None:
    from pytest_benchmem.options import load_settings

    settings = load_settings(pytester.parseconfig())
    assert settings.enabled is False
    assert settings.repeats == 1
    assert settings.columns == ("peak",)
    assert settings.stats == ("min", "mean", "max")
    assert settings.compare is None
    assert settings.compare_fail == ()
    bare = load_settings(pytester.parseconfig("--benchmark-memory-compare"))
    assert bare.compare == "latest"
    ref = load_settings(pytester.parseconfig("--benchmark-memory-compare=0001"))
    assert ref.compare == "0001"
    implied = load_settings(pytester.parseconfig("--benchmark-memory-compare-fail=peak:10%"))
    assert implied.compare == "latest"
    assert [rule.field for rule in implied.compare_fail] == ["peak"]


def test_marker_is_registered_with_its_kwargs(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    line = next(line for line in result.outlines if line.startswith("@pytest.mark.benchmem("))
    for kwarg in ("repeats", "max_peak", "max_allocated", "max_allocations"):
        assert f"{kwarg}=" in line


# -- benchmem --help / compare --help / plot --help -----------------------------------------
def test_top_level_help(capsys: pytest.CaptureFixture[str], wide_help: Callable[..., str]) -> None:
    out = wide_help(capsys)
    text = squash(out)
    assert "Usage: benchmem [OPTIONS] COMMAND [ARGS]..." in text
    assert "pytest-benchmem — plot and compare benchmark runs." in text
    for phrase in (
        "--install-completion",
        "Install completion for the current shell.",
        "--show-completion",
        "Show completion for the current shell, to copy it or customize the installation.",
        "plot Render an interactive plotly view from one or more pytest-benchmark runs.",
        "compare Print a per-id comparison table across two or more runs (and optionally gate CI).",
        "sweep Run a benchmark suite across several installed versions of a package.",
    ):
        assert phrase in text, phrase


METRIC_CHOICES = r"\[time\|peak\|allocated\|allocations\|memory\]"
METRIC_HELP = (
    "Metric: time | peak | allocated | allocations | memory (memory is an alias of peak; "
    "pair with --stat for a distribution). [default: time]"
)
STAT_HELP = (
    "Distribution stat over each benchmark's per-repeat series (min | max | mean | median "
    "| stddev) for peak/allocated/allocations. Default: the headline value."
)
FAIL_ON_HELP = (
    "Exit non-zero on a regression of the first run vs the last. FIELD:THRESHOLD, "
    "repeatable — e.g. --fail-on peak:10% --fail-on peak:5MiB."
)

COMPARE_ROWS = {
    "--metric": (METRIC_CHOICES, METRIC_HELP),
    "--stat": ("TEXT", STAT_HELP),
    "--sort": ("TEXT", "[default: name]"),
    "--csv": ("PATH", "Also write the raw (unscaled) comparison to this CSV file."),
    "--fail-on": ("TEXT", FAIL_ON_HELP),
}

PLOT_ROWS = {
    "--metric": (METRIC_CHOICES, METRIC_HELP),
    "--view": ("TEXT", "compare | scatter | sweep | scaling (default: by count)."),
    "--facet": ("TEXT", "Dim to facet by."),
    "--x": ("TEXT", "scaling: dim for the x-axis."),
    "--clip": ("FLOAT", "Clamp the colour scale."),
    "--label -l": ("TEXT", "Series label per run, in order (repeat). Default: stem."),
    "--output -o": ("PATH", "HTML out."),
    "--open --no-open": ("", "[default: no-open]"),
}


def _check_rows(out: str, rows: dict[str, tuple[str, str]]) -> None:
    lines = [line.strip("│ ") for line in out.splitlines()]
    for names, (metavar, help_text) in rows.items():
        pattern = r"\s+".join(re.escape(n) for n in names.split())
        row = next((i for i, line in enumerate(lines) if re.match(rf"{pattern}(\s|$)", line)), None)
        assert row is not None, names
        assert re.match(rf"{pattern}\s+(<bool>\s+)?{metavar}", lines[row]), lines[row]
        # the help cell may continue on the following lines (e.g. "[default: time]")
        block = [lines[row]]
        for line in lines[row + 1 :]:
            if line.startswith("--") or not line:
                break
            block.append(line)
        assert help_text in squash(" ".join(block)), (names, block)


def test_compare_help_rows(
    capsys: pytest.CaptureFixture[str], wide_help: Callable[..., str]
) -> None:
    out = wide_help(capsys, "compare")
    assert (
        "Print a per-id comparison table across two or more runs (and optionally gate CI)." in out
    )
    assert "Two or more pytest-benchmark runs, oldest → newest (a sweep is N)." in squash(out)
    assert "[required]" in out
    _check_rows(out, COMPARE_ROWS)


def test_plot_help_rows(capsys: pytest.CaptureFixture[str], wide_help: Callable[..., str]) -> None:
    out = wide_help(capsys, "plot")
    assert "pytest-benchmark JSON file(s). [required]" in squash(out)
    _check_rows(out, PLOT_ROWS)


# -- --fail-on grammar, end to end ------------------------------------------------------------
@pytest.fixture
def growth(tmp_path: Path) -> tuple[Path, Path]:
    """1 ms -> 3 ms, peak 1 MB -> 2 MB, allocated 2 MB -> 4 MB, 10 -> 20 allocations."""
    first = write_run(
        tmp_path / "first.json",
        [bench_entry("t.py::test_x", time=1e-3, peak=1_000_000, allocations=10, total=2_000_000)],
    )
    last = write_run(
        tmp_path / "last.json",
        [bench_entry("t.py::test_x", time=3e-3, peak=2_000_000, allocations=20, total=4_000_000)],
    )
    return first, last


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("peak:10%", 1),
        ("peak:100%", 0),
        ("peak:900KiB", 1),
        ("peak:1MiB", 0),
        ("peak:999999B", 1),
        ("peak:1GiB", 0),
        ("peak:999999", 1),
        ("allocated:1MiB", 1),
        ("allocated:2MiB", 0),
        ("allocated:99%", 1),
        ("allocations:9", 1),
        ("allocations:10", 0),
        ("allocations:50%", 1),
        ("time:1ms", 1),
        ("time:3ms", 0),
        ("time:1s", 0),
        ("time:1999us", 1),
        ("time:2001µs", 0),
        ("time:1999999ns", 1),
        ("time:250%", 0),
        ("time:150%", 1),
    ],
)
def test_fail_on_grammar(
    capsys: pytest.CaptureFixture[str], growth: tuple[Path, Path], rule: str, code: int
) -> None:
    got, out, err = run_cli(capsys, "compare", *growth, "--metric", "peak", "--fail-on", rule)
    assert (got, err) == (code, ""), (out, err)
    summary = "1 regression past" if code else "no regressions"
    assert summary in out


@pytest.mark.parametrize("rule", ["allocations:5MiB", "peak:1ms", "time:1MiB", "wall:10%", "peak"])
def test_fail_on_rejects_what_the_grammar_does_not_allow(
    capsys: pytest.CaptureFixture[str], growth: tuple[Path, Path], rule: str
) -> None:
    got, _, err = run_cli(capsys, "compare", *growth, "--fail-on", rule)
    assert got == 2
    assert err.startswith("benchmem: error: ")
    assert err.count("\n") == 1
