"""The one place CLI errors become one-line messages and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from pytest_benchmem import cli
from pytest_benchmem.errors import SchemaError, UsageError


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_help_lists_the_commands_in_order(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    positions = [out.index(name) for name in ("plot", "compare", "sweep", "bisect")]
    assert positions == sorted(positions)


def test_no_arguments_shows_help_and_exits_2(capsys):
    code, out, err = run([], capsys)
    assert code == 2
    assert "Usage" in out + err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["compare"], "Missing argument"),
        (["compare", "--bogus", "x"], "No such option: --bogus"),
        (["frobnicate"], "No such command"),
    ],
)
def test_click_usage_errors_are_one_line(capsys, argv, needle):
    code, _, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("benchmem: error: ")
    assert needle in err
    assert len(err.strip().splitlines()) == 1


class _Raising:
    def __init__(self, exc):
        self.exc = exc

    def main(self, **_kwargs):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "code", "needle"),
    [
        (UsageError("bad size '12 parsecs'"), 2, "bad size '12 parsecs'"),
        (SchemaError("run.json: not a run", hint="expected benchmarks"), 1, "expected benchmarks"),
        (KeyboardInterrupt(), 130, "interrupted"),
        (typer.Abort(), 130, "interrupted"),
        (FileNotFoundError(2, "No such file or directory", "x.json"), 1, "x.json"),
        (OSError("disk on fire"), 1, "disk on fire"),
    ],
)
def test_errors_map_to_codes(monkeypatch, capsys, exc, code, needle):
    monkeypatch.setattr(typer.main, "get_command", lambda _app: _Raising(exc))
    got, _, err = run(["anything"], capsys)
    assert got == code
    assert err.startswith("benchmem: error: ")
    assert needle in err


def test_typer_exit_passes_its_code(monkeypatch, capsys):
    monkeypatch.setattr(typer.main, "get_command", lambda _app: _Raising(typer.Exit(3)))
    assert run(["x"], capsys)[0] == 3


#: what no command's ``--help`` may import: the plot stack, uv, pytest (the sweep pipeline pulls
#: it in through the in-run plugins) and the sweep's machinery
HEAVY = ("plotly", "pandas", "numpy", "uv", "memray", "pytest", "_pytest", "pluggy")
#: the only sweep modules ``--help`` may load: the table of options the typer options come from
SWEEP_TABLE = {
    "pytest_benchmem.sweep",
    "pytest_benchmem.sweep.model",
    "pytest_benchmem.sweep.optionspec",
    "pytest_benchmem.sweep.settings",
}


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["compare", "--help"], ["plot", "--help"], ["sweep", "--help"], ["bisect", "-h"]],
    ids=" ".join,
)
def test_console_script_help_is_light(argv):
    """`benchmem [COMMAND] --help` imports neither the plot stack, uv, pytest nor the sweep's
    pipeline: the console script's own process, modules read from ``sys.modules`` at exit."""
    code = (
        "import json, sys\n"
        "from pytest_benchmem import cli\n"
        "try:\n"
        f"    cli.main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stderr))
    assert "pytest_benchmem.sweep.settings" in loaded  # the check below is about this process
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []
    sweep = {m for m in loaded if m.startswith("pytest_benchmem.sweep")}
    assert sweep <= SWEEP_TABLE, sorted(sweep - SWEEP_TABLE)


def test_sweep_package_loads_its_public_names_on_use():
    """The sweep package re-exports its API lazily: every name in ``__all__`` resolves (to the
    submodule's object) and an unknown one is an AttributeError."""
    code = (
        "import sys\n"
        "import pytest_benchmem.sweep as sweep\n"
        "assert 'pytest_benchmem.sweep.pipeline' not in sys.modules\n"
        "from pytest_benchmem.sweep import api, pipeline, process\n"
        "assert sweep.run_targets is pipeline.run_targets\n"
        "assert sweep.SubprocessRunner is process.SubprocessRunner\n"
        "assert sweep.provision is api.provision\n"
        "assert all(getattr(sweep, name) is not None for name in sweep.__all__)\n"
        "assert set(sweep.__all__) <= set(dir(sweep))\n"
        "try:\n    sweep.no_such_name\nexcept AttributeError:\n    pass\n"
        "else:\n    raise AssertionError('no AttributeError')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_unhandled_ctrl_c_says_interrupted(monkeypatch, capsys):
    """typer returns 130 for a Ctrl-C no command handled; main still says so."""

    class _Returns130:
        def main(self, **_kwargs):
            return 130

    monkeypatch.setattr(typer.main, "get_command", lambda _app: _Returns130())
    code, _, err = run(["x"], capsys)
    assert code == 130
    assert err == "benchmem: error: interrupted\n"


def test_ctrl_c_inside_a_real_command_is_one_line(monkeypatch, tmp_path, capsys):
    from pytest_benchmem import runs

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "load_runs", interrupted)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    code, _, err = run(["compare", str(a), str(b)], capsys)
    assert code == 130
    assert "interrupted" in err
    assert "Traceback" not in err
