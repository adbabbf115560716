"""Which releases of a package exist, and the sweep's version policies.

Lists versions from ``--find-links`` directories (wheel and sdist file names) and package
indexes (the PEP 691 JSON simple API, with the PEP 503 HTML page as a fallback), drops yanked
files, pre-releases unless asked and releases whose ``Requires-Python`` excludes the target
interpreter (with a note), and expands ``--last/--each-minor/--since/--until`` into targets.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pytest_benchmem.errors import UsageError
from pytest_benchmem.sweep.process import Command, Runner, SubprocessRunner
from pytest_benchmem.sweep.simple_index import (
    DistFile,
    Fetcher,
    files_from_find_links,
    files_from_index,
)

DEFAULT_INDEX = "https://pypi.org/simple/"


@dataclass(frozen=True)
class Sources:
    """Where releases come from: find-links entries, index URLs and an ``--as-of`` cutoff.

    With no index URL the public index is used, unless find-links are given: then only the
    find-links entries are listed (add ``--index-url`` to list an index as well).
    """

    find_links: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()
    as_of: str | None = None

    @classmethod
    def of(cls, options: object) -> Sources:
        """The sources of a ``SweepOptions``-like object (find_links, index_urls, as_of)."""
        return cls(
            find_links=tuple(getattr(options, "find_links", ()) or ()),
            index_urls=tuple(getattr(options, "index_urls", ()) or ()),
            as_of=getattr(options, "as_of", None),
        )

    def indexes(self) -> tuple[str, ...]:
        """The index URLs to query."""
        if self.index_urls:
            return self.index_urls
        return () if self.find_links else (DEFAULT_INDEX,)

    def describe(self) -> str:
        """The sources in one line, for messages."""
        parts = [f"find-links {entry}" for entry in self.find_links]
        parts += [f"index {url}" for url in self.indexes()]
        return ", ".join(parts)


@dataclass(frozen=True)
class Listing:
    """The usable versions of a package (sorted, oldest first) and why others were dropped."""

    package: str
    versions: tuple[Version, ...]
    notes: tuple[str, ...] = ()
    #: every release left out, with why ("is yanked", "requires Python >=3.13 (target 3.11)")
    excluded: Mapping[Version, str] = field(default_factory=dict)

    def why_excluded(self, text: str) -> str | None:
        """Why release ``text`` is not listed though it exists (None: it does not exist)."""
        try:
            return self.excluded.get(Version(text))
        except InvalidVersion:
            return None

    def find(self, text: str) -> Version | None:
        """The listed version equal to ``text`` (PEP 440 equality), or None."""
        try:
            wanted = Version(text)
        except InvalidVersion:
            return None
        return next((v for v in self.versions if v == wanted), None)


@dataclass(frozen=True)
class Expansion:
    """A version policy expanded into ordinary ``pkg==X`` targets (oldest first)."""

    package: str
    targets: tuple[str, ...]
    versions: tuple[str, ...]
    policy: Mapping[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the terminal: the policy and the versions it chose."""
        head = " ".join([self.package, *(_policy_flag(k, v) for k, v in self.policy.items())])
        return f"{head}: {', '.join(self.versions)}"

    def to_json(self) -> dict[str, object]:
        """The expansion as stored in a sweep manifest."""
        return {
            "package": self.package,
            "policy": dict(self.policy),
            "versions": list(self.versions),
            "targets": list(self.targets),
            "notes": list(self.notes),
        }


def _policy_flag(key: str, value: object) -> str:
    flag = "--" + key.replace("_", "-")
    return flag if value is True else f"{flag} {value}"


# -- reading sources --------------------------------------------------------------------------
# -- filtering --------------------------------------------------------------------------------


_VERSION_SCRIPT = "import platform; print(platform.python_version())"


