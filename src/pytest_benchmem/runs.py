"""Readers: pytest-benchmark JSON runs -> typed ``Run``/``Benchmark`` objects and ``Sample`` lists.

Light to import (stdlib only; pandas is imported inside ``load_long_df``). Every file is parsed
and validated once (cached by resolved path, mtime and size); bad input is a ``SchemaError``
naming the file and, where it applies, the benchmark.
"""

from __future__ import annotations

import gc
import json
import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PLOT_HINT, SchemaError, UsageError
from .metrics import METRIC_FIELDS, METRIC_UNITS, SERIES_KEYS, canonical_metric
from .runmodel import (
    NODE_DIMS,
    NODE_NAMES,
    TIME_STATS,
    Benchmark,
    Dim,
    Run,
    Sample,
    parse_run,
    read_json,
)
from .units import is_digits

if TYPE_CHECKING:
    import pandas as pd

#: a sweep's and a bisection's manifests: JSON in a runs directory that are not runs
MANIFESTS = ("sweep.json", "bisect.json")
_STORAGE_NAME = re.compile(r"^(\d{4})_.*\.json$")
_CACHE_SIZE = 64
_CACHE: OrderedDict[Path, tuple[int, int, Run]] = OrderedDict()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while runs become objects (and, in the CLI, are compared).

    A large run is tens of thousands of containers; collections triggered while they are
    built would rescan them all (2-3x slower). Nested uses leave the outer state alone.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_run(path: str | Path, *, label: str | None = None) -> Run:
    """Read and validate one pytest-benchmark JSON file (parsed once per path + mtime).

    Raises:
        SchemaError: missing, unreadable, malformed, or not a pytest-benchmark run.
    """
    given = Path(path)
    try:
        resolved = given.resolve()
        stat = resolved.stat()
    except FileNotFoundError:
        msg = f"{given}: no such file"
        raise SchemaError(msg) from None
    except (OSError, RuntimeError) as exc:
        msg = f"{given}: cannot read ({exc})"
        raise SchemaError(msg) from None
    cached = _CACHE.get(resolved)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        _CACHE.move_to_end(resolved)
        run = cached[2]
    else:
        with gc_paused():
            run = parse_run(read_json(given), given)
        _CACHE[resolved] = (stat.st_mtime_ns, stat.st_size, run)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    if run.path != given:
        run = replace(run, path=given)
    return run if label is None else replace(run, label=label)


def discover_runs(root: str | Path = ".benchmarks") -> list[Path]:
    """Every ``*.json`` run under ``root``, recursively, sorted by path.

    In a sweep's output directory the runs come in the order of its ``sweep.json`` manifest
    (oldest -> newest as the sweep was given), and the manifests and ``logs/`` are skipped.
    A file ``root`` is returned as is; ``rounds/`` (interleaved sweep rounds) is skipped like
    ``logs/``. Raises SchemaError when ``root`` does not exist.
    """
    base = Path(root)
    if base.is_file():
        return [base]
    if not base.is_dir():
        msg = f"{base}: no such file or directory"
        raise SchemaError(msg)
    found = [
        path
        for path in base.rglob("*.json")
        if path.name not in MANIFESTS
        and not {"logs", "rounds"} & set(path.relative_to(base).parts[:-1])
        and path.is_file()
    ]
    found.sort(key=lambda p: (p.parent.as_posix(), p.name))
    order = _manifest_order(base)
    if order:
        last = len(order) + max(order.values(), default=0) + 1
        found.sort(key=lambda p: order.get(p.resolve(), last))  # stable: the rest by path
    return found


def _manifest_order(base: Path) -> dict[Path, int]:
    """Run path -> position in the directory's sweep manifest (empty when there is none)."""
    try:
        data = json.loads((base / MANIFESTS[0]).read_text(encoding="utf-8"))
        targets = data["targets"]
        runs = [t.get("run") for t in targets]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    order: dict[Path, int] = {}
    for position, run in enumerate(runs):
        if isinstance(run, str) and run:
            path = Path(run) if Path(run).is_absolute() else base / Path(run).name
            order.setdefault(path.resolve(), position)
    return order


def _prefixed(label: str, path: Path, depth: int) -> str:
    parents = path.resolve().parent.parts[1:]
    return "/".join((*parents[-depth:], label)) if parents else label


