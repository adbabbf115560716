"""Release listing (find-links dirs, JSON simple API, HTML fallback) and version policies."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexserver import DATA, JSON_TYPE, SimpleServer
from packaging.version import Version

from pytest_benchmem.errors import BenchmemError, UsageError
from pytest_benchmem.sweep.releases import (
    DEFAULT_INDEX,
    Expansion,
    Listing,
    Sources,
    expand_policy,
    has_policy,
    list_releases,
    select_versions,
)
from pytest_benchmem.sweep.simple_index import (
    files_from_find_links,
    parse_simple_html,
    parse_simple_json,
)
from toywheels import MB, build_broken_wheel, build_toy_index, build_wheel

TOYPKG_311 = ["1.0", "1.1", "1.2.post1", "2.0", "2.1"]


def _strs(versions: tuple[Version, ...]) -> list[str]:
    return [str(v) for v in versions]


def _recorded(url: str) -> tuple[str, bytes]:
    """A fetcher reading the recorded pages by project name (no network)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return JSON_TYPE, (DATA / f"{name}.simple.json").read_bytes()


# -- find-links directories --------------------------------------------------------------------


@pytest.fixture
def links(tmp_path: Path) -> Path:
    sizes = dict.fromkeys(("1.0", "1.1", "1.2", "2.0", "2.1", "10.0"), MB)
    directory = build_toy_index(tmp_path / "wheels", sizes)
    (directory / "toypkg-0.9.tar.gz").write_bytes(b"")
    (directory / "ToyPkg-0.8.zip").write_bytes(b"")
    (directory / "otherpkg-5.0-py3-none-any.whl").write_bytes(b"")
    (directory / "toypkg-3.0a1-py3-none-any.whl").write_bytes(b"")
    (directory / "README.txt").write_text("not a distribution")
    (directory / "toypkg-notaversion.tar.gz").write_bytes(b"")
    return directory


def test_find_links_lists_wheels_and_sdists_sorted(links: Path) -> None:
    listing = list_releases("toypkg", Sources(find_links=(str(links),)), python_version="3.11")
    assert _strs(listing.versions) == ["0.8", "0.9", "1.0", "1.1", "1.2", "2.0", "2.1", "10.0"]
    assert listing.notes == ("excluded pre-releases (use --pre): 3.0a1",)


def test_find_links_name_is_normalized_and_pre_included_on_request(links: Path) -> None:
    listing = list_releases("ToyPKG", Sources(find_links=(str(links),)), pre=True)
    assert "3.0a1" in _strs(listing.versions)
    assert listing.versions == tuple(sorted(listing.versions))
    assert listing.notes == ()


def test_long_exclusion_notes_are_capped(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"toypkg-1.{i}rc1.tar.gz").write_bytes(b"")
    (tmp_path / "toypkg-2.0.tar.gz").write_bytes(b"")
    listing = list_releases("toypkg", Sources(find_links=(str(tmp_path),)))
    assert listing.notes == (
        (
            "excluded pre-releases (use --pre): 12 releases; the newest 8, newest first: "
            "1.11rc1, 1.10rc1, 1.9rc1, 1.8rc1, 1.7rc1, 1.6rc1, 1.5rc1, 1.4rc1"
        ),
    )


def test_find_links_file_url(links: Path) -> None:
    listing = list_releases("toypkg", Sources(find_links=(links.as_uri(),)))
    assert len(listing.versions) == 8


def test_find_links_requires_python_from_wheel_metadata(tmp_path: Path) -> None:
    build_wheel(tmp_path, "toypkg", "1.0", "X = 1\n", requires_python=">=3.8")
    build_wheel(tmp_path, "toypkg", "2.0", "X = 2\n", requires_python=">=3.12")
    build_wheel(tmp_path, "toypkg", "3.0", "X = 3\n", requires_python="not a specifier")
    build_broken_wheel(tmp_path, "toypkg", "4.0")
    listing = list_releases("toypkg", Sources(find_links=(str(tmp_path),)), python_version="3.11.7")
    # the broken wheel is still listed by name: installing it is what fails (bisect skips it)
    assert _strs(listing.versions) == ["1.0", "3.0", "4.0"]
    assert listing.notes == ("skipped 2.0: requires Python >=3.12 (target 3.11.7)",)
    newer = list_releases("toypkg", Sources(find_links=(str(tmp_path),)), python_version="3.12")
    assert _strs(newer.versions) == ["1.0", "2.0", "3.0", "4.0"]


