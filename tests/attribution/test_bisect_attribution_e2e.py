"""``benchmem bisect`` names the first bad release, then where the memory went (real uv venvs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toywheels import build_split_index, write_toy_suite

pytestmark = pytest.mark.e2e
FAST = ["--pytest-arg=--benchmark-min-rounds=1", "--pytest-arg=--benchmark-max-time=0"]


def test_bisect_names_5_0_then_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, benchmem):
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "cache"))
    build_split_index(tmp_path / "wheels", tuple(f"{i}.0" for i in range(1, 9)))
    write_toy_suite(tmp_path / "suite")
    monkeypatch.chdir(tmp_path)
    result = benchmem(
        "bisect", "toypkg", "--good", "1.0", "--bad", "8.0", "--suite", "suite",
        "--find-links", "wheels", "--out", "out", *FAST,
    )  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    first = lines.index("first bad release: 5.0")
    assert lines[first + 1] == "last good release: 4.0"
    head = lines.index(
        "where suite/test_toy.py::test_work grew from 4.0 to 5.0 (bytes live at the peak, by site):"
    )
    assert head > first
    assert lines[head + 1] == "  +4.8 MiB  toypkg.extra:grow (extra.py:5 → :7)"
    assert lines[head + 2] == "  -977 KiB  toypkg.core:build (core.py:7)"
    assert lines[head + 3].startswith("  sum of site differences +3.8 MiB vs peak difference +3.8")
    assert lines[head + 4] == "differential flame graph: out/bisect-diff.html"
    page = (tmp_path / "out" / "bisect-diff.html").read_text()
    assert page.count('"type":"icicle"') == 1
    assert (tmp_path / "out" / "bisect.json").is_file()
    run = json.loads((tmp_path / "out" / "5.0.json").read_text())
    assert run["benchmarks"][0]["extra_info"]["benchmem"]["capture"].startswith("captures/5.0/")
