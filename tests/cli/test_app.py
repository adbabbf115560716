"""The typer app is complete at import, in one help style, with --version, -h and completion."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_benchmem
from pytest_benchmem.cli import app, main
from pytest_benchmem.cli.choices import VIEWS

ANSI = re.compile(r"\x1b\[[0-9;]*m")
COMMANDS = ("plot", "compare", "sweep", "bisect")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), ANSI.sub("", out), err


def fresh_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter (nothing imported by other tests)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200", **env},
    )


def test_importing_the_app_registers_every_command_and_stays_light() -> None:
    code = (
        "import sys\n"
        "from pytest_benchmem.cli import app\n"
        "print(','.join(i.name for i in app.registered_commands))\n"
        "print(sorted({'plotly', 'pandas', 'uv', 'memray'} & set(sys.modules)))\n"
    )
    proc = fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    names, heavy = proc.stdout.splitlines()
    assert names.split(",")[: len(COMMANDS)] == list(COMMANDS)
    assert heavy == "[]"


def test_cli_runner_invokes_a_real_command_on_the_app(tmp_path: Path) -> None:
    """What doc generators and users' own tests do: CliRunner on the app object."""
    from typer.testing import CliRunner

    golden = Path(__file__).parents[1] / "data" / "runs"
    runs = [golden / "pytest-benchmark-4.0.0.json", golden / "pytest-benchmark-5.3.1.json"]
    result = CliRunner().invoke(app, ["compare", *map(str, runs)])
    assert result.exit_code == 0, result.output
    assert "pytest-benchmark-5.3.1" in result.output
    help_result = CliRunner().invoke(app, ["--help"])
    assert help_result.exit_code == 0
    for name in COMMANDS:
        assert name in help_result.output


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out == f"benchmem {pytest_benchmem.__version__}\n"


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_dash_h_is_help_for_every_command(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    short = run([*command, "-h"], capsys)
    long = run([*command, "--help"], capsys)
    assert short[0] == long[0] == 0
    assert short[1] == long[1]
    assert "Usage: benchmem" in short[1]


def test_top_level_description_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["--help"], capsys)
    text = " ".join(out.replace("│", " ").split())
    head = text[: text.index("Options")]
    names = [info.name for info in app.registered_commands]
    assert names[: len(COMMANDS)] == list(COMMANDS)
    for name in names:
        assert name in head, (name, head)


def test_one_metavar_style_across_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """Values: TEXT/PATH/INTEGER/FLOAT or [a|b]; flags: none; never typer's <str>/<bool>;
    defaults as [default: ...], not in the help text (the spec's plot --view keeps its own)."""
    for command in [info.name for info in app.registered_commands if info.name]:
        _, out, _ = run([command, "--help"], capsys)
        options = out[out.index("Options") :]
        assert not re.search(r"<(str|bool|int|float|path|list\[\w+\])>", options), (command, out)
        flat = " ".join(options.replace("│", " ").split())  # wrapped help, one line
        assert "(default:" not in flat.replace("(default: by count)", ""), (command, out)


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("benchmem plot --view ", list(VIEWS)),
        ("benchmem plot --metric al", ["allocated", "allocations"]),
        ("benchmem plot --stat me", ["mean", "median"]),
        ("benchmem compare --metric m", ["memory"]),
        ("benchmem compare --metric time,pe", ["time,peak"]),
        ("benchmem compare --stat std", ["stddev"]),
        ("benchmem compare --sort ", ["name", "value", "change"]),
        ("benchmem compare --format ", ["text", "md"]),
    ],
)
def test_completion_offers_the_choices(words: str, offered: list[str]) -> None:
    """The real completion protocol bash uses (``_BENCHMEM_COMPLETE=complete_bash``)."""
    proc = fresh_python(
        "from pytest_benchmem.cli import main; main()",
        _BENCHMEM_COMPLETE="complete_bash",
        COMP_WORDS=words,
        COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    )
    assert proc.returncode == 0, proc.stderr
    got = [line for line in proc.stdout.splitlines() if line]
    assert got == offered


def test_view_choices_are_plottings() -> None:
    from pytest_benchmem.plotting import VIEWS as PLOT_VIEWS

    assert tuple(PLOT_VIEWS) == VIEWS


def test_completion_functions_in_process() -> None:
    """The functions behind the completion above (the subprocess is not traced by coverage)."""
    from pytest_benchmem.cli.choices import complete_metrics, completer, metrics, sorts, stats

    assert complete_metrics("pe") == ["peak"]
    assert complete_metrics("peak,") == [f"peak,{m}" for m in metrics() if m != "peak"]
    assert completer(sorts)("c") == ["change"]
    assert completer(stats)("STD") == ["stddev"]
    assert completer(VIEWS)("") == list(VIEWS)
    assert "rss" in metrics()
