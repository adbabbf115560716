"""The pytest side of the memory gate: ``--benchmark-memory-compare[=REF]`` and ``-compare-fail``.

At session start the baseline is found in pytest-benchmark's storage (``--benchmark-storage``,
default ``file://./.benchmarks``) and read with the readers; at session end this session's
memory is gated against it with :func:`pytest_benchmem.compare.gate`. No baseline (or one
without memory data) is a one-line note, never a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BenchmemError, UsageError
from .measure import MemoryResult
from .metrics import BLOB_KEY
from .options import LATEST
from .units import Threshold

if TYPE_CHECKING:
    from .runmodel import Run

THIS_RUN = "this run"
#: the gate's one line for a baseline saved without memory (a false green otherwise)
NO_MEMORY = "baseline has no memory: re-save it with --benchmark-memory"


@dataclass(frozen=True)
class Baseline:
    """The saved run memory is compared against, or why there is none."""

    path: Path | None
    peaks: dict[str, float] | None  # id -> headline peak; None: nothing to compare
    note: str
    run: Run | None = None


def storage_dir(option: str, cwd: Path) -> Path | None:
    """pytest-benchmark's ``--benchmark-storage`` as a directory (None for non-file storage)."""
    text = option.strip()
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif "://" in text:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() else cwd / path


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def find_baseline(storage: Path, ref: str, machine: str | None) -> Path | None:
    """The saved run to compare against, looked up the way pytest-benchmark does.

    Like ``--benchmark-compare``, the latest run is taken from this machine's directory
    (``<storage>/<machine>/``, e.g. ``Linux-CPython-3.11-64bit``) only: a run saved by another
    interpreter is not a baseline. A ``ref`` is looked up there first, then in the whole
    storage (so ``Linux-CPython-3.12-64bit/0001`` still names another machine's run).

    Raises:
        UsageError: ``ref`` matches no saved run (also when the storage is empty or missing:
            an explicit ref that finds nothing is never "no baseline, gate passes").
    """
    from .runs import find_storage_run

    wanted = None if ref == LATEST else ref
    if wanted is None:
        return find_storage_run(storage if machine is None else storage / machine, None)
    if Path(wanted).is_file():
        return Path(wanted)
    found = None
    if machine is not None:
        try:
            found = find_storage_run(storage / machine, wanted)
        except BenchmemError:
            found = None
    if found is None:
        found = find_storage_run(storage, wanted)
    if found is None:
        msg = f"no saved run matches {ref!r} in {storage} (it holds no saved runs)"
        raise UsageError(msg, hint="save one with --benchmark-save=NAME or --benchmark-autosave")
    return found


def load_baseline(option: str, ref: str, cwd: Path, machine: str | None = None) -> Baseline:
    """Find and read the baseline run (``machine``: pytest-benchmark's machine id).

    Raises:
        UsageError: ``ref`` matches no saved run.
        SchemaError: the saved run is not a readable pytest-benchmark run.
    """
    from .runs import find_storage_run, load_run

    storage = storage_dir(option, cwd)
    if storage is None:
        note = (
            f"benchmem: no memory baseline: --benchmark-memory-compare reads file storage, "
            f"not {option!r}"
        )
        return Baseline(None, None, note)
    path = find_baseline(storage, ref, machine)
    if path is None:
        where = _shown(storage, cwd)
        if machine is not None and find_storage_run(storage) is not None:
            where = (
                f"{_shown(storage / machine, cwd)} (runs saved on other machines or Pythons "
                "are not compared)"
            )
        note = (
            f"benchmem: no memory baseline in {where} (save one with "
            "--benchmark-save=NAME or --benchmark-autosave); memory not compared"
        )
        return Baseline(None, None, note)
    run = load_run(path)
    peaks = {b.id: v for b in run.benchmarks if (v := b.value("peak")) is not None}
    if not peaks:
        note = (
            f"benchmem: {_shown(path, cwd)} has no memory data (it was saved without "
            "--benchmark-memory); memory not compared"
        )
        return Baseline(path, None, note, run)
    note = f"benchmem: comparing memory against {_shown(path, cwd)}"
    return Baseline(path, peaks, note, run)


def session_run(results: Iterable[tuple[str, str, MemoryResult]]) -> Run:
    """This session's measurements as a readers ``Run`` (ids are pytest node ids)."""
    from .runmodel import parse_run

    benchmarks = [
        {"fullname": nodeid, "name": name, "stats": {}, "extra_info": {BLOB_KEY: r.to_blob()}}
        for nodeid, name, r in results
    ]
    data = {"benchmarks": benchmarks, BLOB_KEY: {"label": THIS_RUN}}
    return parse_run(data, Path(THIS_RUN))


def run_gate(
    baseline: Baseline, results: Sequence[tuple[str, str, MemoryResult]], rules: Sequence[Threshold]
) -> tuple[bool, list[str]]:
    """Gate this session against the baseline: (passed, lines to print)."""
    from .compare import gate

    if baseline.run is None:
        return True, []  # no saved run at all: the documented "nothing to gate against"
    if baseline.peaks is None:
        where = "" if baseline.path is None else f" ({baseline.path.name})"
        return False, [f"benchmem: {NO_MEMORY}{where}"]
    if not results:
        line = (
            "benchmem: memory gate failed: this session measured no memory (no benchmark ran "
            "with --benchmark-memory or the benchmark_memory fixture)"
        )
        return False, [line]
    new = session_run(results)
    try:
        verdict = gate(baseline.run, new, rules)
    except BenchmemError as exc:  # pragma: no cover - rules are validated at startup
        return False, [f"benchmem: memory gate error: {exc}"]
    return verdict.ok, [f"benchmem: {line}" for line in verdict.lines()]


def regressing_ids(
    baseline: Baseline, results: Sequence[tuple[str, str, MemoryResult]], rules: Sequence[Threshold]
) -> set[str] | None:
    """The ids this session's gate flags, or None when there is nothing to gate against."""
    from .compare import gate

    if baseline.peaks is None or baseline.run is None or not results or not rules:
        return None
    verdict = gate(baseline.run, session_run(results), rules)
    return {r.id for r in verdict.regressions}
