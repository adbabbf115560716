"""The one place CLI errors become one-line messages and exit codes."""

from __future__ import annotations

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


def test_console_script_help_is_light():
    """`benchmem --help` must not import plotly, pandas or the sweep's uv."""
    code = (
        "import sys; from pytest_benchmem import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'plotly', 'pandas', 'uv'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
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
