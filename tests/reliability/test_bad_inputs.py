"""Every bad input gets one clear line and a non-zero exit, never a traceback (issue 13).

CLI commands run in-process through ``main()``: a non-zero exit, no ``Traceback`` anywhere,
exactly one line on stderr. Plugin flags and marker values run through ``pytester``: a usage
error (or the test's own failure for a marker) with one ``ERROR``/message line, no traceback
and no INTERNALERROR.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_benchmem.cli import main

GOLDEN = Path(__file__).parent.parent / "data" / "runs" / "pytest-benchmark-5.3.1.json"

STATS = {"min": 0.1, "max": 0.2, "mean": 0.15, "median": 0.15, "stddev": 0.01, "rounds": 3}


def _run(benchmarks: list[dict[str, object]], **top: object) -> str:
    return json.dumps({"benchmarks": benchmarks, "machine_info": {}, **top})


def _bench(blob: dict[str, object] | None = None) -> dict[str, object]:
    extra = {"benchmem": blob} if blob is not None else {}
    return {"name": "test_a", "fullname": "t.py::test_a", "stats": STATS, "extra_info": extra}


FILES: dict[str, str | bytes] = {
    "malformed.json": "{not json",
    "truncated.json": '{"benchmarks": [',
    "empty_file.json": "",
    "no_benchmarks.json": _run([]),
    "not_a_run.json": "[1, 2]",
    "huge_peak.json": _run([_bench({"peak_bytes": [1.5e308]})]),
    "lengths.json": _run([_bench({"peak_bytes": [1, 2], "allocations": [1]})]),
    "schema.json": _run([_bench({"peak_bytes": [1]})], benchmem={"schema": 999}),
    "negative.json": _run([_bench({"peak_bytes": [-1]})]),
    "blob_type.json": _run([_bench({"peak_bytes": "x"})]),  # type: ignore[dict-item]
    "one.json": _run([_bench({"peak_bytes": [1000]})]),
    "binary.json": b"\xff\xfe\x00garbage",
    "bad.toml": "x = [\n",
    "not_utf8.toml": b'suite = "caf\xe9"\n',
    "env_int.toml": "[env]\nFOO = 1\n",
    "unknown.toml": "colour = 'blue'\n",
    "pins.toml": 'pins = ["--index-url=http://example.invalid/simple"]\n',
    "timeout.toml": 'timeout = "soon"\n',
    "suite/test_a.py": "def test_a(benchmark):\n    benchmark(int)\n",
}


@pytest.fixture
def bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding every bad file, a good run and a suite."""
    for name, content in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    (tmp_path / "good.json").write_text(GOLDEN.read_text())
    (tmp_path / "good2.json").write_text(GOLDEN.read_text())
    (tmp_path / "adir").mkdir()
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "wheels").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))

    def no_subprocess() -> object:
        msg = "a bad input must be refused before anything runs"
        raise AssertionError(msg)

    monkeypatch.setattr("pytest_benchmem.sweep.pipeline.SubprocessRunner", no_subprocess)
    return tmp_path


SWEEP = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", "suite"]
BISECT = ["bisect", "toypkg", "--suite", "suite", "--find-links", "wheels"]

