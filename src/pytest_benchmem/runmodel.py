"""The run model (``Run``, ``Benchmark``, ``Sample``) and its JSON schema validation.

Stdlib only. ``parse_run`` turns one decoded pytest-benchmark document into a ``Run`` or raises
a ``SchemaError`` naming the file and, where it applies, the benchmark; ``read_json`` reads and
decodes a file with the same one-line errors. ``pytest_benchmem.runs`` is the public face.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from .errors import SchemaError, UsageError
from .metrics import (
    BLOB_KEY,
    HEADLINE_STAT,
    METRIC_FIELDS,
    RUN_SCHEMA,
    SERIES_KEYS,
    STATS,
    canonical_metric,
    check_stat,
    series_stat,
)
from .units import MAX_QUANTITY

Dim = str | int | float

#: dims derived from the test node; present on every benchmark but used only when named
NODE_DIMS = ("node.module", "node.func", "node.class", "node.group")
#: the same, by their short names (a benchmark's own dim of that name wins)
NODE_NAMES = ("module", "class", "func", "group")
#: numeric pytest-benchmark ``stats`` keys a time reading may ask for (beyond ``STATS``)
TIME_STATS = (*STATS, "ops", "iqr", "q1", "q3", "ld15iqr", "hd15iqr", "total")


class Sample(NamedTuple):
    """One benchmark's reading, ``(id, value, dims)``: its pytest-benchmark ``fullname``, a
    value, and its dims (a mapping of dim name -> str/int/float)."""

    id: str
    value: float
    dims: Mapping[str, Dim] = MappingProxyType({})


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of a run, validated; ``memory`` holds the blob's series (or None)."""

    id: str
    name: str
    group: str | None
    params: Mapping[str, object]
    extra_info: Mapping[str, object]
    stats: Mapping[str, object]
    memory: Mapping[str, tuple[float, ...]] | None
    dims: Mapping[str, Dim]

    def value(self, metric: str, stat: str | None = None) -> float | None:
        """The benchmark's ``metric`` reduced by ``stat`` (None = headline min), or None if absent.

        Raises:
            UsageError: for an unknown metric or stat.
        """
        metric = canonical_metric(metric)
        if metric == "time":
            key = HEADLINE_STAT if stat is None else check_time_stat(stat)
            raw = self.stats.get(key)
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return float(raw)
            return None
        key = HEADLINE_STAT if stat is None else check_stat(stat)
        series = None if self.memory is None else self.memory.get(METRIC_FIELDS[metric])
        if not series:
            return None
        return series_stat(series, key)

    def dim(self, name: str) -> Dim | None:
        """A dim by name, or None when the benchmark lacks it.

        ``NAME`` is the benchmark's own dim (a param or an ``extra_info`` scalar), else one of
        the node dims ``module``, ``class``, ``func``, ``group``; ``param:NAME`` and
        ``extra:NAME`` read only the params or only ``extra_info``; ``node.module`` (etc.)
        is the older spelling of the node dims.
        """
        if name in self.dims:
            return self.dims[name]
        kind, sep, key = name.partition(":")
        if sep and kind in ("param", "extra"):
            source = self.params if kind == "param" else self.extra_info
            if kind == "extra" and key == BLOB_KEY:
                return None
            return dim_value(source.get(key))
        return self.node_dim(name.removeprefix("node."))

    def node_dim(self, name: str) -> Dim | None:
        """``module``, ``class``, ``func`` or ``group``, from the node id (None if absent)."""
        module, _, rest = self.id.partition("::")
        parts = rest.split("::") if rest else []
        if name == "module":
            return module if rest else None
        if name == "func":
            return self.name.partition("[")[0]
        if name == "class":
            return "::".join(parts[:-1]) or None
        if name == "group":
            return self.group
        return None


