"""Sweep targets: parsing ``pkg==1.0`` / ``LABEL=SPEC`` into ``Target`` values and labels.

A target is what one venv installs. ``pkg==X`` is labelled ``X``; anything else (a local
project directory, a wheel file, ``pkg @ URL``, a bare ``pkg``) may be named ``LABEL=SPEC``;
an unnamed bare requirement is labelled with the version uv resolves for it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pytest_benchmem.errors import UsageError
from pytest_benchmem.runs import MANIFESTS

if TYPE_CHECKING:
    from pytest_benchmem.sweep.model import SweepOptions
    from pytest_benchmem.sweep.outcome import Echo

_LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$")


class Kind(StrEnum):
    """What a target installs."""

    PIN = "pin"  # pkg==X: version known, checked after install
    REQUIREMENT = "requirement"  # pkg, pkg>=2, pkg[extra]<3
    URL = "url"  # pkg @ https://...
    WHEEL = "wheel"  # a .whl file
    PATH = "path"  # a local project directory


@dataclass(frozen=True)
class Target:
    """One sweep target.

    Attributes:
        text: the target as the user wrote it.
        spec: the part after ``LABEL=`` (what is installed).
        label: the run's label, or None until the installed version is known.
        kind: what ``spec`` is.
        install: the argument handed to ``uv pip install``.
        name: the canonical distribution name, when known before installing.
        version: the exact version expected (``pkg==X`` and wheels), else None.
        python: the interpreter of this target's venv in a Python matrix (None: the sweep's).
        suffix: added to the label in a Python matrix (``-py3.12``), also to a label learned
            from the installed version.
    """

    text: str
    spec: str
    label: str | None
    kind: Kind
    install: str
    name: str | None
    version: str | None
    python: str | None = None
    suffix: str = ""

    @property
    def key(self) -> str:
        """A file-name-safe name for this target before its label is known."""
        if self.label:
            return self.label
        return (re.sub(r"[^A-Za-z0-9._+-]+", "_", self.spec).strip("_") or "target") + self.suffix


#: Stems of the files a sweep or bisect writes beside the runs (their manifests).
RESERVED_LABELS = frozenset(name.removesuffix(".json") for name in MANIFESTS)


def check_label(label: str) -> str:
    """Return ``label`` if it is usable as a file stem, else raise ``UsageError``."""
    if not _LABEL_RE.match(label):
        msg = (
            f"invalid sweep label {label!r}: use letters, digits and . _ + - "
            "(it names <label>.json)"
        )
        raise UsageError(msg)
    if label.casefold() in RESERVED_LABELS:
        reserved = ", ".join(sorted(RESERVED_LABELS))
        msg = (
            f"sweep label {label!r} is reserved ({label}.json would be a manifest; "
            f"reserved: {reserved}): pick another LABEL=SPEC"
        )
        raise UsageError(msg)
    return label


def version_order(targets: Sequence[Target]) -> list[int] | None:
    """Positions of ``targets`` sorted oldest -> newest, when they are pinned versions of one
    package given out of that order; None when the order given is already ascending or
    some target has no version to sort by."""
    try:
        versions = [Version(t.version) if t.version else None for t in targets]
    except InvalidVersion:
        return None
    if any(v is None for v in versions):
        return None
    order = sorted(range(len(targets)), key=lambda i: versions[i])  # type: ignore[arg-type,return-value]
    return order if order != list(range(len(targets))) else None


def split_label(text: str) -> tuple[str | None, str]:
    """``LABEL=SPEC`` -> (LABEL, SPEC); anything else (``pkg==1``, ``pkg>=2``) -> (None, text)."""
    head, eq, rest = text.partition("=")
    if eq and not rest.startswith("=") and head and not re.search(r"[<>!~\s\[@;]", head):
        return head.strip(), rest.strip()
    return None, text


def local_path(spec: str) -> bool:
    """True when ``spec`` names a local directory or wheel file (not a requirement or URL)."""
    if "@" in spec or "://" in spec:
        return False
    return spec.endswith(".whl") or "/" in spec or spec.startswith((".", "~"))


def parse_target(text: str) -> Target:
    """Parse one target: ``pkg==1.0``, ``LABEL=SPEC``, a bare ``pkg``, a path or a wheel."""
    raw = text.strip()
    if not raw:
        msg = "empty sweep target"
        raise UsageError(msg)
    label, spec = split_label(raw)
    if label is not None:
        label = check_label(label)
        if not spec:
            msg = f"sweep target {raw!r} has a label but nothing to install"
            raise UsageError(msg)
    target = _parse_spec(raw, spec, label)
    if target.label is None and target.kind in (Kind.PATH, Kind.URL):
        msg = f"sweep target {raw!r} needs a label: write LABEL={spec}"
        raise UsageError(msg)
    return target


def _parse_spec(raw: str, spec: str, label: str | None) -> Target:
    path = Path(spec).expanduser()
    # pkg @ URL is remote (the URL may well end in .whl). A directory is written as a path
    # (./name): a bare name is a requirement even when a directory of that name happens to
    # be here (the package's own source, an output directory).
    if local_path(spec) and spec.endswith(".whl"):
        return _wheel_target(raw, spec, path, label)
    if local_path(spec):
        if not path.is_dir():
            msg = f"sweep target {raw!r}: {spec} is not a directory"
            raise UsageError(msg)
        resolved = path.resolve()
        return Target(raw, spec, label, Kind.PATH, str(resolved), _project_name(resolved), None)
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        why = str(exc).splitlines()[0]  # packaging adds the text and a caret on more lines
        hint = f" (a local directory is written ./{spec})" if path.is_dir() else ""
        msg = f"invalid sweep target {raw!r}: {why}{hint}"
        raise UsageError(msg) from None
    name = canonicalize_name(req.name)
    if req.url:
        return Target(raw, spec, label, Kind.URL, spec, name, None)
    pinned = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    if len(pinned) == 1 and len(req.specifier) == 1:
        version = pinned[0].version
        return Target(raw, spec, label or check_label(version), Kind.PIN, spec, name, version)
    return Target(raw, spec, label, Kind.REQUIREMENT, spec, name, None)


def _wheel_target(raw: str, spec: str, path: Path, label: str | None) -> Target:
    match = _WHEEL_RE.match(path.name)
    if not path.is_file():
        msg = f"sweep target {raw!r}: wheel file not found: {spec}"
        raise UsageError(msg)
    if not match:
        msg = f"sweep target {raw!r}: {path.name} is not a wheel file name (NAME-VERSION-TAGS.whl)"
        raise UsageError(msg)
    version = match["version"]
    name = canonicalize_name(match["name"])
    resolved = str(path.resolve())
    return Target(raw, spec, label or check_label(version), Kind.WHEEL, resolved, name, version)


def _project_name(directory: Path) -> str | None:
    """The ``[project] name`` of a local project directory, when its pyproject says."""
    pyproject = directory / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = data.get("project", {}).get("name")
    return canonicalize_name(name) if isinstance(name, str) else None


def parse_targets(texts: Sequence[str]) -> list[Target]:
    """Parse targets in order; all must be one package and labels must be distinct."""
    if not texts:
        msg = "no sweep targets given (e.g. benchmem sweep 'pkg==1.0' 'pkg==2.0' --suite DIR)"
        raise UsageError(msg)
    targets = [parse_target(text) for text in texts]
    names = sorted({t.name for t in targets if t.name})
    if len(names) > 1:
        msg = f"all targets of a sweep must be one package, got {', '.join(names)}"
        raise UsageError(msg)
    seen: set[str] = set()
    for target in targets:
        for key in {target.key, target.label} - {None}:
            if key in seen:
                msg = f"duplicate sweep label {key!r}: name targets with LABEL=SPEC"
                raise UsageError(msg)
            seen.add(str(key))
    return targets


def expand_targets(
    targets: list[str],
    options: SweepOptions,
    flags: dict[str, object],
    *,
    echo: Echo,
    keep_order: bool = False,
) -> tuple[list[str], dict[str, object] | None]:
    """``pkg --last 3`` and friends become ``pkg==X`` targets (printed, kept for the manifest);
    targets listed by hand are put in version order (``order_targets``)."""
    from pytest_benchmem.sweep.releases import (
        Sources,
        expand_policy,
        has_policy,
        interpreter_version,
    )

    last = flags["last"]
    policy = {
        "last": last if isinstance(last, int) else None,
        "each_minor": bool(flags["each_minor"]),
        "since": flags["since"] if isinstance(flags["since"], str) else None,
        "until": flags["until"] if isinstance(flags["until"], str) else None,
    }
    if not has_policy(**policy):  # type: ignore[arg-type]
        if flags["pre"]:
            msg = "--pre applies to a version policy (--last/--each-minor/--since/--until)"
            raise UsageError(msg)
        return order_targets(targets, keep=keep_order, echo=echo), None
    if len(targets) != 1 or any(c in targets[0] for c in "=<>@/ "):
        msg = "a version policy (--last/--each-minor/--since/--until) takes one bare package name"
        raise UsageError(msg)
    sources = Sources(options.find_links, options.index_urls, options.as_of)
    logs = options.out / "logs" / "sweep"
    # Requires-Python is checked against the venvs' interpreter, not necessarily this one
    python_version = interpreter_version(options.python, logs) if options.python else None
    expansion = expand_policy(
        targets[0],
        sources,
        pre=bool(flags["pre"]),
        python_version=python_version,
        **policy,  # type: ignore[arg-type]
    )
    echo(f"benchmem sweep: {expansion.describe()}", err=True)
    for note in expansion.notes:
        echo(f"benchmem sweep: note: {note}", err=True)
    return list(expansion.targets), {"expansion": expansion.to_json()}


def order_targets(targets: list[str], *, keep: bool, echo: Echo) -> list[str]:
    """Pinned versions given out of order are sorted oldest -> newest (or kept), with a note:
    the change column compares each run with the first one."""
    order = version_order(parse_targets(targets)) if targets else None
    if order is None:
        return targets
    given = ", ".join(targets)
    if keep:
        note = f"targets not in version order ({given}): kept as given (--keep-order)"
        echo(f"benchmem sweep: note: {note}", err=True)
        return targets
    ordered = [targets[i] for i in order]
    echo(
        f"benchmem sweep: note: targets sorted oldest → newest ({', '.join(ordered)}); "
        "pass --keep-order to keep the order given",
        err=True,
    )
    return ordered