def interpreter_version(python: str, log_dir: Path, runner: Runner | None = None) -> str:
    """The version of the ``--python`` interpreter (for ``Requires-Python``), asked once.

    Raises:
        UsageError: when the interpreter cannot be run.
    """
    command = Command(
        argv=(python, "-c", _VERSION_SCRIPT),
        cwd=log_dir.parent,
        log=log_dir / "python-version.log",
        env=dict(os.environ),
        timeout=60,
    )
    log_dir.mkdir(parents=True, exist_ok=True)
    outcome = (runner or SubprocessRunner())(command)
    lines = outcome.output.strip().splitlines()
    if outcome.ok and lines:
        try:
            return str(Version(lines[-1].strip()))
        except ValueError:
            pass
    msg = f"--python {python}: cannot run it to read its version ({outcome.tail(1) or 'no output'})"
    raise UsageError(msg)


_AS_OF = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?")


def parse_as_of(as_of: str | None) -> datetime | None:
    """The ``--as-of`` cutoff: a date ``2024-01-31`` or an RFC 3339 time (what uv accepts).

    UsageError for anything else (uv would reject it later, one target at a time).
    """
    if not as_of:
        return None
    msg = f"--as-of: expected a date like 2024-01-31, got {as_of!r}"
    if not _AS_OF.fullmatch(as_of):
        raise UsageError(msg)
    try:
        moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _uploaded_before(item: DistFile, cutoff: datetime | None) -> bool:
    if cutoff is None or not item.upload_time:
        return True
    try:
        moment = datetime.fromisoformat(item.upload_time.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) < cutoff


def _python_ok(requires: str | None, python: Version) -> bool:
    if not requires:
        return True
    try:
        return SpecifierSet(requires).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True  # like pip and uv: an unparsable Requires-Python does not exclude a file


def _filter(
    files: Iterable[DistFile], *, pre: bool, python: Version, cutoff: datetime | None
) -> tuple[list[Version], list[str], dict[Version, str]]:
    """The usable versions, the notes about the others, and each other one's reason."""
    by_version: dict[Version, list[DistFile]] = {}
    for item in files:
        by_version.setdefault(item.version, []).append(item)
    kept: list[Version] = []
    notes: list[str] = []
    excluded: dict[Version, str] = {}
    for version in sorted(by_version):
        usable = [f for f in by_version[version] if _uploaded_before(f, cutoff)]
        live = [f for f in usable if not f.yanked]
        if not usable:
            excluded[version] = "was uploaded after --as-of"
        elif not live:
            excluded[version] = "is yanked"
        elif version.is_prerelease and not pre:
            excluded[version] = "is a pre-release (use --pre)"
        elif not any(_python_ok(f.requires_python, python) for f in live):
            needs = " or ".join(sorted({f.requires_python or "" for f in live}))
            excluded[version] = f"requires Python {needs} (target {python})"
            notes.append(f"skipped {version}: {excluded[version]}")
        else:
            kept.append(version)
    for why, note in (
        ("is yanked", "excluded yanked"),
        ("is a pre-release (use --pre)", "excluded pre-releases (use --pre)"),
        ("was uploaded after --as-of", "excluded as uploaded after --as-of"),
    ):
        some = [str(v) for v, reason in excluded.items() if reason == why]
        if some:
            notes.append(f"{note}: {_some(some)}")
    return kept, notes, excluded


def _some(versions: Sequence[str], limit: int = 8) -> str:
    """``a, b, c`` (oldest first) or, past ``limit``, the count and the newest ``limit``.

    The capped form says how many it lists and in which order, so its count and its list
    never seem to disagree.
    """
    if len(versions) <= limit:
        return ", ".join(versions)
    newest = ", ".join(reversed(versions[-limit:]))
    return f"{len(versions)} releases; the newest {limit}, newest first: {newest}"


