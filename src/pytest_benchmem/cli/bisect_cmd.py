"""``benchmem bisect``: which release of a package first made a benchmark regress.

Thin layer over ``pytest_benchmem.sweep.bisect_runner`` (imported inside the command): parses
the options, prints each probe as it finishes, then the table of probed releases, the answer,
the benchmarks that crossed the threshold and the ``benchmem compare`` command for the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from .sweep_params import (
    AllowMixedModes,
    AsOf,
    BisectOut,
    BisectPre,
    BisectPythons,
    Env,
    FindLinks,
    IndexUrls,
    Pins,
    PytestArgs,
    Suite,
)

if TYPE_CHECKING:
    from pytest_benchmem.sweep.bisect_runner import Request
    from pytest_benchmem.sweep.model import SweepOptions


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
    suite: Suite,
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
    find_links: FindLinks = None,
    index_urls: IndexUrls = None,
    pins: Pins = None,
    as_of: AsOf = None,
    pythons: BisectPythons = None,
    pytest_args: PytestArgs = None,
    env: Env = None,
    out: BisectOut = None,
    pre: BisectPre = False,
    allow_mixed_modes: AllowMixedModes = False,
) -> int:
    """Bisect the releases between --good and --bad; exit 0 found, 1 not found, 2 usage."""
    given = dict(locals())  # the parameters by name, as settings.merge takes them
    from pytest_benchmem.sweep.bisect_runner import Request
    from pytest_benchmem.sweep.options import check_options
    from pytest_benchmem.sweep.releases import interpreter_version
    from pytest_benchmem.sweep.settings import BISECT, merge

    request = Request(
        package, good, bad, metric, threshold, test, pre, direction, allow_mixed_modes
    )
    rule = request.rule()
    request.way()  # a bad --direction is a usage error before anything runs
    merged = merge(BISECT, given)  # bisect reads no config file
    python = merged.texts("pythons")
    options = check_options(
        merged.options(
            memory=rule.field != "time",
            python=python[0] if len(python) == 1 else None,
            jobs=2,
            resume=True,
            profile=rule.field != "time",  # captures for the attribution of the first bad
        )
    )
    if len(python) > 1:
        return _bisect_matrix(request, options, python)
    one = options.python
    version = interpreter_version(one, options.out / "logs" / "bisect") if one else None
    return _bisect_one(request, options, version)


def _bisect_matrix(request: Request, options: SweepOptions, pythons: Sequence[str]) -> int:
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
    from pytest_benchmem.sweep.bisect_report import (
        attribute,
        probe_line,
        render_answer,
        render_probe_table,
        shown_path,
    )
    from pytest_benchmem.sweep.bisect_runner import NoRegressionError, run_bisect
    from pytest_benchmem.sweep.process import terminate_as_interrupt

    try:
        with terminate_as_interrupt():  # a cancelled CI job stops like Ctrl-C
            outcome, prober, _ = run_bisect(
                request,
                options,
                python_version=version,
                echo=typer.echo,
                on_probe=lambda p: typer.echo(probe_line(p)),
            )
    except NoRegressionError as exc:
        typer.echo("")
        typer.echo(render_probe_table(exc.outcome))
        raise
    except KeyboardInterrupt:
        typer.echo(
            f"benchmem bisect: interrupted; the finished probes and bisect.json are kept in "
            f"{shown_path(options.out)} (the same command again reuses them)",
            err=True,
        )
        raise SystemExit(130) from None  # said what is kept; no second message
    typer.echo("")
    typer.echo(render_probe_table(outcome))
    typer.echo("")
    typer.echo(render_answer(outcome, prober))
    for line in attribute(outcome, prober, options.out):
        typer.echo(line)
    typer.echo(f"runs and bisect.json in {shown_path(options.out)}")
    return 0
