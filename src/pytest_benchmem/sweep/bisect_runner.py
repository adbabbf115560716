"""Bisect over real releases: every probe is a one-target sweep, read back as values.

Bridges the pure search (``bisect.py``) and the sweep pipeline: ``Prober`` runs ``pkg==X``
through ``run_targets`` (venvs and finished runs reused), reads each run's values with
``load_run``, and keeps ``<out>/bisect.json`` current: the probed targets in version order
(the sweep manifest's format, so ``--resume`` and the readers understand it) plus the search.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.version import Version

from pytest_benchmem.errors import BenchmemError, SchemaError, UsageError
from pytest_benchmem.metrics import canonical_metric
from pytest_benchmem.modes import Measurement, check_measurements, measurement_of
from pytest_benchmem.units import Threshold, parse_threshold

from .bisect import (
    BisectResult,
    BisectStatus,
    Direction,
    Probe,
    ProbeResult,
    bisect,
    no_regression_message,
)
from .bisect_json import section
from .manifest import read_manifest, write_manifest
from .model import Stage, SweepOptions, TargetResult
from .pipeline import run_targets
from .releases import Listing, Sources, list_releases
from .simple_index import Fetcher

BISECT_MANIFEST = "bisect.json"
RunTargets = Callable[..., list[TargetResult]]


@dataclass(frozen=True)
class Request:
    """What to bisect: the package, the two ends, the metric and the rule for "regressed"."""

    package: str
    good: str
    bad: str
    metric: str = "peak"
    threshold: str = "10%"
    test: str | None = None
    pre: bool = False
    direction: str = "heavier"
    allow_mixed_modes: bool = False  # compare memory of runs measured differently anyway

    def way(self) -> Direction:
        """The direction (``heavier``/``slower`` or ``lighter``/``faster``)."""
        return Direction.parse(self.direction)

    def rule(self) -> Threshold:
        """The threshold on this request's metric (a ``FIELD:`` prefix must name the metric)."""
        metric = canonical_metric(self.metric)
        rule = parse_threshold(self.threshold, default_field=metric)
        if rule.field != metric:
            msg = f"--threshold {self.threshold!r} is about {rule.field}, but --metric is {metric}"
            raise UsageError(msg)
        return rule


def failed_tests(log_dir: Path) -> list[str]:
    """The tests pytest reported as failed or errored in the latest run log of ``log_dir``."""
    logs = sorted(log_dir.glob("*-run.log")) if log_dir.is_dir() else []
    if not logs:
        return []
    try:
        text = logs[-1].read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found: dict[str, None] = {}
    for line in text.splitlines():
        for mark in ("FAILED ", "ERROR "):
            if line.startswith(mark):
                found[line[len(mark) :].split(" - ", 1)[0].strip()] = None
    return list(found)


def narrowed(options: SweepOptions, test: str | None) -> SweepOptions:
    """``options`` whose pytest runs collect only what ``test`` selects (the in-run plugin)."""
    if test is None:
        return options
    from pytest_benchmem.inrun.select import TEST_ENV, matcher

    matcher(test)  # a malformed expression is a usage error before anything runs
    return replace(
        options,
        pytest_args=(*options.pytest_args, "-p", "pytest_benchmem.inrun.select"),
        env=(*options.env, f"{TEST_ENV}={test}"),
    )


def _swept(options: SweepOptions, package: str) -> dict[str, TargetResult]:
    """Runs of a sweep (or merged shards) in ``options.out`` that bisect may reuse."""
    if not (options.out / "sweep.json").is_file():
        return {}
    from .harness import build_harness
    from .plan import sweep_runs_alike
    from .venv import cache_root

    version = build_harness(cache_root()).version
    return sweep_runs_alike(options.out, options, package, version)


def _failure(result: TargetResult) -> str:
    where = f"{result.stage}: " if result.stage else ""
    return f"{where}{result.reason or result.status}"


