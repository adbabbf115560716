"""The one table of sweep options, behind ``benchmem sweep`` and ``benchmem bisect``.

Each option is one ``OptionSpec`` (``optionspec``): flag, config key, kind, default, check,
help. The config file (``config.py``) validates and normalises its keys from ``SPECS``; the
commands merge the command line over the config over the default with ``merge``;
``options.check_options`` runs each option's ``check`` on the merged value (so a bad value is
the same one-line error from a flag or a key); ``cli/sweep_params.py`` builds the typer options
of both commands from it. No typer here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pytest_benchmem.errors import UsageError
from pytest_benchmem.modes import ALLOW_MIXED_FLAG, ALLOW_MIXED_HELP

from .model import SweepOptions
from .optionspec import BISECT, BOTH, SWEEP, Kind, OptionSpec

__all__ = ["BISECT", "BY_KEY", "BY_NAME", "KEYS", "SPECS", "SWEEP", "Merged", "merge"]

PROVISIONING = "Provisioning"
POLICY = "Version policies (instead of listing targets)"
_BOTH_PROVISIONING = {SWEEP: PROVISIONING, BISECT: PROVISIONING}


# -- checks of a merged value (one line each, naming the flag) -------------------------------


def _suite(flag: str, suite: Path | None) -> None:
    if suite is not None and not suite.exists():
        msg = f"suite not found: {suite}"
        raise UsageError(msg)


def _directory(flag: str, path: Path | None) -> None:
    if path is not None and not path.is_dir():
        msg = f"{flag} is not a directory: {path}"
        raise UsageError(msg)


def _seconds(flag: str, seconds: float | None) -> None:
    if seconds is not None and not 0 < seconds < 10**7:
        msg = f"{flag} must be a positive number of seconds, got {seconds:g}"
        raise UsageError(msg)


def _at_least_one(flag: str, number: int) -> None:
    if number < 1:
        msg = f"{flag} must be at least 1, got {number}"
        raise UsageError(msg)


def _pytest_args(flag: str, args: tuple[str, ...]) -> None:
    for arg in args:
        if arg.split("=", 1)[0] in ("--benchmark-json", "--benchmark-disable"):
            msg = f"{flag} {arg}: the sweep writes each run's JSON itself"
            raise UsageError(msg)


def _env(flag: str, items: tuple[str, ...]) -> None:
    for item in items:
        name, eq, _ = item.partition("=")
        if not eq or not name.strip() or " " in name:
            msg = f"{flag} expects NAME=VALUE, got {item!r}"
            raise UsageError(msg)


def _pins(flag: str, pins: tuple[str, ...]) -> None:
    """UsageError unless every pin is a PEP 508 requirement (never an option for uv)."""
    from packaging.requirements import InvalidRequirement, Requirement

    for pin in pins:
        try:
            Requirement(pin)
        except InvalidRequirement as exc:
            first = str(exc).splitlines()[0] if str(exc) else "invalid"
            msg = (
                f"{flag} {pin!r} is not a requirement like 'attrs==23.2' or 'name @ URL' ({first})"
            )
            raise UsageError(msg) from None


def _find_links(flag: str, links: tuple[str, ...]) -> None:
    for link in links:
        if "://" not in link and not Path(link).exists():
            msg = f"{flag} location not found: {link}"
            raise UsageError(msg)


def _as_of(flag: str, date: str | None) -> None:
    from .releases import parse_as_of  # lazily: runs load this package (-p ...machine)

    parse_as_of(date)  # uv would reject it later, once per target


# -- config hooks ------------------------------------------------------------------------------


def _iso_date(value: object, path: Path) -> object:
    """TOML's bare date (``as-of = 2024-01-31``) as the string the command line takes."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _env_table(value: object, path: Path) -> object:
    """``[env]`` as NAME=VALUE items; every value must be a string (TOML ``FOO = 1`` is not)."""
    if not isinstance(value, dict):
        return value
    items = []
    for name, item in value.items():
        if not isinstance(item, str):
            msg = (
                f"{path}: sweep setting env.{name} must be a string, got {item!r} "
                f'(write {name} = "{item}")'
            )
            raise UsageError(msg)
        items.append(f"{name}={item}")
    return items


def _links(value: list[str], base: Path) -> object:
    return [v if "://" in v else str((base / v).resolve()) for v in value]


