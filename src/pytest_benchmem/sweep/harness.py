"""The harness: the running pytest_benchmem, packed as a wheel to inject into every venv.

The wheel is built from the imported package directory (never fetched from an index), named
with a content hash in its local version, and cached under the sweep cache root. The harness
requirements are pinned to the driver's own pytest, pytest-benchmark and memray versions.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.metadata as md
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pytest_benchmem.files import write_atomic

#: What the plugin needs inside a venv (the CLI's typer/rich/uv/plotly are left out).
RUNTIME_REQUIRES = (
    "pytest>=8",
    "pytest-benchmark>=4,<6",
    "memray>=1.11; sys_platform == 'linux' or sys_platform == 'darwin'",
    # Unbounded: pytest needs packaging anyway, and a lower bound here would make every
    # older release of packaging unsweepable (the harness would conflict with the target).
    "packaging",
)
#: The interpreters the harness runs on (the project's own requires-python).
REQUIRES_PYTHON = ">=3.11"
#: Harness distributions pinned to the driver's versions in the one resolution.
PINNED = ("pytest", "pytest-benchmark", "memray")
_FAR_FUTURE = "2999-12-31"


@dataclass(frozen=True)
class Harness:
    """The injected harness: its wheel, content hash, version and pinned requirements."""

    wheel: Path
    digest: str
    version: str
    source: Path
    pins: tuple[str, ...]

    @property
    def exempt(self) -> tuple[str, ...]:
        """The harness closure, exempt from --as-of (--exclude-newer); computed when needed."""
        return closure(("pytest-benchmem",))

    def pinned_names(self) -> tuple[str, ...]:
        """Canonical names of the pinned harness distributions."""
        return tuple(canonicalize_name(Requirement(p).name) for p in self.pins)

    def exclude_newer_args(self) -> list[str]:
        """uv arguments that lift an ``--exclude-newer`` cutoff for the harness closure."""
        args: list[str] = []
        for name in self.exempt:
            args += ["--exclude-newer-package", f"{name}={_FAR_FUTURE}"]
        return args


def package_dir() -> Path:
    """The directory of the pytest_benchmem package actually imported by this process."""
    import pytest_benchmem

    return Path(pytest_benchmem.__file__).resolve().parent


def _package_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )


def _digest(root: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    h.update("\n".join(RUNTIME_REQUIRES).encode())
    return h.hexdigest()


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _wheel_files(root: Path, files: list[Path], version: str) -> dict[str, bytes]:
    info = f"pytest_benchmem-{version}.dist-info"
    entries: dict[str, bytes] = {
        f"pytest_benchmem/{p.relative_to(root).as_posix()}": p.read_bytes() for p in files
    }
    meta = ["Metadata-Version: 2.1", "Name: pytest-benchmem", f"Version: {version}"]
    meta += ["Summary: pytest-benchmem harness injected by benchmem sweep"]
    meta += [f"Requires-Python: {REQUIRES_PYTHON}"] + [
        f"Requires-Dist: {r}" for r in RUNTIME_REQUIRES
    ]
    entries[f"{info}/METADATA"] = ("\n".join(meta) + "\n").encode()
    entries[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: benchmem-sweep\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    entries[f"{info}/entry_points.txt"] = b"[pytest11]\nbenchmem = pytest_benchmem.plugin\n"
    entries[f"{info}/top_level.txt"] = b"pytest_benchmem\n"
    record = [_record_line(name, data) for name, data in entries.items()]
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    return entries


def build_harness(cache_root: Path, source: Path | None = None) -> Harness:
    """Build (or reuse, by content hash) the harness wheel of the running pytest_benchmem."""
    from pytest_benchmem import __version__

    root = source or package_dir()
    files = _package_files(root)
    digest = _digest(root, files)
    version = f"{__version__}+h{digest[:12]}"
    wheel = cache_root / "harness" / f"pytest_benchmem-{version}-py3-none-any.whl"
    if not wheel.is_file():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for arcname, data in _wheel_files(root, files, version).items():
                zf.writestr(arcname, data)
        write_atomic(wheel, buffer.getvalue())
    return Harness(wheel, digest, version, root, driver_pins())


def driver_pins() -> tuple[str, ...]:
    """``name==version`` for each pinned harness distribution installed in this driver."""
    pins: list[str] = []
    for name in PINNED:
        try:
            pins.append(f"{name}=={md.version(name)}")
        except md.PackageNotFoundError:
            continue
    return tuple(pins)


@functools.cache
def closure(roots: tuple[str, ...]) -> tuple[str, ...]:
    """Canonical names of ``roots`` and everything they require in this environment."""
    seen: set[str] = set()
    todo = [canonicalize_name(r) for r in roots]
    todo += [canonicalize_name(Requirement(r).name) for r in RUNTIME_REQUIRES]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for text in requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    seen.discard(canonicalize_name("pytest-benchmem"))
    return tuple(sorted(seen))


def mentions_pin(output: str, harness: Harness) -> bool:
    """True when a uv resolution failure names one of the harness pins."""
    if "No solution found" not in output:
        return False
    names = "|".join(re.escape(n) for n in harness.pinned_names())
    return re.search(rf"(?<![\w-])({names})==", output) is not None
