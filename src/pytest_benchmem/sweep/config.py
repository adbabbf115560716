"""Sweep settings from ``[tool.benchmem.sweep]`` in pyproject.toml or a ``--config`` file.

A config file is either a pyproject-style file (the ``[tool.benchmem.sweep]`` table) or a
plain ``sweep.toml`` whose top level holds the same keys. Relative paths are resolved against
the file's directory. Keys may be written with ``-`` or ``_``; the command line wins. The
keys, their types and how they are normalised are the options' (``settings.SPECS``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_benchmem.errors import UsageError

from . import settings


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


def parse_config(data: Mapping[str, object], path: Path, *, pyproject: bool) -> SweepConfig:
    """Validate and normalise a parsed TOML document's sweep settings."""
    values: dict[str, object] = {}
    for raw_key, raw_value in _table(data, path, pyproject=pyproject).items():
        spec = settings.BY_KEY.get(raw_key.replace("-", "_"))
        if spec is None:
            known = ", ".join(sorted(k.replace("_", "-") for k in settings.KEYS))
            msg = f"{path}: unknown sweep setting {raw_key!r} (known: {known})"
            raise UsageError(msg)
        values[spec.name] = spec.from_config(spec.name, raw_value, path)
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
