"""Sweep settings from ``[tool.benchmem.sweep]`` in pyproject.toml or a ``--config`` file.

A config file is either a pyproject-style file (the ``[tool.benchmem.sweep]`` table) or a
plain ``sweep.toml`` whose top level holds the same keys. Relative paths are resolved against
the file's directory. Keys may be written with ``-`` or ``_``; the command line wins.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_benchmem.errors import UsageError

_STR = ("as_of", "import_check", "python", "since", "until")
_PATHS = ("suite", "out", "copy_dir", "report")
_LISTS = ("targets", "pins", "pytest_args", "find_links", "index_urls", "env", "pythons")
_BOOLS = (
    "memory",
    "each_minor",
    "pre",
    "python_downloads",
    "profile",
    "keep_order",
    "allow_mixed_modes",
)
_INTS = ("jobs", "last", "rounds")
_ALIASES = {"pin": "pins", "pytest_arg": "pytest_args", "index_url": "index_urls"}
_NUMBERS = ("timeout",)
KEYS = frozenset(_STR + _PATHS + _LISTS + _BOOLS + _INTS + _NUMBERS)


@dataclass(frozen=True)
class SweepConfig:
    """Settings read from a file (empty when there is none)."""

    values: Mapping[str, object] = field(default_factory=dict)
    source: Path | None = None

    def get(self, key: str) -> object:
        """The value of ``key`` (underscored name), or None."""
        return self.values.get(key)


def _table(data: Mapping[str, object], path: Path, *, pyproject: bool) -> Mapping[str, object]:
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("benchmem"), dict):
        table = tool["benchmem"].get("sweep", {})
    elif pyproject:
        table = {}
    else:
        table = {k: v for k, v in data.items() if k != "tool"}
    if not isinstance(table, dict):
        msg = f"{path}: [tool.benchmem.sweep] must be a table"
        raise UsageError(msg)
    return table


def _check(key: str, value: object, path: Path) -> None:
    def bad(kind: str) -> UsageError:
        msg = f"{path}: sweep setting {key!r} must be {kind}, got {value!r}"
        return UsageError(msg)

    if key in _LISTS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        kind = "a list of strings"
        raise bad(kind)
    if key in _BOOLS and not isinstance(value, bool):
        kind = "true or false"
        raise bad(kind)
    if key in _INTS and (isinstance(value, bool) or not isinstance(value, int)):
        kind = "an integer"
        raise bad(kind)
    if key in _NUMBERS and (isinstance(value, bool) or not isinstance(value, int | float)):
        kind = "a number (of seconds)"
        raise bad(kind)
    if key in (*_STR, *_PATHS) and not isinstance(value, str):
        kind = "a string"
        raise bad(kind)


def _resolve(key: str, value: object, base: Path) -> object:
    if key in _PATHS and isinstance(value, str):
        return str((base / value).resolve())
    if key == "find_links" and isinstance(value, list):
        return [v if "://" in v else str((base / v).resolve()) for v in value]
    if key == "targets" and isinstance(value, list):
        return [_resolve_target(v, base) for v in value]
    return value


def _resolve_target(text: str, base: Path) -> str:
    """A target naming a local directory or wheel file, made relative to the config file."""
    from .spec import local_path, split_label

    label, spec = split_label(text)
    path = Path(spec).expanduser()
    if not local_path(spec) or path.is_absolute():
        return text
    resolved = str((base / path).resolve())
    return resolved if label is None else f"{label}={resolved}"


def _env_table(table: Mapping[str, object], path: Path) -> list[str]:
    """``[env]`` as NAME=VALUE items; every value must be a string (TOML ``FOO = 1`` is not)."""
    items = []
    for name, value in table.items():
        if not isinstance(value, str):
            msg = (
                f"{path}: sweep setting env.{name} must be a string, got {value!r} "
                f'(write {name} = "{value}")'
            )
            raise UsageError(msg)
        items.append(f"{name}={value}")
    return items


def parse_config(data: Mapping[str, object], path: Path, *, pyproject: bool) -> SweepConfig:
    """Validate and normalise a parsed TOML document's sweep settings."""
    values: dict[str, object] = {}
    for raw_key, raw_value in _table(data, path, pyproject=pyproject).items():
        key = raw_key.replace("-", "_")
        key = _ALIASES.get(key, key)
        value: object = raw_value
        if key == "as_of" and isinstance(value, dt.date):
            value = value.isoformat()
        if key == "env" and isinstance(value, dict):
            value = _env_table(value, path)
        if key not in KEYS:
            known = ", ".join(sorted(k.replace("_", "-") for k in KEYS))
            msg = f"{path}: unknown sweep setting {raw_key!r} (known: {known})"
            raise UsageError(msg)
        _check(key, value, path)
        values[key] = _resolve(key, value, path.parent.resolve())
    return SweepConfig(values, path)


def load_config(path: Path | None, cwd: Path | None = None) -> SweepConfig:
    """Read ``path`` (``--config``), else ``pyproject.toml`` in ``cwd`` when it has the table."""
    if path is None:
        candidate = (cwd or Path.cwd()) / "pyproject.toml"
        if not candidate.is_file():
            return SweepConfig()
        path, explicit = candidate, False
    else:
        explicit = True
        if path.is_dir():
            msg = f"--config {path}: is a directory (give a sweep.toml or pyproject.toml file)"
            raise UsageError(msg)
        if not path.is_file():
            msg = f"config file not found: {path}"
            raise UsageError(msg)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML: {exc}"
        raise UsageError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: not valid TOML: not UTF-8 text (byte {exc.start})"
        raise UsageError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read it ({exc.strerror or exc})"
        raise UsageError(msg) from None
    pyproject = path.name == "pyproject.toml" or not explicit
    return parse_config(data, path, pyproject=pyproject)
