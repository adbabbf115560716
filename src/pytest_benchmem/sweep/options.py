"""Checking a sweep's options before anything runs: paths, numbers, dates, the interpreter.

Every check is a one-line ``UsageError``, so a bad option costs nothing and writes nothing
but (for ``--out``) the output directory itself.
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from pathlib import Path

from pytest_benchmem.errors import UsageError

from .model import SweepOptions


def check_options(options: SweepOptions) -> SweepOptions:
    """Validate the paths and numbers of ``options``; return them with ``out`` absolute."""
    if not options.suite.exists():
        msg = f"suite not found: {options.suite}"
        raise UsageError(msg)
    if options.copy_dir is not None:
        if not options.copy_dir.is_dir():
            msg = f"--copy-dir is not a directory: {options.copy_dir}"
            raise UsageError(msg)
        if not options.suite.resolve().is_relative_to(options.copy_dir.resolve()):
            msg = f"the suite {options.suite} is not inside --copy-dir {options.copy_dir}"
            raise UsageError(msg)
    if options.timeout is not None and not 0 < options.timeout < 10**7:
        msg = f"--timeout must be a positive number of seconds, got {options.timeout:g}"
        raise UsageError(msg)
    if options.rounds < 1:
        msg = f"--rounds must be at least 1, got {options.rounds}"
        raise UsageError(msg)
    if options.jobs < 1:
        msg = f"--jobs must be at least 1, got {options.jobs}"
        raise UsageError(msg)
    for arg in options.pytest_args:
        if arg.split("=", 1)[0] in ("--benchmark-json", "--benchmark-disable"):
            msg = f"--pytest-arg {arg}: the sweep writes each run's JSON itself"
            raise UsageError(msg)
    for item in options.env:
        name, eq, _ = item.partition("=")
        if not eq or not name.strip() or " " in name:
            msg = f"--env expects NAME=VALUE, got {item!r}"
            raise UsageError(msg)
    for pin in options.pins:
        _check_pin(pin)
    for link in options.find_links:
        if "://" not in link and not Path(link).exists():
            msg = f"--find-links location not found: {link}"
            raise UsageError(msg)
    from .releases import parse_as_of  # lazily: runs load this package (-p ...machine)

    parse_as_of(options.as_of)  # uv would reject it later, once per target
    out = _writable_out(options.out)
    if options.python and Path(options.python).is_file():  # a name like 3.12 is uv's to find
        _check_python(options.python, out / "logs" / "python")
    return replace(options, out=out)


def _check_pin(pin: str) -> None:
    """UsageError unless ``pin`` is a PEP 508 requirement (never an option for uv)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(pin)
    except InvalidRequirement as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        msg = f"--pin {pin!r} is not a requirement like 'attrs==23.2' or 'name @ URL' ({first})"
        raise UsageError(msg) from None


def _check_python(python: str, log_dir: Path) -> None:
    """UsageError when ``--python`` is older than the harness supports (each target would
    otherwise fail at install with uv's long resolution error)."""
    from packaging.specifiers import SpecifierSet

    from .harness import REQUIRES_PYTHON

    version = _python_version(os.path.realpath(python), log_dir)
    if not SpecifierSet(REQUIRES_PYTHON).contains(version, prereleases=True):
        msg = f"--python {python} is Python {version}; the harness needs Python {REQUIRES_PYTHON}"
        raise UsageError(msg)


@functools.lru_cache(maxsize=8)
def _python_version(python: str, log_dir: Path) -> str:
    """The interpreter's version, asked once per process (bisect checks its options per probe)."""
    from .releases import interpreter_version

    return interpreter_version(python, log_dir)


def _writable_out(out: Path) -> Path:
    """``out`` made absolute and created; UsageError when it cannot be written to."""
    out = out.resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".benchmem-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        msg = f"--out {out}: cannot write there ({exc.strerror or exc})"
        raise UsageError(msg) from None
    return out
