"""The bisect search: which release first made a benchmark regress past a threshold.

Pure: it walks an ordered version list through a ``probe(version) -> ProbeResult`` callable
(the CLI's probe provisions a venv and runs the suite). Both ends are measured first, the
regression is confirmed between them, then the releases in between are binary-searched; a
release that cannot be measured is skipped and the search continues on its neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pytest_benchmem.compare import Regression
from pytest_benchmem.errors import BenchmemError, UsageError
from pytest_benchmem.inrun.select import matcher
from pytest_benchmem.units import Threshold, percent_change, signed_percent

from .bisect_verdict import (
    MEMORY_MARGIN,
    Direction,
    ProbeResult,
    ProbeVerdict,
    crossed,
    judge,
    marginal,
)

__all__ = [
    "MEMORY_MARGIN",
    "BisectResult",
    "BisectStatus",
    "Direction",
    "Probe",
    "ProbeResult",
    "ProbeVerdict",
    "bisect",
    "crossed",
    "judge",
    "marginal",
    "no_regression_message",
    "select_benchmarks",
]


class BisectStatus(StrEnum):
    """How the whole search ended."""

    FOUND = "found"
    NO_REGRESSION = "no-regression"


@dataclass(frozen=True)
class Probe:
    """A probed release: its result, verdict and the benchmarks that crossed the threshold."""

    version: str
    order: int
    result: ProbeResult
    verdict: ProbeVerdict
    crossings: tuple[Regression, ...] = ()
    reason: str | None = None
    first: ProbeResult | None = None  # a marginal first measurement, replaced by a second


@dataclass(frozen=True)
class BisectResult:
    """The search's answer; ``probes`` are in version order (``Probe.order`` is probe order)."""

    versions: tuple[str, ...]
    good: str
    bad: str
    threshold: Threshold
    selected: tuple[str, ...]
    probes: tuple[Probe, ...]
    status: BisectStatus
    first_bad: str | None = None
    last_good: str | None = None
    untested: tuple[str, ...] = ()
    direction: Direction = Direction.HEAVIER

    @property
    def found(self) -> bool:
        """True when a first bad release was named."""
        return self.status is BisectStatus.FOUND

    def probe(self, version: str) -> Probe | None:
        """The probe of ``version``, if it was probed."""
        return next((p for p in self.probes if p.version == version), None)

    @property
    def skipped(self) -> tuple[Probe, ...]:
        """The probed releases that could not be measured."""
        return tuple(p for p in self.probes if p.verdict is ProbeVerdict.SKIPPED)


# -- selecting benchmarks ----------------------------------------------------------------------


def select_benchmarks(ids: Sequence[str], test: str | None) -> tuple[str, ...]:
    """The ids ``test`` selects: all when None; else exact, ``k:EXPR`` or ``glob:PATTERN``.

    The syntax is ``pytest_benchmem.inrun.select``'s, the plugin that narrows each probe's run.

    Raises:
        UsageError: a malformed expression, or one that matches no benchmark.
    """
    if test is None:
        return tuple(ids)
    match = matcher(test)
    chosen = tuple(i for i in ids if match(i))
    if not chosen:
        shown = ", ".join(list(ids)[:5]) + (", ..." if len(ids) > 5 else "")
        msg = f"--test {test!r} matches no benchmark (the suite has: {shown or 'none'})"
        raise UsageError(msg)
    return chosen


# -- the search --------------------------------------------------------------------------------


def _index(versions: Sequence[str], flag: str, version: str) -> int:
    try:
        return list(versions).index(version)
    except ValueError:
        msg = f"{flag} {version}: unknown version (not among the listed releases)"
        raise UsageError(msg) from None


def _ends(versions: Sequence[str], good: str, bad: str) -> tuple[int, int]:
    low, high = _index(versions, "--good", good), _index(versions, "--bad", bad)
    if low == high:
        msg = f"--good and --bad are the same release ({good})"
        raise UsageError(msg)
    if low > high:
        msg = f"--good {good} is newer than --bad {bad}"
        raise UsageError(msg)
    return low, high


def _largest_change(
    probe: Probe, base: Mapping[str, float], selected: Sequence[str], direction: Direction
) -> str:
    values = probe.result.values
    changes = [
        percent
        for i in selected
        if i in values and i in base and (percent := percent_change(base[i], values[i])) is not None
    ]
    if not changes:
        return "no comparable benchmark"
    pick = max if direction is Direction.HEAVIER else min
    return f"largest change {signed_percent(pick(changes))}"


