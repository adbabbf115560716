"""The plugin's pytest options: reading and validating the flags and ini keys into ``Settings``.

The command line wins over the ini file, which wins over the default. Bad values stop pytest
at startup with a ``pytest.UsageError`` naming the flag. The flags are registered in ``flags``;
the ``benchmem`` marker is validated in ``marker``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from .errors import UsageError
from .marker import MAX_WARMUP, Repeats, bounded_count, parse_repeats
from .metrics import COLUMNS, DEFAULT_STATS, STATS, parse_list
from .modes import (
    DEFAULT_MODE,
    MemoryMode,
    parse_mode,
)
from .units import Threshold, parse_duration, parse_threshold

T = TypeVar("T")
DEFAULT_COLUMNS = ("peak",)
DEFAULT_MAX_TIME = 1.0  # seconds of memory passes per benchmark under repeats=auto
MAX_TIME_LIMIT = 3600.0
TABLES = ("combined", "split")
LATEST = "latest"


@dataclass(frozen=True)
class Settings:
    """The validated plugin options of one pytest session."""

    enabled: bool = False
    repeats: Repeats = 1
    warmup: int = 0
    max_time: float = DEFAULT_MAX_TIME
    table: str = "combined"
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    stats: tuple[str, ...] = DEFAULT_STATS
    compare: str | None = None  # None: off; "latest" or a storage ref such as "0001"
    compare_fail: tuple[Threshold, ...] = ()
    label: str | None = None
    mode: MemoryMode = DEFAULT_MODE
    allow_mixed_modes: bool = False
    profile: str | None = None  # --benchmark-memory-profile DIR: keep the captures there
    profile_native: bool = False
    profile_all: bool = False


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


def _max_time(value: object) -> float:
    what = "--benchmark-memory-max-time"
    seconds = parse_duration(str(value).strip(), what=what)
    if not 0 < seconds <= MAX_TIME_LIMIT:
        msg = f"{what}: expected a duration above 0 and at most 1h, got {value!r}"
        raise UsageError(msg)
    return seconds


def _table(value: object) -> str:
    text = str(value).strip().lower()
    if text not in TABLES:
        msg = f"--benchmark-memory-table: expected combined or split, got {value!r}"
        raise UsageError(msg)
    return text


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
    repeats: Repeats = 1
    if repeats_raw is not None:
        repeats = _checked(
            "--benchmark-memory-repeats",
            lambda: parse_repeats(repeats_raw, what="--benchmark-memory-repeats"),
        )
    warmup_raw = _raw(config, "benchmark_memory_warmup")
    warmup = 0
    if warmup_raw is not None:
        warmup = _checked(
            "--benchmark-memory-warmup",
            lambda: bounded_count(
                warmup_raw, what="--benchmark-memory-warmup", low=0, high=MAX_WARMUP
            ),
        )
    max_time_raw = _raw(config, "benchmark_memory_max_time")
    max_time = DEFAULT_MAX_TIME
    if max_time_raw is not None:
        max_time = _checked("--benchmark-memory-max-time", lambda: _max_time(max_time_raw))
    table_raw = _raw(config, "benchmark_memory_table")
    table = (
        "combined"
        if table_raw is None
        else _checked("--benchmark-memory-table", lambda: _table(table_raw))
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
    profile = _profile_dir(_raw(config, "benchmark_memory_profile"))
    return Settings(
        enabled=enabled or profile is not None,
        repeats=repeats,
        warmup=warmup,
        max_time=max_time,
        table=table,
        columns=columns,
        stats=stats,
        compare=compare,
        compare_fail=rules,
        label=label,
        mode=_mode(config),
        allow_mixed_modes=bool(_raw(config, "benchmark_memory_allow_mixed_modes")),
        profile=profile,
        profile_native=bool(_raw(config, "benchmark_memory_profile_native")),
        profile_all=bool(_raw(config, "benchmark_memory_profile_all")),
    )


def _profile_dir(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        msg = "--benchmark-memory-profile: expected a directory, got an empty value"
        raise pytest.UsageError(msg)
    if Path(text).exists() and not Path(text).is_dir():
        msg = f"--benchmark-memory-profile: {text!r} is a file, not a directory"
        raise pytest.UsageError(msg)
    return text


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
            "--benchmark-compare-fail; memory fields are peak, allocated, allocations, rss"
        )
        raise UsageError(msg)
    return threshold
