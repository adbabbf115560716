"""The sweep's values: statuses, failure stages, options and per-target results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class TargetStatus(StrEnum):
    """How a target ended."""

    OK = "ok"
    PARTIAL = "partial"  # some tests failed; the benchmarks that ran are kept
    FAILED = "failed"
    TIMEOUT = "timeout"  # the run outlived --timeout: its process group was killed
    SKIPPED = "skipped"  # not run (interrupted before its turn)


class Stage(StrEnum):
    """Where a failed target failed."""

    VENV = "venv"
    INSTALL = "install"
    ISOLATION = "isolation"
    RUN = "run"
    COLLECT = "collect"


CAPTURES_DIR = "captures"


@dataclass(frozen=True)
class SweepOptions:
    """Everything a sweep needs besides its targets (CLI, config file and API share it)."""

    suite: Path
    out: Path = Path(".benchmarks/sweep")
    memory: bool = True
    pins: tuple[str, ...] = ()
    as_of: str | None = None
    import_check: str | None = None
    copy_dir: Path | None = None
    pytest_args: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    index_urls: tuple[str, ...] = ()
    python: str | None = None
    jobs: int = 4
    fresh: bool = False
    resume: bool = False
    env: tuple[str, ...] = ()  # NAME=VALUE set in every run's environment (e.g. PYTHONMALLOC)
    pythons: tuple[str, ...] = ()  # a Python matrix: every target under each (two or more)
    python_downloads: bool = False  # let uv download a matrix interpreter it cannot find
    only: tuple[str, ...] = ()  # run only the plan entries with these labels
    shard: str | None = None  # run only slice K of N of the plan ("K/N")
    timeout: float | None = None  # seconds a target's suite run may take (None: no limit)
    rounds: int = 1  # run every suite this many times, the targets alternating (A B A B ...)
    profile: bool = False  # keep memray captures under <out>/captures/<label>/

    def captures_dir(self, label: str) -> Path:
        """Where ``--profile`` keeps one target's captures."""
        return self.out / CAPTURES_DIR / label

    def env_vars(self) -> dict[str, str]:
        """``env`` as a mapping."""
        return dict(item.split("=", 1) for item in self.env)


@dataclass(frozen=True)
class TargetResult:
    """One target's outcome, as the manifest records it."""

    label: str
    spec: str
    status: TargetStatus
    stage: Stage | None
    reason: str | None
    run_path: Path | None
    log_dir: Path
    versions: Mapping[str, str]
    durations: Mapping[str, float]
    resolution: str | None = None  # "pinned" (harness at the driver's versions) or "free"
    reused: bool = False  # the venv was reused from an earlier sweep
    fingerprint: str = ""  # what --resume compares
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True for ``ok`` and ``partial`` (a run with benchmarks exists)."""
        return self.status in (TargetStatus.OK, TargetStatus.PARTIAL)

    def describe_failure(self) -> str:
        """``LABEL failed at STAGE: REASON (logs: DIR)``."""
        where = f" at {self.stage}" if self.stage else ""
        reason = self.reason or "no reason recorded"
        return f"{self.label} {self.status}{where}: {reason} (logs: {self.log_dir})"