def _distinct(labels: list[str], paths: list[Path]) -> list[str]:
    """Make labels unique: the fewest parent directories that tell clashing runs apart,
    else a ``#N`` suffix (the same file given twice)."""
    out = list(labels)
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(out):
        groups.setdefault(label, []).append(i)
    for label, indexes in groups.items():
        if len(indexes) < 2:
            continue
        for n, i in enumerate(indexes, start=1):
            for depth in range(1, 5):
                mine = _prefixed(label, paths[i], depth)
                others = [_prefixed(label, paths[j], depth) for j in indexes if j != i]
                if mine not in others:
                    out[i] = mine
                    break
            else:
                out[i] = f"{label}#{n}"
    if len(set(out)) < len(out):  # a prefixed label met another run's own label
        seen: dict[str, int] = {}
        for i, label in enumerate(out):
            seen[label] = seen.get(label, 0) + 1
            out[i] = label if seen[label] == 1 else f"{label}#{seen[label]}"
    return out


def load_runs(paths: Sequence[str | Path], labels: Sequence[str] | None = None) -> list[Run]:
    """Load runs in order; directories expand to their runs (sorted); labels made distinct.

    Raises:
        SchemaError: a missing path, an empty directory, or a bad file.
        UsageError: ``labels`` given with a different length than the runs found.
    """
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = discover_runs(path)
            if not found:
                msg = f"{path}: no pytest-benchmark runs (*.json) in this directory"
                raise SchemaError(msg)
            files.extend(found)
        elif not path.exists():
            msg = f"{path}: no such file or directory"
            raise SchemaError(msg)
        else:
            files.append(path)
    return relabel([load_run(p) for p in files], labels)


def relabel(runs: Sequence[Run], labels: Sequence[str] | None = None) -> list[Run]:
    """Give runs the ``labels`` (or keep their own), made distinct (see ``load_runs``)."""
    if labels is not None and len(labels) != len(runs):
        msg = f"got {len(labels)} label(s) for {len(runs)} run(s); give one label per run"
        raise UsageError(msg)
    if labels is not None and any(not label.strip() for label in labels):
        msg = "a run label must not be empty (--label/-l gives one label per run, in order)"
        raise UsageError(msg)
    names = list(labels) if labels is not None else [r.label for r in runs]
    names = _distinct(names, [r.path for r in runs])
    return [r if r.label == n else replace(r, label=n) for r, n in zip(runs, names, strict=True)]


def find_storage_run(storage: str | Path, ref: str | None = None) -> Path | None:
    """A run in pytest-benchmark's storage (``.benchmarks/<machine>/NNNN_name.json``).

    ``ref`` None = the latest (highest number, then newest); ``"0001"`` = that number; any
    other text = the latest run whose path (relative to ``storage``) contains it. Returns None
    when the storage holds no runs.

    Raises:
        UsageError: ``ref`` matches no saved run.
    """
    base = Path(storage)
    if not base.is_dir():
        return None
    found: list[tuple[int, int, str, Path]] = []
    for path in base.rglob("*.json"):
        match = _STORAGE_NAME.match(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path.stat().st_mtime_ns, path.as_posix(), path))
    if not found:
        return None
    if ref is not None:
        wanted = ref.strip()
        candidate = Path(wanted)
        if candidate.is_file():
            return candidate
        if is_digits(wanted):
            found = [f for f in found if f[0] == int(wanted)]
        else:
            found = [f for f in found if wanted in f[3].relative_to(base).as_posix()]
        if not found:
            msg = f"no saved run matches {ref!r} in {base}"
            raise UsageError(msg, hint="give a number like 0001 or part of a saved run's name")
    return max(found)[3]


def run_samples(
    run: Run, metric: str = "time", stat: str | None = None, *, dims: Sequence[str] = ()
) -> list[Sample]:
    """One ``Sample`` per benchmark carrying ``metric`` (reduced by ``stat``; None = headline).

    ``dims`` names extra dims to attach (e.g. ``node.func``) beyond each benchmark's own.
    """
    samples = []
    for bench in run.benchmarks:
        value = bench.value(metric, stat)
        if value is None:
            continue
        sample_dims = dict(bench.dims)
        for name in dims:
            extra = bench.dim(name)
            if extra is not None:
                sample_dims[name] = extra
        samples.append(Sample(bench.id, value, sample_dims))
    return samples


def require_metric(runs: Sequence[Run], metric: str) -> str:
    """The canonical metric, or a SchemaError saying that no run carries it."""
    name = canonical_metric(metric)
    if not any(run.has_metric(name) for run in runs):
        where = ", ".join(str(run.path) for run in runs[:3]) + (" ..." if len(runs) > 3 else "")
        if name == "time":
            msg = f"no benchmark timings in {where}"
        else:
            how = (
                "mark benchmarks @pytest.mark.benchmem(isolate=True)"
                if name == "rss"
                else "record memory with pytest --benchmark-memory"
            )
            msg = f"no run has {name} data ({where}): {how}"
        raise SchemaError(msg)
    return name