def _targets(value: list[str], base: Path) -> object:
    """Targets naming a local directory or wheel file, made relative to the config file."""
    from .spec import local_path, split_label

    resolved = []
    for text in value:
        label, spec = split_label(text)
        path = Path(spec).expanduser()
        if not local_path(spec) or path.is_absolute():
            resolved.append(text)
            continue
        where = str((base / path).resolve())
        resolved.append(where if label is None else f"{label}={where}")
    return resolved


# -- the table ---------------------------------------------------------------------------------

_REPEAT = " (repeatable)."
# fmt: off
SPECS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "targets", None, Kind.TEXTS,
        "Targets, oldest → newest: pkg==1.0 (label 1.0), a wheel file (its version), a bare pkg "
        "or pkg>=2 (the version resolved), LABEL=./project-dir, LABEL='pkg @ URL'.",
        in_options=False, resolve=_targets,
    ),
    OptionSpec(
        "suite", "--suite", Kind.PATH, "The benchmark suite (file or directory).",
        commands=BOTH, check=_suite,
    ),
    OptionSpec(
        "copy_dir", "--copy-dir", Kind.PATH,
        "Directory copied into each run's cwd (holds the suite).", check=_directory,
    ),
    OptionSpec(
        "out", "--out", Kind.PATH, "Where runs, logs and {command}.json go.",
        default=".benchmarks/{command}", show_default=".benchmarks/{command}", metavar="DIR",
        commands=BOTH,
    ),
    OptionSpec(
        "memory", "--memory/--no-memory", Kind.FLAG, "Measure memory.", default=True,
        show_default="memory",
    ),
    OptionSpec(
        "timeout", "--timeout", Kind.SECONDS,
        "Stop a target's suite run after this long (it is marked timeout; the others go on).",
        show_default="no limit", metavar="SECONDS", check=_seconds,
    ),
    OptionSpec(
        "rounds", "--rounds", Kind.INT,
        "Run every suite N times, the targets alternating (A B A B ...), and combine each "
        "target's rounds: machine drift hits every version alike.",
        default=1, show_default="1", metavar="N", check=_at_least_one,
    ),
    OptionSpec(
        "jobs", "--jobs", Kind.INT,
        "Venvs provisioned in parallel; suite runs started together (at most one per CPU), "
        "measured one at a time.", default=4,
        show_default="4", check=_at_least_one, panels={SWEEP: PROVISIONING},
    ),
    OptionSpec(
        "pytest_args", "--pytest-arg", Kind.TEXTS, "Extra argument passed to pytest" + _REPEAT,
        commands=BOTH, aliases=("pytest_arg",), check=_pytest_args,
    ),
    OptionSpec(
        "env", "--env", Kind.TEXTS,
        "NAME=VALUE set for every run, e.g. PYTHONMALLOC=malloc" + _REPEAT,
        commands=BOTH, check=_env, from_toml=_env_table,
    ),
    OptionSpec(
        "pins", "--pin", Kind.TEXTS, "Extra requirement installed in every venv" + _REPEAT,
        commands=BOTH, aliases=("pin",), check=_pins, panels=_BOTH_PROVISIONING,
    ),
    OptionSpec(
        "find_links", "--find-links", Kind.TEXTS,
        "Directory (or URL) of wheels/sdists for uv" + _REPEAT,
        commands=BOTH, check=_find_links, resolve=_links, panels=_BOTH_PROVISIONING,
    ),
    OptionSpec(
        "index_urls", "--index-url", Kind.TEXTS, "Package index URL for uv" + _REPEAT,
        show_default="the public index", commands=BOTH, aliases=("index_url",),
        panels=_BOTH_PROVISIONING,
    ),
    OptionSpec(
        "as_of", "--as-of", Kind.TEXT,
        "Ignore files uploaded after this date, YYYY-MM-DD (uv --exclude-newer).",
        commands=BOTH, check=_as_of, from_toml=_iso_date, panels=_BOTH_PROVISIONING,
    ),
    OptionSpec(
        "pythons", "--python", Kind.TEXTS,
        "Interpreter for the venvs (a path or a uv request such as 3.12).",
        show_default="this one", commands=BOTH, in_options=False, panels=_BOTH_PROVISIONING,
        notes={
            SWEEP: "Repeat it for a Python matrix: every target runs under each, labelled "
            "LABEL-py3.12.",
            BISECT: "Repeat it to bisect under each (one bisection per Python, in OUT/<tag>).",
        },
    ),
    OptionSpec(
        "python", None, Kind.TEXT, "One interpreter (the file's spelling of a single --python).",
        in_options=False,
    ),
    OptionSpec(
        "python_downloads", "--python-downloads", Kind.FLAG,
        "Let uv download a matrix interpreter it cannot find.", default=False,
        panels={SWEEP: PROVISIONING},
    ),
    OptionSpec(
        "import_check", "--import-check", Kind.TEXT, "Module to check imports from the venv.",
        show_default="derived",
    ),
    OptionSpec(
        "profile", "--profile", Kind.FLAG,
        "Keep each benchmark's memray capture under OUT/captures/LABEL/ (benchmem diff / "
        "flamegraph); the summary and report show where the peak moved.",
        default=False,
    ),
    OptionSpec(
        "report", "--report", Kind.PATH, "Also write the sweep view to this HTML file.",
        in_options=False,
    ),
    OptionSpec(
        "keep_order", "--keep-order", Kind.FLAG,
        "Keep pinned versions in the order given (else they are sorted oldest → newest, with a "
        "note).",
        default=False, in_options=False,
    ),
    OptionSpec(
        "last", "--last", Kind.INT, "The last N releases.", in_options=False,
        panels={SWEEP: POLICY},
    ),
    OptionSpec(
        "each_minor", "--each-minor", Kind.FLAG, "The latest patch of each minor.",
        default=False, in_options=False, panels={SWEEP: POLICY},
    ),
    OptionSpec(
        "since", "--since", Kind.TEXT, "Releases from this version on.", in_options=False,
        panels={SWEEP: POLICY},
    ),
    OptionSpec(
        "until", "--until", Kind.TEXT, "Releases up to this version.", in_options=False,
        panels={SWEEP: POLICY},
    ),
    OptionSpec(
        "pre", "--pre", Kind.FLAG, "Include pre-releases.", default=False, commands=BOTH,
        in_options=False, panels={SWEEP: POLICY},
    ),
    OptionSpec(
        "allow_mixed_modes", ALLOW_MIXED_FLAG, Kind.FLAG, ALLOW_MIXED_HELP, default=False,
        commands=BOTH, in_options=False,
    ),
)
# fmt: on
BY_NAME = {spec.name: spec for spec in SPECS}
#: config keys (underscored) and their options; KEYS are the names shown as known
BY_KEY = {key: s for s in SPECS if s.config for key in (s.name, *s.aliases)}
KEYS = frozenset(s.name for s in SPECS if s.config)


