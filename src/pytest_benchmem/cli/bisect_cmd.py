"""``benchmem bisect``: which release of a package first made a benchmark regress.

Thin layer over ``pytest_benchmem.sweep.bisect_runner`` (imported inside the command): parses
the options, prints each probe as it finishes, then the table of probed releases, the answer,
the benchmarks that crossed the threshold and the ``benchmem compare`` command for the two.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pytest_benchmem.modes import ALLOW_MIXED_FLAG, ALLOW_MIXED_HELP

from . import app, path_option

if TYPE_CHECKING:
    from pytest_benchmem.sweep.bisect import BisectResult, Probe
    from pytest_benchmem.sweep.bisect_runner import Prober, Request
    from pytest_benchmem.sweep.model import SweepOptions

BISECT_DIR = Path(".benchmarks") / "bisect"
_MAX_COLUMNS = 3


def _test_name(benchmark_id: str) -> str:
    return benchmark_id.rsplit("::", 1)[-1]


def _shown_path(path: Path) -> str:
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
    if base:
        change = f"{(value - base) / base * 100.0:+.1f}%"
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
            cells = [f"{_test_name(worst[1])} {worst[0] * 100:+.1f}%" if worst else "—"]
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
    """The largest relative move in the search's direction: (fraction, id)."""
    from pytest_benchmem.sweep.bisect import Direction

    base = outcome.probes[0].result.values
    ids = outcome.selected
    changes = [((values[i] - base[i]) / base[i], i) for i in ids if i in values and base.get(i)]
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
            parts = [f"{c.percent:+.1f}%"] if c.percent is not None else []
            parts += [c.noise] if c.noise else []
            change = f" ({', '.join(parts)})" if parts else ""
            lines.append(
                f"  {c.id}: {format_value(rule.field, c.base)} -> "
                f"{format_value(rule.field, c.new)}{change}"
            )
    for probe in outcome.skipped:
        where = probe.result.detail.get("log_dir")
        logs = f" (logs: {_shown_path(Path(str(where)))})" if where else ""
        lines.append(f"skipped {probe.version}: {probe.reason}{logs}")
    paths = [run_path(prober, v) for v in (outcome.last_good or "", outcome.first_bad or "")]
    if all(paths):
        shown = " ".join(_shown_path(p) for p in paths if p is not None)
        lines.append(f"compare them: benchmem compare {shown} --metric {rule.field}")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _probe_line(probe: Probe) -> str:
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


@app.command("bisect", help="Find the first release of a package that made a benchmark regress.")
def bisect_command(
    *,
    package: Annotated[
        str, typer.Argument(help="The package whose releases to search.", show_default=False)
    ],
    good: Annotated[
        str, typer.Option("--good", help="A release without the regression.", show_default=False)
    ],
    bad: Annotated[
        str, typer.Option("--bad", help="A newer release with the regression.", show_default=False)
    ],
    suite: Annotated[
        Path,
        typer.Option(
            "--suite", help="The benchmark suite (file or directory).", show_default=False
        ),
    ],
    metric: Annotated[str, typer.Option(help="peak | allocated | allocations | time.")] = "peak",
    threshold: Annotated[
        str,
        typer.Option(
            help="How much change against --good makes a release the answer: 10%, 5MiB, "
            "10%+1MiB (same grammar as compare --fail-on; time: and outside noise)."
        ),
    ] = "10%",
    direction: Annotated[
        str,
        typer.Option(
            metavar="[heavier|lighter|slower|faster]",
            help="Look for the first release that got heavier (a regression) or lighter (an "
            "improvement); slower/faster are the same for time.",
        ),
    ] = "heavier",
    test: Annotated[
        str | None,
        typer.Option(
            help="Run and judge only these benchmarks: an exact id (test_parse[5000], or the "
            "full id), k:EXPR (a -k style expression) or glob:PATTERN.",
            show_default="every benchmark",
        ),
    ] = None,
    find_links: Annotated[
        list[str] | None,
        typer.Option(
            "--find-links",
            help="Directory (or URL) of wheels/sdists (repeatable).",
            show_default=False,
        ),
    ] = None,
    index_url: Annotated[
        list[str] | None,
        typer.Option(
            "--index-url",
            help="Package index (repeatable).",
            show_default="the public index",
        ),
    ] = None,
    pin: Annotated[
        list[str] | None,
        typer.Option(
            "--pin",
            help="Extra requirement installed in every venv (repeatable).",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Ignore files uploaded after this date (YYYY-MM-DD).",
            show_default=False,
        ),
    ] = None,
    python: Annotated[
        list[str] | None,
        typer.Option(
            "--python",
            help="Interpreter for the venvs. Repeat it to bisect under each (one bisection "
            "per Python, in OUT/<tag>).",
            show_default="this one",
        ),
    ] = None,
    pytest_arg: Annotated[
        list[str] | None,
        typer.Option(
            "--pytest-arg", help="Extra pytest argument (repeatable).", show_default=False
        ),
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option(
            "--env",
            help="NAME=VALUE set for every run, e.g. PYTHONMALLOC=malloc (repeatable).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Runs, logs and bisect.json go here.", parser=path_option, metavar="DIR"
        ),
    ] = BISECT_DIR,
    pre: Annotated[bool, typer.Option("--pre", help="Include pre-releases.")] = False,
    allow_mixed_modes: Annotated[
        bool, typer.Option(ALLOW_MIXED_FLAG, help=ALLOW_MIXED_HELP, show_default=False)
    ] = False,
) -> int:
    """Bisect the releases between --good and --bad; exit 0 found, 1 not found, 2 usage."""
    from pytest_benchmem.sweep.bisect_runner import Request
    from pytest_benchmem.sweep.model import SweepOptions
    from pytest_benchmem.sweep.options import check_options
    from pytest_benchmem.sweep.releases import interpreter_version

    request = Request(
        package, good, bad, metric, threshold, test, pre, direction, allow_mixed_modes
    )
    rule = request.rule()
    request.way()  # a bad --direction is a usage error before anything runs
    options = check_options(
        SweepOptions(
            suite=suite,
            out=out,
            memory=rule.field != "time",
            pins=tuple(pin or ()),
            as_of=as_of,
            pytest_args=tuple(pytest_arg or ()),
            env=tuple(env or ()),
            find_links=tuple(find_links or ()),
            index_urls=tuple(index_url or ()),
            python=python[0] if python and len(python) == 1 else None,
            jobs=2,
            resume=True,
            profile=rule.field != "time",  # captures for the attribution of the first bad
        )
    )
    if python and len(python) > 1:
        return _bisect_matrix(request, options, python)
    one = options.python
    version = interpreter_version(one, options.out / "logs" / "bisect") if one else None
    return _bisect_one(request, options, version)