def from_pytest_benchmark(
    path: str | Path, *, metric: str = "min"
) -> tuple[str, list[Sample], str]:
    """Timing samples (seconds) from pytest-benchmark ``stats[metric]``: (label, samples, "s")."""
    run = load_run(path)
    return run.label, run_samples(run, "time", metric), METRIC_UNITS["time"]


def memory_from_pytest_benchmark(
    path: str | Path, *, field: str = "peak_bytes"
) -> tuple[str, list[Sample], str]:
    """Memory samples (headline min of a blob series): (label, samples, unit).

    ``field`` is a blob key (``peak_bytes``, ``total_bytes``, ``allocations``) or a metric name.
    """
    by_key = {key: metric for metric, key in METRIC_FIELDS.items()}
    metric = by_key.get(field) or canonical_metric(field)
    if metric == "time":
        msg = f"unknown memory field {field!r} (choose from {', '.join(SERIES_KEYS)})"
        raise UsageError(msg)
    run = load_run(path)
    return run.label, run_samples(run, metric), METRIC_UNITS[metric]


def load_samples(
    path: str | Path, *, metric: str = "time", stat: str = "min"
) -> tuple[str, list[Sample], str]:
    """The unified reader: ``metric`` (time/peak/allocated/allocations) by ``stat``."""
    name = canonical_metric(metric)
    run = load_run(path)
    return run.label, run_samples(run, name, stat), METRIC_UNITS[name]


def load_long_df(
    runs: Sequence[str | Path | Run] | str | Path,
    *,
    metric: str = "time",
    stat: str = "min",
    labels: Sequence[str] | None = None,
    dims: Sequence[str] = (),
    pivot: str | None = None,
    where: Sequence[str] = (),
) -> tuple[pd.DataFrame, str]:
    """Stack runs into a tidy frame: ``snapshot, id, value`` plus one column per dim.

    Needs pandas (this project's ``[plot]`` extra). Every row also carries the node
    dims ``module``, ``class`` and ``func`` (a benchmark's own dim of that name wins); ``dims``
    adds more by name (``node.group``, ``param:NAME``, ``extra:NAME``). ``where`` keeps the
    benchmarks matching every ``KEY=VALUE``; ``pivot`` folds ONE run along a dim, each value
    becoming a ``snapshot`` (benchmarks lacking the dim are left out, never a NaN series).
    """
    from .selection import apply_where, parse_where, pivot_runs

    try:
        import pandas as pd
    except ImportError:
        msg = "load_long_df needs pandas, which is not installed"
        raise UsageError(msg, hint=PLOT_HINT) from None
    items = [runs] if isinstance(runs, str | Path) else list(runs)
    paths = [r for r in items if not isinstance(r, Run)]
    loaded = iter(load_runs(paths) if paths else [])
    runs_list = [r if isinstance(r, Run) else next(loaded) for r in items]
    runs_list = relabel(runs_list, labels)
    runs_list = apply_where(runs_list, parse_where(where))
    runs_list, _ = pivot_runs(runs_list, pivot)
    name = require_metric(runs_list, metric)
    records: list[dict[str, Any]] = []
    reserved = ("snapshot", "id", "value")
    columns: dict[str, None] = dict.fromkeys(reserved)
    wanted = (*(n for n in NODE_NAMES if n != "group"), *dims)
    for run in runs_list:
        for sample in run_samples(run, name, stat, dims=wanted):
            record = {k: v for k, v in sample.dims.items() if k not in reserved}
            record.update(snapshot=run.label, id=sample.id, value=sample.value)
            records.append(record)
            columns.update(dict.fromkeys(sample.dims))
    node = [n for n in wanted[:3] if n in columns and n not in dims]
    order = [c for c in columns if c not in node] + node  # the node dims last
    frame = pd.DataFrame.from_records(records, columns=order)
    return frame, METRIC_UNITS[name]


def clear_cache() -> None:
    """Forget every parsed run (tests; long-lived processes that rewrite files in place)."""
    _CACHE.clear()


__all__ = [
    "MANIFESTS",
    "NODE_DIMS",
    "TIME_STATS",
    "Benchmark",
    "Dim",
    "Run",
    "Sample",
    "clear_cache",
    "discover_runs",
    "find_storage_run",
    "from_pytest_benchmark",
    "gc_paused",
    "load_long_df",
    "load_run",
    "load_runs",
    "load_samples",
    "memory_from_pytest_benchmark",
    "relabel",
    "require_metric",
    "run_samples",
]
