"""Helpers for the plugin tests: short-timing pytest runs through ``pytester``, JSON loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FAST = ("-p", "no:cacheprovider", "--benchmark-min-rounds=1", "--benchmark-max-time=0")


#: pytest-benchmark's machine info runs py-cpuinfo (about a second per run): skip it
QUICK_MACHINE_INFO = """
import platform
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_benchmark_generate_machine_info(config):
    return {"node": "test", "machine": platform.machine(), "python_implementation": "CPython",
            "python_version": platform.python_version(), "system": "Linux", "cpu": {}}
"""


class Suite:
    """Run a pytester suite with short timing options and read its JSON."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.json = pytester.path / "out.json"
        pytester.makeconftest(QUICK_MACHINE_INFO)

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest(*FAST, f"--benchmark-json={self.json}", *args)

    def doc(self) -> dict[str, Any]:
        return json.loads(Path(self.json).read_text())

    def benchmarks(self) -> dict[str, dict[str, Any]]:
        return {b["name"]: b for b in self.doc()["benchmarks"]}


@pytest.fixture
def suite(pytester: pytest.Pytester) -> Suite:
    return Suite(pytester)
