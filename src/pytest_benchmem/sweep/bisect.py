"""The bisect search: which release first made a benchmark regress past a threshold.

Pure: it walks an ordered version list through a ``probe(version) -> ProbeResult`` callable
(the CLI's probe provisions a venv and runs the suite). Both ends are measured first, the
regression is confirmed between them, then the releases in between are binary-searched; a
release that cannot be measured is skipped and the search continues on its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pytest_benchmem.errors import BenchmemError, UsageError
from pytest_benchmem.units import Threshold


class Verdict(StrEnum):
    """What one probe says about its release."""

    GOOD = "good"
    BAD = "bad"
    SKIPPED = "skipped"


class Status(StrEnum):
    """How the whole search ended."""

    FOUND = "found"
    NO_REGRESSION = "no-regression"


@dataclass(frozen=True)
class ProbeResult:
    """One measured release: a value per benchmark id, or why it could not be measured."""

    values: Mapping[str, float] = field(default_factory=dict)
    failure: str | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Crossing:
    """A benchmark whose value grew past the threshold against the good release."""

    id: str
    base: float
    new: float

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
    verdict: Verdict
    crossings: tuple[Crossing, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    """The search's answer; ``probes`` are in version order (``Probe.order`` is probe order)."""

    versions: tuple[str, ...]
    good: str
    bad: str
    threshold: Threshold
    selected: tuple[str, ...]
    probes: tuple[Probe, ...]
    status: Status
    first_bad: str | None = None
    last_good: str | None = None
    untested: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        """True when a first bad release was named."""
        return self.status is Status.FOUND

    def probe(self, version: str) -> Probe | None:
        """The probe of ``version``, if it was probed."""
        return next((p for p in self.probes if p.version == version), None)

    @property
    def skipped(self) -> tuple[Probe, ...]:
        """The probed releases that could not be measured."""
        return tuple(p for p in self.probes if p.verdict is Verdict.SKIPPED)


# -- selecting benchmarks ----------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
Matcher = Callable[[str], bool]


class _Parser:
    """``-k`` style expressions: ``and``, ``or``, ``not``, parentheses, substring idents."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _TOKEN.findall(text)
        self.pos = 0

    def fail(self, why: str) -> UsageError:
        return UsageError(f"--test {self.text!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            msg = "unexpected end of expression"
            raise self.fail(msg)
        self.pos += 1
        return token

    def parse(self) -> Matcher:
        if not self.tokens:
            msg = "empty expression"
            raise self.fail(msg)
        matcher = self.any_of()
        if self.peek() is not None:
            msg = f"unexpected {self.peek()!r}"
            raise self.fail(msg)
        return matcher

    def any_of(self) -> Matcher:
        parts = [self.all_of()]
        while self.peek() == "or":
            self.take()
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else lambda name: any(p(name) for p in parts)

    def all_of(self) -> Matcher:
        parts = [self.negation()]
        while self.peek() == "and":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda name: all(p(name) for p in parts)

    def negation(self) -> Matcher:
        word = self.take()
        if word == "not":
            inner = self.negation()
            return lambda name: not inner(name)
        if word == "(":
            inner = self.any_of()
            if self.take() != ")":
                msg = "missing ')'"
                raise self.fail(msg)
            return inner
        if word in {")", "and", "or"}:
            msg = f"unexpected {word!r}"
            raise self.fail(msg)
        needle = word.lower()
        return lambda name: needle in name.lower()


def select_benchmarks(ids: Sequence[str], test: str | None) -> tuple[str, ...]:
    """The ids ``test`` selects: all when None, an exact id, else a ``-k`` style expression.

    Raises:
        UsageError: a malformed expression, or one that matches no benchmark.
    """
    if test is None:
        return tuple(ids)
    if test in ids:
        return (test,)
    matcher = _Parser(test).parse()
    chosen = tuple(i for i in ids if matcher(i))
    if not chosen:
        shown = ", ".join(list(ids)[:5]) + (", ..." if len(ids) > 5 else "")
        msg = f"--test {test!r} matches no benchmark (the suite has: {shown or 'none'})"
        raise UsageError(msg)
    return chosen


# -- the search --------------------------------------------------------------------------------


def judge(
    result: ProbeResult, base: Mapping[str, float], selected: Sequence[str], threshold: Threshold
) -> tuple[Verdict, tuple[Crossing, ...], str | None]:
    """A probe's verdict: bad when any selected benchmark crossed the threshold against ``base``."""
    if result.failure is not None:
        return Verdict.SKIPPED, (), result.failure
    common = [i for i in selected if i in result.values and i in base]
    if not common:
        return Verdict.SKIPPED, (), "none of the selected benchmarks ran"
    crossings = tuple(
        Crossing(i, base[i], result.values[i])
        for i in common
        if threshold.exceeded(base[i], result.values[i])
    )
    return (Verdict.BAD if crossings else Verdict.GOOD), crossings, None


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


