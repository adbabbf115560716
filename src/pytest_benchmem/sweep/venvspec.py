"""What a sweep venv is reused under: its spec (interpreter, target, pins, sources, harness),
the spec's key (the venv's directory name) and the content fingerprints in it."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .spec import Kind, Target

if TYPE_CHECKING:
    from .venv import ProvisionConfig


def tree_fingerprint(path: Path, exclude: Path | None = None) -> str:
    """Identity of a file or directory tree by names, sizes and mtimes (cheap, no reads).

    ``exclude`` is a directory inside the tree left out (the sweep's own ``--out``).
    """
    h = hashlib.sha256()
    skip = {".git", "__pycache__", ".venv", ".nox", ".tox", "build", "dist", ".benchmarks"}
    items = [path] if path.is_file() else sorted(path.rglob("*"))
    for item in items:
        rel = item.relative_to(path) if item != path else Path(item.name)
        if exclude is not None and item.is_relative_to(exclude):
            continue
        if item.is_file() and not skip.intersection(rel.parts):
            st = item.stat()
            h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def target_fingerprint(target: Target) -> str:
    """Content identity of a local target (a wheel's bytes, a project's file stats)."""
    path = Path(target.install)
    if target.kind is Kind.WHEEL:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if target.kind is Kind.PATH:
        return tree_fingerprint(path)
    return ""


def venv_spec(target: Target, cfg: ProvisionConfig) -> dict[str, object]:
    """The recorded spec a venv is reused under (python, target, pins, as-of, sources, harness)."""
    return {
        "python": cfg.python,
        "python_real": os.path.realpath(cfg.python),
        "install": target.install,
        "content": target_fingerprint(target),
        "pins": list(cfg.pins),
        "as_of": cfg.as_of,
        "find_links": list(cfg.find_links),
        "index_urls": list(cfg.index_urls),
        "harness": cfg.harness.digest,
        "harness_pins": list(cfg.harness.pins),
    }


def spec_key(spec: Mapping[str, object]) -> str:
    """A short stable hash of a venv spec (the venv's directory name)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