def test_find_links_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a directory"):
        files_from_find_links("toypkg", str(tmp_path / "nope"))


def test_no_release_at_all_is_a_usage_error(links: Path) -> None:
    with pytest.raises(UsageError, match=r"no releases of 'ghost' found \(find-links"):
        list_releases("ghost", Sources(find_links=(str(links),)))


def test_listing_find() -> None:
    listing = Listing("p", (Version("1.0"), Version("2.0")))
    assert listing.find("1.0.0") == Version("1.0")
    assert listing.find("3.0") is None
    assert listing.find("not-a-version") is None


# -- the JSON simple API -----------------------------------------------------------------------


def test_recorded_tomli_page() -> None:
    listing = list_releases("tomli", Sources(), python_version="3.11", fetch=_recorded)
    versions = _strs(listing.versions)
    assert len(versions) == 32
    assert versions[:3] == ["0.2.0", "0.2.1", "0.2.2"]
    assert versions[10] == "0.2.10"  # sorted as versions, not strings
    assert versions[-1] == "2.5.0"
    assert listing.notes == ()


def test_recorded_tomli_page_requires_python_skips_with_notes() -> None:
    listing = list_releases("tomli", Sources(), python_version="3.7", fetch=_recorded)
    assert _strs(listing.versions)[-1] == "2.0.1"
    assert "skipped 2.0.2: requires Python >=3.8 (target 3.7)" in listing.notes
    skipped = ["2.0.2", "2.1.0", "2.2.1", "2.3.0", "2.3.1", "2.3.2", "2.4.0", "2.4.1", "2.5.0"]
    assert [note.split()[1].rstrip(":") for note in listing.notes] == skipped


def test_yanked_pre_and_requires_python_from_json() -> None:
    listing = list_releases("toypkg", Sources(), python_version="3.11", fetch=_recorded)
    assert _strs(listing.versions) == TOYPKG_311
    assert listing.notes == (
        "skipped 2.2: requires Python >=3.12 (target 3.11)",
        "skipped 3.0: requires Python >=3.12 (target 3.11)",
        "skipped 3.1: requires Python >=3.12 (target 3.11)",
        "excluded yanked: 1.2",
        "excluded pre-releases (use --pre): 2.1rc1",
    )


def test_python_312_keeps_the_platform_wheel_release() -> None:
    listing = list_releases("toypkg", Sources(), python_version="3.12", pre=True, fetch=_recorded)
    assert _strs(listing.versions) == [*TOYPKG_311[:4], "2.1rc1", "2.1", "2.2", "3.0", "3.1"]


def test_as_of_excludes_files_uploaded_later() -> None:
    listing = list_releases(
        "toypkg", Sources(as_of="2024-03-01"), python_version="3.11", fetch=_recorded
    )
    assert _strs(listing.versions) == TOYPKG_311[:4]
    (note,) = [n for n in listing.notes if n.startswith("excluded as uploaded after --as-of: ")]
    assert set(TOYPKG_311[4:]) <= set(note.split(": ", 1)[1].split(", "))
    assert all(listing.why_excluded(v) == "was uploaded after --as-of" for v in TOYPKG_311[4:])
    assert listing.why_excluded(TOYPKG_311[0]) is None
    assert listing.why_excluded("not a version") is None
    stamped = list_releases(
        "toypkg", Sources(as_of="2024-03-01T12:00:00Z"), python_version="3.11", fetch=_recorded
    )
    assert _strs(stamped.versions) == TOYPKG_311


def test_bad_as_of() -> None:
    with pytest.raises(UsageError, match="--as-of: expected a date"):
        list_releases("toypkg", Sources(as_of="last tuesday"), fetch=_recorded)


def test_parse_simple_json_rejects_other_documents() -> None:
    with pytest.raises(BenchmemError, match="not a PEP 691 JSON project page"):
        parse_simple_json("toypkg", b'{"files": 3}', "http://x/")
    with pytest.raises(BenchmemError, match="index: not a PEP 691"):
        parse_simple_json("toypkg", "[]")
    files = parse_simple_json("toypkg", '{"files": ["junk", {"filename": "toypkg-1.0.tar.gz"}]}')
    assert [f.filename for f in files] == ["toypkg-1.0.tar.gz"]


