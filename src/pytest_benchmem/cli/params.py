"""The shape most options of the commands share, written once.

``option("Help.", "--name", metavar="X")`` is ``typer.Option`` without a default shown in
``--help`` (the option is unset unless given, or its default is said in the help).
"""

from __future__ import annotations

from typing import Any

import typer


def option(help_: str, *decls: str, metavar: str | None = None, **more: Any) -> Any:
    """A ``typer.Option`` whose default ``--help`` does not show."""
    return typer.Option(*decls, metavar=metavar, help=help_, show_default=False, **more)
