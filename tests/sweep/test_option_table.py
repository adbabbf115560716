"""The one table of sweep options (``sweep.settings.SPECS``): every option is the same as a
flag and as its config key, with the same validation, and ``sweep`` and ``bisect`` share
the definitions of the options they both take."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from sweepfakes import FakeRunner, run_cli

from pytest_benchmem.cli import app, bisect_cmd, sweep_cmd, sweep_params
from pytest_benchmem.sweep.config import parse_config
from pytest_benchmem.sweep.model import SweepOptions
from pytest_benchmem.sweep.optionspec import BISECT, SWEEP, Kind, OptionSpec
from pytest_benchmem.sweep.settings import BY_NAME, SPECS, merge

BISECT_ENDS = ["toypkg", "--good", "1.0", "--bad", "2.0"]


def _good(tmp_path: Path) -> dict[str, object]:
    """A valid value of every option, as the config file (TOML) writes it."""
    (tmp_path / "dir").mkdir(exist_ok=True)
    here = str(tmp_path / "dir")
    return {
        "targets": ["toypkg==1.0", "toypkg==2.0"],
        "suite": here,
        "copy_dir": str(tmp_path),
        "out": str(tmp_path / "out"),
        "memory": False,
        "timeout": 5,
        "rounds": 2,
        "jobs": 3,
        "pytest_args": ["-q", "--benchmark-min-rounds=1"],
        "env": ["A=1", "B=x=y"],
        "pins": ["attrs==23.2"],
        "find_links": [here, "https://x.example/links"],
        "index_urls": ["https://x.example/simple"],
        "as_of": "2024-01-31",
        "pythons": ["3.11", "3.12"],
        "python": "3.11",
        "python_downloads": True,
        "import_check": "toypkg",
        "profile": True,
        "report": str(tmp_path / "r.html"),
        "keep_order": True,
        "last": 2,
        "each_minor": True,
        "since": "1.0",
        "until": "2.0",
        "pre": True,
        "allow_mixed_modes": True,
    }


def _bad(tmp_path: Path) -> dict[str, object]:
    """A value of the right type that the option refuses (one each where there is one)."""
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir(exist_ok=True)
    return {
        "targets": ["sweep=toypkg==1.0"],
        "suite": str(tmp_path / "missing"),
        "copy_dir": str(tmp_path / "afile"),
        "out": str(tmp_path / "afile" / "out"),
        "timeout": 0,
        "rounds": 0,
        "jobs": 0,
        "pytest_args": ["--benchmark-json=x.json"],
        "env": ["NOVALUE"],
        "pins": ["--dry-run"],
        "find_links": [str(tmp_path / "nowhere")],
        "as_of": "yesterday",
        "report": str(tmp_path / "adir"),
        "pre": True,  # without a version policy
    }


#: options no value of the right type can make wrong (or, for the policies, wrong only once
#: the releases are listed): the good values above cover them
NO_BAD_VALUE = {
    "memory", "index_urls", "pythons", "python", "python_downloads", "import_check",
    "profile", "keep_order", "last", "each_minor", "since", "until", "allow_mixed_modes",
}  # fmt: skip


def _flag_args(spec: OptionSpec, value: object) -> list[str]:
    """``value`` of ``spec`` as command-line arguments."""
    assert spec.flag is not None
    if spec.kind is Kind.FLAG:
        on, _, off = spec.flag.partition("/")
        return [on if value else off]
    values = value if isinstance(value, list) else [value]
    return [f"{spec.flag}={v}" for v in values]


def _toml(values: dict[str, object]) -> str:
    """A flat TOML document (JSON's strings, lists, numbers and booleans are TOML's)."""
    return "".join(f"{key.replace('_', '-')} = {json.dumps(v)}\n" for key, v in values.items())


def _parsed(command: str, args: list[str]) -> dict[str, object]:
    """The parameters the command's typer signature parses ``args`` into (nothing runs)."""
    import typer

    group = typer.main.get_command(app)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    return dict(cmd.make_context(command, list(args)).params)


