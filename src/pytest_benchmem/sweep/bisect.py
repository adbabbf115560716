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

from pytest_benchmem.errors import BenchmemError, UsageError
from pytest_benchmem.inrun.select import matcher
from pytest_benchmem.noise import verdict_of
from pytest_benchmem.units import Threshold, signed_percent

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


class BisectStatus(StrEnum):
    """How the whole search ended."""

    FOUND = "found"
    NO_REGRESSION = "no-regression"


@dataclass(frozen=True)
class ProbeResult:
    """One measured release: a value per benchmark id, or why it could not be measured."""

    values: Mapping[str, float] = field(default_factory=dict)
    failure: str | None = None
    detail: Mapping[str, object] = field(default_factory=dict)
    stats: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # time: per id


@dataclass(frozen=True)
class Crossing:
    """A benchmark whose value moved past the threshold against the good release."""

    id: str
    base: float
    new: float
    noise: str | None = None  # time: the noise rule's verdict on the change

    @property
    def percent(self) -> float | None:
        """Growth in percent of the good release's value (None when that is 0)."""
        return (self.new - self.base) / self.base * 100.0 if self.base else None


@dataclass(frozen=True)
class Probe:
    """A probed release: its result, verdict and the benchmarks that crossed the threshold."""

    version: str
    order: int
    result: ProbeResult
    verdict: ProbeVerdict
    crossings: tuple[Crossing, ...] = ()
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
    if rule.percent is not None and (base <= 0 or drop / base * 100.0 <= rule.percent):
        return False
    return not (rule.absolute is not None and drop <= rule.absolute)


def _noise(
    ident: str, result: ProbeResult, base_stats: Mapping[str, Mapping[str, object]]
) -> tuple[str | None, bool]:
    """(verdict text, supported) of a time change; memory changes are always supported."""
    if ident not in result.stats or ident not in base_stats:
        return None, True
    verdict = verdict_of(base_stats[ident], result.stats[ident])
    before, after = base_stats[ident].get("min"), result.stats[ident].get("min")
    delta = (
        float(after) - float(before)
        if isinstance(after, int | float) and isinstance(before, int | float)
        else 0.0
    )
    return verdict.describe(), verdict.method == "none" or verdict.agrees(delta)


def judge(
    result: ProbeResult,
    base: Mapping[str, float],
    selected: Sequence[str],
    threshold: Threshold,
    *,
    direction: Direction = Direction.HEAVIER,
    base_stats: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[ProbeVerdict, tuple[Crossing, ...], str | None]:
    """A probe's verdict: bad when a selected benchmark moved past the threshold in
    ``direction`` against ``base`` (for time: and the noise rule supports the change)."""
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
            crossings.append(Crossing(i, base[i], result.values[i], noise))
    return (ProbeVerdict.BAD if crossings else ProbeVerdict.GOOD), tuple(crossings), None


def _near(rule: Threshold, base: float, new: float, direction: Direction) -> bool:
    """True when the move from ``base`` to ``new`` is within MEMORY_MARGIN of a rule's part."""
    moved = new - base if direction is Direction.HEAVIER else base - new
    parts = []
    if rule.percent is not None and base > 0:
        parts.append((moved / base * 100.0, rule.percent))
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
    changes = [
        (probe.result.values[i] - base[i]) / base[i] * 100.0
        for i in selected
        if i in probe.result.values and base.get(i)
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

    def judge(self, result: ProbeResult) -> tuple[ProbeVerdict, tuple[Crossing, ...], str | None]:
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