def list_releases(
    package: str,
    sources: Sources | None = None,
    *,
    pre: bool = False,
    python_version: str | None = None,
    fetch: Fetcher | None = None,
) -> Listing:
    """List the installable versions of ``package`` from ``sources``, oldest first.

    Args:
        package: the distribution name (any spelling; compared normalized).
        sources: find-links entries, index URLs, ``as_of`` cutoff (default: the public index).
        pre: keep pre-releases (and dev releases).
        python_version: the target interpreter (default: this one) for ``Requires-Python``.
        fetch: replaces the HTTP reader (tests).

    Raises:
        UsageError: when no release of ``package`` is found at all.
    """
    sources = sources or Sources()
    python = Version(python_version or platform.python_version())
    files: list[DistFile] = []
    for entry in sources.find_links:
        files += files_from_find_links(package, entry, fetch=fetch)
    for url in sources.indexes():
        files += files_from_index(package, url, fetch=fetch)
    if not files:
        msg = f"no releases of {package!r} found ({sources.describe()})"
        raise UsageError(msg)
    cutoff = parse_as_of(sources.as_of)
    versions, notes, excluded = _filter(files, pre=pre, python=python, cutoff=cutoff)
    return Listing(package, tuple(versions), tuple(notes), excluded)


# -- policies ---------------------------------------------------------------------------------


def _version_arg(flag: str, text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version(str(text))
    except InvalidVersion:
        msg = f"{flag}: {text!r} is not a version"
        raise UsageError(msg) from None


def select_versions(
    versions: Sequence[Version],
    *,
    last: int | None = None,
    each_minor: bool = False,
    since: str | None = None,
    until: str | None = None,
) -> tuple[Version, ...]:
    """Apply the policies in order: ``since``/``until`` (inclusive), ``each_minor``, ``last``."""
    low, high = _version_arg("--since", since), _version_arg("--until", until)
    if low is not None and high is not None and low > high:
        msg = f"--since {since} is newer than --until {until}"
        raise UsageError(msg)
    if last is not None and (isinstance(last, bool) or last < 1):
        msg = f"--last: expected a positive number of releases, got {last!r}"
        raise UsageError(msg)
    chosen = sorted(set(versions))
    if low is not None:
        chosen = [v for v in chosen if v >= low]
    if high is not None:
        chosen = [v for v in chosen if v <= high]
    if each_minor:
        latest: dict[tuple[int, int], Version] = {}
        for version in chosen:
            latest[(version.major, version.minor)] = version
        chosen = sorted(latest.values())
    if last is not None:
        chosen = chosen[-last:]
    return tuple(chosen)


def has_policy(
    *,
    last: int | None = None,
    each_minor: bool = False,
    since: str | None = None,
    until: str | None = None,
) -> bool:
    """True when any version policy is set."""
    return last is not None or each_minor or since is not None or until is not None


def expand_policy(
    package: str,
    sources: Sources | None = None,
    *,
    last: int | None = None,
    each_minor: bool = False,
    since: str | None = None,
    until: str | None = None,
    pre: bool = False,
    python_version: str | None = None,
    fetch: Fetcher | None = None,
) -> Expansion:
    """List ``package``'s releases and expand the policies into ``package==X`` targets.

    Raises:
        UsageError: bad policy values, or no release left after applying them.
    """
    listing = list_releases(package, sources, pre=pre, python_version=python_version, fetch=fetch)
    chosen = select_versions(
        listing.versions, last=last, each_minor=each_minor, since=since, until=until
    )
    policy: dict[str, object] = {}
    for key, value in (
        ("since", since),
        ("until", until),
        ("each_minor", each_minor),
        ("last", last),
    ):
        if value not in (None, False):
            policy[key] = value
    if pre:
        policy["pre"] = True
    if not chosen:
        listed = ", ".join(str(v) for v in listing.versions) or "none"
        flags = " ".join(_policy_flag(k, v) for k, v in policy.items())
        msg = f"no release of {package!r} matches {flags} (listed: {listed})"
        raise UsageError(msg)
    versions = tuple(str(v) for v in chosen)
    return Expansion(
        package=package,
        targets=tuple(f"{package}=={v}" for v in versions),
        versions=versions,
        policy=policy,
        notes=listing.notes,
    )
