"""The ``benchmem`` command: a thin typer layer over compare, plotting and the sweep.

This package parses arguments and maps errors to exit codes in one place (``main``);
each subcommand lives in its own module and imports its heavy machinery lazily, so
``benchmem --help`` starts fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

import typer

from pytest_benchmem.errors import BenchmemError

app = typer.Typer(
    name="benchmem",
    help="pytest-benchmem — plot and compare benchmark runs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


def fail(message: str, code: int = 1) -> None:
    """Print ``benchmem: error: MESSAGE`` on stderr and exit with ``code``."""
    sys.stderr.write(f"benchmem: error: {message}\n")
    raise SystemExit(code)


def _register() -> None:
    # Registration order is the order `benchmem --help` lists the commands in.
    for name in (
        "plot_cmd",
        "compare_cmd",
        "sweep_cmd",
        "bisect_cmd",
        "diff_cmd",
        "flamegraph_cmd",
    ):
        importlib.import_module(f"{__name__}.{name}")


def _click() -> ModuleType:
    """The click typer runs on: newer typer vendors it (``typer._click``), older depends on it."""
    try:
        return importlib.import_module("typer._click")
    except ImportError:  # pragma: no cover - typer versions that depend on click
        return importlib.import_module("click")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the app, turning user errors into one-line messages."""
    _register()
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
