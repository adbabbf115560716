"""The in-run plugins (loaded inside every swept venv) import nothing of the sweep pipeline.

A fresh interpreter imports pytest and the main plugin (which every run loads anyway), then
the in-run plugins: the modules they add are pinned, exactly.
"""

from __future__ import annotations

import json
import sys

import pytest

# What a suite run loads anyway: pytest and our main plugin (entry point ``pytest11``).
BASELINE = "import pytest, pytest_benchmem.plugin"
INRUN = (
    "pytest_benchmem.inrun",
    "pytest_benchmem.inrun.machine",
    "pytest_benchmem.inrun.isolation",
    "pytest_benchmem.inrun.select",
    "pytest_benchmem.inrun.gate",
)


def _new_modules(pytester: pytest.Pytester, baseline: str, *names: str) -> list[str]:
    code = (
        "import json, sys\n"
        f"{baseline}\n"
        "before = set(sys.modules)\n"
        f"for name in {list(names)!r}:\n"
        "    __import__(name)\n"
        "print('NEW', json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    result = pytester.run(sys.executable, "-c", code)
    assert result.ret == 0, result.stderr.str()
    line = next(x for x in result.stdout.lines if x.startswith("NEW "))
    new: list[str] = json.loads(line[4:])
    return new


def test_inrun_plugins_add_only_themselves_to_a_run(pytester: pytest.Pytester) -> None:
    new = _new_modules(pytester, BASELINE, *INRUN[1:])
    assert new == sorted(INRUN)


def test_inrun_plugins_import_no_pipeline_from_bare_pytest(pytester: pytest.Pytester) -> None:
    new = _new_modules(pytester, "import pytest", *INRUN[1:])
    ours = sorted(m for m in new if m.split(".")[0] == "pytest_benchmem")
    # the package root is light (the engine and its window without memray, modes, errors)
    root = (
        "pytest_benchmem",
        "pytest_benchmem.errors",
        "pytest_benchmem.measure",
        "pytest_benchmem.modes",
        "pytest_benchmem.window",
    )
    assert ours == sorted([*INRUN, *root, "pytest_benchmem.units"])
    heavy = {"memray", "plotly", "pandas", "typer", "uv", "rich", "numpy", "pytest_benchmark"}
    assert not [m for m in new if m.split(".")[0] in heavy]
