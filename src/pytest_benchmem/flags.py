"""The plugin's command-line flags and ini keys: their registration in pytest's parser.

Every flag has an ini key of the same name with underscores; ``options`` reads and validates
them into ``Settings``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .modes import ALLOW_MIXED_PYTEST_FLAG, MODE_CHOICES
from .options import LATEST


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
