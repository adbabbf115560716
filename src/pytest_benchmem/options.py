"""The plugin's pytest options and the ``benchmem`` marker: registration, parsing, validation.

Every flag has an ini key of the same name with underscores; the command line wins over
the ini file, which wins over the default. Bad values stop pytest at startup with a
``pytest.UsageError`` naming the flag; a bad marker fails its test, naming test and kwarg.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from .errors import UsageError
from .metrics import COLUMNS, DEFAULT_STATS, STATS, parse_list
from .modes import DEFAULT_MODE, MODE_CHOICES, MemoryMode, parse_mode
from .units import Threshold, parse_count, parse_size, parse_threshold

T = TypeVar("T")

DEFAULT_COLUMNS = ("peak",)
MARKER = "benchmem"
MARKER_HELP = (
    "benchmem(repeats=N, max_peak=SIZE, max_allocated=SIZE, max_allocations=N): "
    "memray passes and absolute memory ceilings for this benchmark."
)
MARKER_KWARGS = ("repeats", "max_peak", "max_allocated", "max_allocations")
#: ceiling kwarg -> (metric label used in messages, MemoryResult attribute)
CEILINGS = {
    "max_peak": ("peak", "peak_bytes"),
    "max_allocated": ("allocated", "total_bytes"),
    "max_allocations": ("allocations", "allocations"),
}
LATEST = "latest"


@dataclass(frozen=True)
class Settings:
    """The validated plugin options of one pytest session."""

    enabled: bool = False
    repeats: int = 1
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    stats: tuple[str, ...] = DEFAULT_STATS
    compare: str | None = None  # None: off; "latest" or a storage ref such as "0001"
    compare_fail: tuple[Threshold, ...] = ()
    label: str | None = None
    mode: MemoryMode = DEFAULT_MODE


@dataclass(frozen=True)
class MarkerSpec:
    """A validated ``@pytest.mark.benchmem(...)``: repeats and absolute ceilings."""

    repeats: int | None = None
    ceilings: Mapping[str, int] | None = None


def add_options(parser: pytest.Parser) -> None:
    """Register the flags (in pytest-benchmark's option group) and their ini keys."""
    group = parser.getgroup("benchmark")
    flags: list[tuple[str, dict[str, Any], str]] = [
        (
            "--benchmark-memory",
            {"action": "store_true", "default": None},
            (
                "Record peak memory (memray) for every benchmark() call, no test changes. "
                "Default: off."
            ),
        ),
        (
            "--benchmark-memory-repeats",
            {"metavar": "N", "default": None},
            (
                "Memray passes per benchmark (headline = min); the benchmem marker's repeats "
                "overrides it. Default: 1."
            ),
        ),
        (
            "--benchmark-memory-columns",
            {"metavar": "COLS", "default": None},
            (
                "Memory columns of the table, comma-separated, in order: peak, allocated, "
                "allocs. Default: peak."
            ),
        ),
        (
            "--benchmark-memory-stats",
            {"metavar": "STATS", "default": None},
            (
                "Stats each shown memory column spreads into when repeats > 1: min, mean, max, "
                "median, stddev. Default: min,mean,max."
            ),
        ),
        (
            "--benchmark-memory-compare",
            {"metavar": "REF", "nargs": "?", "const": LATEST, "default": None},
            (
                "Compare peak memory against a saved run in --benchmark-storage: the latest, or "
                "REF such as 0001. Adds base and Δ peak columns. Default: off."
            ),
        ),
        (
            "--benchmark-memory-compare-fail",
            {"metavar": "FIELD:THRESHOLD", "action": "append", "default": None},
            (
                "Fail the session on a memory regression against the compared run, e.g. "
                "peak:10% or peak:5MiB or peak:10%+1MiB (repeatable; implies "
                "--benchmark-memory-compare). Fields: peak, allocated, allocations."
            ),
        ),
        (
            "--benchmark-memory-mode",
            {"metavar": "MODE", "choices": MODE_CHOICES, "default": None},
            (
                "How the untimed memory pass sees Python objects. exact: every object at its "
                "own size (memray's trace_python_allocators), identical peaks run after run. "
                "fast: only pymalloc's 1 MiB arenas, a cheaper pass whose small-object peaks "
                "move by arenas between runs. Runs of different modes are not compared "
                "silently. Default: exact."
            ),
        ),
        (
            "--benchmark-memory-trace-python-allocators",
            {"action": "store_true", "default": None},
            (
                "Older spelling of --benchmark-memory-mode=exact, which is now the default "
                "(kept so existing command lines work)."
            ),
        ),
        (
            "--benchmark-memory-label",
            {"metavar": "LABEL", "default": None},
            "Label stamped into the saved run's provenance (else $BENCHMEM_LABEL).",
        ),
    ]
    for flag, kwargs, help_text in flags:
        dest = flag.lstrip("-").replace("-", "_")
        group.addoption(flag, dest=dest, help=help_text.replace("%", "%%"), **kwargs)
        ini_type = "bool" if kwargs.get("action") == "store_true" else None
        if flag == "--benchmark-memory-trace-python-allocators":
            ini_type = None  # read as text: an explicit "false" means the fast mode
        if flag == "--benchmark-memory-compare-fail":
            ini_type = "linelist"
        parser.addini(dest, help=help_text, type=ini_type)  # type: ignore[arg-type]


def _raw(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    if value is None:
        try:
            value = config.getini(name)
        # a bool ini key that is not true/false/yes/no/1/0: ValueError up to pytest 9.1,
        # pytest's own UsageError (which names no key) from 9.2
        except (ValueError, pytest.UsageError) as exc:
            msg = f"ini key {name}: {exc} (expected true or false)"
            raise pytest.UsageError(msg) from None
        if value in ("", []):
            return None
    return value


def _checked(flag: str, parse: Callable[[], T]) -> T:
    try:
        return parse()
    except UsageError as exc:
        message = exc.message if exc.message.startswith(flag) else f"{flag}: {exc.message}"
        raise pytest.UsageError(message) from None


def _repeats(value: object, *, what: str) -> int:
    count = parse_count(value, what=what)
    if count < 1:
        msg = f"{what}: expected a whole number >= 1, got {value!r}"
        raise UsageError(msg)
    return count


def _compare(value: object) -> str | None:
    if value is None or value is False:
        return None
    text = str(value).strip()
    if not text or text.lower() in ("false", "no", "off", "0"):
        return None
    if text.lower() in ("true", "yes", "on", "1", LATEST):
        return LATEST
    return text


def load_settings(config: pytest.Config) -> Settings:
    """Read and validate every option; raise ``pytest.UsageError`` on a bad value."""
    enabled = bool(_raw(config, "benchmark_memory"))
    repeats_raw = _raw(config, "benchmark_memory_repeats")
    repeats = 1
    if repeats_raw is not None:
        repeats = _checked(
            "--benchmark-memory-repeats",
            lambda: _repeats(repeats_raw, what="--benchmark-memory-repeats"),
        )
    columns_raw = _raw(config, "benchmark_memory_columns")
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    if columns_raw is not None:
        columns = _checked(
            "--benchmark-memory-columns",
            lambda: parse_list(str(columns_raw), tuple(COLUMNS), what="--benchmark-memory-columns"),
        )
    stats_raw = _raw(config, "benchmark_memory_stats")
    stats: tuple[str, ...] = DEFAULT_STATS
    if stats_raw is not None:
        stats = _checked(
            "--benchmark-memory-stats",
            lambda: parse_list(str(stats_raw), STATS, what="--benchmark-memory-stats"),
        )
    rules_raw = _raw(config, "benchmark_memory_compare_fail") or []
    rules = tuple(_threshold_option(str(rule)) for rule in rules_raw)
    compare = _compare(_raw(config, "benchmark_memory_compare"))
    if rules and compare is None:
        compare = LATEST
    label = _raw(config, "benchmark_memory_label") or os.environ.get("BENCHMEM_LABEL") or None
    return Settings(
        enabled=enabled,
        repeats=repeats,
        columns=columns,
        stats=stats,
        compare=compare,
        compare_fail=rules,
        label=label,
        mode=_mode(config),
    )


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def _legacy_ini(config: pytest.Config) -> MemoryMode | None:
    """The older ini key ``benchmark_memory_trace_python_allocators``: true exact, false fast."""
    raw = str(config.getini("benchmark_memory_trace_python_allocators") or "").strip().lower()
    if not raw:
        return None
    if raw in _TRUE:
        return MemoryMode.EXACT
    if raw in _FALSE:
        return MemoryMode.FAST
    msg = f"ini key benchmark_memory_trace_python_allocators: {raw!r} (expected true or false)"
    raise pytest.UsageError(msg)


def _mode(config: pytest.Config) -> MemoryMode:
    """``--benchmark-memory-mode`` (else the older tracing flag), then the ini keys, then exact.

    The older flag/key only ever meant exact (or, as an ini ``false``, fast); contradicting
    the new option at the same level is a usage error rather than a silent pick.
    """
    flag = config.getoption("benchmark_memory_mode")
    legacy_flag = bool(config.getoption("benchmark_memory_trace_python_allocators"))
    if flag is not None:
        mode = _checked(
            "--benchmark-memory-mode", lambda: parse_mode(flag, what="--benchmark-memory-mode")
        )
        if legacy_flag and mode is not MemoryMode.EXACT:
            msg = (
                "--benchmark-memory-mode=fast contradicts "
                "--benchmark-memory-trace-python-allocators (which means exact); pass one"
            )
            raise pytest.UsageError(msg)
        return mode
    if legacy_flag:
        return MemoryMode.EXACT
    ini = str(config.getini("benchmark_memory_mode") or "").strip()
    legacy = _legacy_ini(config)
    if not ini:
        return legacy or DEFAULT_MODE
    mode = _checked(
        "ini key benchmark_memory_mode",
        lambda: parse_mode(ini, what="ini key benchmark_memory_mode"),
    )
    if legacy is not None and legacy is not mode:
        msg = (
            f"ini key benchmark_memory_mode = {mode.value} contradicts "
            "benchmark_memory_trace_python_allocators; keep only benchmark_memory_mode"
        )
        raise pytest.UsageError(msg)
    return mode


def _threshold_option(rule: str) -> Threshold:
    return _checked("--benchmark-memory-compare-fail", lambda: _memory_threshold(rule))


def _memory_threshold(rule: str) -> Threshold:
    threshold = parse_threshold(rule)
    if threshold.field == "time":
        msg = (
            f"bad threshold {rule!r}: time is gated by pytest-benchmark's "
            "--benchmark-compare-fail; memory fields are peak, allocated, allocations"
        )
        raise UsageError(msg)
    return threshold


def parse_marker(name: str, args: Sequence[object], kwargs: Mapping[str, object]) -> MarkerSpec:
    """Validate a ``benchmem`` marker's arguments; ``UsageError`` names test and kwarg."""
    where = f"{name}: @pytest.mark.benchmem"
    if args:
        msg = f"{where} takes keyword arguments only ({', '.join(MARKER_KWARGS)}), got {args!r}"
        raise UsageError(msg)
    unknown = sorted(set(kwargs) - set(MARKER_KWARGS))
    if unknown:
        msg = (
            f"{where}: unknown keyword argument {unknown[0]!r} "
            f"(expected {', '.join(MARKER_KWARGS)})"
        )
        raise UsageError(msg)
    repeats = None
    if "repeats" in kwargs:
        repeats = _repeats(kwargs["repeats"], what=f"{where}: repeats")
    ceilings: dict[str, int] = {}
    for key in ("max_peak", "max_allocated"):
        if key in kwargs:
            ceilings[key] = parse_size(kwargs[key], what=f"{where}: {key}")
    if "max_allocations" in kwargs:
        ceilings["max_allocations"] = parse_count(
            kwargs["max_allocations"], what=f"{where}: max_allocations"
        )
    return MarkerSpec(repeats=repeats, ceilings=ceilings or None)
