"""Where the memory is at the peak: captures aggregated by code location, and diffs of two.

A :class:`Profile` is one capture's live-at-peak allocations; :func:`sites` groups them by
module plus function (the innermost Python frame); :func:`diff_profiles` compares two such
groupings, growth first, then shrinks. The sum of a diff's site deltas equals the difference
of the two peaks (memray's high-water-mark records sum to the peak).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_benchmem.units import human_bytes

from .frames import Frame, make_frames, site_frame


@dataclass(frozen=True)
class Allocation:
    """Bytes live at the peak on one stack (``stack`` innermost first, harness cut)."""

    size: int
    count: int
    stack: tuple[Frame, ...]


@dataclass(frozen=True)
class Profile:
    """One capture: its benchmark id, file, peak and the allocations live at the peak."""

    benchmark_id: str
    path: Path
    peak: int
    native: bool
    allocations: tuple[Allocation, ...]
    python_allocators: bool = False

    @property
    def total(self) -> int:
        """Sum of live bytes at the peak (equals ``peak`` for a whole capture)."""
        return sum(a.size for a in self.allocations)


@dataclass(frozen=True)
class Site:
    """The bytes one code location (module + function) holds at the peak.

    ``line`` is the line holding most of them; ``stack`` the heaviest stack through it.
    """

    key: str
    module: str
    function: str
    file: str
    size: int
    count: int
    line: int
    stack: tuple[Frame, ...]


@dataclass(frozen=True)
class SiteChange:
    """One site's bytes at the peak in A (``before``) and B (``after``)."""

    key: str
    file: str
    before: int
    after: int
    line_before: int | None
    line_after: int | None
    stack: tuple[Frame, ...]

    @property
    def delta(self) -> int:
        """``after - before`` in bytes."""
        return self.after - self.before

    @property
    def where(self) -> str:
        """``extra.py:12 → :14``, ``extra.py:14, new`` or ``extra.py:12, gone``."""
        name = self.file.rsplit("/", 1)[-1]
        if self.line_before is None:
            return f"{name}:{self.line_after}, new"
        if self.line_after is None:
            return f"{name}:{self.line_before}, gone"
        if self.line_before == self.line_after:
            return f"{name}:{self.line_after}"
        return f"{name}:{self.line_before} → :{self.line_after}"

    def line(self) -> str:
        """``+4.8 MiB  toypkg.extra:grow (extra.py:12 → :14)``."""
        sign = "+" if self.delta >= 0 else "-"
        return f"{sign}{human_bytes(abs(self.delta))}  {self.key} ({self.where})"


@dataclass(frozen=True)
class BenchmarkDiff:
    """Live-at-peak memory of one benchmark in A and B, by site: growth first, then shrinks."""

    benchmark_id: str
    before: Profile
    after: Profile
    changes: tuple[SiteChange, ...]
    before_label: str = "A"
    after_label: str = "B"

    @property
    def peak_delta(self) -> int:
        """Peak in B minus peak in A."""
        return self.after.peak - self.before.peak

    @property
    def sum_delta(self) -> int:
        """Sum of every site's difference (all sites, not only those shown)."""
        return sum(c.delta for c in self.changes)

    def footer(self) -> str:
        """The check line: the sites' differences against the difference of the peaks."""
        return (
            f"sum of site differences {_signed(self.sum_delta)} vs peak difference "
            f"{_signed(self.peak_delta)} ({human_bytes(self.before.peak)} → "
            f"{human_bytes(self.after.peak)})"
        )


def _signed(value: int) -> str:
    return ("+" if value >= 0 else "-") + human_bytes(abs(value))


def build_profile(
    benchmark_id: str,
    path: Path,
    peak: int,
    records: Sequence[tuple[int, int, Sequence[tuple[str, str, int]], object]],
    *,
    native: bool = False,
    rootdir: str | None = None,
    python_allocators: bool = False,
) -> Profile:
    """A profile from memray's raw high-water-mark records (see ``memread.read_peak_records``)."""
    cache: dict[tuple[tuple[str, str, int], bool], Frame] = {}
    allocations = []
    for size, count, python, hybrid in records:
        stack = make_frames(python, hybrid if isinstance(hybrid, tuple) else None, rootdir, cache)
        allocations.append(Allocation(size, count, stack))
    return Profile(benchmark_id, path, peak, native, tuple(allocations), python_allocators)


def sites(profile: Profile) -> dict[str, Site]:
    """The profile's bytes at the peak per ``module:function``, heaviest first."""
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    lines: dict[str, dict[int, int]] = {}
    heaviest: dict[str, Allocation] = {}
    frames: dict[str, Frame] = {}
    for alloc in profile.allocations:
        frame = site_frame(alloc.stack)
        key = frame.site
        sizes[key] = sizes.get(key, 0) + alloc.size
        counts[key] = counts.get(key, 0) + alloc.count
        per_line = lines.setdefault(key, {})
        per_line[frame.line] = per_line.get(frame.line, 0) + alloc.size
        best = heaviest.get(key)
        if best is None or alloc.size > best.size:
            heaviest[key] = alloc
            frames[key] = frame
    out = {}
    for key in sorted(sizes, key=lambda k: (-sizes[k], k)):
        frame = frames[key]
        line = max(lines[key].items(), key=lambda kv: (kv[1], -kv[0]))[0]
        out[key] = Site(
            key,
            frame.module,
            frame.function,
            frame.file,
            sizes[key],
            counts[key],
            line,
            heaviest[key].stack,
        )
    return out


def diff_profiles(
    before: Profile, after: Profile, labels: tuple[str, str] = ("A", "B")
) -> BenchmarkDiff:
    """Compare two captures of one benchmark site by site: growth (largest first), then
    shrinks (largest first), then unchanged sites."""
    old, new = sites(before), sites(after)
    changes = []
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)
        ref = b or a
        assert ref is not None
        changes.append(
            SiteChange(
                key=key,
                file=ref.file,
                before=a.size if a else 0,
                after=b.size if b else 0,
                line_before=a.line if a else None,
                line_after=b.line if b else None,
                stack=ref.stack,
            )
        )
    changes.sort(key=_order)
    return BenchmarkDiff(after.benchmark_id, before, after, tuple(changes), *labels)


def _order(change: SiteChange) -> tuple[int, int, str]:
    kind = 0 if change.delta > 0 else 1 if change.delta < 0 else 2
    return kind, -abs(change.delta), change.key
