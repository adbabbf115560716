"""Choosing and reshaping benchmarks before a view: ``--where`` filters, ``--pivot``, groups.

Pure and stdlib only, shared by ``compare`` and ``plotting``. Dims are named as
``Benchmark.dim`` reads them: a benchmark's own dim, ``module``/``class``/``func``/``group``,
``param:NAME`` or ``extra:NAME``. A dim that no benchmark carries is a one-line UsageError
listing the dims that exist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .errors import UsageError
from .metrics import BLOB_KEY
from .runmodel import NODE_NAMES, Benchmark, Dim, Run

#: the text a missing dim shows as in a group title or a category
NONE = "(none)"
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[str | int, ...]:
    """Sort key that orders embedded numbers by value: ``test[100]`` before ``test[1000]``."""
    parts = _DIGITS.split(text)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def known_dims(runs: Iterable[Run]) -> list[str]:
    """Every dim name some benchmark carries: own dims, ``param:*``, then the node dims."""
    own: dict[str, None] = {}
    params: dict[str, None] = {}
    for run in runs:
        for bench in run.benchmarks:
            own.update(dict.fromkeys(bench.dims))
            params.update(dict.fromkeys(f"param:{key}" for key in bench.params))
    return [*own, *params, *NODE_NAMES]


def check_dim(runs: Sequence[Run], name: str, what: str) -> str:
    """Return ``name`` when some benchmark carries it, else raise a UsageError listing dims."""
    if any(b.dim(name) is not None for run in runs for b in run.benchmarks):
        return name
    names = ", ".join(known_dims(runs))
    msg = f"{what}: no benchmark has the dim {name!r} (dims in these runs: {names})"
    raise UsageError(msg)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def same_value(value: Dim, wanted: str) -> bool:
    """String match, or numeric equality when both sides parse as numbers (``10 == 10.0``)."""
    text = str(value)
    if text == wanted:
        return True
    left, right = _number(text), _number(wanted)
    return left is not None and right is not None and left == right


@dataclass(frozen=True)
class Where:
    """One ``--where KEY=VALUE`` condition."""

    key: str
    value: str

    def holds(self, bench: Benchmark) -> bool:
        """True when the benchmark has the dim and its value matches."""
        found = bench.dim(self.key)
        return found is not None and same_value(found, self.value)


def parse_where(items: Sequence[str]) -> tuple[Where, ...]:
    """Parse ``KEY=VALUE`` conditions (all must hold)."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            msg = f"--where {item!r}: expected KEY=VALUE, e.g. --where param:impl=c"
            raise UsageError(msg)
        out.append(Where(key.strip(), value.strip()))
    return tuple(out)


def apply_where(runs: Sequence[Run], wheres: Sequence[Where]) -> list[Run]:
    """Keep the benchmarks for which every condition holds (each key must exist somewhere)."""
    if not wheres:
        return list(runs)
    for where in wheres:
        check_dim(runs, where.key, f"--where {where.key}={where.value}")
    kept = [
        replace(run, benchmarks=tuple(b for b in run.benchmarks if all(w.holds(b) for w in wheres)))
        for run in runs
    ]
    if not any(run.benchmarks for run in kept):
        conditions = " and ".join(f"{w.key}={w.value}" for w in wheres)
        msg = f"--where {conditions}: no benchmark matches"
        raise UsageError(msg)
    return kept


def _without_token(ident: str, value: Dim) -> str | None:
    """``ident`` with ``value`` taken out of its ``[a-b-c]`` parametrize part, if it is there."""
    head, bracket, rest = ident.partition("[")
    if not bracket or not rest.endswith("]"):
        return None
    tokens = rest[:-1].split("-")
    if str(value) not in tokens:
        return None
    tokens.remove(str(value))
    return f"{head}[{'-'.join(tokens)}]" if tokens else head


def pivot_key(bench: Benchmark, dim: str, value: Dim) -> str:
    """The id a benchmark pairs under when its run is folded along ``dim``."""
    node = dim.removeprefix("node.")
    if node in NODE_NAMES and node not in bench.dims:
        rest = bench.id.partition("::")[2]
        if node == "module":
            return rest or bench.id
        if node == "func":
            return bench.id.replace(str(value), "", 1)
        if node == "class":
            return bench.id.replace(f"{value}::", "", 1)
        return bench.id
    stripped = _without_token(bench.id, value)
    if stripped is not None:
        return stripped
    key = dim.partition(":")[2] if dim.startswith("param:") else dim
    if key in bench.params:  # an id pytest built from ids=: rebuild it from the other params
        others = [str(v) for k, v in bench.params.items() if k != key]
        head = bench.id.partition("[")[0]
        return f"{head}[{'-'.join(others)}]" if others else head
    return bench.id