def dim_value(value: object) -> Dim | None:
    """A JSON value as a dim: strings and numbers as they are, bools and others as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, str | int | float):
        return value
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True)
class Run:
    """One pytest-benchmark JSON file: its label, benchmarks (file order) and provenance."""

    path: Path
    label: str
    benchmarks: tuple[Benchmark, ...]
    provenance: Mapping[str, object]
    #: the machine that timed it, from ``machine_info`` (node and CPU; "" when not recorded)
    machine: str = ""

    def has_metric(self, metric: str) -> bool:
        """True when at least one benchmark carries a value for ``metric``."""
        return any(b.value(metric) is not None for b in self.benchmarks)

    def by_id(self) -> dict[str, Benchmark]:
        """Benchmarks keyed by id (the last one wins if an id repeats)."""
        return {b.id: b for b in self.benchmarks}


def check_time_stat(stat: str) -> str:
    key = stat.strip().lower()
    if key not in TIME_STATS:
        msg = f"unknown stat {stat!r} for time (choose from {', '.join(TIME_STATS)})"
        raise UsageError(msg)
    return key


def _clipped_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_FLOAT_MAX = 2.0**1023
_INTS = {int}


def _number(value: object) -> float | None:
    """A finite float from a JSON number (not bool), else None."""
    # exact types: bool is not a number here, and this is the hot path of a large run
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int:
        return float(value) if -_FLOAT_MAX < value < _FLOAT_MAX else None
    return None


def _series(series: object) -> tuple[float, ...] | None:
    """A non-empty list of non-negative finite numbers as floats, else None."""
    if type(series) is not list or not series:
        return None
    if len(series) == 1:  # one memory pass, the default: no generator, no min/max
        value = series[0]
        if type(value) is int and 0 <= value < _FLOAT_MAX:
            return (float(value),)
    # the common case, the plugin writes ints: one C-level pass each for type and range
    elif set(map(type, series)) == _INTS and min(series) >= 0 and max(series) < _FLOAT_MAX:
        return tuple(map(float, series))
    values = [_number(v) for v in series]
    if any(v is None or v < 0 for v in values):
        return None
    return tuple(v for v in values if v is not None)


def _dims(params: Mapping[str, object], extra_info: Mapping[str, object]) -> dict[str, Dim]:
    dims: dict[str, Dim] = {}
    for source in (params, extra_info):
        for key, value in source.items():
            if source is extra_info and key == BLOB_KEY:
                continue
            if isinstance(value, str):
                if value.startswith("UNSERIALIZABLE["):
                    continue
                dims[key] = value
            elif isinstance(value, (int, float)):  # a tuple: no union object built per call
                dims[key] = value
    return dims


def _parse_blob(blob: object, where: Callable[[], str]) -> dict[str, tuple[float, ...]]:
    if not isinstance(blob, dict):
        msg = f"{where()}: extra_info.{BLOB_KEY} must be an object, got {_clipped_repr(blob)}"
        raise SchemaError(msg)
    memory: dict[str, tuple[float, ...]] = {}
    length = 0
    implausible: str | None = None  # the first series with a value beyond MAX_QUANTITY
    for key in SERIES_KEYS:
        if key not in blob:
            continue
        values = _series(blob[key])
        if values is None:
            msg = (
                f"{where()}: extra_info.{BLOB_KEY}.{key} must be a non-empty list of "
                f"non-negative numbers, got {_clipped_repr(blob[key])}"
            )
            raise SchemaError(msg)
        if not memory:
            length = len(values)
        elif len(values) != length:
            length = -1
        if implausible is None and max(values) > MAX_QUANTITY:
            implausible = key
        memory[key] = values
    if not memory:
        msg = f"{where()}: extra_info.{BLOB_KEY} has none of {', '.join(SERIES_KEYS)}"
        raise SchemaError(msg)
    if length < 0:
        lengths = ", ".join(f"{k} {len(v)}" for k, v in memory.items())
        msg = (
            f"{where()}: extra_info.{BLOB_KEY} series differ in length ({lengths}): "
            "each holds one entry per memory pass"
        )
        raise SchemaError(msg)
    if implausible is not None:
        top = max(memory[implausible])
        msg = (
            f"{where()}: extra_info.{BLOB_KEY}.{implausible} holds {top:g}, not a plausible "
            f"{implausible}"
        )
        raise SchemaError(msg)
    return memory


def _bad_stat(stats: Mapping[str, object]) -> str | None:
    """The first of ``TIME_STATS`` that is present and not a finite number (bool is not)."""
    for key in TIME_STATS:
        value = stats.get(key, 0.0)
        if type(value) is float:
            if value - value != 0.0:  # inf or NaN
                return key
        elif type(value) is int:
            if not -_FLOAT_MAX < value < _FLOAT_MAX:
                return key
        else:
            return key
    return None


def _parse_benchmark(raw: object, index: int, path: Path) -> Benchmark:
    if not isinstance(raw, dict):
        msg = f"{path}: benchmarks[{index}] is not an object"
        raise SchemaError(msg)
    fullname, name = raw.get("fullname"), raw.get("name")
    ident = fullname if isinstance(fullname, str) and fullname else name
    if not isinstance(ident, str) or not ident:
        msg = f"{path}: benchmarks[{index}] has no 'fullname' or 'name' string"
        raise SchemaError(msg)

    def where() -> str:  # formatted only for an error: this is the hot path of a large run
        return f"{path}: benchmark {ident!r}"

    group, params = raw.get("group"), raw.get("params")
    extra_info, stats = raw.get("extra_info", {}), raw.get("stats")
    if group is not None and not isinstance(group, str):
        msg = f"{where()}: 'group' must be a string or null, got {_clipped_repr(group)}"
        raise SchemaError(msg)
    for key, value in (("params", params), ("extra_info", extra_info)):
        if value is not None and not isinstance(value, dict):
            msg = f"{where()}: {key!r} must be an object, got {_clipped_repr(value)}"
            raise SchemaError(msg)
    if not isinstance(stats, dict):
        msg = f"{where()}: 'stats' must be an object, got {_clipped_repr(stats)}"
        raise SchemaError(msg)
    bad = _bad_stat(stats)
    if bad is not None:
        msg = f"{where()}: stats.{bad} must be a number, got {_clipped_repr(stats[bad])}"
        raise SchemaError(msg)
    params = params or {}
    extra_info = extra_info or {}
    memory = _parse_blob(extra_info[BLOB_KEY], where) if BLOB_KEY in extra_info else None
    return Benchmark(  # positional: the hot path (id, name, group, params, extra_info, ...)
        ident,
        name if isinstance(name, str) and name else ident.rpartition("::")[2],
        group,
        params,
        extra_info,
        stats,
        memory,
        _dims(params, extra_info),
    )


def read_json(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path}: no such file"
        raise SchemaError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: is a directory, expected a pytest-benchmark JSON file"
        raise SchemaError(msg) from None
    except UnicodeDecodeError:
        msg = f"{path}: not a text file (expected pytest-benchmark JSON)"
        raise SchemaError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read ({exc.strerror or exc})"
        raise SchemaError(msg) from None
    if not text.strip():
        msg = f"{path}: empty file (expected pytest-benchmark JSON)"
        raise SchemaError(msg)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at_end = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        hint = " (truncated?)" if at_end else ""
        msg = f"{path}: malformed JSON{hint}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise SchemaError(msg) from None
    except (RecursionError, ValueError) as exc:
        msg = f"{path}: malformed JSON: {exc}"
        raise SchemaError(msg) from None


def parse_run(data: object, path: Path) -> Run:
    benchmarks = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(benchmarks, list):
        msg = f"{path}: not a pytest-benchmark run (no 'benchmarks' list)"
        raise SchemaError(msg)
    provenance = data.get(BLOB_KEY) or {}
    if not isinstance(provenance, dict):
        msg = f"{path}: top-level '{BLOB_KEY}' must be an object, got {_clipped_repr(provenance)}"
        raise SchemaError(msg)
    label = provenance.get("label")
    if label is not None and not isinstance(label, str):
        msg = f"{path}: '{BLOB_KEY}.label' must be a string, got {_clipped_repr(label)}"
        raise SchemaError(msg)
    schema = provenance.get("schema", RUN_SCHEMA)
    if isinstance(schema, bool) or not isinstance(schema, int) or schema > RUN_SCHEMA:
        msg = (
            f"{path}: '{BLOB_KEY}.schema' is {_clipped_repr(schema)}; this pytest-benchmem reads "
            f"schema {RUN_SCHEMA} (written by a newer version? upgrade to read it)"
        )
        raise SchemaError(msg)
    if not benchmarks:
        msg = f"{path}: the run holds no benchmarks (no test used the benchmark fixture)"
        raise SchemaError(msg)
    parsed = tuple(_parse_benchmark(raw, i, path) for i, raw in enumerate(benchmarks))
    machine = _machine(data.get("machine_info"))
    return Run(path, label or path.stem, parsed, provenance, machine)


def _machine(info: object) -> str:
    """``node (cpu brand)`` from pytest-benchmark's ``machine_info`` ("" when absent)."""
    if not isinstance(info, dict):
        return ""
    node = info.get("node")
    cpu = info.get("cpu")
    brand = cpu.get("brand_raw") if isinstance(cpu, dict) else None
    parts = [str(node) if node else "", f"({brand})" if brand else ""]
    return " ".join(p for p in parts if p)
