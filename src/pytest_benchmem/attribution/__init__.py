"""Where the memory goes: kept memray captures read per code location, and diffs of two.

Light to import (no memray, no plotly): reading a capture goes through
``pytest_benchmem.measure`` (the only memray importer). Example::

    from pytest_benchmem import attribution

    for change in attribution.diff_runs("out/4.0.json", "out/5.0.json")[0].changes[:5]:
        print(change.line())
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pytest_benchmem.errors import BenchmemError, UsageError

from .frames import Frame
from .model import Allocation, BenchmarkDiff, Profile, Site, SiteChange, diff_profiles, sites
from .sources import CaptureRef, CaptureSet, candidates_text, load_captures, match_ids, pick_one
from .tree import FlameNode, flame_nodes

#: a peak change beyond this fraction gets its attribution shown in sweep reports
CHANGE_THRESHOLD = 0.05

__all__ = [
    "Allocation",
    "BenchmarkDiff",
    "CaptureRef",
    "CaptureSet",
    "FlameNode",
    "Frame",
    "Profile",
    "Site",
    "SiteChange",
    "changed_between",
    "diff_captures",
    "diff_runs",
    "flame_nodes",
    "load_captures",
    "load_profile",
    "pick_one",
    "sites",
]


def load_profile(capture: CaptureRef | str | Path) -> Profile:
    """Read one capture (a :class:`CaptureRef` from a run, or a ``.bin`` path).

    Raises:
        BenchmemError: the file is missing, corrupt, or from another memray version.
    """
    from pytest_benchmem.memread import read_peak_records

    from .model import build_profile

    ref = (
        capture
        if isinstance(capture, CaptureRef)
        else CaptureRef(Path(capture).stem, Path(capture))
    )
    raw = read_peak_records(ref.path)
    return build_profile(
        ref.benchmark_id,
        ref.path,
        raw.peak,
        raw.records,
        native=raw.native,
        rootdir=ref.rootdir,
        python_allocators=raw.python_allocators,
    )


def mode_note(before: Profile, after: Profile) -> str | None:
    """A warning when the two captures saw Python objects differently, else None."""
    a, b = before.python_allocators, after.python_allocators
    if a == b:
        return None
    mode = {True: "exact", False: "fast"}
    return (
        f"note: A was measured in the {mode[a]} mode and B in the {mode[b]} mode "
        "(--benchmark-memory-mode); sites of small Python objects are not comparable"
    )


def diff_captures(before: str | Path | CaptureRef, after: str | Path | CaptureRef) -> BenchmarkDiff:
    """Diff two capture files (or refs) of one benchmark."""
    return diff_profiles(load_profile(before), load_profile(after))


def shared_ids(a: CaptureSet, b: CaptureSet, pattern: str | None) -> list[str]:
    """The ids to diff: in both sources (and matching ``pattern``); one-line errors otherwise."""
    if (
        len(a.captures) == 1
        and len(b.captures) == 1
        and (a.source.endswith(".bin") or b.source.endswith(".bin"))
    ):
        return [next(iter(b.captures))]  # two capture files: the same benchmark, by assumption
    ids_a, ids_b = list(a.captures), list(b.captures)
    if pattern is not None:
        union = ids_a + [i for i in ids_b if i not in a.captures]
        matched = match_ids(union, pattern)
        if not matched:
            msg = f"no benchmark matches --id {pattern!r} (ids: {candidates_text(union)})"
            raise UsageError(msg)
        lonely = [i for i in matched if (i in a.captures) != (i in b.captures)]
        if lonely:
            where = a.source if lonely[0] in a.captures else b.source
            msg = f"benchmark {lonely[0]!r} has a capture only in {where}: nothing to diff it with"
            raise UsageError(msg)
        return matched
    both = [i for i in ids_b if i in a.captures]
    if not both:
        msg = (
            f"no benchmark has a capture in both {a.source} and {b.source} "
            f"(A: {candidates_text(ids_a, 3)}; B: {candidates_text(ids_b, 3)})"
        )
        raise BenchmemError(msg)
    return both


def diff_runs(
    a: str | Path,
    b: str | Path,
    *,
    pattern: str | None = None,
    sweep_dir: Path | None = None,
) -> tuple[BenchmarkDiff, ...]:
    """Diff every benchmark with a capture in both runs (runs, capture files or sweep labels)."""
    set_a, set_b = load_captures(a, sweep_dir), load_captures(b, sweep_dir)
    labels = (Path(set_a.source).stem, Path(set_b.source).stem)
    out = []
    for ident in shared_ids(set_a, set_b, pattern):
        ref_a = set_a.captures.get(ident) or next(iter(set_a.captures.values()))
        ref_b = set_b.captures[ident]
        out.append(diff_profiles(load_profile(ref_a), load_profile(ref_b), labels))
    return tuple(out)


def changed_between(
    runs: Sequence[tuple[str, Path]], threshold: float = CHANGE_THRESHOLD
) -> list[BenchmarkDiff]:
    """Attribution between consecutive runs for each benchmark whose peak changed by more
    than ``threshold`` (a fraction of the earlier peak). Runs without captures are skipped;
    in a Python matrix a run is paired with the previous run of the same interpreter."""
    out: list[BenchmarkDiff] = []
    previous: dict[str | None, tuple[str, CaptureSet]] = {}
    for label_b, path_b in runs:
        try:
            set_b = load_captures(path_b)
        except BenchmemError:
            continue
        before = previous.get(set_b.python)
        previous[set_b.python] = (label_b, set_b)
        if before is None:
            continue
        label_a, set_a = before
        for ident, ref_b in set_b.captures.items():
            ref_a = set_a.captures.get(ident)
            if ref_a is None or not _changed(ref_a, ref_b, threshold):
                continue
            pair = load_profile(ref_a), load_profile(ref_b)
            out.append(diff_profiles(*pair, (label_a, label_b)))
    return out


def _changed(a: CaptureRef, b: CaptureRef, threshold: float) -> bool:
    before, after = a.value("peak"), b.value("peak")
    if before is None or after is None:
        return False
    return abs(after - before) > threshold * max(before, 1)