@dataclass(frozen=True)
class Pivoted:
    """One run folded along a dim: one run per value (in first-seen order), and notes."""

    dim: str
    runs: tuple[Run, ...]
    notes: tuple[str, ...]


def pivot(runs: Sequence[Run], dim: str) -> Pivoted:
    """Fold one run along ``dim``: each value becomes a run, benchmarks paired by the rest.

    Benchmarks lacking the dim are left out (counted in a note), never a ``nan`` series.

    Raises:
        UsageError: more than one run, a dim no benchmark has, or fewer than two values.
    """
    if len(runs) != 1:
        labels = ", ".join(run.label for run in runs)
        msg = f"--pivot folds one run, got {len(runs)} ({labels}); pass a single run"
        raise UsageError(msg)
    (run,) = runs
    check_dim(runs, dim, f"--pivot {dim}")
    series: dict[str, list[Benchmark]] = {}
    lacking = 0
    for bench in run.benchmarks:
        value = bench.dim(dim)
        if value is None:
            lacking += 1
            continue
        key = pivot_key(bench, dim, value)
        series.setdefault(str(value), []).append(replace(bench, id=key))
    if len(series) < 2:
        msg = f"--pivot {dim}: the run has one value ({', '.join(series)}); a pivot needs two"
        raise UsageError(msg)
    name = dim.partition(":")[2] if ":" in dim else dim.removeprefix("node.")
    folded = tuple(
        replace(run, label=f"{name}={value}", benchmarks=tuple(benches))
        for value, benches in series.items()
    )
    notes = []
    if lacking:
        plural = "benchmark lacks" if lacking == 1 else "benchmarks lack"
        notes.append(f"pivot on {dim}: {lacking} {plural} it (left out)")
    return Pivoted(dim, folded, tuple(notes))


def pivot_runs(runs: Sequence[Run], dim: str | None) -> tuple[list[Run], tuple[str, ...]]:
    """``pivot`` when ``dim`` is given (runs and notes), else the runs unchanged."""
    if dim is None:
        return list(runs), ()
    folded = pivot(runs, dim)
    return list(folded.runs), folded.notes


def parse_group_by(text: str | None) -> tuple[str, ...]:
    """``module,param:impl`` -> the dims to split sub-tables by (order kept)."""
    if text is None:
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        msg = f"--group-by {text!r}: expected dims such as module, class, func, group, param:NAME"
        raise UsageError(msg)
    return names


def group_title(dims: Sequence[str], key: tuple[str, ...]) -> str:
    """``module=test_a.py, impl=c``."""
    return ", ".join(f"{d}={k}" for d, k in zip(dims, key, strict=True))


def split_groups(runs: Sequence[Run], dims: Sequence[str]) -> list[tuple[str, list[Run]]]:
    """Split every run by the values of ``dims``: (title, runs holding that group), sorted."""
    if not dims:
        return [("", list(runs))]
    for name in dims:
        check_dim(runs, name, f"--group-by {name}")

    def key_of(bench: Benchmark) -> tuple[str, ...]:
        return tuple(NONE if (v := bench.dim(d)) is None else str(v) for d in dims)

    keys: dict[tuple[str, ...], None] = {}
    for run in runs:
        keys.update(dict.fromkeys(key_of(b) for b in run.benchmarks))
    order = sorted(keys, key=lambda k: tuple((part == NONE, natural_key(part)) for part in k))
    return [
        (
            group_title(dims, key),
            [
                replace(r, benchmarks=tuple(b for b in r.benchmarks if key_of(b) == key))
                for r in runs
            ],
        )
        for key in order
    ]


def extra_names(runs: Iterable[Run]) -> list[str]:
    """Names of numeric ``extra_info`` values some benchmark carries (the blob left out)."""
    names: dict[str, None] = {}
    for run in runs:
        for bench in run.benchmarks:
            for key, value in bench.extra_info.items():
                if key != BLOB_KEY and _is_number(value):
                    names.setdefault(key, None)
    return list(names)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def extra_value(bench: Benchmark, name: str) -> float | None:
    """A numeric ``extra_info`` value (None when absent or not a number)."""
    value = bench.extra_info.get(name)
    return float(value) if _is_number(value) and isinstance(value, int | float) else None


def check_extras(runs: Sequence[Run], names: Sequence[str]) -> tuple[str, ...]:
    """Validate ``extra:NAME`` columns against the numeric extra_info values present."""
    known = extra_names(runs)
    for name in names:
        if name not in known:
            have = ", ".join(f"extra:{k}" for k in known) or "none"
            msg = f"unknown column extra:{name} (numeric extra_info values in these runs: {have})"
            raise UsageError(msg)
    return tuple(names)
