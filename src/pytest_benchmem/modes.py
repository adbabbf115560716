"""How memory was measured, and the one check that runs measured differently don't compare.

``exact`` (the default) traces every Python object at its own size in the untimed memory
pass; ``fast`` sees small objects only through pymalloc's arenas (cheaper, not
reproducible). A run's measurement is its mode, its ``PYTHONMALLOC`` and memray's major
version; every command that compares memory calls :func:`check_runs` (or
:func:`check_measurements`). Light on purpose: the plugin imports it in every swept venv.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .runmodel import Run


class MemoryMode(enum.Enum):
    """The memory pass's tracing mode."""

    EXACT = "exact"
    FAST = "fast"

    @property
    def traces_python(self) -> bool:
        """Whether memray traces Python allocators (``trace_python_allocators``)."""
        return self is MemoryMode.EXACT


DEFAULT_MODE = MemoryMode.EXACT
MODE_CHOICES = tuple(m.value for m in MemoryMode)


def parse_mode(value: object, *, what: str = "mode") -> MemoryMode:
    """``"exact"``/``"fast"`` (or a :class:`MemoryMode`) -> MemoryMode; UsageError otherwise."""
    if isinstance(value, MemoryMode):
        return value
    text = str(value).strip().lower()
    for mode in MemoryMode:
        if text == mode.value:
            return mode
    msg = f"{what}: unknown memory mode {value!r} (choose from {', '.join(MODE_CHOICES)})"
    raise UsageError(msg)


def resolve_mode(mode: MemoryMode | str | None, trace_python_allocators: bool | None) -> MemoryMode:
    """The API's mode from ``mode=`` and the older ``trace_python_allocators=`` keyword.

    Raises:
        ValueError: the two keywords disagree, or ``mode`` is unknown.
    """
    try:
        chosen = None if mode is None else parse_mode(mode)
    except UsageError as exc:
        raise ValueError(exc.message) from None
    if trace_python_allocators is None:
        return chosen or DEFAULT_MODE
    legacy = MemoryMode.EXACT if trace_python_allocators else MemoryMode.FAST
    if chosen is not None and chosen is not legacy:
        msg = (
            f"mode={chosen.value!r} contradicts "
            f"trace_python_allocators={trace_python_allocators!r}; pass only mode="
        )
        raise ValueError(msg)
    return legacy


#: the one switch, on every command that compares runs, that lets mixed modes through
ALLOW_MIXED_FLAG = "--allow-mixed-modes"
ALLOW_MIXED_HELP = (
    "Compare memory of runs measured differently anyway (memory mode exact/fast, "
    "PYTHONMALLOC, memray major version), with a note; without it such runs are refused."
)
#: its spelling among the pytest plugin's options
ALLOW_MIXED_PYTEST_FLAG = "--benchmark-memory-allow-mixed-modes"


class MixedModesError(UsageError):
    """Memory of runs measured in different modes would be compared without the switch."""


@dataclass(frozen=True)
class Measurement:
    """How a run measured memory: what must match for its figures to compare with another's.

    ``pythonmalloc`` and ``memray`` (the major version) are None when the run did not record
    them (runs made before they were recorded); an unknown never counts as a difference.
    """

    mode: MemoryMode
    pythonmalloc: str | None = None
    memray: str | None = None
    pythonmalloc_known: bool = False

    def describe(self) -> str:
        """``exact, memray 1`` or ``fast, PYTHONMALLOC=malloc, memray 1``."""
        parts = [self.mode.value]
        if self.pythonmalloc:
            parts.append(f"PYTHONMALLOC={self.pythonmalloc}")
        if self.memray:
            parts.append(f"memray {self.memray}")
        return ", ".join(parts)


def measurement_of(provenance: Mapping[str, object]) -> Measurement:
    """The measurement a run's ``benchmem`` provenance records.

    ``mode`` wins; else the older ``trace_python_allocators`` (true = exact); a run with
    neither was measured before the modes existed, in what is now the fast (arena) mode.
    """
    mode = MemoryMode.FAST
    raw_mode = provenance.get("mode")
    if isinstance(raw_mode, str) and raw_mode in MODE_CHOICES:
        mode = MemoryMode(raw_mode)
    elif provenance.get("trace_python_allocators") is True:
        mode = MemoryMode.EXACT
    known = "pythonmalloc" in provenance
    raw_malloc = provenance.get("pythonmalloc")
    malloc = raw_malloc if isinstance(raw_malloc, str) and raw_malloc else None
    packages = provenance.get("packages")
    memray = packages.get("memray") if isinstance(packages, Mapping) else None
    major = memray.split(".")[0] if isinstance(memray, str) and memray else None
    return Measurement(mode, malloc, major, pythonmalloc_known=known)


def current_measurement(mode: MemoryMode) -> Measurement:
    """This process's measurement in ``mode`` (the pytest side's own session)."""
    import os
    from importlib import metadata

    try:
        major: str | None = metadata.version("memray").split(".")[0]
    except metadata.PackageNotFoundError:  # pragma: no cover - memray is a dependency
        major = None
    malloc = os.environ.get("PYTHONMALLOC") or None
    return Measurement(mode, malloc, major, pythonmalloc_known=True)


def _mixed(measured: Sequence[Measurement]) -> bool:
    if len({m.mode for m in measured}) > 1:
        return True
    mallocs = {m.pythonmalloc for m in measured if m.pythonmalloc_known}
    majors = {m.memray for m in measured if m.memray is not None}
    return len(mallocs) > 1 or len(majors) > 1


def check_measurements(
    named: Sequence[tuple[str, Measurement]], *, allow: bool, flag: str = ALLOW_MIXED_FLAG
) -> str | None:
    """Refuse (or, with ``allow``, note) memory compared across different measurements.

    Returns None when all agree, a one-line note when they differ and ``allow`` is set.

    Raises:
        MixedModesError: they differ and ``allow`` is not set; one line naming every run
            and its measurement.
    """
    if len(named) < 2 or not _mixed([m for _, m in named]):
        return None
    groups: dict[str, list[str]] = {}
    for name, measured in named:
        groups.setdefault(measured.describe(), []).append(name)
    listed = "; ".join(f"{', '.join(names)} ({how})" for how, names in groups.items())
    if allow:
        return f"note: memory compared across measurement modes ({flag}): {listed}"
    msg = (
        f"memory measured in different modes is not compared: {listed}; measure them alike, "
        f"or pass {flag} to compare anyway"
    )
    raise MixedModesError(msg)


def check_runs(runs: Sequence[Run], *, allow: bool, flag: str = ALLOW_MIXED_FLAG) -> str | None:
    """:func:`check_measurements` over the runs that hold memory (time-only runs don't count)."""
    named = [
        (run.label, measurement_of(run.provenance))
        for run in runs
        if any(b.memory for b in run.benchmarks)
    ]
    return check_measurements(named, allow=allow, flag=flag)