def test_the_table_covers_every_config_key_and_the_test_covers_every_option(tmp_path: Path):
    names = [spec.name for spec in SPECS]
    assert len(names) == len(set(names))
    assert set(_good(tmp_path)) == set(names)
    assert set(_bad(tmp_path)) | NO_BAD_VALUE == set(names)
    fields = set(SweepOptions.__dataclass_fields__)
    assert {s.name for s in SPECS if s.in_options} <= fields
    assert all(s.flag is not None for s in SPECS if s.name not in ("targets", "python"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_each_option_is_the_same_as_a_flag_and_as_its_config_key(spec: OptionSpec, tmp_path: Path):
    value = _good(tmp_path)[spec.name]
    config = parse_config({spec.name: value}, tmp_path / "sweep.toml", pyproject=False)
    from_file = merge(SWEEP, {}, config).get(spec.name)
    assert from_file is not None
    assert from_file != merge(SWEEP, {}).get(spec.name)  # the key did something
    for alias in spec.aliases:  # pin = [...] is pins = [...]
        aliased = parse_config({alias: value}, tmp_path / "sweep.toml", pyproject=False)
        assert merge(SWEEP, {}, aliased).get(spec.name) == from_file
    if spec.flag is None:
        return  # targets are the argument; python is the file's single --python
    base = ["toypkg==1.0"] if spec.name != "targets" else []
    given = _parsed(SWEEP, [*base, *_flag_args(spec, value)])
    assert merge(SWEEP, given).get(spec.name) == from_file
    assert merge(SWEEP, given, config).get(spec.name) == from_file  # and the flag wins
    if BISECT in spec.commands:
        given = _parsed(BISECT, [*BISECT_ENDS, "--suite", "s", *_flag_args(spec, value)])
        assert merge(BISECT, given).get(spec.name) == from_file


@pytest.mark.parametrize("name", sorted(set(BY_NAME) - NO_BAD_VALUE))
def test_a_bad_value_is_the_same_one_line_error_from_a_flag_a_key_and_bisect(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_cli: FakeRunner
):
    spec = BY_NAME[name]
    good, bad = _good(tmp_path), _bad(tmp_path)
    base = {"targets": good["targets"], "suite": good["suite"], "out": good["out"]}
    file_values = base | {name: bad[name]}
    conf = tmp_path / "sweep.toml"
    conf.write_text(_toml(file_values))
    assert run_cli(["sweep", "--config", str(conf)]) == 2
    from_file = capsys.readouterr().err
    assert from_file.count("\n") == 1, from_file
    assert from_file.startswith("benchmem: error: ")
    assert "Traceback" not in from_file
    if spec.flag is None:  # the targets argument
        args = [*map(str, bad[name]), "--suite", str(base["suite"]), "--out", str(base["out"])]
    else:
        args = [*map(str, base["targets"]), *_flag_args(spec, bad[name])]
        args += [f"--{k}={base[k]}" for k in ("suite", "out") if k != name]
    assert run_cli(["sweep", *args]) == 2
    assert capsys.readouterr().err == from_file
    assert not fake_cli.commands  # refused before anything ran
    if BISECT in spec.commands and (spec.check is not None or name == "out"):
        # (--pre alone is refused by the sweep's version policies: bisect has none)
        args = [f"--{k}={base[k]}" for k in ("suite", "out") if k != name]
        assert run_cli(["bisect", *BISECT_ENDS, *args, *_flag_args(spec, bad[name])]) == 2
        assert capsys.readouterr().err == from_file


def test_sweep_and_bisect_share_the_definitions():
    sweep_hints = typing.get_type_hints(sweep_cmd.sweep, include_extras=True)
    bisect_hints = typing.get_type_hints(bisect_cmd.bisect_command, include_extras=True)
    shared = {spec.name for spec in SPECS if spec.commands == {SWEEP, BISECT}}
    assert shared >= {"suite", "out", "pins", "as_of", "pythons", "pytest_args", "env"}
    assert shared >= {"find_links", "index_urls", "pre", "allow_mixed_modes"}
    assert {n for n in bisect_hints if n in BY_NAME} == shared
    assert {n for n in sweep_hints if n in BY_NAME} == {s.name for s in SPECS if s.flag} | {
        "targets"
    }
    per_command = {"out", "pythons", "pre"}  # their help or panel names the command
    for name in shared - per_command:  # one alias, in both signatures
        assert sweep_hints[name] is bisect_hints[name], name
        spec = BY_NAME[name]
        assert spec.help_for(SWEEP) == spec.help_for(BISECT)
        assert spec.panels.get(SWEEP) == spec.panels.get(BISECT)
    aliases = {id(v) for v in vars(sweep_params).values()}
    for hints in (sweep_hints, bisect_hints):
        assert all(id(hints[n]) in aliases for n in hints if n in BY_NAME)


@pytest.mark.parametrize("command", [SWEEP, BISECT])
def test_the_typer_options_are_the_table(command: str):
    import typer

    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    params = {p.name: p for p in cmd.params}
    for spec in SPECS:
        if command not in spec.commands or spec.flag is None:
            continue
        param = params[spec.name]
        assert param.opts[0] == spec.flag.partition("/")[0]
        assert param.help == spec.help_for(command)
        assert param.multiple is (spec.kind is Kind.TEXTS)
        assert param.is_flag is (spec.kind is Kind.FLAG)
    assert params["out"].help == f"Where runs, logs and {command}.json go."


def test_the_docs_list_the_options_without_a_config_key():
    import re

    import typer

    docs = Path(__file__).parents[2] / "docs" / "sweeps.md"
    line = next(t for t in docs.read_text().splitlines() if t.startswith("Every option except"))
    listed = set(re.findall(r"`(--[a-z-]+)`", line.split("(which")[0]))
    cmd = typer.main.get_command(app).commands[SWEEP]  # type: ignore[attr-defined]
    flags = {p.opts[0] for p in cmd.params if p.opts and p.opts[0].startswith("--")}
    keyed = {spec.flag.partition("/")[0] for spec in SPECS if spec.flag and spec.config}
    assert listed == flags - keyed - {"--help"}


def test_the_sweep_uses_the_merged_values(
    fake_cli: FakeRunner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Keys the command reads besides ``SweepOptions`` (here keep-order) reach the sweep."""
    import toywheels

    suite = toywheels.write_toy_suite(tmp_path / "suite")
    conf = tmp_path / "sweep.toml"
    targets = ["toypkg==3.0", "toypkg==1.0"]
    conf.write_text(_toml({"targets": targets, "suite": str(suite), "keep_order": True}))
    assert run_cli(["sweep", "--config", str(conf), "--out", str(tmp_path / "o")]) == 0
    assert "kept as given (--keep-order)" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "o" / "sweep.json").read_text())
    assert [t["label"] for t in manifest["targets"]] == ["3.0", "1.0"]
