"""One help style for every command: click-style metavars (TEXT, PATH, INTEGER, FLOAT or the
choices) where a command did not set one, and no ``<bool>`` beside a flag.

Applied to each registered command through its command class, so commands added later
follow it without repeating ``metavar=`` on every option.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_NAMES = {int: "INTEGER", float: "FLOAT", str: "TEXT", Path: "PATH"}


def metavar_for(param: TyperOption | TyperArgument) -> str:
    """The click-style metavar of a parameter: ``[a|b]`` for choices, else its type's name."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:  # pragma: no cover - typer versions built on click's param types
        kind = getattr(param, "type", None)
        choices = getattr(kind, "choices", None)
        name = str(getattr(kind, "name", "text"))
    else:
        choices = descriptor.choices
        annotation = descriptor.annotation
        if descriptor.is_list and get_args(annotation):
            annotation = get_args(annotation)[0]
        name = "path" if descriptor.is_path else _NAMES.get(annotation, "text")
    if choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
    return name.upper()


def restyle(params: Sequence[Any]) -> list[Any]:
    """Give every option without a metavar the house one; flags (``--help`` too) get none."""
    for param in params:
        if getattr(param, "metavar", "") is not None or not hasattr(param, "is_flag"):
            continue
        if param.is_flag:
            param.metavar = ""
        elif isinstance(param, TyperOption):
            param.metavar = metavar_for(param)
    return list(params)


class StyledCommand(TyperCommand):
    """A typer command whose options are shown in the house style."""

    def get_params(self, ctx: Any) -> list[Any]:
        return restyle(super().get_params(ctx))


class StyledGroup(TyperGroup):
    """The ``benchmem`` group itself, in the same style (``--version``, completion flags)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return restyle(super().get_params(ctx))