def test_parse_simple_html() -> None:
    from indexserver import TOYPKG_HTML

    files = parse_simple_html("toypkg", TOYPKG_HTML, "page")
    assert [(str(f.version), f.requires_python, f.yanked) for f in files] == [
        ("1.0", ">=3.8", False),
        ("2.0", ">=3.12", False),
        ("2.1", None, True),
        ("1.5", None, False),
    ]


# -- over HTTP, from a local server ------------------------------------------------------------


def test_http_json_index(simple_server: SimpleServer) -> None:
    sources = Sources(index_urls=(f"{simple_server.url}/simple/",))
    listing = list_releases("TOYPKG", sources, python_version="3.11")
    assert _strs(listing.versions) == TOYPKG_311
    assert simple_server.accepts[0].startswith("application/vnd.pypi.simple.v1+json")


def test_http_html_fallback(simple_server: SimpleServer) -> None:
    sources = Sources(index_urls=(f"{simple_server.url}/html",))
    listing = list_releases("toypkg", sources, python_version="3.11")
    assert _strs(listing.versions) == ["1.0", "1.5"]
    assert listing.notes[0] == "skipped 2.0: requires Python >=3.12 (target 3.11)"


def test_http_find_links_page_and_several_sources_merge(simple_server: SimpleServer) -> None:
    sources = Sources(
        find_links=(f"{simple_server.url}/links/",),
        index_urls=(f"{simple_server.url}/simple/", f"{simple_server.url}/missing/"),
    )
    listing = list_releases("toypkg", sources, python_version="3.11")
    assert _strs(listing.versions) == ["1.0", "1.1", "1.2.post1", "1.5", "2.0", "2.1"]


def test_http_unknown_project_is_a_usage_error(simple_server: SimpleServer) -> None:
    with pytest.raises(UsageError, match="no releases of 'ghost' found"):
        list_releases("ghost", Sources(index_urls=(f"{simple_server.url}/simple/",)))


def test_http_server_error(simple_server: SimpleServer) -> None:
    with pytest.raises(BenchmemError, match=r"cannot read .*/broken/toypkg/: HTTP 500"):
        list_releases("toypkg", Sources(index_urls=(f"{simple_server.url}/broken/",)))


def test_http_garbage_page(simple_server: SimpleServer) -> None:
    with pytest.raises(BenchmemError, match="not a PEP 691 JSON project page"):
        list_releases("toypkg", Sources(index_urls=(f"{simple_server.url}/garbage/",)))


def test_unreachable_index() -> None:
    with pytest.raises(BenchmemError, match=r"cannot read http://127\.0\.0\.1:9/simple/toypkg/"):
        list_releases("toypkg", Sources(index_urls=("http://127.0.0.1:9/simple/",)))


def test_unsupported_scheme() -> None:
    with pytest.raises(UsageError, match="unsupported index URL"):
        list_releases("toypkg", Sources(index_urls=("ftp://example.invalid/simple/",)))


# -- sources -----------------------------------------------------------------------------------


def test_sources_default_to_the_public_index_unless_find_links() -> None:
    assert Sources().indexes() == (DEFAULT_INDEX,)
    assert Sources(find_links=("d",)).indexes() == ()
    assert Sources(find_links=("d",), index_urls=("u",)).indexes() == ("u",)
    assert Sources(find_links=("d",), index_urls=("u",)).describe() == "find-links d, index u"


def test_sources_of_options_like_object() -> None:
    class Options:
        find_links = ("a",)
        index_urls = ("u",)
        as_of = "2024-01-01"

    assert Sources.of(Options()) == Sources(("a",), ("u",), "2024-01-01")
    assert Sources.of(type("Listy", (), {"find_links": ["b"]})()) == Sources(("b",))
    assert Sources.of(object()) == Sources()


# -- policies ----------------------------------------------------------------------------------