CLI_CASES: list[list[str]] = [
    # compare: files
    ["compare", "missing.json", "good.json"],
    ["compare", "malformed.json", "good.json"],
    ["compare", "truncated.json", "good.json"],
    ["compare", "empty_file.json", "good.json"],
    ["compare", "no_benchmarks.json", "good.json"],
    ["compare", "not_a_run.json", "good.json"],
    ["compare", "huge_peak.json", "good.json"],
    ["compare", "lengths.json", "good.json"],
    ["compare", "schema.json", "good.json"],
    ["compare", "negative.json", "good.json"],
    ["compare", "blob_type.json", "good.json"],
    ["compare", "binary.json", "good.json"],
    ["compare", "empty_dir"],
    # compare: options
    ["compare", "good.json", "good2.json", "--fail-on", "peak:1e400MiB"],
    ["compare", "good.json", "good2.json", "--fail-on", "allocations:²"],
    ["compare", "good.json", "good2.json", "--fail-on", "allocations:٣"],
    ["compare", "good.json", "good2.json", "--fail-on", "time:1e400s"],
    ["compare", "good.json", "good2.json", "--fail-on", "peak:1e400%"],
    ["compare", "good.json", "good2.json", "--fail-on", "peak:"],
    ["compare", "good.json", "good2.json", "--fail-on", "colour:10%"],
    ["compare", "good.json", "good2.json", "--fail-on", "peak:10%+5%"],
    ["compare", "good.json", "good2.json", "--fail-on", "peak:-5MiB"],
    ["compare", "good.json", "good2.json", "--fail-on", "peak:5 parsecs"],
    ["compare", "good.json", "good2.json", "--metric", "colour"],
    ["compare", "good.json", "good2.json", "--stat", "colour"],
    ["compare", "good.json", "good2.json", "--sort", "colour"],
    ["compare", "good.json", "good2.json", "--format", "colour"],
    ["compare", "good.json", "good2.json", "--csv", "adir"],
    ["compare", "good.json", "good2.json", "--csv", "good.json/x.csv"],
    ["compare", "good.json", "good2.json", "--where", "nokey"],
    # plot
    ["plot", "missing.json"],
    ["plot", "malformed.json"],
    ["plot", "no_benchmarks.json"],
    ["plot", "schema.json"],
    ["plot", "one.json", "-o", "adir"],
    ["plot", "good.json", "good2.json", "-o", "adir"],
    ["plot", "good.json", "good2.json", "-o", "plot.txt"],
    ["plot", "good.json", "good2.json", "--view", "colour"],
    ["plot", "good.json", "good2.json", "-l", "", "-l", "b"],
    ["plot", "good.json", "good2.json", "-l", "only-one"],
    ["plot", "good.json", "good2.json", "--metric", "colour"],
    ["plot", "one.json"],
    ["plot", "one.json", "--view", "compare"],
    ["plot", "good.json", "--x", "colour"],
    # sweep: options and config files
    ["sweep", "toypkg==1.0"],
    ["sweep", "toypkg==1.0", "--suite", "missing"],
    [*SWEEP, "--config", "not_utf8.toml"],
    [*SWEEP, "--config", "adir"],
    [*SWEEP, "--config", "missing.toml"],
    [*SWEEP, "--config", "bad.toml"],
    [*SWEEP, "--config", "env_int.toml"],
    [*SWEEP, "--config", "unknown.toml"],
    [*SWEEP, "--config", "pins.toml"],
    [*SWEEP, "--config", "timeout.toml"],
    [*SWEEP, "--pin=--dry-run"],
    [*SWEEP, "--pin", ""],
    [*SWEEP, "--pin", "a b c"],
    [*SWEEP, "--out", ""],
    ["sweep", "sweep=toypkg==1.0", "toypkg==2.0", "--suite", "suite"],
    ["sweep", "bisect=toypkg==1.0", "toypkg==2.0", "--suite", "suite"],
    ["sweep", "toypkg==1.0", "toypkg==1.0", "--suite", "suite"],
    ["sweep", "toypkg==1.0", "other==2.0", "--suite", "suite"],
    ["sweep", "a/b=toypkg==1.0", "--suite", "suite"],
    [*SWEEP, "--timeout", "0"],
    [*SWEEP, "--timeout", "nan"],
    [*SWEEP, "--timeout", "1e400"],
    [*SWEEP, "--timeout", "soon"],
    [*SWEEP, "--jobs", "0"],
    [*SWEEP, "--env", "NOEQUALS"],
    [*SWEEP, "--as-of", "yesterday"],
    [*SWEEP, "--find-links", "missing-dir"],
    [*SWEEP, "--pytest-arg=--benchmark-json=x.json"],
    [*SWEEP, "--copy-dir", "missing"],
    [*SWEEP, "--report", "adir"],
    [*SWEEP, "--report", "good.json/r.html"],
    [*SWEEP, "--out", "good.json/out"],
    # bisect
    [*BISECT, "--good", "1.0", "--bad", "2.0", "--test", "k:and or ("],
    [*BISECT, "--good", "1.0", "--bad", "2.0", "--out", ""],
    [*BISECT, "--good", "1.0", "--bad", "2.0", "--metric", "colour"],
    [*BISECT, "--good", "1.0", "--bad", "2.0", "--threshold", "peak:1e400MiB"],
    [*BISECT, "--good", "1.0"],
    # merge, flamegraph, diff
    ["merge", "merged", "missing-shard"],
    ["flamegraph", "missing.json"],
    ["diff", "missing.json", "missing2.json"],
    # the app itself
    ["colour"],
    ["compare", "--colour"],
]