def _bisect_matrix(request: Request, options: SweepOptions, pythons: list[str]) -> int:
    """One bisection per interpreter, each in ``OUT/<tag>`` (the Python matrix's label tag);
    a missing interpreter is one line, the others still run. Exit 0 only when all found."""
    from dataclasses import replace

    from pytest_benchmem.errors import BenchmemError
    from pytest_benchmem.sweep.process import SubprocessRunner
    from pytest_benchmem.sweep.pythons import find_interpreters, python_tags
    from pytest_benchmem.sweep.venv import uv_bin

    found = find_interpreters(
        pythons, uv=uv_bin(), log_dir=options.out / "logs" / "python", runner=SubprocessRunner()
    )
    code = 0
    for interp, tag in zip(found, python_tags(found), strict=True):
        typer.echo(f"Python {interp.request} ({tag}):")
        if not interp.found:
            typer.echo(f"benchmem bisect: {tag}: {interp.error}", err=True)
            code = max(code, 1)
            continue
        mine = replace(options, python=interp.executable, out=options.out / tag)
        try:
            code = max(code, _bisect_one(request, mine, interp.version))
        except BenchmemError as exc:  # not found under this Python: said, the others go on
            typer.echo(f"benchmem bisect: {tag}: {exc}", err=True)
            code = max(code, exc.exit_code)
        typer.echo("")
    return code


def _bisect_one(request: Request, options: SweepOptions, version: str | None) -> int:
    """One bisection under one interpreter (``options.python``)."""
    from pytest_benchmem.sweep.bisect_runner import NoRegressionError, run_bisect
    from pytest_benchmem.sweep.process import terminate_as_interrupt

    try:
        with terminate_as_interrupt():  # a cancelled CI job stops like Ctrl-C
            outcome, prober, _ = run_bisect(
                request,
                options,
                python_version=version,
                echo=typer.echo,
                on_probe=lambda p: typer.echo(_probe_line(p)),
            )
    except NoRegressionError as exc:
        typer.echo("")
        typer.echo(render_probe_table(exc.outcome))
        raise
    except KeyboardInterrupt:
        typer.echo(
            f"benchmem bisect: interrupted; the finished probes and bisect.json are kept in "
            f"{_shown_path(options.out)} (the same command again reuses them)",
            err=True,
        )
        raise SystemExit(130) from None  # said what is kept; no second message
    typer.echo("")
    typer.echo(render_probe_table(outcome))
    typer.echo("")
    typer.echo(render_answer(outcome, prober))
    for line in attribute(outcome, prober, options.out):
        typer.echo(line)
    typer.echo(f"runs and bisect.json in {_shown_path(options.out)}")
    return 0


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
        lines.append(f"differential flame graph: {_shown_path(target)}")
    return lines