def _largest_change(probe: Probe, base: Mapping[str, float], selected: Sequence[str]) -> str:
    changes = [
        (probe.result.values[i] - base[i]) / base[i] * 100.0
        for i in selected
        if i in probe.result.values and base.get(i)
    ]
    return f"largest change {max(changes):+.1f}%" if changes else "no comparable benchmark"


def bisect(
    versions: Sequence[str],
    good: str,
    bad: str,
    probe: Callable[[str], ProbeResult],
    *,
    threshold: Threshold,
    test: str | None = None,
    on_probe: Callable[[Probe], None] | None = None,
) -> Outcome:
    """Find the first release in ``versions`` (oldest first) whose values regressed.

    Raises:
        UsageError: unknown or misordered ends, a ``--test`` matching nothing.
        BenchmemError: an end that cannot be measured.
    """
    low, high = _ends(versions, good, bad)
    probes: dict[int, Probe] = {}
    base: Mapping[str, float] = {}
    selected: tuple[str, ...] = ()

    def run(index: int) -> Probe:
        result = probe(versions[index])
        verdict, crossings, reason = judge(result, base, selected, threshold)
        done = Probe(versions[index], len(probes) + 1, result, verdict, crossings, reason)
        probes[index] = done
        if on_probe is not None:
            on_probe(done)
        return done

    first = probe(versions[low])
    if first.failure is not None:
        msg = f"the --good release {good} could not be measured: {first.failure}"
        raise BenchmemError(msg)
    base = first.values
    selected = select_benchmarks(sorted(base), test)
    probes[low] = Probe(good, 1, first, Verdict.GOOD)
    if on_probe is not None:
        on_probe(probes[low])
    end = run(high)
    if end.verdict is Verdict.SKIPPED:
        msg = f"the --bad release {bad} could not be measured: {end.reason}"
        raise BenchmemError(msg)

    span = tuple(versions[low : high + 1])
    if end.verdict is Verdict.GOOD:
        ordered = tuple(probes[i] for i in sorted(probes))
        return Outcome(span, good, bad, threshold, selected, ordered, Status.NO_REGRESSION)
    while True:
        candidates = [i for i in range(low + 1, high) if i not in probes]
        if not candidates:
            break
        middle = candidates[(len(candidates) - 1) // 2]
        verdict = run(middle).verdict
        if verdict is Verdict.BAD:
            high = middle
        elif verdict is Verdict.GOOD:
            low = middle
    return Outcome(
        span,
        good,
        bad,
        threshold,
        selected,
        tuple(probes[i] for i in sorted(probes)),
        Status.FOUND,
        first_bad=versions[high],
        last_good=versions[low],
        untested=tuple(versions[i] for i in range(low + 1, high)),
    )


def no_regression_message(outcome: Outcome) -> str:
    """The one-line error for a search whose bad end did not regress."""
    base = outcome.probes[0].result.values
    end = outcome.probe(outcome.bad)
    change = _largest_change(end, base, outcome.selected) if end is not None else ""
    return (
        f"no regression between {outcome.good} and {outcome.bad}: no selected benchmark grew "
        f"past {outcome.threshold.describe()} ({change})"
    )
