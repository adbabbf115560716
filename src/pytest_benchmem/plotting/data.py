"""The numbers behind every plot: runs -> one flat table of points (run, id, value, dims).

No plotly here. Values come from the readers (``Benchmark.value``); the min..max band comes
from a memory series with several passes. Dims are resolved by name, ``node.*`` included.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_benchmem.errors import UsageError
from pytest_benchmem.metrics import METRIC_FIELDS, canonical_metric, check_stat
from pytest_benchmem.origins import by_python, python_of
from pytest_benchmem.runmodel import NODE_NAMES, check_time_stat
from pytest_benchmem.runs import NODE_DIMS, Benchmark, Dim, Run, load_runs, relabel
from pytest_benchmem.selection import apply_where, parse_where, pivot_runs

NO_CATEGORY = "(none)"


@dataclass(frozen=True)
class Point:
    """One benchmark of one run: its headline value and, with several passes, min..max."""

    run: int
    id: str
    value: float
    low: float | None
    high: float | None
    dims: Mapping[str, Dim]


@dataclass(frozen=True)
class Dataset:
    """Every drawable point of some runs for one metric, plus what could not be drawn."""

    metric: str
    labels: tuple[str, ...]
    points: tuple[Point, ...]
    notes: tuple[str, ...] = ()

    def dim_names(self) -> list[str]:
        """Dims carried by any point, in first-seen order (``node.*`` left out)."""
        seen: dict[str, None] = {}
        for point in self.points:
            for name in point.dims:
                seen.setdefault(name, None)
        return [name for name in seen if not derived(name)]

    def ids(self) -> list[str]:
        """Benchmark ids in first-seen order (run by run)."""
        return list(dict.fromkeys(point.id for point in self.points))

    def by_run(self) -> list[dict[str, Point]]:
        """One ``{id: point}`` mapping per run, in run order."""
        tables: list[dict[str, Point]] = [{} for _ in self.labels]
        for point in self.points:
            tables[point.run].setdefault(point.id, point)
        return tables

    def check_dim(self, name: str, what: str) -> str:
        """Return ``name`` if some point carries it (or it is a ``node.*`` dim), else raise."""
        if name in NODE_DIMS or any(name in point.dims for point in self.points):
            return name
        names = ", ".join(self.dim_names()) or "none"
        node = "module, class, func, group, param:NAME, extra:NAME"
        msg = f"unknown dim {name!r} for {what} (dims in these runs: {names}; also {node})"
        raise UsageError(msg)


BANDS = ("auto", "minmax", "none")


def check_band(band: str) -> str:
    """Validate a band mode: auto (memory passes), minmax (also time's rounds) or none."""
    key = band.strip().lower()
    if key not in BANDS:
        msg = f"unknown band {band!r} (choose from {' | '.join(BANDS)})"
        raise UsageError(msg)
    return key


def _spread(bench: Benchmark, metric: str, band: str) -> tuple[float | None, float | None]:
    """min..max over the repeats: memray passes, or (``minmax`` only) pytest-benchmark rounds."""
    if band == "none":
        return None, None
    if metric != "time":
        series = bench.memory.get(METRIC_FIELDS[metric]) if bench.memory else None
        if series and len(series) > 1:
            return float(min(series)), float(max(series))
        return None, None
    rounds, low, high = (bench.stats.get(k) for k in ("rounds", "min", "max"))
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    if band == "minmax" and numbers and isinstance(rounds, int) and rounds > 1:
        return float(low), float(high)  # type: ignore[arg-type]
    return None, None


def _point(
    index: int,
    bench: Benchmark,
    metric: str,
    named: Sequence[str],
    *,
    stat: str | None = None,
    band: str = "auto",
) -> Point | None:
    value = bench.value(metric, stat)
    if value is None or not math.isfinite(value):
        return None
    low, high = _spread(bench, metric, band)
    dims: Mapping[str, Dim] = bench.dims
    if named:
        found = {name: bench.dim(name) for name in named if name not in bench.dims}
        dims = {**bench.dims, **{k: v for k, v in found.items() if v is not None}}
    return Point(index, bench.id, float(value), low, high, dims)


def _as_runs(snapshots: Sequence[str | Path | Run], labels: Sequence[str] | None) -> list[Run]:
    if isinstance(snapshots, (str, Path)):
        snapshots = [snapshots]
    if not snapshots:
        msg = "no runs given: pass one or more pytest-benchmark JSON files"
        raise UsageError(msg)
    given = list(labels) if labels is not None else None
    if all(isinstance(item, Run) for item in snapshots):
        return relabel([item for item in snapshots if isinstance(item, Run)], given)
    paths = [item.path if isinstance(item, Run) else item for item in snapshots]
    return load_runs(paths, given)


def load_dataset(
    snapshots: Sequence[str | Path | Run],
    metric: str = "time",
    labels: Sequence[str] | None = None,
    *,
    node: bool = False,
    stat: str | None = None,
    dims: Sequence[str | None] = (),
    where: Sequence[str] = (),
    pivot: str | None = None,
    band: str = "auto",
) -> Dataset:
    """Read ``snapshots`` (paths, directories or loaded runs) into a :class:`Dataset`.

    ``stat`` reduces each value's series (None: the headline value). ``dims`` names dims the
    view uses (``module``, ``param:NAME``, ...) to resolve on every point; ``node`` adds the
    ``node.*`` dims. ``where`` keeps benchmarks matching every ``KEY=VALUE``; ``pivot`` folds
    one run along a dim (each value a run); ``band`` picks each point's min..max spread.

    Raises:
        UsageError: no runs, a label count that does not match, no run with ``metric``,
            a stat the metric does not have, a bad where/pivot/band.
    """
    metric = canonical_metric(metric)
    stat = check_plot_stat(metric, stat)
    band = check_band(band)
    runs = apply_where(_as_runs(snapshots, labels), parse_where(where))
    runs, pivot_notes = pivot_runs(runs, pivot)
    named = [d for d in dims if d is not None and d not in NODE_DIMS]
    if node or any(d in NODE_DIMS for d in dims):
        named += NODE_DIMS
    points: list[Point] = []
    notes: list[str] = list(pivot_notes)
    matrix = len(by_python(runs)) > 1  # a Python matrix: every point carries a python dim
    for index, run in enumerate(runs):
        drawn = [
            p
            for b in run.benchmarks
            if (p := _point(index, b, metric, named, stat=stat, band=band)) is not None
        ]
        if matrix:
            python = python_of(run) or "(unknown)"
            drawn = [replace(p, dims={**p.dims, "python": python}) for p in drawn]
        lacking = len(run.benchmarks) - len(drawn)
        if drawn and lacking:
            notes.append(f"{run.label}: {lacking} benchmark(s) have no {metric} value")
        elif not drawn:
            notes.append(f"{run.label}: no {metric} values")
        points.extend(drawn)
    if not points:
        hint = {
            "time": "",
            "rss": " (mark benchmarks @pytest.mark.benchmem(isolate=True))",
        }.get(metric, " (measure memory with pytest --benchmark-memory)")
        names = ", ".join(run.label for run in runs)
        msg = f"nothing to plot: no run has {metric} values ({names}){hint}"
        raise UsageError(msg)
    labels_out = tuple(run.label for run in runs)
    return Dataset(metric, labels_out, tuple(points), tuple(notes))


def check_plot_stat(metric: str, stat: str | None) -> str | None:
    """The validated stat for ``metric``; time's ``ops`` is refused (a rate, not seconds)."""
    if stat is None:
        return None
    if metric != "time":
        return check_stat(stat)
    key = check_time_stat(stat)
    if key == "ops":
        msg = "--stat ops is a rate, not a time: plot time with another stat (min, mean, ...)"
        raise UsageError(msg)
    return key


def short_ids(ids: Sequence[str]) -> dict[str, str]:
    """Each id's short form for legends and labels: the id without the path and ``::`` parts
    every id shares (``tests/test_x.py::test_sort[10]`` -> ``test_sort[10]``); a lone id keeps
    its last ``::`` part. Ids whose short forms would collide keep their full form."""
    unique = list(dict.fromkeys(ids))
    if len(unique) == 1:
        return {unique[0]: unique[0].rpartition("::")[2] or unique[0]}
    shared = min(unique)
    for key in unique:
        while not key.startswith(shared):
            shared = shared[:-1]
    colons = shared.rfind("::")
    cut = max(colons + 2 if colons >= 0 else 0, shared.rfind("/") + 1)
    shorts = {key: key[cut:] or key.rpartition("::")[2] or key for key in unique}
    if len(set(shorts.values())) < len(shorts):
        return {key: key for key in unique}
    return shorts


def esc(text: object) -> str:
    """``text`` safe inside plotly's pseudo-HTML hover text (ids may hold ``<``, ``&``)."""
    return html.escape(str(text), quote=False)


def is_number(value: object) -> bool:
    """True for int and float dim values (bools are categories, not numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numeric_dims(points: Iterable[Point]) -> list[str]:
    """Dims whose every present value is a number, in first-seen order."""
    kinds: dict[str, bool] = {}
    for point in points:
        for name, value in point.dims.items():
            kinds[name] = kinds.get(name, True) and is_number(value)
    return [name for name, numeric in kinds.items() if numeric and not derived(name)]


def derived(name: str) -> bool:
    """True for a dim resolved by name only (``node.*``, ``param:*``, ``extra:*``, and the
    node dims ``module``/``class``/``func``/``group``), never picked automatically."""
    return name.startswith("node.") or ":" in name or name in NODE_NAMES


def same_dim(left: str, right: str) -> bool:
    """``param:n`` and ``n`` name the same values (as do ``node.func`` and ``func``)."""

    def bare(name: str) -> str:
        return name.partition(":")[2] if ":" in name else name.removeprefix("node.")

    return bare(left) == bare(right)


def category(point: Point, dim: str | None) -> str:
    """The category of ``point`` along ``dim``: its value as text, or ``(none)`` when absent."""
    if dim is None:
        return ""
    value = point.dims.get(dim)
    return NO_CATEGORY if value is None else str(value)


def category_order(points: Iterable[Point], dim: str | None) -> list[str]:
    """Categories of ``dim``: numbers ascending, then text, then ``(none)``."""
    found: dict[str, tuple[int, float, str]] = {}
    for point in points:
        value = point.dims.get(dim) if dim is not None else ""
        key = category(point, dim)
        if key in found:
            continue
        if value is None:
            found[key] = (2, 0.0, key)
        elif is_number(value):
            found[key] = (0, float(value), key)
        else:
            found[key] = (1, 0.0, key)
    return sorted(found, key=lambda k: found[k])


def spans_decade(values: Iterable[float]) -> bool:
    """True when every value is positive and max/min exceeds 10 (log axis in ``auto``)."""
    positive = list(values)
    if not positive or min(positive) <= 0:
        return False
    return max(positive) / min(positive) > 10