@pytest.mark.parametrize("args", CLI_CASES, ids=lambda a: " ".join(a)[:60] or "''")
def test_a_bad_cli_input_is_one_line_and_a_nonzero_exit(
    bad: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code not in (0, None), out + err
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("benchmem: error: "), err


def test_the_sweep_covers_enough_inputs() -> None:
    assert len(CLI_CASES) + len(PLUGIN_CASES) + len(MARKER_CASES) >= 60


# --- the pytest plugin's flags and marker ---------------------------------------------------

PLUGIN_CASES: list[list[str]] = [
    ["--benchmark-memory", "--benchmark-memory-repeats=²"],
    ["--benchmark-memory", "--benchmark-memory-repeats=٣"],
    ["--benchmark-memory", "--benchmark-memory-repeats=0"],
    ["--benchmark-memory", "--benchmark-memory-repeats=-1"],
    ["--benchmark-memory", "--benchmark-memory-repeats=1e400"],
    ["--benchmark-memory", "--benchmark-memory-compare-fail=peak:1e400MiB"],
    ["--benchmark-memory", "--benchmark-memory-compare-fail=allocations:²"],
    ["--benchmark-memory", "--benchmark-memory-compare-fail=colour:10%"],
    ["--benchmark-memory", "--benchmark-memory-compare-fail=peak"],
    ["--benchmark-memory", "--benchmark-memory-stats=colour"],
]


#: pytest-benchmark's machine info runs py-cpuinfo (about a second per run): skip it
QUICK_MACHINE_INFO = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_benchmark_generate_machine_info(config):
    return {"node": "test", "machine": "x86_64", "python_implementation": "CPython",
            "python_version": "3.11", "system": "Linux", "cpu": {}}
"""


@pytest.mark.parametrize("args", PLUGIN_CASES, ids=lambda a: a[-1][:50])
def test_a_bad_plugin_flag_is_a_usage_error(pytester: pytest.Pytester, args: list[str]) -> None:
    pytester.makeconftest(QUICK_MACHINE_INFO)
    pytester.makepyfile("def test_a(benchmark):\n    benchmark(int)\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, output


MARKER_CASES: list[str] = [
    'repeats="²"',
    'repeats="1e400"',
    "repeats=0",
    'max_peak="1e400MiB"',
    'max_peak="²MiB"',
    'max_peak="-1MiB"',
    'max_allocations="²"',
    'max_allocations="1e400"',
]


def test_each_bad_marker_value_fails_its_test_in_one_line(pytester: pytest.Pytester) -> None:
    """One session, one test per bad marker value (each errors at setup, none crashes)."""
    pytester.makeconftest(QUICK_MACHINE_INFO)
    tests = [
        f"@pytest.mark.benchmem({kwargs})\ndef test_{i}(benchmark):\n    benchmark(int)\n"
        for i, kwargs in enumerate(MARKER_CASES)
    ]
    pytester.makepyfile("import pytest\n\n" + "\n".join(tests))
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--benchmark-memory", "--benchmark-min-rounds=1",
        "--benchmark-max-time=0",
    )  # fmt: skip
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output
    result.assert_outcomes(errors=len(MARKER_CASES))
    for i, kwargs in enumerate(MARKER_CASES):
        name = kwargs.split("=")[0]
        result.stdout.fnmatch_lines([f"test_{i}: @pytest.mark.benchmem: {name}: *"])
