"""Toy wheels for offline sweep and bisect tests, written with ``zipfile`` (no build backend).

``build_wheel`` writes a valid pure-Python wheel (METADATA, WHEEL, RECORD and the module);
``alloc_body`` gives a module whose ``work()`` allocates a given number of bytes;
``build_toy_index`` fills a ``--find-links`` directory with one wheel per version.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

MB = 1_000_000


def _normalize(name: str) -> str:
    """The wheel file-name form of a project name (PEP 427: runs of -_. become _)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(
    dest_dir: str | Path,
    name: str,
    version: str,
    body: str,
    requires_python: str | None = None,
    *,
    requires: tuple[str, ...] = (),
    module: str | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into ``dest_dir`` and return its path.

    The wheel holds the package ``<module>/__init__.py`` (module defaults to the normalized
    name) with ``body`` as its source, plus a dist-info with METADATA, WHEEL, top_level.txt
    and RECORD (sha256 of every file), so uv and pip install it like any published wheel.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    dist = _normalize(name)
    mod = module or dist
    info = f"{dist}-{version}.dist-info"
    meta = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        "Summary: toy package for pytest-benchmem tests",
    ]
    if requires_python:
        meta.append(f"Requires-Python: {requires_python}")
    meta += [f"Requires-Dist: {req}" for req in requires]
    files: dict[str, bytes] = {
        f"{mod}/__init__.py": body.encode(),
        **{f"{mod}/{name}": source.encode() for name, source in (files or {}).items()},
        f"{info}/METADATA": ("\n".join(meta) + "\n").encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: toywheels\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/top_level.txt": f"{mod}\n".encode(),
    }
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = dest / f"{dist}-{version}-py3-none-any.whl"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in files.items():
            zf.writestr(arcname, data)
    tmp.replace(path)
    return path


def alloc_body(nbytes: int, version: str = "") -> str:
    """Module source whose ``work()`` allocates ``nbytes`` (a bytearray) and returns its length."""
    return (
        f'"""toy package {version}."""\n\n'
        f"__version__ = {version!r}\n"
        f"SIZE = {nbytes}\n\n\n"
        "def work():\n"
        "    data = bytearray(SIZE)\n"
        "    return len(data)\n"
    )


def build_toy_index(
    dest_dir: str | Path,
    sizes: Mapping[str, int],
    *,
    name: str = "toypkg",
) -> Path:
    """A find-links directory with one ``name`` wheel per version, ``work()`` allocating sizes[v].

    Example: ``build_toy_index(tmp_path / "wheels", {"1.0": 1 * MB, "2.0": 10 * MB})``.
    """
    dest = Path(dest_dir)
    for version, nbytes in sizes.items():
        build_wheel(dest, name, version, alloc_body(nbytes, version))
    return dest


def build_broken_wheel(dest_dir: str | Path, name: str, version: str) -> Path:
    """A file named like a wheel that is not a zip: installing it fails (bisect skip tests)."""
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{_normalize(name)}-{version}-py3-none-any.whl"
    path.write_bytes(b"this is not a zip archive\n")
    return path


SPLIT_INIT = '''"""toy package {version}: work() holds what core.build() and extra.grow() make."""

from toypkg import core, extra

__version__ = {version!r}


def work():
    held = core.build()
    more = extra.grow()
    return len(held) + sum(len(x) for x in more)
'''

SPLIT_CORE = '''"""core: build() allocates {size} bytes."""

SIZE = {size}


def build():
    return bytearray(SIZE)
'''

SPLIT_EXTRA_OLD = '''"""extra: grow() keeps a 1 MB buffer."""


def grow():
    base = bytearray(1_000_000)
    return [base]
'''

SPLIT_EXTRA_NEW = '''"""extra: grow() keeps a 1 MB buffer and, since 5.0, a 5 MB cache."""


def grow():
    base = bytearray(1_000_000)
    # 5.0: a cache that stays alive with the result
    cache = bytearray(5_000_000)
    return [base, cache]
'''


def build_split_index(
    dest_dir: str | Path, versions: tuple[str, ...], *, grown: str = "5.0"
) -> Path:
    """``toypkg`` wheels whose ``work()`` calls ``core.build()`` and ``extra.grow()``.

    From version ``grown`` on, ``extra.grow()`` holds 5 MB more (on a new line) and
    ``core.build()`` 1 MB less (2 MB before, 1 MB after): the attribution acceptance case.
    """
    from packaging.version import Version

    dest = Path(dest_dir)
    for version in versions:
        new = Version(version) >= Version(grown)
        files = {
            "core.py": SPLIT_CORE.format(size=1 * MB if new else 2 * MB),
            "extra.py": SPLIT_EXTRA_NEW if new else SPLIT_EXTRA_OLD,
        }
        build_wheel(dest, "toypkg", version, SPLIT_INIT.format(version=version), files=files)
    return dest


TOY_SUITE = '''"""Toy benchmark suite: one benchmark calling toypkg.work()."""

import toypkg


def test_work(benchmark):
    assert benchmark(toypkg.work) > 0
'''


def write_toy_suite(dest_dir: str | Path, source: str = TOY_SUITE) -> Path:
    """Write ``test_toy.py`` (the suite above by default) into ``dest_dir``; return the dir."""
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "test_toy.py").write_text(source)
    return dest
