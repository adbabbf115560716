"""The plugin on pytest-benchmark 4.x in a real uv venv (4.0 needs pytest < 8.1)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import pytest_benchmem

ROOT = Path(pytest_benchmem.__file__).resolve().parents[2]
SUITE = """
import pytest

@pytest.mark.parametrize("n", [1_000_000, 2_000_000])
def test_plain(benchmark, n):
    benchmark(bytearray, n)

def test_pedantic(benchmark):
    benchmark.pedantic(bytearray, setup=lambda: ((3_000_000,), {}), rounds=2)

@pytest.mark.benchmem(repeats=2, max_peak="1MiB")
def test_fixture(benchmark_memory):
    benchmark_memory.pedantic(bytearray, args=(4_000_000,), rounds=2)
"""


@pytest.mark.e2e
def test_pytest_benchmark_4(pytester: pytest.Pytester, tmp_path: Path):
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("needs the source tree (editable install)")
    uv = pytest.importorskip("uv").find_uv_bin()
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    made = pytester.run(uv, "venv", "-q", str(venv), "--python", os.sys.executable)
    assert made.ret == 0, made.stderr.str()
    installed = pytester.run(
        uv, "pip", "install", "-q", "--python", str(python),
        "pytest-benchmark==4.0.0", "pytest>=8,<8.1", "memray", "packaging",
    )  # fmt: skip
    if installed.ret != 0:
        pytest.skip(f"cannot install pytest-benchmark 4.0 here: {installed.stderr.str()[-300:]}")
    harness = pytester.run(uv, "pip", "install", "-q", "--python", str(python), "--no-deps",
                           "-e", str(ROOT))  # fmt: skip
    assert harness.ret == 0, harness.stderr.str()
    pytester.makepyfile(test_suite=SUITE)
    out = pytester.path / "run.json"
    result = pytester.run(
        python, "-m", "pytest", "-p", "no:cacheprovider", "--benchmark-memory",
        "--benchmark-min-rounds=1", "--benchmark-max-time=0", f"--benchmark-json={out}",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*test_fixture: peak 3.8 MiB exceeds max_peak 1.0 MiB*",
            "Name (time in *Iterations │  Peak min (KiB)  Peak mean (KiB)  Peak max (KiB)",
            "Legend:",
        ]
    )
    doc = json.loads(out.read_text())
    assert doc["version"].startswith("4.")
    assert doc["benchmem"]["packages"]["pytest-benchmark"] == "4.0.0"
    blobs = {b["name"]: b["extra_info"]["benchmem"] for b in doc["benchmarks"]}
    # exact mode: the bytearray object (56 B) and its buffer (n + 1 B), two allocations
    assert blobs["test_plain[1000000]"]["peak_bytes"] == [1_000_057]
    assert blobs["test_pedantic"]["allocations"] == [2]
    assert blobs["test_fixture"]["peak_bytes"] == [4_000_057, 4_000_057]