def for_command(command: str) -> tuple[OptionSpec, ...]:
    """The options of ``command``, in table order."""
    return tuple(spec for spec in SPECS if command in spec.commands)


@dataclass(frozen=True)
class Merged:
    """The command line merged over the config file over the defaults, converted by kind."""

    values: Mapping[str, object]

    def get(self, name: str) -> object:
        """The merged value of option ``name`` (None when unset)."""
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        """A TEXT option's value (None when unset)."""
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def texts(self, name: str) -> tuple[str, ...]:
        """A TEXTS option's values (empty when unset)."""
        value = self.values.get(name)
        return tuple(str(v) for v in value) if isinstance(value, tuple) else ()

    def path(self, name: str) -> Path | None:
        """A PATH option's value (None when unset)."""
        value = self.values.get(name)
        return value if isinstance(value, Path) else None

    def flag(self, name: str) -> bool:
        """A FLAG option's value."""
        return self.values.get(name) is True

    def options(self, **more: Any) -> SweepOptions:
        """``SweepOptions`` from the merged options that are its fields, and ``more``."""
        fields: dict[str, Any] = {
            name: value for name, value in self.values.items() if BY_NAME[name].in_options
        }
        return SweepOptions(**(fields | more))


class Source(Protocol):
    """Where ``merge`` reads the config file's values (``SweepConfig``, or a mapping)."""

    def get(self, key: str, /) -> object: ...


def merge(command: str, given: Mapping[str, object], config: Source | None = None) -> Merged:
    """For every option of ``command`` (for sweep, the config-only keys too): the command
    line's value when it gave one (``given``, by parameter name), else the config file's,
    else the default."""
    source: Source = config if config is not None else {}
    values: dict[str, object] = {}
    for spec in SPECS:
        if command not in spec.commands:
            continue
        value = given.get(spec.name)
        if not spec.given(value):
            value = source.get(spec.name) if spec.config else None
        if value is None:
            value = spec.default_for(command)
        values[spec.name] = spec.kind.convert(value)
    return Merged(values)