class Prober:
    """The ``probe(version)`` the search calls: one sweep target per release, results kept."""

    def __init__(
        self,
        package: str,
        options: SweepOptions,
        metric: str,
        *,
        ends: tuple[str, str] | None = None,
        run: RunTargets | None = None,
        echo: Callable[[str], None] | None = None,
        allow_mixed: bool = False,
    ) -> None:
        self.package = package
        self.allow_mixed = allow_mixed
        self.measured: list[tuple[str, Measurement]] = []  # memory runs seen, for the check
        self.options = options
        self.metric = metric
        self.ends = ends
        self.run = run or run_targets
        self.echo = echo
        self.path = options.out / BISECT_MANIFEST
        self.prior = read_manifest(self.path)
        self.records: dict[str, TargetResult] = {}
        self.harness: dict[str, object] = {}
        self.swept = _swept(options, package)

    def __call__(self, version: str) -> ProbeResult:
        if version not in self.records and version in self.swept:
            self.records[version] = self.swept.pop(version)  # measured alike by a sweep here
            if self.echo is not None:
                self.echo(f"{self.package} {version}: the run of the sweep in this directory")
        if version not in self.records:
            batch = [version]
            if self.ends is not None and version == self.ends[0]:
                # both ends, in parallel (a sweep in this directory may have measured either)
                batch = [v for v in self.ends if v not in self.records and v not in self.swept]
                if len(batch) > 1 and self._narrowed():  # a --test matching nothing: say so
                    self._run(batch[:1])  # after one end, not both
                    self._check_selection(self.records[batch[0]])
                    batch = batch[1:]
            self._run(batch)
        return self.values(self.records[version])

    def _narrowed(self) -> bool:
        from pytest_benchmem.inrun.select import TEST_ENV

        return any(item.startswith(f"{TEST_ENV}=") for item in self.options.env)

    def _check_selection(self, result: TargetResult) -> None:
        """UsageError when the run failed because ``--test`` selected none of its tests."""
        from pytest_benchmem.inrun.select import NO_MATCH

        reason = result.reason or ""
        if result.stage is Stage.RUN and f": {NO_MATCH} " in reason:
            what = reason.split(f": {NO_MATCH} ", 1)[1]
            msg = f"{NO_MATCH} {what} (checked on {result.label} before the other end)"
            raise UsageError(msg)

    def remeasure(self, version: str) -> ProbeResult:
        """Measure ``version`` again (a fresh run, not the one kept from before)."""
        self.records.pop(version, None)
        options = self.options
        self.options = replace(options, resume=False)
        try:
            self._run([version])
        finally:
            self.options = options
        return self.values(self.records[version])

    def _run(self, versions: Sequence[str]) -> None:
        if self.echo is not None:
            self.echo(f"measuring {self.package} {', '.join(versions)} ...")
        self._save(list(self.prior.values()) + list(self.records.values()), None)
        results = self.run(
            [f"{self.package}=={v}" for v in versions], self.options, manifest=BISECT_MANIFEST
        )
        try:
            written = json.loads(self.path.read_text(encoding="utf-8"))
            self.harness = dict(written.get("harness") or {})
        except (OSError, ValueError, AttributeError):
            self.harness = {}
        for version, result in zip(versions, results, strict=True):
            self.records[version] = result
            self.prior.pop(result.label, None)
        self._save(list(self.prior.values()) + list(self.records.values()), None)

    def values(self, result: TargetResult) -> ProbeResult:
        """A finished target's values per benchmark id, or why there are none."""
        detail: dict[str, object] = {"log_dir": str(result.log_dir), "status": str(result.status)}
        if not result.ok or result.run_path is None:
            return ProbeResult(failure=_failure(result), detail=detail)
        from pytest_benchmem.runs import load_run

        detail["run"] = str(result.run_path)
        try:
            run = load_run(result.run_path)
        except SchemaError as exc:
            return ProbeResult(failure=f"collect: {exc}", detail=detail)
        if self.metric != "time":
            self._check_mode(result.label, measurement_of(run.provenance))
        values = {b.id: b.value(self.metric) for b in run.benchmarks}
        kept = {k: float(v) for k, v in values.items() if v is not None}
        if not kept:
            reason = f"collect: the run has no {self.metric} values"
            return ProbeResult(failure=reason, detail=detail)
        failed = failed_tests(result.log_dir)
        if failed:
            detail["failed_tests"] = failed
        stats = {b.id: b.stats for b in run.benchmarks} if self.metric == "time" else {}
        return ProbeResult(values=kept, detail=detail, stats=stats)

    def _check_mode(self, label: str, measured: Measurement) -> None:
        """Memory of releases measured differently (e.g. a kept run from an older default)
        is refused (``MixedModesError``) unless allowed; allowed, a note says so once."""
        before = [m for _, m in self.measured]
        self.measured.append((label, measured))
        if measured in before:
            return
        note = check_measurements(self.measured, allow=self.allow_mixed)
        if note and self.echo is not None:
            self.echo(note)

    def _save(self, results: Sequence[TargetResult], section: Mapping[str, object] | None) -> None:
        extra = {"bisect": dict(section)} if section is not None else {}
        write_manifest(self.path, results, self.options, harness=self.harness, extra=extra)

    def finish(self, section: Mapping[str, object]) -> None:
        """Write the final manifest: the probed targets in version order, and the search."""
        ordered = [self.records[v] for v in sorted(self.records, key=Version)]
        self._save(ordered, section)


