"""The plan: --plan/--only/--shard selection, the Python matrix's label rule, fingerprints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

import pytest
from sweepfakes import FakeRunner
from sweepfakes import run_cli as _cli

import toywheels
from pytest_benchmem.errors import UsageError
from pytest_benchmem.origins import by_python, machines_note
from pytest_benchmem.runmodel import Run
from pytest_benchmem.sweep import SweepOptions, run_targets
from pytest_benchmem.sweep.plan import Shard, build_plan, content_fingerprint
from pytest_benchmem.sweep.process import Command, CommandResult
from pytest_benchmem.sweep.pythons import Interpreter, python_tags


def test_shard_parse():
    assert Shard.parse("2/4") == Shard(2, 4)
    assert str(Shard.parse(" 1 / 3 ")) == "1/3"
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        with pytest.raises(UsageError, match="--shard expects K/N"):
            Shard.parse(bad)


def _interp(version: str | None, impl: str = "cpython", request: str = "x") -> Interpreter:
    if version is None:
        return Interpreter(request, error="not found")
    return Interpreter(request, f"/bin/{request}", version, impl)


def test_python_tags_shortest_distinct_level():
    assert python_tags([_interp("3.12.1"), _interp("3.11.7")]) == ["py3.12", "py3.11"]
    # two builds of one minor: the full version, for all alike
    same_minor = [_interp("3.11.7"), _interp("3.11.2"), _interp("3.12.1")]
    assert python_tags(same_minor) == ["py3.11.7", "py3.11.2", "py3.12.1"]
    # two builds of one version: numbered in the order given
    assert python_tags([_interp("3.11.7"), _interp("3.11.7")]) == ["py3.11.7", "py3.11.7-2"]
    # another implementation carries its name; a missing one is tagged from its request
    tags = python_tags([_interp("3.10.14", "pypy"), _interp(None, request="3.13")])
    assert tags == ["pypy3.10", "py3.13"]
    assert python_tags([_interp(None, request="/opt/py/bin/python3.9")]) == ["python3.9"]


class MatrixRunner(FakeRunner):
    """The fake uv, also answering ``uv python find`` and the interpreter probe."""

    pythons: ClassVar[dict[str, tuple[str, str]]] = {
        "3.11": ("/fake/py311/bin/python", "3.11.9"),
        "3.12": ("/fake/py312/bin/python", "3.12.4"),
    }

    def __call__(self, command: Command) -> CommandResult:
        argv = command.argv
        if argv[1:3] == ("python", "find"):
            found = self.pythons.get(argv[-1])
            if found is None:
                return CommandResult(
                    command, 2, f"error: No interpreter found for Python {argv[-1]}\n"
                )
            return CommandResult(command, 0, found[0] + "\n")
        if len(argv) == 3 and argv[0].startswith("/fake/") and argv[1] == "-c":
            version = next(v for p, v in self.pythons.values() if p == argv[0])
            info = {"version": version, "implementation": "cpython", "executable": argv[0]}
            return CommandResult(command, 0, json.dumps(info) + "\n")
        return super().__call__(command)


def _opts(suite: Path, out: Path, **kw: object) -> SweepOptions:
    return SweepOptions(suite=suite, out=out, **kw)  # type: ignore[arg-type]


def test_plan_python_matrix_labels_and_selection(suite_dir: Path, tmp_path: Path):
    opts = _opts(suite_dir, tmp_path / "out", pythons=("3.12", "3.11", "3.99"))
    plan = build_plan(
        ["toypkg==1.0", "toypkg==2.0"], opts, runner=MatrixRunner(), uv="uv", env=os.environ
    )
    assert plan.labels() == [
        "1.0-py3.12", "2.0-py3.12", "1.0-py3.11", "2.0-py3.11", "1.0-py3.99", "2.0-py3.99",
    ]  # fmt: skip
    assert plan.targets[0].python == "/fake/py312/bin/python"
    assert plan.entry(5)["python_found"] is False
    assert plan.select(only=["2.0-py3.11"]) == [3]
    assert plan.select(shard=Shard(2, 4)) == [1, 5]
    assert plan.select(only=["1.0-py3.12", "2.0-py3.11"], shard=Shard(2, 2)) == [3]
    with pytest.raises(UsageError, match=r"--only 9\.9: not in the plan \(labels: 1\.0-py3\.12"):
        plan.select(only=["9.9"])
    # the plan identifies what makes runs comparable, not the order of --only/--shard
    again = build_plan(
        ["toypkg==1.0", "toypkg==2.0"], opts, runner=MatrixRunner(), uv="uv", env=os.environ
    )
    assert again.fingerprint == plan.fingerprint
    other = build_plan(
        ["toypkg==1.0", "toypkg==2.0"],
        _opts(suite_dir, tmp_path / "out", pythons=("3.12", "3.11", "3.99"), memory=False),
        runner=MatrixRunner(),
        uv="uv",
        env=os.environ,
    )
    assert other.fingerprint != plan.fingerprint


def test_matrix_sweep_missing_interpreter_fails_only_its_targets(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = MatrixRunner()
    opts = _opts(suite_dir, out, pythons=("3.12", "3.99"))
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], opts, runner=fake)
    status = [(r.label, str(r.status), str(r.stage) if r.stage else None) for r in results]
    assert status == [
        ("1.0-py3.12", "ok", None),
        ("2.0-py3.12", "ok", None),
        ("1.0-py3.99", "failed", "venv"),
        ("2.0-py3.99", "failed", "venv"),
    ]
    assert results[2].reason is not None
    assert results[2].reason.startswith("Python 3.99 not found by uv (error: No interpreter")
    assert "\n" not in results[2].reason
    venvs = [c.argv for c in fake.steps("venv")]
    assert len(venvs) == 2
    assert all("/fake/py312/bin/python" in argv for argv in venvs)
    manifest = json.loads((out / "sweep.json").read_text())
    entry = manifest["targets"][0]
    assert entry["python"]["version"] == "3.12.4"
    assert entry["python"]["request"] == "3.12"
    assert manifest["targets"][3]["python"]["error"].startswith("Python 3.99 not found")
    assert manifest["plan"]["labels"][3] == "2.0-py3.99"
    assert manifest["shard"] is None


def test_shard_runs_its_slice_and_records_it(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner()
    targets = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"]
    results = run_targets(targets, _opts(suite_dir, out, shard="1/2"), runner=fake)
    assert [r.label for r in results] == ["1.0", "3.0"]
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["shard"] == {"shard": "1/2", "only": [], "entries": ["1.0", "3.0"]}
    assert manifest["plan"]["labels"] == ["1.0", "2.0", "3.0"]
    full = run_targets(targets, _opts(suite_dir, tmp_path / "full"), runner=FakeRunner())
    assert len(full) == 3
    unsharded = json.loads((tmp_path / "full" / "sweep.json").read_text())
    assert unsharded["plan"]["fingerprint"] == manifest["plan"]["fingerprint"]


def test_cli_plan_table_and_json_run_nothing(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "toypkg==3.0", "--suite", str(suite_dir)]
    args += ["--out", str(out), "--plan"]
    assert _cli(args) == 0
    table = capsys.readouterr().out
    assert "1.0" in table
    assert "toypkg==3.0" in table
    assert "3 of 3 run(s); plan " in table
    assert _cli([*args, "--format", "json", "--shard", "2/2"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["only"] for e in entries] == ["2.0"]
    assert entries[0]["target"] == "toypkg==2.0"
    assert not out.exists()  # nothing written
    assert _cli([*args, "--format", "yaml"]) == 2
    assert "unknown plan format 'yaml'" in capsys.readouterr().err
    assert _cli([*args[:-1], "--format", "json"]) == 2
    assert "--format applies to --plan" in capsys.readouterr().err


def test_config_pythons_key(suite_dir: Path, tmp_path: Path):
    from pytest_benchmem.sweep.config import load_config

    conf = tmp_path / "sweep.toml"
    conf.write_text('pythons = ["3.11", "3.12"]\npython-downloads = true\n')
    cfg = load_config(conf)
    assert cfg.get("pythons") == ["3.11", "3.12"]
    assert cfg.get("python_downloads") is True
    conf.write_text('pythons = "3.11"\n')
    with pytest.raises(UsageError, match="must be a list of strings"):
        load_config(conf)


def test_content_fingerprint_ignores_mtimes_not_content(tmp_path: Path):
    suite = toywheels.write_toy_suite(tmp_path / "suite")
    first = content_fingerprint(suite)
    for path in suite.rglob("*"):
        os.utime(path, (1, 1))
    assert content_fingerprint(suite) == first
    (suite / "test_toy.py").write_text("# changed\n")
    assert content_fingerprint(suite) != first


def _run(label: str, python: str | None, machine: str) -> Run:
    prov: dict[str, object] = {"python": python, "implementation": "cpython"} if python else {}
    return Run(Path(f"{label}.json"), label, (), prov, machine)


def test_origins_group_by_python_and_note_machines():
    runs = [
        _run("1.0-a", "3.11.2", "m1"),
        _run("2.0-a", "3.11.2", "m1"),
        _run("1.0-b", "3.12.1", "m2"),
    ]
    groups = by_python(runs)
    assert [(name, [r.label for r in g]) for name, g in groups] == [
        ("cpython 3.11.2", ["1.0-a", "2.0-a"]),
        ("cpython 3.12.1", ["1.0-b"]),
    ]
    assert by_python(runs[:2]) == [("", runs[:2])]
    note = machines_note(runs)
    assert note is not None
    assert note.startswith("note: times come from 2 machines (m1: 1.0-a, 2.0-a; m2: 1.0-b)")
    assert machines_note(runs[:2]) is None


def test_views_get_a_python_dim_in_a_matrix(tmp_path: Path):
    from pytest_benchmem.plotting.data import load_dataset

    paths = []
    for label, python in (("1.0-a", "3.11.2"), ("1.0-b", "3.11.7")):
        data = {
            "benchmarks": [
                {"name": "t", "fullname": "s.py::t", "group": None, "params": None,
                 "extra_info": {"benchmem": {"peak_bytes": [10], "allocations": [1],
                                             "total_bytes": [10]}},
                 "stats": {"min": 0.1, "max": 0.1, "mean": 0.1, "median": 0.1,
                           "stddev": 0.0, "rounds": 1}},
            ],
            "benchmem": {"label": label, "python": python, "implementation": "cpython"},
        }  # fmt: skip
        path = tmp_path / f"{label}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
    ds = load_dataset(paths, "peak")
    assert [p.dims["python"] for p in ds.points] == ["cpython 3.11.2", "cpython 3.11.7"]
    assert ds.check_dim("python", "--facet") == "python"
    assert "python" not in load_dataset(paths[:1], "peak").points[0].dims


def test_python_downloads_let_uv_install_a_missing_interpreter(tmp_path: Path):
    from pytest_benchmem.sweep.pythons import find_interpreter

    calls: list[tuple[str, ...]] = []
    installed: set[str] = set()

    def runner(command: Command) -> CommandResult:
        calls.append(command.argv)
        if command.argv[1:3] == ("python", "install"):
            installed.add(command.argv[-1])
            return CommandResult(command, 0, "Installed Python 3.13.1\n")
        if command.argv[1:3] == ("python", "find"):
            if command.argv[-1] in installed:
                return CommandResult(command, 0, "/managed/cpython-3.13.1/bin/python3.13\n")
            return CommandResult(command, 2, "error: No interpreter found for Python 3.13\n")
        data = {"version": "3.13.1", "implementation": "cpython", "executable": command.argv[0]}
        return CommandResult(command, 0, json.dumps(data) + "\n")

    no = find_interpreter("3.13", uv="uv", log_dir=tmp_path, env={}, runner=runner)
    assert no.error == "Python 3.13 not found by uv (error: No interpreter found for Python 3.13)"
    assert ("uv", "python", "find", "--no-python-downloads", "3.13") in calls
    assert not installed
    yes = find_interpreter("3.13", uv="uv", log_dir=tmp_path, env={}, runner=runner, downloads=True)
    assert (yes.version, yes.executable) == ("3.13.1", "/managed/cpython-3.13.1/bin/python3.13")
    assert installed == {"3.13"}
