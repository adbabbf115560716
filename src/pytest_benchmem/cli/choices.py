"""The closed sets of values some options take, offered by shell completion.

The options stay plain strings validated by the domain code (so a bad value is one line
naming the choices, like every other error, and ``compare --metric`` can take a comma list);
these functions only tell the shell what to offer. Nothing heavy is imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: plotting.VIEWS (pinned equal by a test; plotting itself is too heavy to import for a Tab)
VIEWS = ("compare", "scatter", "sweep", "scaling")
FORMATS = ("text", "md")


def sorts() -> tuple[str, ...]:
    """The row orders of ``compare --sort``."""
    from pytest_benchmem.compare import SORTS

    return SORTS


def metrics() -> tuple[str, ...]:
    """The metrics ``--metric`` takes, and ``memory`` (the alias of peak)."""
    from pytest_benchmem.metrics import METRICS

    return (*METRICS, "memory")


def stats() -> tuple[str, ...]:
    """Every stat ``--stat`` takes: the memory stats, then time's extra ones."""
    from pytest_benchmem.runmodel import TIME_STATS

    return TIME_STATS


def _offer(choices: Sequence[str], incomplete: str) -> list[str]:
    return [choice for choice in choices if choice.startswith(incomplete.lower())]


def completer(choices: Sequence[str] | Callable[[], Sequence[str]]) -> Callable[[str], list[str]]:
    """A typer ``autocompletion`` function offering ``choices`` that start as typed."""

    def complete(incomplete: str) -> list[str]:
        return _offer(choices() if callable(choices) else choices, incomplete)

    return complete


def complete_metrics(incomplete: str) -> list[str]:
    """``--metric`` values, also after a comma (``time,pe`` offers ``time,peak``)."""
    head, sep, last = incomplete.rpartition(",")
    taken = {part.strip().lower() for part in head.split(",")} if sep else set()
    prefix = f"{head}{sep}"
    return [prefix + name for name in _offer(metrics(), last) if name not in taken]
