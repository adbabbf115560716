"""The one rule that says whether a time change is within noise, and the spread it reads.

Every command that shows a time change (compare, the sweep summary, bisect, the report and
the markdown summary) asks ``time_verdict``. The rule: a change is within noise when the two
interquartile ranges ``[q1, q3]`` pytest-benchmark stored overlap; slower when the new q1 is
above the old q3, faster when the new q3 is below the old q1. A side with fewer than two
rounds has no spread: the verdict is "no spread", and a gate never passes on it. Raw rounds
(``stats.data``), when saved, are what interleaved sweep rounds combine before the quartiles
are recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Shift(StrEnum):
    """What the rule says about new vs base."""

    WITHIN = "within noise"
    SLOWER = "slower"
    FASTER = "faster"
    UNKNOWN = "no spread"


@dataclass(frozen=True)
class Spread:
    """A benchmark's time spread as pytest-benchmark stored it (seconds)."""

    rounds: int
    q1: float
    q3: float
    stddev: float
    data: tuple[float, ...] = ()

    @property
    def iqr(self) -> float:
        """The interquartile range ``q3 - q1``."""
        return self.q3 - self.q1


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def spread_of(stats: Mapping[str, object]) -> Spread | None:
    """The spread in a pytest-benchmark ``stats`` mapping (None without rounds and quartiles).

    Raw ``data`` is kept only when it is a list of numbers as long as ``rounds`` says.
    """
    rounds, q1, q3 = (_num(stats.get(k)) for k in ("rounds", "q1", "q3"))
    if rounds is None or q1 is None or q3 is None:
        return None
    raw = stats.get("data")
    data: tuple[float, ...] = ()
    if isinstance(raw, list) and raw:
        values = [_num(v) for v in raw]
        if all(v is not None for v in values):
            data = tuple(v for v in values if v is not None)
    return Spread(int(rounds), q1, q3, _num(stats.get("stddev")) or 0.0, data)


@dataclass(frozen=True)
class Verdict:
    """The rule's answer for one change: the shift, and how it was decided."""

    shift: Shift
    method: str  # "iqr", or "none" without a spread

    @property
    def within(self) -> bool:
        """True when the change is within noise (unknown is not within: no evidence)."""
        return self.shift is Shift.WITHIN

    def agrees(self, delta: float) -> bool:
        """True when the rule found a shift in the direction of ``delta`` (new - base)."""
        if delta > 0:
            return self.shift is Shift.SLOWER
        if delta < 0:
            return self.shift is Shift.FASTER
        return False

    def describe(self) -> str:
        """``within noise (IQRs overlap)``, ``slower (IQRs apart)``, ``no spread``."""
        if self.method == "iqr":
            how = "IQRs overlap" if self.within else "IQRs apart"
            return f"{self.shift} ({how})"
        return str(self.shift)


def time_verdict(base: Spread | None, new: Spread | None) -> Verdict:
    """Apply the rule (see the module docstring) to a change from ``base`` to ``new``."""
    if base is None or new is None or base.rounds < 2 or new.rounds < 2:
        return Verdict(Shift.UNKNOWN, "none")
    if new.q1 > base.q3:
        return Verdict(Shift.SLOWER, "iqr")
    if new.q3 < base.q1:
        return Verdict(Shift.FASTER, "iqr")
    return Verdict(Shift.WITHIN, "iqr")


def verdict_of(base: Mapping[str, object], new: Mapping[str, object]) -> Verdict:
    """``time_verdict`` of two pytest-benchmark ``stats`` mappings."""
    return time_verdict(spread_of(base), spread_of(new))


def combine_stats(data: Sequence[float]) -> dict[str, object]:
    """pytest-benchmark's per-benchmark stats recomputed from raw rounds (``data`` included).

    Computed by pytest-benchmark's own ``Stats`` (its quartile method, its outlier counts);
    used where several runs of one benchmark are merged (interleaved sweep rounds).
    """
    if not data:
        msg = "no rounds to combine"
        raise ValueError(msg)
    from pytest_benchmark.stats import Stats

    stats = Stats()  # type: ignore[no-untyped-call]
    stats.data = [float(v) for v in data]
    combined: dict[str, object] = stats.as_dict()  # type: ignore[no-untyped-call]
    combined["data"] = list(stats.data)
    return combined
