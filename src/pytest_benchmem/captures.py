"""Captures kept by ``--benchmark-memory-profile=DIR``: one memray file per benchmark.

Owns the file names (the benchmark id made safe for the file system, collisions numbered),
moving the measured pass's file into DIR (no extra pass), pruning to the regressing ids under
a compare-fail gate, and what the run JSON and the terminal say about the captures. Runs in the
plugin: stdlib only.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .measure import Keep

#: key beside the three series in ``extra_info["benchmem"]``: the capture's relative path
CAPTURE_KEY = "capture"
#: key of the run provenance (``output_json["benchmem"]``) describing the captures
PROFILE_KEY = "profile"
SUFFIX = ".bin"
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+,@\[\]-]+")
_MAX_STEM = 120


def safe_stem(benchmark_id: str) -> str:
    """``tests/test_x.py::test_build[a/b]`` -> ``tests-test_x.py--test_build[a_b]``.

    Path separators become ``-``, ``::`` becomes ``--``, anything else unsafe on common file
    systems becomes ``_``; a long id is cut and suffixed with a hash of the whole id.
    """
    text = benchmark_id.replace("::", "--").replace("/", "-").replace("\\", "-")
    text = _UNSAFE.sub("_", text).strip(".") or "benchmark"
    if len(text) > _MAX_STEM:
        digest = hashlib.sha1(benchmark_id.encode(), usedforsecurity=False).hexdigest()[:10]
        text = f"{text[: _MAX_STEM - 11]}-{digest}"
    return text


def _move(source: str, target: Path) -> None:
    """Rename when on one file system, else copy (tmpfs to disk) and delete the source."""
    try:
        Path(source).replace(target)
    except OSError:
        shutil.copyfile(source, target)
        Path(source).unlink(missing_ok=True)


@dataclass
class CaptureKeeper:
    """The captures of one pytest session.

    Attributes:
        directory: where captures go (created on the first one).
        native: record native stacks too (``--benchmark-memory-profile-native``).
        keep_all: keep every capture even when a compare-fail gate is set.
        files: benchmark id (pytest node id) -> kept capture file.
    """

    directory: Path
    native: bool = False
    keep_all: bool = False
    files: dict[str, Path] = field(default_factory=dict)
    pruned: int = 0

    def keep_for(self, benchmark_id: str) -> Keep:
        """The measure hook for one benchmark: its representative pass lands in its file."""

        def sink(path: str) -> None:
            self.store(benchmark_id, path)

        return Keep(sink=sink, native_traces=self.native)

    def _name(self, benchmark_id: str) -> Path:
        taken = {p.name.lower() for p in self.files.values()}
        stem = safe_stem(benchmark_id)
        name, number = f"{stem}{SUFFIX}", 1
        while name.lower() in taken:  # two ids with one safe name, or a case-blind disk
            number += 1
            name = f"{stem}-{number}{SUFFIX}"
        return self.directory / name

    def store(self, benchmark_id: str, source: str) -> Path:
        """Move ``source`` (a finished memray file) to the benchmark's capture file."""
        target = self.files.get(benchmark_id) or self._name(benchmark_id)
        self.directory.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        _move(source, target)
        self.files[benchmark_id] = target
        return target

    def prune(self, keep_ids: Iterable[str]) -> None:
        """Delete every capture whose id is not in ``keep_ids`` (the gate's regressions)."""
        wanted = set(keep_ids)
        for benchmark_id in [i for i in self.files if i not in wanted]:
            self.files.pop(benchmark_id).unlink(missing_ok=True)
            self.pruned += 1

    def relative(self, base: Path) -> dict[str, str]:
        """Benchmark id -> capture path relative to ``base`` (POSIX separators)."""
        out = {}
        for benchmark_id, path in self.files.items():
            rel = os.path.relpath(path.resolve(), base.resolve())
            out[benchmark_id] = Path(rel).as_posix()
        return out

    def provenance(self, base: Path, rootdir: Path) -> dict[str, Any]:
        """The run's ``profile`` section: where captures are and how paths were written."""
        return {
            "dir": str(self.directory.resolve()),
            "relative_to": str(base.resolve()),
            "rootdir": str(rootdir.resolve()),
            "native": self.native,
            "files": len(self.files),
        }

    def stamp(self, output_json: dict[str, Any], base: Path) -> None:
        """Write each kept capture's relative path beside its benchmark's three series."""
        paths = self.relative(base)
        for bench in output_json.get("benchmarks") or []:
            if not isinstance(bench, dict):
                continue
            blob = (bench.get("extra_info") or {}).get("benchmem")
            if not isinstance(blob, dict):
                continue
            rel = paths.get(str(bench.get("fullname")))
            if rel is None:
                blob.pop(CAPTURE_KEY, None)
            else:
                blob[CAPTURE_KEY] = rel

    def summary(self, cwd: Path, json_path: Path | None) -> list[str]:
        """Where the captures went and the next command to run."""
        where = _shown(self.directory, cwd)
        if not self.files:
            reason = " (no benchmark regressed)" if self.pruned else ""
            return [f"benchmem: no memory captures kept in {where}{reason}"]
        count = len(self.files)
        extra = f", {self.pruned} non-regressing dropped" if self.pruned else ""
        lines = [f"benchmem: {count} memory capture(s) kept in {where}{extra}"]
        if json_path is not None:
            pick = " --worst peak" if count > 1 else ""
            target = f"{_shown(json_path, cwd)}{pick}"
        else:
            target = _shown(max(self.files.values(), key=lambda p: p.stat().st_size), cwd)
        lines.append(f"benchmem: see where the memory goes: benchmem flamegraph {target}")
        return lines


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)
