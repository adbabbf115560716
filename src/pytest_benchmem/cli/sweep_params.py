"""The typer parameters of ``benchmem sweep`` and ``benchmem bisect``, built from the one table
of sweep options (``pytest_benchmem.sweep.settings.SPECS``: flag, help, default shown, panel).

An option both commands take is one alias here, used by both signatures; the few whose help
names the command (``--out``, ``--python``, ``--pre``) have one alias per command, from the
same ``OptionSpec``. A parameter is named as its option (``pins`` for ``--pin``), so the
commands merge them with the config file generically (``settings.merge``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pytest_benchmem.sweep.optionspec import BISECT, SWEEP, Kind
from pytest_benchmem.sweep.settings import BY_NAME

from . import path_option


def spec_option(name: str, command: str = SWEEP) -> Any:
    """The ``typer.Option`` (``typer.Argument`` for the targets) of option ``name`` in
    ``command``."""
    spec = BY_NAME[name]
    shown = spec.shown_default(command)
    if spec.flag is None:
        return typer.Argument(help=spec.help_for(command), show_default=shown or False)
    more: dict[str, Any] = {}
    if spec.kind is Kind.PATH:
        more = {"parser": path_option, "metavar": spec.metavar or "PATH"}
    elif spec.metavar is not None:
        more = {"metavar": spec.metavar}
    return typer.Option(
        spec.flag,
        help=spec.help_for(command),
        show_default=shown or False,
        rich_help_panel=spec.panels.get(command),
        **more,
    )


# -- both commands -----------------------------------------------------------------------------
Suite = Annotated[Path | None, spec_option("suite")]
PytestArgs = Annotated[list[str] | None, spec_option("pytest_args")]
Env = Annotated[list[str] | None, spec_option("env")]
Pins = Annotated[list[str] | None, spec_option("pins")]
FindLinks = Annotated[list[str] | None, spec_option("find_links")]
IndexUrls = Annotated[list[str] | None, spec_option("index_urls")]
AsOf = Annotated[str | None, spec_option("as_of")]
AllowMixedModes = Annotated[bool, spec_option("allow_mixed_modes")]
SweepOut = Annotated[Path | None, spec_option("out", SWEEP)]
BisectOut = Annotated[Path | None, spec_option("out", BISECT)]
SweepPythons = Annotated[list[str] | None, spec_option("pythons", SWEEP)]
BisectPythons = Annotated[list[str] | None, spec_option("pythons", BISECT)]
SweepPre = Annotated[bool, spec_option("pre", SWEEP)]
BisectPre = Annotated[bool, spec_option("pre", BISECT)]

# -- sweep only --------------------------------------------------------------------------------
Targets = Annotated[list[str] | None, spec_option("targets")]
CopyDir = Annotated[Path | None, spec_option("copy_dir")]
Memory = Annotated[bool | None, spec_option("memory")]
Timeout = Annotated[float | None, spec_option("timeout")]
Rounds = Annotated[int | None, spec_option("rounds")]
Jobs = Annotated[int | None, spec_option("jobs")]
PythonDownloads = Annotated[bool, spec_option("python_downloads")]
ImportCheck = Annotated[str | None, spec_option("import_check")]
Profile = Annotated[bool, spec_option("profile")]
Report = Annotated[Path | None, spec_option("report")]
KeepOrder = Annotated[bool, spec_option("keep_order")]
Last = Annotated[int | None, spec_option("last")]
EachMinor = Annotated[bool, spec_option("each_minor")]
Since = Annotated[str | None, spec_option("since")]
Until = Annotated[str | None, spec_option("until")]
