"""The ``benchmem`` command: a thin typer layer over compare, plotting and the sweep.

This package parses arguments and maps errors to exit codes in one place (``main``). Each
subcommand lives in its own module, registered on ``app`` when this package is imported (so
``typer.testing.CliRunner().invoke(app, ...)`` and doc generators see every command); the
modules import their heavy machinery inside the command bodies, so ``benchmem --help``
starts fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from typer.core import TyperCommand

import pytest_benchmem
from pytest_benchmem.errors import BenchmemError

from .style import StyledCommand, StyledGroup

SUMMARY = "pytest-benchmem — plot and compare benchmark runs."
#: the command modules, in the order `benchmem --help` lists their commands
COMMAND_MODULES = (
    "plot_cmd",
    "compare_cmd",
    "sweep_cmd",
    "bisect_cmd",
    "merge_cmd",
    "diff_cmd",
    "flamegraph_cmd",
)

app = typer.Typer(
    name="benchmem",
    help=SUMMARY,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=StyledGroup,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"benchmem {pytest_benchmem.__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            is_eager=True,
            callback=_show_version,
        ),
    ] = False,
) -> None:
    """Options of ``benchmem`` itself (the description is ``SUMMARY`` plus the commands)."""


def fail(message: str, code: int = 1) -> None:
    """Print ``benchmem: error: MESSAGE`` on stderr and exit with ``code``."""
    sys.stderr.write(f"benchmem: error: {message}\n")
    raise SystemExit(code)


def _click() -> ModuleType:
    """The click typer runs on: newer typer vendors it (``typer._click``), older depends on it."""
    try:
        return importlib.import_module("typer._click")
    except ImportError:  # pragma: no cover - typer versions that depend on click
        return importlib.import_module("click")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the app, turning user errors into one-line messages."""
    click = _click()
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="benchmem", standalone_mode=False)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.NoArgsIsHelpError as exc:
        sys.stderr.write(exc.format_message() + "\n")
        raise SystemExit(2) from None
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except typer.Abort:
        fail("interrupted", 130)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BenchmemError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
    if result == 130:  # typer turns a Ctrl-C no command handled into exit code 130
        fail("interrupted", 130)
    raise SystemExit(result if isinstance(result, int) else 0)


def path_option(value: str | Path) -> Path:
    """``parser=`` for path options: an empty string (``--out ''``) is an error, not ``.``."""
    if not str(value).strip():
        msg = "must not be empty (give a path)"
        raise typer.BadParameter(msg)
    return Path(value)


def _register() -> None:
    """Import every command module (each registers its command on ``app``), give each the
    house help style, and name the commands in the top-level description."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # a command that chose its own class keeps it
            info.cls = StyledCommand
    names = [info.name for info in app.registered_commands if info.name]
    app.info.help = f"{SUMMARY} Commands: {', '.join(names)}."


_register()
