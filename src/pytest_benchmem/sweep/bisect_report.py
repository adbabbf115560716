"""What ``benchmem bisect`` prints: each probe, the table of probed releases, the answer.

The first bad / last good release, the benchmarks that crossed the threshold, the skipped
releases, the ``benchmem compare`` command for the two, and where the benchmark that tripped
grew (with the differential flame graph written next to bisect.json).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_benchmem.units import percent_change, signed_percent

if TYPE_CHECKING:
    from pytest_benchmem.sweep.bisect import BisectResult, Probe
    from pytest_benchmem.sweep.bisect_runner import Prober

_MAX_COLUMNS = 3


def _test_name(benchmark_id: str) -> str:
    return benchmark_id.rsplit("::", 1)[-1]


def shown_path(path: Path) -> str:
    try:
        text = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        text = str(path)
    return shlex.quote(text)


def _cell(
    field: str,
    base: float | None,
    value: float | None,
    stats: tuple[Mapping[str, object] | None, Mapping[str, object] | None] = (None, None),
) -> str:
    """A value and its change against the good end; for time ``±IQR`` and the noise verdict
    (``stats`` are the good end's and this probe's pytest-benchmark stats)."""
    from pytest_benchmem.noise import spread_of, verdict_of
    from pytest_benchmem.units import format_value

    if value is None:
        return "—"
    text = format_value(field, value)
    own = spread_of(stats[1]) if stats[1] is not None else None
    if own is not None:
        text += f" ±{format_value(field, own.iqr)}"
    percent = percent_change(base, value) if base is not None else None
    if percent is not None:
        change = signed_percent(percent)
        if stats[0] is not None and stats[1] is not None:
            change += f", {verdict_of(stats[0], stats[1]).shift}"
        text += f" ({change})"
    return text


def _word(outcome: BisectResult, probe: Probe) -> str:
    """The verdict's word: good/bad for a regression; for lighter, e.g. ``lighter``."""
    from pytest_benchmem.sweep.bisect import Direction, ProbeVerdict

    if outcome.direction is Direction.HEAVIER or probe.verdict is ProbeVerdict.SKIPPED:
        return str(probe.verdict)
    word = outcome.direction.word(outcome.threshold.field)
    return word if probe.verdict is ProbeVerdict.BAD else f"not {word}"


def _verdict(outcome: BisectResult, probe: Probe) -> str:
    text = _word(outcome, probe)
    if probe.reason:
        text += f": {_clip(probe.reason, 70)}"
    if probe.version == outcome.good:
        text += " (--good)"
    elif probe.version == outcome.bad:
        text += " (--bad)"
    return text


def render_probe_table(outcome: BisectResult) -> str:
    """The probed releases in version order: value per benchmark (or the largest change)."""
    field = outcome.threshold.field
    base = outcome.probes[0].result.values
    ids = list(outcome.selected)
    several = len(ids) > _MAX_COLUMNS
    header = [
        "release",
        *(["largest change"] if several else [_test_name(i) for i in ids]),
        "verdict",
    ]
    rows = [header]
    mover = _mover(outcome) if several else None
    for probe in outcome.probes:
        values = probe.result.values
        if several and probe is outcome.probes[0]:  # the base: its own value, not +0.0 %
            cells = [
                f"{_test_name(mover)} {_cell(field, None, values.get(mover))}" if mover else "—"
            ]
        elif several:
            worst = _worst(outcome, values)
            cells = [f"{_test_name(worst[1])} {signed_percent(worst[0])}" if worst else "—"]
        else:
            first = probe is outcome.probes[0]
            good = outcome.probes[0].result.stats
            cells = [
                _cell(
                    field,
                    None if first else base.get(i),
                    values.get(i),
                    (good.get(i), probe.result.stats.get(i)),
                )
                for i in ids
            ]
        rows.append([probe.version, *cells, _verdict(outcome, probe)])
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _worst(outcome: BisectResult, values: Mapping[str, float]) -> tuple[float, str] | None:
    """The largest relative move in the search's direction: (percent, id)."""
    from pytest_benchmem.sweep.bisect import Direction

    base = outcome.probes[0].result.values
    ids = outcome.selected
    changes = [
        (percent, i)
        for i in ids
        if i in values and i in base and (percent := percent_change(base[i], values[i])) is not None
    ]
    if not changes:
        return None
    return max(changes) if outcome.direction is Direction.HEAVIER else min(changes)


