"""The plugin's pytest options and the ``benchmem`` marker: registration, parsing, validation.

Every flag has an ini key of the same name with underscores; the command line wins over
the ini file, which wins over the default. Bad values stop pytest at startup with a
``pytest.UsageError`` naming the flag; a bad marker fails its test, naming test and kwarg.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest

from .errors import UsageError
from .metrics import COLUMNS, DEFAULT_STATS, STATS, parse_list
from .modes import (
    ALLOW_MIXED_PYTEST_FLAG,
    DEFAULT_MODE,
    MODE_CHOICES,
    MemoryMode,
    parse_mode,
)
from .units import Threshold, parse_count, parse_duration, parse_size, parse_threshold

T = TypeVar("T")
#: a number of memray passes, or ``"auto"`` (measure until the minimum settles)
Repeats = int | Literal["auto"]

AUTO: Literal["auto"] = "auto"
DEFAULT_COLUMNS = ("peak",)
DEFAULT_MAX_TIME = 1.0  # seconds of memory passes per benchmark under repeats=auto
MAX_TIME_LIMIT = 3600.0
#: upper bounds of the whole-number options: enough for any real use, small enough that a
#: typo (an extra digit or three) is an error, not an hour-long session
MAX_REPEATS = 1000
MAX_WARMUP = 1000
MAX_CALLS = 1_000_000
TABLES = ("combined", "split")
MARKER = "benchmem"
MARKER_HELP = (
    "benchmem(repeats=N|'auto', warmup=N, calls=N, isolate=False, max_peak=SIZE, "
    "max_allocated=SIZE, max_allocations=N, max_rss=SIZE): memray passes, untracked warm-up "
    "runs, calls per pass, whole-process peak RSS in a fresh process, and absolute memory "
    "ceilings for this benchmark."
)
MARKER_KWARGS = (
    "repeats",
    "warmup",
    "calls",
    "isolate",
    "max_peak",
    "max_allocated",
    "max_allocations",
    "max_rss",
)
#: ceiling kwarg -> (metric label used in messages, MemoryResult attribute)
CEILINGS = {
    "max_peak": ("peak", "peak_bytes"),
    "max_allocated": ("allocated", "total_bytes"),
    "max_allocations": ("allocations", "allocations"),
    "max_rss": ("rss", "rss_bytes"),
}
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


@dataclass(frozen=True)
class MarkerSpec:
    """A validated ``@pytest.mark.benchmem(...)``: passes, warm-up, calls and ceilings."""

    repeats: Repeats | None = None
    ceilings: Mapping[str, int] | None = None
    warmup: int | None = None
    calls: int = 1
    isolate: bool = False


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
                "overrides it. 'auto' measures until two passes in a row do not lower the "
                "minimum (at most 10 passes and --benchmark-memory-max-time). Default: 1."
            ),
        ),
        (
            "--benchmark-memory-max-time",
            {"metavar": "SECONDS", "default": None},
            (
                "With --benchmark-memory-repeats=auto: stop starting memory passes of a "
                "benchmark after this long (e.g. 2 or 500ms; at least one pass always runs). "
                "Default: 1s."
            ),
        ),
        (
            "--benchmark-memory-warmup",
            {"metavar": "N", "default": None},
            (
                "Untracked runs of setup plus the benchmarked call before the memory passes "
                "(the benchmem marker's warmup overrides it). Default: 0 (timing already "
                "warmed the function)."
            ),
        ),
        (
            "--benchmark-memory-table",
            {"metavar": "{combined,split}", "default": None},
            (
                "combined: memory columns folded into pytest-benchmark's table; split: its "
                "table untouched, then a separate memory table. Default: combined."
            ),
        ),
        (
            "--benchmark-memory-columns",
            {"metavar": "COLS", "default": None},
            (
                "Memory columns of the table, comma-separated, in order (also rss, recorded "
                "by isolate=True): peak, allocated, allocs. Default: peak."
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
                "--benchmark-memory-compare). Fields: peak, allocated, allocations. Also rss, "
                "for benchmarks marked isolate=True."
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
            ALLOW_MIXED_PYTEST_FLAG,
            {"action": "store_true", "default": None},
            (
                "Compare memory against a saved run measured differently anyway (memory "
                "mode, PYTHONMALLOC, memray major version), with a note; without it such a "
                "baseline stops the session. Default: off."
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
            "--benchmark-memory-profile",
            {"metavar": "DIR", "default": None},
            (
                "Keep the memray capture of each benchmark's headline pass in DIR (no extra "
                "pass; implies --benchmark-memory), for benchmem flamegraph / benchmem diff. "
                "With --benchmark-memory-compare-fail only regressing ids are kept. Default: off."
            ),
        ),
        (
            "--benchmark-memory-profile-native",
            {"action": "store_true", "default": None},
            "Kept captures record native (C) stacks too (memray native_traces). Default: off.",
        ),
        (
            "--benchmark-memory-profile-all",
            {"action": "store_true", "default": None},
            (
                "Keep every benchmark's capture even when a compare-fail gate is set "
                "(default: only the regressing ones)."
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


def bounded_count(value: object, *, what: str, low: int, high: int) -> int:
    """A whole number in ``[low, high]``: an int, or a string of ASCII digits; else UsageError."""
    text = value.strip() if isinstance(value, str) else None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text and text.isascii() and text.isdigit():
        number = int(text)
    if number is None or not low <= number <= high:
        msg = f"{what}: expected a whole number from {low} to {high:,}, got {value!r}"
        raise UsageError(msg)
    return number


def _repeats(value: object, *, what: str) -> Repeats:
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    try:
        return bounded_count(value, what=what, low=1, high=MAX_REPEATS)
    except UsageError:
        msg = (
            f"{what}: expected a whole number >= 1 (at most {MAX_REPEATS}) or 'auto', got {value!r}"
        )
        raise UsageError(msg) from None


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
            lambda: _repeats(repeats_raw, what="--benchmark-memory-repeats"),
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
    warmup = None
    if "warmup" in kwargs:
        warmup = bounded_count(kwargs["warmup"], what=f"{where}: warmup", low=0, high=MAX_WARMUP)
    calls = 1
    if "calls" in kwargs:
        calls = bounded_count(kwargs["calls"], what=f"{where}: calls", low=1, high=MAX_CALLS)
    ceilings: dict[str, int] = {}
    isolate = kwargs.get("isolate", False)
    if not isinstance(isolate, bool):
        msg = f"{where}: isolate: expected True or False, got {isolate!r}"
        raise UsageError(msg)
    if "max_rss" in kwargs and not isolate:
        msg = f"{where}: max_rss needs isolate=True (only an isolated pass measures RSS)"
        raise UsageError(msg)
    for key in ("max_peak", "max_allocated", "max_rss"):
        if key in kwargs:
            ceilings[key] = parse_size(kwargs[key], what=f"{where}: {key}")
    if "max_allocations" in kwargs:
        ceilings["max_allocations"] = parse_count(
            kwargs["max_allocations"], what=f"{where}: max_allocations"
        )
    return MarkerSpec(
        repeats=repeats, ceilings=ceilings or None, warmup=warmup, calls=calls, isolate=isolate
    )