@dataclass
class _Search:
    """The state of one search: the probes so far and how to judge them."""

    versions: Sequence[str]
    probe: Callable[[str], ProbeResult]
    threshold: Threshold
    direction: Direction
    remeasure: Callable[[str], ProbeResult] | None
    on_probe: Callable[[Probe], None] | None
    probes: dict[int, Probe] = field(default_factory=dict)
    base: ProbeResult = field(default_factory=ProbeResult)
    selected: tuple[str, ...] = ()

    def judge(self, result: ProbeResult) -> tuple[ProbeVerdict, tuple[Regression, ...], str | None]:
        return judge(
            result, self.base.values, self.selected, self.threshold,
            direction=self.direction, base_stats=self.base.stats,
        )  # fmt: skip

    def close_call(self, result: ProbeResult) -> bool:
        return self.remeasure is not None and marginal(
            result, self.base.values, self.selected, self.threshold,
            direction=self.direction, base_stats=self.base.stats,
        )  # fmt: skip

    def record(self, index: int, done: Probe) -> Probe:
        self.probes[index] = done
        if self.on_probe is not None:
            self.on_probe(done)
        return done

    def run(self, index: int) -> Probe:
        """Probe one release; a marginal verdict is measured once more and that one stands."""
        version = self.versions[index]
        result = self.probe(version)
        first = None
        if self.close_call(result) and self.remeasure is not None:
            first, result = result, self.remeasure(version)
        verdict, crossings, reason = self.judge(result)
        order = len(self.probes) + 1
        return self.record(index, Probe(version, order, result, verdict, crossings, reason, first))

    def ordered(self) -> tuple[Probe, ...]:
        return tuple(self.probes[i] for i in sorted(self.probes))


def bisect(
    versions: Sequence[str],
    good: str,
    bad: str,
    probe: Callable[[str], ProbeResult],
    *,
    threshold: Threshold,
    test: str | None = None,
    on_probe: Callable[[Probe], None] | None = None,
    direction: Direction = Direction.HEAVIER,
    remeasure: Callable[[str], ProbeResult] | None = None,
) -> BisectResult:
    """Find the first release in ``versions`` (oldest first) past the threshold in ``direction``.

    ``remeasure(version)`` measures a release again (not from a cache): a verdict within the
    margin (see ``marginal``) is measured once more and the second measurement stands.

    Raises:
        UsageError: unknown or misordered ends, a ``--test`` matching nothing.
        BenchmemError: an end that cannot be measured.
    """
    low, high = _ends(versions, good, bad)
    search = _Search(versions, probe, threshold, direction, remeasure, on_probe)
    first = probe(versions[low])
    if first.failure is not None:
        if test is not None and "no tests ran" in first.failure:
            msg = f"--test {test!r} matches no test of the suite under {good}"
            raise UsageError(msg)
        msg = f"the --good release {good} could not be measured: {first.failure}"
        raise BenchmemError(msg)
    search.base = first
    search.selected = select_benchmarks(sorted(first.values), test)
    search.record(low, Probe(good, 1, first, ProbeVerdict.GOOD))
    end = search.run(high)
    if end.verdict is ProbeVerdict.SKIPPED:
        msg = f"the --bad release {bad} could not be measured: {end.reason}"
        raise BenchmemError(msg)
    span = tuple(versions[low : high + 1])
    if end.verdict is ProbeVerdict.GOOD:
        return BisectResult(
            span, good, bad, threshold, search.selected, search.ordered(),
            BisectStatus.NO_REGRESSION, direction=direction,
        )  # fmt: skip
    while True:
        candidates = [i for i in range(low + 1, high) if i not in search.probes]
        if not candidates:
            break
        middle = candidates[(len(candidates) - 1) // 2]
        verdict = search.run(middle).verdict
        if verdict is ProbeVerdict.BAD:
            high = middle
        elif verdict is ProbeVerdict.GOOD:
            low = middle
    return BisectResult(
        span, good, bad, threshold, search.selected, search.ordered(), BisectStatus.FOUND,
        first_bad=versions[high], last_good=versions[low],
        untested=tuple(versions[i] for i in range(low + 1, high)), direction=direction,
    )  # fmt: skip


def no_regression_message(outcome: BisectResult) -> str:
    """The one-line error for a search whose bad end did not move past the threshold."""
    base = outcome.probes[0].result.values
    end = outcome.probe(outcome.bad)
    direction = outcome.direction
    change = _largest_change(end, base, outcome.selected, direction) if end is not None else ""
    rule = outcome.threshold
    if direction is Direction.HEAVIER:
        what, moved = "regression", "grew"
    else:
        what, moved = f"{direction.word(rule.field)} release", "dropped"
    noise = " outside noise" if rule.field == "time" else ""
    return (
        f"no {what} between {outcome.good} and {outcome.bad}: no selected benchmark {moved} "
        f"past {rule.describe()}{noise} ({change})"
    )