def _mover(outcome: BisectResult) -> str | None:
    """The benchmark that moved most by the last probed release (the good row shows it)."""
    for probe in reversed(outcome.probes[1:]):
        worst = _worst(outcome, probe.result.values)
        if worst is not None:
            return worst[1]
    return outcome.selected[0] if outcome.selected else None


def _answer_head(outcome: BisectResult) -> list[str]:
    from pytest_benchmem.sweep.bisect import Direction

    if outcome.direction is Direction.HEAVIER:
        return [
            f"first bad release: {outcome.first_bad}",
            f"last good release: {outcome.last_good}",
        ]
    word = outcome.direction.word(outcome.threshold.field)
    return [
        f"first {word} release: {outcome.first_bad}",
        f"last release before it: {outcome.last_good}",
    ]


def render_answer(outcome: BisectResult, prober: Prober) -> str:
    """First bad / last good release, what crossed the threshold, skips, the compare command."""
    from pytest_benchmem.sweep.bisect_runner import run_path
    from pytest_benchmem.units import format_value

    rule = outcome.threshold
    lines = _answer_head(outcome)
    if outcome.untested:
        lines.append(
            "  (releases between them could not be measured, the change may come from: "
            f"{', '.join(outcome.untested)})"
        )
    bad = outcome.probe(outcome.first_bad or "")
    if bad is not None and bad.crossings:
        lines.append(f"past {rule.describe()} in {bad.version} (against {outcome.good}):")
        for c in bad.crossings:
            parts = [signed_percent(c.percent)] if c.percent is not None else []
            parts += [c.noise.describe()] if c.noise is not None else []
            change = f" ({', '.join(parts)})" if parts else ""
            lines.append(
                f"  {c.id}: {format_value(rule.field, c.base)} -> "
                f"{format_value(rule.field, c.new)}{change}"
            )
    for probe in outcome.skipped:
        where = probe.result.detail.get("log_dir")
        logs = f" (logs: {shown_path(Path(str(where)))})" if where else ""
        lines.append(f"skipped {probe.version}: {probe.reason}{logs}")
    paths = [run_path(prober, v) for v in (outcome.last_good or "", outcome.first_bad or "")]
    if all(paths):
        shown = " ".join(shown_path(p) for p in paths if p is not None)
        lines.append(f"compare them: benchmem compare {shown} --metric {rule.field}")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def probe_line(probe: Probe) -> str:
    reason = f" ({_clip(probe.reason, 90)})" if probe.reason else ""
    line = f"  [{probe.order}] {probe.version}: {probe.verdict}{reason}"
    if probe.first is not None:
        line += " (close to the threshold: measured twice, the second measurement stands)"
    failed = probe.result.detail.get("failed_tests")
    if isinstance(failed, list) and failed:
        plural = "test" if len(failed) == 1 else "tests"
        shown = ", ".join(str(f) for f in failed[:5]) + (", ..." if len(failed) > 5 else "")
        line += f"\n      {len(failed)} {plural} failed: {shown}"
    return line


def attribute(outcome: BisectResult, prober: Prober, out: Path) -> list[str]:
    """Where the benchmark that tripped grew between the last good and the first bad release:
    the top sites, and the differential flame graph written next to bisect.json."""
    from pytest_benchmem.errors import BenchmemError
    from pytest_benchmem.sweep.bisect_runner import run_path

    bad = outcome.probe(outcome.first_bad or "")
    if outcome.threshold.field == "time" or bad is None or not bad.crossings:
        return []
    tripped = max(bad.crossings, key=lambda c: c.new - c.base).id
    ends = [run_path(prober, v) for v in (outcome.last_good or "", outcome.first_bad or "")]
    if ends[0] is None or ends[1] is None:
        return []
    try:
        from pytest_benchmem.attribution import diff_runs
        from pytest_benchmem.attribution.report import brief

        diff = diff_runs(ends[0], ends[1], pattern=tripped)[0]
    except BenchmemError as exc:
        return [f"no attribution of {tripped}: {exc}"]
    head = (
        f"where {tripped} grew from {outcome.last_good} to {outcome.first_bad} "
        "(bytes live at the peak, by site):"
    )
    lines = [head, *brief(diff, top=5)[1:]]
    target = out / "bisect-diff.html"
    try:
        from pytest_benchmem.plotting.flame import write_diff_html

        write_diff_html([diff], target)
    except BenchmemError as exc:
        lines.append(f"no differential flame graph: {exc}")
    else:
        lines.append(f"differential flame graph: {shown_path(target)}")
    return lines
