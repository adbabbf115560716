"""Looking inside a venv: installed versions, and where the target's module imports from.

A small script runs in the venv's own interpreter, with the run's cwd and sys.path as pytest
would set them, so a local directory that shadows the installed package is caught.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .process import Command, Runner

_MARK = "BENCHMEM-INSPECT "

SCRIPT = r"""
import importlib, importlib.metadata as md, json, os, re, sys
args = json.loads(sys.argv[1])
for p in reversed(args.get("prepend", [])):
    sys.path.insert(0, p)
canon = lambda n: re.sub(r"[-_.]+", "-", n).lower()
res = {"packages": {}, "prefix": os.path.realpath(sys.prefix)}
for d in md.distributions():
    n = d.metadata["Name"]
    if n:
        res["packages"].setdefault(canon(n), d.version)
name, mod = args.get("name"), args.get("module")
if name and not mod:
    try:
        dist = md.distribution(name)
        tops = [t.strip() for t in (dist.read_text("top_level.txt") or "").split() if t.strip()]
        if not tops:
            for f in dist.files or []:
                head = f.parts[0]
                if not head.endswith((".dist-info", ".data", ".pth")) and head not in ("..", "bin"):
                    tops.append(head[:-3] if head.endswith(".py") else head)
        # not a private module nor mypyc's runtime (<hash>__mypyc), the dist's own name first
        tops = [t for t in tops if not t.startswith("_") and not t.endswith("__mypyc")] or tops
        own = [t for t in tops if t.lower() == name.replace("-", "_").lower()]
        mod = (own or tops or [None])[0]
    except Exception:
        mod = None
    mod = mod or name.replace("-", "_")
if mod:
    res["module"] = mod
    try:
        m = importlib.import_module(mod)
        f = getattr(m, "__file__", None) or next(iter(getattr(m, "__path__", [])), None)
        res["file"] = os.path.realpath(f) if f else None
        v = getattr(m, "__version__", None)
        res["module_version"] = v if isinstance(v, str) else None
    except BaseException as e:
        res["import_error"] = "%s: %s" % (type(e).__name__, e)
print("BENCHMEM-INSPECT " + json.dumps(res))
"""


@dataclass(frozen=True)
class Inspection:
    """What the inspect script found (``error`` set when it could not run)."""

    packages: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""
    module: str | None = None
    file: str | None = None
    module_version: str | None = None
    import_error: str | None = None
    error: str | None = None

    def in_venv(self) -> bool:
        """True when the module's file lies inside the venv's prefix."""
        return bool(self.file and self.prefix) and (
            str(self.file).startswith(self.prefix.rstrip("/") + "/")
        )


def inspect_venv(
    python: Path,
    *,
    cwd: Path,
    env: Mapping[str, str],
    args: Mapping[str, object],
    log: Path,
    runner: Runner,
) -> Inspection:
    """Run the inspect script with ``python`` in ``cwd``; ``args``: name, module, prepend."""
    outcome = runner(Command((str(python), "-c", SCRIPT, json.dumps(dict(args))), cwd, log, env))
    line = next((ln for ln in reversed(outcome.output.splitlines()) if ln.startswith(_MARK)), None)
    if not outcome.ok or line is None:
        reason = outcome.tail() or f"exit code {outcome.returncode}"
        return Inspection(error=f"cannot inspect the venv with {python}: {reason}")
    try:
        data = json.loads(line[len(_MARK) :])
    except ValueError:
        return Inspection(error=f"unreadable venv inspection output (see {log})")
    packages = data.get("packages") or {}
    return Inspection(
        packages={str(k): str(v) for k, v in packages.items()},
        prefix=str(data.get("prefix") or ""),
        module=data.get("module"),
        file=data.get("file"),
        module_version=data.get("module_version"),
        import_error=data.get("import_error"),
    )