VERSIONS = [Version(v) for v in ("1.0", "1.1", "1.1.1", "1.2", "2.0", "2.0.3", "2.1", "3.0")]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ["1.0", "1.1", "1.1.1", "1.2", "2.0", "2.0.3", "2.1", "3.0"]),
        ({"last": 3}, ["2.0.3", "2.1", "3.0"]),
        ({"last": 100}, ["1.0", "1.1", "1.1.1", "1.2", "2.0", "2.0.3", "2.1", "3.0"]),
        ({"each_minor": True}, ["1.0", "1.1.1", "1.2", "2.0.3", "2.1", "3.0"]),
        ({"each_minor": True, "last": 2}, ["2.1", "3.0"]),
        ({"since": "1.1.1", "until": "2.0.3"}, ["1.1.1", "1.2", "2.0", "2.0.3"]),
        ({"since": "1.1.5", "until": "2.0.1"}, ["1.2", "2.0"]),
        ({"since": "1.1", "until": "2.0", "each_minor": True}, ["1.1.1", "1.2", "2.0"]),
        ({"until": "2.0.3", "each_minor": True, "last": 2}, ["1.2", "2.0.3"]),
        ({"since": "9.0"}, []),
    ],
)
def test_select_versions_composes(kwargs: dict[str, object], expected: list[str]) -> None:
    assert _strs(select_versions(VERSIONS, **kwargs)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"last": 0}, "--last: expected a positive number"),
        ({"last": True}, "--last: expected a positive number"),
        ({"since": "abc"}, "--since: 'abc' is not a version"),
        ({"until": "x.y"}, "--until: 'x.y' is not a version"),
        ({"since": "2.0", "until": "1.0"}, "--since 2.0 is newer than --until 1.0"),
    ],
)
def test_select_versions_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        select_versions(VERSIONS, **kwargs)  # type: ignore[arg-type]


def test_has_policy() -> None:
    assert not has_policy()
    assert has_policy(last=1)
    assert has_policy(each_minor=True)
    assert has_policy(since="1.0")
    assert has_policy(until="1.0")


def test_expand_last_3_from_find_links(tmp_path: Path) -> None:
    links = build_toy_index(tmp_path, {f"{i}.0": MB for i in range(1, 9)})
    expansion = expand_policy("toypkg", Sources(find_links=(str(links),)), last=3)
    assert expansion.targets == ("toypkg==6.0", "toypkg==7.0", "toypkg==8.0")
    assert expansion.versions == ("6.0", "7.0", "8.0")
    assert expansion.describe() == "toypkg --last 3: 6.0, 7.0, 8.0"
    assert expansion.to_json() == {
        "package": "toypkg",
        "policy": {"last": 3},
        "versions": ["6.0", "7.0", "8.0"],
        "targets": ["toypkg==6.0", "toypkg==7.0", "toypkg==8.0"],
        "notes": [],
    }


def test_expand_each_minor_from_find_links(tmp_path: Path) -> None:
    sizes = dict.fromkeys(("1.0.0", "1.0.1", "1.1.0", "1.1.2", "1.1.10", "2.0.0", "2.0.1rc1"), MB)
    links = build_toy_index(tmp_path, sizes)
    expansion = expand_policy("toypkg", Sources(find_links=(str(links),)), each_minor=True)
    assert expansion.targets == ("toypkg==1.0.1", "toypkg==1.1.10", "toypkg==2.0.0")
    assert expansion.notes == ("excluded pre-releases (use --pre): 2.0.1rc1",)
    with_pre = expand_policy("toypkg", Sources(find_links=(str(links),)), each_minor=True, pre=True)
    assert with_pre.targets[-1] == "toypkg==2.0.1rc1"
    assert with_pre.describe() == "toypkg --each-minor --pre: 1.0.1, 1.1.10, 2.0.1rc1"


def test_expand_last_and_each_minor_from_recorded_page() -> None:
    last = expand_policy("tomli", last=3, python_version="3.11", fetch=_recorded)
    assert last.targets == ("tomli==2.4.0", "tomli==2.4.1", "tomli==2.5.0")
    minors = expand_policy("tomli", each_minor=True, python_version="3.11", fetch=_recorded)
    assert minors.versions == (
        "0.2.10",
        "1.0.4",
        "1.1.0",
        "1.2.3",
        "2.0.2",
        "2.1.0",
        "2.2.1",
        "2.3.2",
        "2.4.1",
        "2.5.0",
    )
    window = expand_policy(
        "tomli", since="1.2", until="2.1", each_minor=True, last=3, fetch=_recorded
    )
    assert window.versions == ("1.2.3", "2.0.2", "2.1.0")
    assert window.policy == {"since": "1.2", "until": "2.1", "each_minor": True, "last": 3}


def test_expand_nothing_matches() -> None:
    with pytest.raises(
        UsageError, match=r"no release of 'toypkg' matches --since 9\.0 \(listed: 1\.0"
    ):
        expand_policy("toypkg", since="9.0", python_version="3.11", fetch=_recorded)


def test_expansion_describe_without_policy() -> None:
    assert Expansion("p", ("p==1",), ("1",)).describe() == "p: 1"
