"""A fake runner at the ``process`` seam: uv, the inspect script and pytest, without uv.

It interprets each ``Command`` the pipeline builds (``uv venv``, ``uv pip install``,
``python -c <inspect>``, ``python -m pytest``), writes the files the real tools would write,
and records every command so tests can assert what ran.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pytest_benchmem.files import write_atomic
from pytest_benchmem.sweep.process import Command, CommandResult, format_log


def run_json(label: str, venv: Path, *, memory: bool = True, count: int = 1) -> dict[str, object]:
    """A pytest-benchmark run as our plugin in ``venv`` would write it."""
    benchmarks = []
    for i in range(count):
        extra: dict[str, object] = {}
        if memory:
            extra["benchmem"] = {
                "peak_bytes": [1000 * (i + 1)],
                "allocations": [1],
                "total_bytes": [1000],
            }
        benchmarks.append(
            {
                "group": None,
                "name": f"test_work{i}",
                "fullname": f"suite/test_toy.py::test_work{i}",
                "params": None,
                "param": None,
                "extra_info": extra,
                "options": {},
                "stats": {"min": 0.001, "max": 0.002, "mean": 0.0015, "stddev": 0.0001,
                          "rounds": 3, "median": 0.0015, "iqr": 0.0, "q1": 0.001, "q3": 0.002,
                          "iqr_outliers": 0, "stddev_outliers": 0, "outliers": "0;0",
                          "ld15iqr": 0.001, "hd15iqr": 0.002, "ops": 666.0, "total": 0.0045,
                          "iterations": 1},
            }
        )  # fmt: skip
    site = venv / "lib" / "python3.11" / "site-packages" / "pytest_benchmem"
    return {
        "machine_info": {},
        "commit_info": {},
        "benchmarks": benchmarks,
        "datetime": "2026-01-01T00:00:00",
        "version": "5.2.3",
        "benchmem": {
            "schema": 1,
            "label": label,
            "spec": None,
            "python": "3.11.7",
            "packages": {},
            "harness": {"version": "0.1.0", "path": str(site)},
        },
    }


@dataclass
class FakeRunner:
    """Plays uv, the inspect script and pytest for a package with ``available`` versions."""

    package: str = "toypkg"
    available: tuple[str, ...] = ("1.0", "2.0", "3.0")
    conflicts: set[str] = field(default_factory=set)  # versions that clash with harness pins
    fail_venv: bool = False
    shadow: set[str] = field(default_factory=set)  # versions a local dir shadows
    report_version: dict[str, str] = field(default_factory=dict)  # installed -> reported
    pytest_rc: dict[str, int] = field(default_factory=dict)  # label -> exit code
    pytest_json: dict[str, str] = field(default_factory=dict)  # label -> how the JSON looks
    interrupt_on: str | None = None  # label whose pytest run is interrupted (Ctrl-C)
    inspect_fails: bool = False
    lock_fails: bool = False  # uv pip compile of the harness fails
    lock_offline_fails: bool = False  # ... offline only (uv's cache lacks some metadata)
    install_writes_nothing: bool = False  # uv says it installed, the venv holds nothing
    offline_misses: bool = False  # the locked harness is not in uv's cache
    commands: list[Command] = field(default_factory=list)

    def steps(self, kind: str) -> list[Command]:
        """Recorded commands of one kind: venv, compile, harness, install, inspect, pytest."""
        return [c for c in self.commands if _kind(c) == kind]

    def __call__(self, command: Command) -> CommandResult:
        self.commands.append(command)
        kind = _kind(command)
        rc, out = getattr(self, f"_{kind.replace('-', '_')}")(command)
        write_atomic(command.log, format_log(command, rc, out, 0.01))
        return CommandResult(command, rc, out, 0.01)

    def _venv(self, command: Command) -> tuple[int, str]:
        if self.fail_venv:
            return 2, "error: No interpreter found for path `/nope/python`\n"
        venv = Path(command.argv[-1])
        (venv / "bin").mkdir(parents=True, exist_ok=True)
        (venv / "bin" / "python").write_text("#!fake\n")
        return 0, f"Creating virtual environment at: {venv}\n"

    def _compile(self, command: Command) -> tuple[int, str]:
        if self.lock_fails or (self.lock_offline_fails and "--offline" in command.argv):
            return 1, "error: No solution found when resolving dependencies\n  cause: pins\n"
        out = Path(command.argv[command.argv.index("--output-file") + 1])
        out.write_text("memray==1.20.0\npackaging==25.0\npytest==9.0.3\npytest-benchmark==5.2.3\n")
        return 0, ""

    def _harness(self, command: Command) -> tuple[int, str]:
        """The locked harness list, ``--no-deps`` (offline unless uv's cache missed it)."""
        if self.offline_misses and "--offline" in command.argv:
            return 1, "error: Network connectivity is disabled, but pytest was not cached\n"
        return 0, "Installed 19 packages\n"

    def _install(self, command: Command) -> tuple[int, str]:
        python = Path(command.argv[command.argv.index("--python") + 1])
        venv = python.parent.parent
        spec = next(a for a in command.argv if a.startswith(self.package))
        version = spec.partition("==")[2] or self.available[-1]
        if version not in self.available:
            return 1, (
                f"Using Python 3.11.7 environment at: {venv}\n"
                "error: No solution found when resolving dependencies\n"
                f"  cause: Because there is no version of {spec} and you require {spec}, we "
                "can conclude that your requirements are unsatisfiable.\n"
            )
        pinned = any(a.startswith("pytest==") for a in command.argv) or "-c" in command.argv
        if version in self.conflicts and pinned:
            return 1, (
                "error: No solution found when resolving dependencies\n"
                f"  cause: Because pytest==9.0.3 depends on packaging>=22 and {spec} depends "
                "on packaging<20, we can conclude that your requirements are unsatisfiable.\n"
            )
        (venv / "installed.json").write_text(json.dumps({self.package: version}))
        reported = self.report_version.get(version, version)
        written = (
            () if self.install_writes_nothing else ((self.package, reported), ("pytest", "9.0.3"))
        )
        for name, have in written:
            info = venv / "lib" / "python3.11" / "site-packages" / f"{name}-{have}.dist-info"
            info.mkdir(parents=True, exist_ok=True)
            (info / "METADATA").write_text(
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {have}\n"
            )
        return 0, f"Installed 12 packages\n + {self.package}=={version}\n"

    def _inspect(self, command: Command) -> tuple[int, str]:
        if self.inspect_fails:
            return 1, "Traceback (most recent call last):\nImportError: broken\n"
        venv = Path(command.argv[0]).parent.parent
        args = json.loads(command.argv[3])
        installed = json.loads((venv / "installed.json").read_text())
        version = installed[self.package]
        prefix = os.path.realpath(venv)
        packages = {self.package: self.report_version.get(version, version), "pytest": "9.0.3"}
        res: dict[str, object] = {"packages": packages, "prefix": prefix}
        if args.get("name") or args.get("module"):
            module = args.get("module") or self.package
            res["module"] = module
            if version in self.shadow:
                res["file"] = str(command.cwd / module / "__init__.py")
                res["module_version"] = "0.0-local"
            else:
                res["file"] = f"{prefix}/lib/python3.11/site-packages/{module}/__init__.py"
        return 0, "BENCHMEM-INSPECT " + json.dumps(res) + "\n"

    def _pytest(self, command: Command) -> tuple[int, str]:
        env = command.env or {}
        label = env["BENCHMEM_LABEL"]
        if label == self.interrupt_on:
            raise KeyboardInterrupt
        out_arg = next(a for a in command.argv if a.startswith("--benchmark-json="))
        path = Path(out_arg.partition("=")[2])
        venv = Path(command.argv[0]).parent.parent
        memory = "--benchmark-memory" in command.argv
        how = self.pytest_json.get(label, "ok")
        data = run_json(label, venv, memory=memory)
        # what the real plugin records: the memory mode and the allocator environment
        addopts = env.get("PYTEST_ADDOPTS", "").split()
        fast = "--benchmark-memory-mode=fast" in [*command.argv, *addopts]
        data["benchmem"]["mode"] = "fast" if fast else "exact"  # type: ignore[index]
        data["benchmem"]["pythonmalloc"] = env.get("PYTHONMALLOC")  # type: ignore[index]
        if how == "ok":
            path.write_text(json.dumps(data))
        elif how == "garbage":
            path.write_text("{not json")
        elif how == "zerobytes":  # what pytest-benchmark leaves when no benchmark ran
            path.write_text("")
        elif how == "empty":
            data["benchmarks"] = []
            path.write_text(json.dumps(data))
        elif how == "noprov":
            del data["benchmem"]
            path.write_text(json.dumps(data))
        elif how == "elsewhere":
            data["benchmem"]["harness"]["path"] = "/somewhere/else/pytest_benchmem"  # type: ignore[index]
            path.write_text(json.dumps(data))
        elif how == "mismatch":  # parses, but the readers reject it
            data["benchmarks"][0]["extra_info"]["benchmem"]["allocations"] = [1, 2]  # type: ignore[index]
            path.write_text(json.dumps(data))
        elif how == "nomem":
            path.write_text(json.dumps(run_json(label, venv, memory=False)))
        rc = self.pytest_rc.get(label, 0)
        return rc, f"collected 1 item\n{'1 passed' if rc == 0 else '1 failed'} in 0.01s\n"


def _kind(command: Command) -> str:
    argv = command.argv
    if len(argv) > 1 and argv[1] == "venv":
        return "venv"
    if len(argv) > 2 and argv[1:3] == ("pip", "install"):
        return "harness" if "-r" in argv else "install"
    if len(argv) > 2 and argv[1:3] == ("pip", "compile"):
        return "compile"
    if len(argv) > 1 and argv[1] == "-c":
        return "inspect"
    if len(argv) > 2 and argv[1:3] == ("-m", "pytest"):
        return "pytest"
    msg = f"unexpected command {argv!r}"
    raise AssertionError(msg)


def labels_of(commands: list[Command]) -> list[str]:
    """The BENCHMEM_LABEL of each command that had one."""
    return [c.env["BENCHMEM_LABEL"] for c in commands if c.env and "BENCHMEM_LABEL" in c.env]


def versions_in(commands: list[Command]) -> list[str]:
    """The ``pkg==X`` versions each install command asked for."""
    found = []
    for c in commands:
        for a in c.argv:
            m = re.match(r"^toypkg==(.+)$", a)
            if m:
                found.append(m[1])
    return found


def run_cli(args: list[str]) -> int:
    """``benchmem ARGS`` in process; its exit code."""
    import pytest

    from pytest_benchmem.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)
