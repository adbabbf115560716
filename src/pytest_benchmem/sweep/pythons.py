"""The Python matrix: interpreters found through uv, and the label tag each one adds.

``find_interpreters`` asks ``uv python find`` for every ``--python`` request and then the
interpreter itself for its version and implementation; a request uv cannot find is kept with
its one-line reason, so only its targets fail. ``python_tags`` gives each interpreter the
shortest tag that tells it apart from the others (see docs/sweeps.md, "Python matrix").
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .process import Command, Runner

_PROBE = (
    "import json, platform, sys; print(json.dumps({'version': platform.python_version(), "
    "'implementation': sys.implementation.name, 'executable': sys.executable}))"
)
_PREFIX = {"cpython": "py"}  # CPython 3.12 -> py3.12; PyPy 3.10 -> pypy3.10


@dataclass(frozen=True)
class Interpreter:
    """One ``--python`` request and what uv found for it.

    Attributes:
        request: as the user wrote it (``3.12``, ``/usr/bin/python3.11``, ``pypy3.10``).
        executable: the interpreter uv found (None when it found none).
        version: its full version, e.g. ``3.11.2`` (None when not found).
        implementation: ``cpython``, ``pypy``, ... (None when not found).
        error: why it is unavailable (one line), or None.
    """

    request: str
    executable: str | None = None
    version: str | None = None
    implementation: str | None = None
    error: str | None = None

    @property
    def found(self) -> bool:
        """True when the interpreter exists and answered."""
        return self.error is None and self.executable is not None

    def to_json(self) -> dict[str, object]:
        """The interpreter as a plan and a manifest record it."""
        return {
            "request": self.request,
            "executable": self.executable,
            "version": self.version,
            "implementation": self.implementation,
            "error": self.error,
        }


def _one_line(text: str) -> str:
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in kept if line.startswith(("error:", "cause:"))]
    return " ".join(errors or kept[-2:])[:400] or "no output"


def find_interpreter(
    request: str,
    *,
    uv: str,
    log_dir: Path,
    env: Mapping[str, str],
    runner: Runner,
    downloads: bool = False,
) -> Interpreter:
    """Find ``request`` through ``uv python find`` and read its version and implementation."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._+-]+", "_", request).strip("_") or "python"
    flags = () if downloads else ("--no-python-downloads",)
    find = Command(
        (uv, "python", "find", *flags, request), log_dir, log_dir / f"find-{stem}.log", env, 120
    )
    found = runner(find)
    if not found.ok and downloads:  # allowed: uv installs it (a managed interpreter), once
        argv = (uv, "python", "install", request)
        installed = runner(Command(argv, log_dir, log_dir / f"install-{stem}.log", env, 900))
        found = runner(find) if installed.ok else installed
    lines = [line.strip() for line in found.output.splitlines() if line.strip()]
    if not found.ok or not lines:
        why = _one_line(found.output)
        return Interpreter(request, error=f"Python {request} not found by uv ({why})")
    path = lines[-1]
    probe = runner(Command((path, "-c", _PROBE), log_dir, log_dir / f"probe-{stem}.log", env, 60))
    try:
        data = json.loads(probe.output.strip().splitlines()[-1])
        return Interpreter(request, path, str(data["version"]), str(data["implementation"]))
    except (ValueError, IndexError, KeyError, TypeError):
        why = _one_line(probe.output)
        return Interpreter(request, path, error=f"Python {request} ({path}) does not run: {why}")


def find_interpreters(
    requests: Sequence[str],
    *,
    uv: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    runner: Runner,
    downloads: bool = False,
) -> list[Interpreter]:
    """``find_interpreter`` for each request, in order."""
    environ = dict(os.environ if env is None else env)
    return [
        find_interpreter(r, uv=uv, log_dir=log_dir, env=environ, runner=runner, downloads=downloads)
        for r in requests
    ]


def _request_tag(request: str) -> str:
    """A tag from the request alone (the interpreter was not found)."""
    name = Path(request).name if "/" in request else request
    if re.fullmatch(r"\d+(\.\d+)*t?", name):
        return f"py{name}"
    tag = re.sub(r"[^A-Za-z0-9._+]+", "_", name).strip("_.") or "python"
    return tag if tag.startswith(("py", "python")) else f"py-{tag}"


def _tag(interp: Interpreter, level: int) -> str:
    if interp.version is None:
        return _request_tag(interp.request)
    prefix = _PREFIX.get(interp.implementation or "", interp.implementation or "py")
    parts = interp.version.split(".")
    return prefix + ".".join(parts[: max(2, level)])


def python_tags(interpreters: Sequence[Interpreter]) -> list[str]:
    """One distinct tag per interpreter: the label suffix ``-TAG`` in a Python matrix.

    The rule, applied to all interpreters alike: ``py`` + major.minor (``py3.12``; another
    implementation uses its name, ``pypy3.10``); when two would read the same, the full
    version (``py3.11.7``, ``py3.11.2``); when two still read the same (two builds of one
    version), ``-2``, ``-3``... in the order given. An interpreter uv did not find is tagged
    from its request (``3.13`` -> ``py3.13``).
    """
    for level in (2, 3):
        tags = [_tag(i, level) for i in interpreters]
        if len(set(tags)) == len(tags):
            return tags
    seen: dict[str, int] = {}
    out = []
    for tag in tags:
        seen[tag] = seen.get(tag, 0) + 1
        out.append(tag if seen[tag] == 1 else f"{tag}-{seen[tag]}")
    return out
