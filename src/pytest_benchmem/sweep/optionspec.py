"""What one sweep option is: ``OptionSpec`` (flag, config key, kind, default, check, help).

The options themselves, one ``OptionSpec`` each, are the table in ``settings``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pytest_benchmem.errors import UsageError

SWEEP, BISECT = "sweep", "bisect"
BOTH = frozenset({SWEEP, BISECT})

#: ``check(flag, merged value)``: UsageError when the value cannot work
Check = Callable[[str, Any], None]
#: ``hook(value, where)``: a config value before its type check (``where`` is the file), or
#: after it (``where`` is the file's directory, which relative paths are relative to)
Hook = Callable[[Any, Path], object]


class Kind(StrEnum):
    """What an option's value is, on the command line and in the config file."""

    TEXT = "text"  # a string
    PATH = "path"  # a string, relative to the config file's directory there
    TEXTS = "texts"  # repeatable on the command line, a list of strings in the file
    FLAG = "flag"  # a switch; true or false in the file
    INT = "int"  # a whole number
    SECONDS = "seconds"  # a number of seconds

    def accepts(self, value: object) -> bool:
        """True when a config file's ``value`` has this kind's type."""
        if self is Kind.TEXTS:
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if self is Kind.FLAG:
            return isinstance(value, bool)
        if self is Kind.INT:
            return isinstance(value, int) and not isinstance(value, bool)
        if self is Kind.SECONDS:
            return isinstance(value, int | float) and not isinstance(value, bool)
        return isinstance(value, str)

    def expected(self) -> str:
        """What a config value of this kind must be, for the error message."""
        return {
            Kind.TEXTS: "a list of strings",
            Kind.FLAG: "true or false",
            Kind.INT: "an integer",
            Kind.SECONDS: "a number (of seconds)",
        }.get(self, "a string")

    def convert(self, value: object) -> object:
        """A merged value (from the command line, the file or the default) as Python wants it."""
        if self is Kind.TEXTS:  # unset is empty
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()
        if value is None:
            return None
        if self is Kind.PATH:
            return Path(str(value))
        if self is Kind.FLAG:
            return bool(value)
        if self is Kind.SECONDS:
            return float(value) if isinstance(value, int | float) else None
        if self is Kind.INT:
            return value if isinstance(value, int) else None
        return str(value)


@dataclass(frozen=True, eq=False)
class OptionSpec:
    """One option of the sweep commands: everything about it, written once.

    ``name`` is the command's parameter (and the ``SweepOptions`` field when ``in_options``) and
    the config key (``-`` or ``_``; ``aliases`` are more keys). ``flag`` is None for a key the
    command line spells otherwise (``targets`` is the argument, ``python`` a single ``--python``).
    ``{command}`` in ``help``/``default``/``show_default`` is the command's name; ``notes`` add a
    sentence of help for one command; ``panels`` group the option in a command's ``--help``.
    """

    name: str
    flag: str | None
    kind: Kind
    help: str
    default: object = None
    show_default: str | None = None
    metavar: str | None = None
    commands: frozenset[str] = frozenset({SWEEP})
    config: bool = True
    aliases: tuple[str, ...] = ()
    in_options: bool = True
    check: Check | None = None
    from_toml: Hook | None = None
    resolve: Hook | None = None
    panels: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def help_for(self, command: str) -> str:
        """The ``--help`` text in ``command``."""
        note = self.notes.get(command)
        return (f"{self.help} {note}" if note else self.help).replace("{command}", command)

    def default_for(self, command: str) -> object:
        """The value when neither the command line nor the file gives one."""
        if isinstance(self.default, str):
            return self.default.replace("{command}", command)
        return self.default

    def shown_default(self, command: str) -> str | None:
        """The default as ``--help`` says it (None: not shown)."""
        return (
            None if self.show_default is None else self.show_default.replace("{command}", command)
        )

    @property
    def one_sided(self) -> bool:
        """A switch without a ``--no-`` form: off on the command line means "not given"."""
        return self.kind is Kind.FLAG and "/" not in (self.flag or "")

    def given(self, value: object) -> bool:
        """True when the command line gave this option (it then wins over the file)."""
        if value is None or value in ([], ()):
            return False
        return not (value is False and self.one_sided)

    def from_config(self, key: str, value: object, path: Path) -> object:
        """A config file's value checked against the kind and normalised (paths resolved)."""
        if self.from_toml is not None:
            value = self.from_toml(value, path)
        if not self.kind.accepts(value):
            msg = f"{path}: sweep setting {key!r} must be {self.kind.expected()}, got {value!r}"
            raise UsageError(msg)
        base = path.parent.resolve()
        if self.kind is Kind.PATH:
            if not str(value).strip():
                msg = f"{path}: sweep setting {key!r} must not be empty (give a path)"
                raise UsageError(msg)
            return str((base / str(value)).resolve())
        return self.resolve(value, base) if self.resolve is not None else value
