"""Checking a sweep's options before anything runs: each option's own check, then the suite
inside ``--copy-dir``, a writable ``--out`` and the interpreter.

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
from .settings import SPECS


def check_options(options: SweepOptions) -> SweepOptions:
    """Validate the paths and numbers of ``options``; return them with ``out`` absolute.

    Each option is checked by its own ``check`` (``settings.SPECS``), the same whether its
    value came from the command line, a config file or the API; then what spans options.
    """
    for spec in SPECS:
        if spec.in_options and spec.check is not None and spec.flag is not None:
            spec.check(spec.flag, getattr(options, spec.name))
    copy_dir = options.copy_dir
    if copy_dir is not None and not options.suite.resolve().is_relative_to(copy_dir.resolve()):
        msg = f"the suite {options.suite} is not inside --copy-dir {copy_dir}"
        raise UsageError(msg)
    out = _writable_out(options.out)
    if options.python and Path(options.python).is_file():  # a name like 3.12 is uv's to find
        _check_python(options.python, out / "logs" / "python")
    return replace(options, out=out)


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
