"""Targets and labels: parsing, kinds, one package per sweep, distinct labels."""

from __future__ import annotations

from pathlib import Path

import pytest

import toywheels
from pytest_benchmem.errors import UsageError
from pytest_benchmem.sweep.spec import Kind, parse_target, parse_targets


def test_pin_is_labelled_by_its_version():
    t = parse_target("toypkg==1.0")
    assert (t.label, t.kind, t.name, t.version, t.install) == (
        "1.0",
        Kind.PIN,
        "toypkg",
        "1.0",
        "toypkg==1.0",
    )


def test_label_equals_spec():
    t = parse_target("old=Toy_Pkg==1.0")
    assert t.label == "old"
    assert t.spec == "Toy_Pkg==1.0"
    assert t.name == "toy-pkg"
    assert t.version == "1.0"


def test_bare_requirement_has_no_label_until_resolved():
    t = parse_target("toypkg")
    assert t.label is None
    assert t.kind is Kind.REQUIREMENT
    assert t.key == "toypkg"
    ranged = parse_target("toypkg>=2,<3")
    assert ranged.kind is Kind.REQUIREMENT
    assert ranged.version is None
    assert ranged.key == "toypkg_2_3"


def test_url_needs_a_label():
    with pytest.raises(UsageError, match="needs a label"):
        parse_target("toypkg @ https://example.org/toypkg-1.0.tar.gz")
    t = parse_target("dev=toypkg @ https://example.org/toypkg-1.0.tar.gz")
    assert (t.label, t.kind, t.name) == ("dev", Kind.URL, "toypkg")


def test_wheel_file_is_labelled_by_its_version(tmp_path: Path):
    wheel = toywheels.build_wheel(tmp_path, "toypkg", "1.5", "X = 1\n")
    t = parse_target(str(wheel))
    assert (t.label, t.kind, t.name, t.version) == ("1.5", Kind.WHEEL, "toypkg", "1.5")
    assert t.install == str(wheel.resolve())
    with pytest.raises(UsageError, match="wheel file not found: "):
        parse_target(str(tmp_path / "missing-1.0-py3-none-any.whl"))
    (tmp_path / "oddname.whl").write_bytes(b"PK")
    with pytest.raises(UsageError, match=r"oddname\.whl is not a wheel file name"):
        parse_target(str(tmp_path / "oddname.whl"))


def test_url_of_a_wheel_is_a_url_target():
    url = "https://files.example.org/packages/toypkg-1.0-py3-none-any.whl"
    t = parse_target(f"dev=toypkg @ {url}")
    assert (t.label, t.kind, t.name, t.install) == ("dev", Kind.URL, "toypkg", f"toypkg @ {url}")


def test_a_bare_name_is_a_requirement_even_beside_a_directory_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "toypkg").mkdir()  # e.g. the package's own source, or an --out directory
    (tmp_path / "my proj").mkdir()
    monkeypatch.chdir(tmp_path)
    t = parse_target("toypkg")
    assert (t.kind, t.name, t.label) == (Kind.REQUIREMENT, "toypkg", None)
    assert parse_target("dev=./toypkg").kind is Kind.PATH
    with pytest.raises(UsageError, match=r"a local directory is written \./my proj\)$") as exc:
        parse_target("dev=my proj")
    assert "\n" not in str(exc.value)


def test_local_directory_needs_a_label_and_reads_its_name(tmp_path: Path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "Toy.Pkg"\nversion = "0"\n')
    with pytest.raises(UsageError, match="needs a label"):
        parse_target(str(project))
    t = parse_target(f"dev={project}")
    assert (t.kind, t.name, t.install) == (Kind.PATH, "toy-pkg", str(project.resolve()))
    bare = tmp_path / "bare"
    bare.mkdir()
    assert parse_target(f"x={bare}").name is None
    with pytest.raises(UsageError, match="is not a directory"):
        parse_target(f"x={tmp_path / 'nope'}/")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty sweep target"),
        ("bad label=toypkg==1", "invalid sweep target"),
        ("lab=", "nothing to install"),
        ("toypkg==1.0 ; ;", "invalid sweep target"),
        ("-x=toypkg==1", "invalid sweep label"),
    ],
)
def test_bad_targets_are_usage_errors(text: str, message: str):
    with pytest.raises(UsageError, match=message):
        parse_target(text)


def test_targets_must_be_one_package():
    with pytest.raises(UsageError, match="one package, got other, toypkg"):
        parse_targets(["toypkg==1.0", "other==2.0"])


def test_labels_must_be_distinct():
    with pytest.raises(UsageError, match=r"duplicate sweep label '1\.0'"):
        parse_targets(["toypkg==1.0", "toypkg===1.0"])


def test_order_is_kept_and_no_targets_is_an_error():
    targets = parse_targets(["toypkg==2.0", "toypkg==1.0", "new=toypkg"])
    assert [t.label for t in targets] == ["2.0", "1.0", "new"]
    assert {t.name for t in targets} == {"toypkg"}
    with pytest.raises(UsageError, match="no sweep targets"):
        parse_targets([])
