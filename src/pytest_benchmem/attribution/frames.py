"""Stack frames of kept captures, normalised so two venvs (or two suite copies) match.

A frame's file is made relative to ``site-packages``, the run's rootdir or the stdlib; its
module is derived from that path. Frames of the harness (the memory pass itself) and every
caller outside it are cut, so a stack starts at the benchmarked call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: innermost frames kept per stack (deep enough for a useful flame graph, bounded for size)
MAX_DEPTH = 48
_PACKAGE_DIRS = ("/site-packages/", "/dist-packages/")
_STDLIB = re.compile(r"/lib/python\d+\.\d+/(.+)$")
_HARNESS_FILES = ("window.py", "measure.py", "fixture.py")
UNKNOWN = "<unknown>"

RawFrame = tuple[str, str, int]


@dataclass(frozen=True)
class Frame:
    """One normalised frame.

    Attributes:
        function: the function name.
        file: the path relative to site-packages / the rootdir / the stdlib (else as given).
        line: the line number.
        module: dotted module from ``file`` (``toypkg.extra``); a native frame's file.
        native: True for a C/C++ frame (captures with native traces only).
    """

    function: str
    file: str
    line: int
    module: str
    native: bool = False

    @property
    def site(self) -> str:
        """``module:function``, the aggregation key (line numbers move between versions)."""
        return f"{self.module}:{self.function}"

    @property
    def where(self) -> str:
        """``extra.py:12``: the file's base name and the line."""
        return f"{self.file.rsplit('/', 1)[-1]}:{self.line}"


#: the site of bytes the memory pass's own call frame holds (arguments, the frame itself)
HARNESS = Frame("<call>", "<harness>", 0, "pytest_benchmem")


def normalise_path(file: str, rootdir: str | None = None) -> str:
    """``/venv/lib/python3.11/site-packages/toypkg/extra.py`` -> ``toypkg/extra.py``."""
    path = file.replace("\\", "/")
    for marker in _PACKAGE_DIRS:
        index = path.rfind(marker)
        if index >= 0:
            return path[index + len(marker) :]
    if rootdir:
        root = rootdir.replace("\\", "/").rstrip("/") + "/"
        if path.startswith(root):
            return path[len(root) :]
    match = _STDLIB.search(path)
    if match:
        return match.group(1)
    return path


def module_of(path: str) -> str:
    """``toypkg/extra.py`` -> ``toypkg.extra``; ``pkg/__init__.py`` -> ``pkg``."""
    if not path.endswith(".py"):
        return path
    parts = [p for p in path[:-3].split("/") if p]
    if path.startswith("/"):  # outside every known root: the file's own name only
        parts = parts[-1:]
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or path


def is_harness(file: str) -> bool:
    """True for pytest-benchmem's own memory-pass frames (where a capture's stack is cut)."""
    parts = file.replace("\\", "/").rsplit("/", 2)
    return len(parts) == 3 and parts[1] == "pytest_benchmem" and parts[2] in _HARNESS_FILES


def make_frames(
    python: Sequence[RawFrame],
    hybrid: Sequence[RawFrame] | None,
    rootdir: str | None,
    cache: dict[tuple[RawFrame, bool], Frame],
) -> tuple[Frame, ...]:
    """Normalised frames, innermost first, cut at the harness and at ``MAX_DEPTH``."""
    raw: Iterable[RawFrame] = python if hybrid is None else hybrid
    pythonic = None if hybrid is None else set(python)
    out: list[Frame] = []
    for item in raw:
        function, file, line = item
        if is_harness(file):
            if not out:  # allocated by the call itself (its arguments, its frame)
                out.append(HARNESS)
            break
        native = pythonic is not None and item not in pythonic
        key = (item, native)
        frame = cache.get(key)
        if frame is None:
            rel = normalise_path(file, None if native else rootdir)
            frame = Frame(str(function), rel, int(line), module_of(rel), native)
            cache[key] = frame
        out.append(frame)
        if len(out) >= MAX_DEPTH:
            break
    return tuple(out)


def site_frame(stack: Sequence[Frame]) -> Frame:
    """The frame a stack is attributed to: its innermost Python frame (native ones skipped)."""
    for frame in stack:
        if not frame.native:
            return frame
    return Frame(UNKNOWN, UNKNOWN, 0, UNKNOWN)