def resolve_ends(listing: Listing, request: Request) -> tuple[str, str]:
    """The listed versions equal to ``--good``/``--bad``; a one-line UsageError otherwise."""
    found: list[str] = []
    for flag, text in (("--good", request.good), ("--bad", request.bad)):
        version = listing.find(text)
        why = listing.why_excluded(text) if version is None else None
        if why is not None:
            msg = f"{flag} {text}: {listing.package} {text} {why}"
            raise UsageError(msg)
        if version is None:
            shown = ", ".join(str(v) for v in listing.versions[-8:]) or "none"
            hint = ""
            try:
                if Version(text).is_prerelease and not request.pre:
                    hint = "; pre-releases need --pre"
            except ValueError:
                hint = "; not a version"
            msg = f"{flag} {text}: unknown version of {listing.package} (latest: {shown}{hint})"
            raise UsageError(msg)
        found.append(str(version))
    return found[0], found[1]


def run_bisect(
    request: Request,
    options: SweepOptions,
    *,
    python_version: str | None = None,
    fetch: Fetcher | None = None,
    run: RunTargets | None = None,
    echo: Callable[[str], None] | None = None,
    on_probe: Callable[[Probe], None] | None = None,
) -> tuple[BisectResult, Prober, Listing]:
    """List the releases, search, and write ``<out>/bisect.json`` (also when the search fails).

    Raises:
        UsageError: unknown or misordered ends, a bad threshold, ``--test`` matching nothing.
        BenchmemError: an end that cannot be measured, or no regression between the ends.
    """
    rule = request.rule()
    metric = rule.field
    direction = request.way()
    options = narrowed(options, request.test)
    listing = list_releases(
        request.package, Sources.of(options), pre=request.pre, python_version=python_version,
        fetch=fetch,
    )  # fmt: skip
    good, bad = resolve_ends(listing, request)
    versions = [str(v) for v in listing.versions]
    span = versions[versions.index(good) : versions.index(bad) + 1]
    if echo is not None and len(span) > 1:
        moves = "grows" if direction is Direction.HEAVIER else "drops"
        noise = " outside noise" if metric == "time" else ""
        what = "bad" if direction is Direction.HEAVIER else direction.word(metric)
        echo(
            f"bisect {request.package}: {len(span)} releases from {good} to {bad}; a release is "
            f"{what} when a benchmark {moves} past {rule.describe()}{noise} against {good}"
        )
    options.out.mkdir(parents=True, exist_ok=True)
    prober = Prober(
        request.package,
        options,
        metric,
        ends=(good, bad),
        run=run,
        echo=echo,
        allow_mixed=request.allow_mixed_modes,
    )
    outcome: BisectResult | None = None
    status = "interrupted"
    try:
        outcome = bisect(
            versions, good, bad, prober, threshold=rule, test=request.test, on_probe=on_probe,
            direction=direction, remeasure=prober.remeasure,
        )  # fmt: skip
        status = str(outcome.status)
    except BenchmemError as exc:
        status = f"error: {exc}"
        raise
    finally:
        if prober.records:
            prober.finish(section(request, outcome, status))
    if outcome.status is BisectStatus.NO_REGRESSION:
        raise NoRegressionError(no_regression_message(outcome), outcome=outcome, prober=prober)
    return outcome, prober, listing


class NoRegressionError(BenchmemError):
    """The bad end did not regress against the good end (exit 1); carries what was measured."""

    def __init__(self, message: str, *, outcome: BisectResult, prober: Prober) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.prober = prober


def run_path(prober: Prober, version: str) -> Path | None:
    """Where the run of a probed ``version`` is."""
    record = prober.records.get(version)
    return record.run_path if record is not None else None
