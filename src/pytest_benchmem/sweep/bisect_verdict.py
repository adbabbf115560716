"""The bisect verdicts: whether one probed release moved past the threshold, and which way.

``judge`` says good, bad or skipped for a probe against the good release; ``marginal`` says
when a verdict is too close to call once. Used by the search in ``bisect``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pytest_benchmem.compare import Regression
from pytest_benchmem.errors import UsageError
from pytest_benchmem.noise import Verdict, verdict_of
from pytest_benchmem.units import Threshold, percent_change

#: a memory verdict this close to the threshold (a fraction of it) is measured once more
MEMORY_MARGIN = 0.01


class ProbeVerdict(StrEnum):
    """What one probe says about its release."""

    GOOD = "good"
    BAD = "bad"
    SKIPPED = "skipped"


class Direction(StrEnum):
    """Which way a release must move past the threshold to be the answer."""

    HEAVIER = "heavier"  # grew: heavier, slower (a regression)
    LIGHTER = "lighter"  # shrank: lighter, faster (an improvement)

    @classmethod
    def parse(cls, text: str) -> Direction:
        """``heavier``/``slower`` or ``lighter``/``faster``; UsageError otherwise."""
        key = text.strip().lower()
        aliases = {"slower": cls.HEAVIER, "faster": cls.LIGHTER}
        if key in aliases:
            return aliases[key]
        try:
            return cls(key)
        except ValueError:
            msg = f"unknown --direction {text!r} (choose from heavier | lighter | slower | faster)"
            raise UsageError(msg) from None

    def word(self, metric: str) -> str:
        """``heavier``/``lighter``, or ``slower``/``faster`` for time."""
        if metric == "time":
            return "slower" if self is Direction.HEAVIER else "faster"
        return str(self)


@dataclass(frozen=True)
class ProbeResult:
    """One measured release: a value per benchmark id, or why it could not be measured."""

    values: Mapping[str, float] = field(default_factory=dict)
    failure: str | None = None
    detail: Mapping[str, object] = field(default_factory=dict)
    stats: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # time: per id


def crossed(rule: Threshold, base: float, new: float, direction: Direction) -> bool:
    """True when ``new`` moved past ``rule`` from ``base`` in ``direction``.

    Heavier is ``rule.exceeded``; lighter mirrors it: the drop must be strictly more than
    every part that is set (a percent of the base, an absolute amount).
    """
    if direction is Direction.HEAVIER:
        return rule.exceeded(base, new)
    drop = base - new
    if drop <= 0:
        return False
    change = percent_change(base, new)
    if rule.percent is not None and (base < 0 or change is None or -change <= rule.percent):
        return False
    return not (rule.absolute is not None and drop <= rule.absolute)


def _noise(
    ident: str, result: ProbeResult, base_stats: Mapping[str, Mapping[str, object]]
) -> tuple[Verdict | None, bool]:
    """(verdict, supported) of a time change; memory changes are always supported."""
    if ident not in result.stats or ident not in base_stats:
        return None, True
    verdict = verdict_of(base_stats[ident], result.stats[ident])
    before, after = base_stats[ident].get("min"), result.stats[ident].get("min")
    delta = (
        float(after) - float(before)
        if isinstance(after, int | float) and isinstance(before, int | float)
        else 0.0
    )
    return verdict, verdict.method == "none" or verdict.agrees(delta)


def judge(
    result: ProbeResult,
    base: Mapping[str, float],
    selected: Sequence[str],
    threshold: Threshold,
    *,
    direction: Direction = Direction.HEAVIER,
    base_stats: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[ProbeVerdict, tuple[Regression, ...], str | None]:
    """A probe's verdict: bad when a selected benchmark moved past the threshold in
    ``direction`` against ``base`` (for time: and the noise rule supports the change).
    Each benchmark that crossed is a ``compare.Regression`` of the rule's field (for
    ``--direction lighter`` it shrank past the rule)."""
    if result.failure is not None:
        return ProbeVerdict.SKIPPED, (), result.failure
    common = [i for i in selected if i in result.values and i in base]
    if not common:
        return ProbeVerdict.SKIPPED, (), "none of the selected benchmarks ran"
    crossings = []
    for i in common:
        if not crossed(threshold, base[i], result.values[i], direction):
            continue
        noise, supported = _noise(i, result, base_stats or {})
        if supported:
            crossings.append(
                Regression(threshold.field, i, base[i], result.values[i], threshold, noise)
            )
    return (ProbeVerdict.BAD if crossings else ProbeVerdict.GOOD), tuple(crossings), None


def _near(rule: Threshold, base: float, new: float, direction: Direction) -> bool:
    """True when the move from ``base`` to ``new`` is within MEMORY_MARGIN of a rule's part."""
    sign = 1.0 if direction is Direction.HEAVIER else -1.0
    moved = sign * (new - base)
    change = percent_change(base, new)
    parts = []
    if rule.percent is not None and base > 0 and change is not None:
        parts.append((sign * change, rule.percent))
    if rule.absolute is not None:
        parts.append((moved, rule.absolute))
    return any(abs(value - limit) <= abs(limit) * MEMORY_MARGIN for value, limit in parts)


def marginal(
    result: ProbeResult,
    base: Mapping[str, float],
    selected: Sequence[str],
    threshold: Threshold,
    *,
    direction: Direction = Direction.HEAVIER,
    base_stats: Mapping[str, Mapping[str, object]] | None = None,
) -> bool:
    """True when a verdict is too close to call once: a benchmark within MEMORY_MARGIN of
    the threshold, or (time) past it while the noise rule calls the change noise."""
    if result.failure is not None:
        return False
    for i in selected:
        if i not in result.values or i not in base:
            continue
        old, new = base[i], result.values[i]
        if _near(threshold, old, new, direction):
            return True
        if crossed(threshold, old, new, direction) and not _noise(i, result, base_stats or {})[1]:
            return True
    return False
