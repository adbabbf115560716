"""The shipped CI workflow (docs/ci/sweep-matrix.yml): in the docs, from the checkout, and its
plan step's output has what its matrix uses."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from pytest_benchmem.cli import main

ROOT = Path(__file__).parents[2]
WORKFLOW = ROOT / "docs" / "ci" / "sweep-matrix.yml"


def test_workflow_is_in_the_docs_and_installs_from_the_checkout():
    text = WORKFLOW.read_text()
    assert text in (ROOT / "docs" / "sweeps.md").read_text()
    assert not re.search(r"pip install\s+[\"']?pytest-benchmem", text)
    assert "pip install ./.pytest-benchmem" in text
    for needed in (
        "fromJSON(needs.plan.outputs.entries)",
        "--plan --format json",
        "benchmem merge merged shards/*",
        "GITHUB_STEP_SUMMARY",
        "--format md",
        "actions/upload-artifact",
        "actions/download-artifact",
        "--report sweep-report.html",
    ):
        assert needed in text, needed


def test_workflow_plan_step_feeds_its_matrix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    text = WORKFLOW.read_text()
    sweep = re.search(r"^  SWEEP: (.+)$", text, re.MULTILINE)
    assert sweep is not None
    argv = shlex.split(sweep[1])
    assert argv[:2] == ["benchmem", "sweep"]
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exc:
        main([*argv[1:], "--plan", "--format", "json"])
    assert exc.value.code == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries
    used = set(re.findall(r"matrix\.(\w+)", text))
    assert used <= set(entries[0]), used - set(entries[0])
    assert [e["only"] for e in entries] == [e["label"] for e in entries]
