"""Nox sessions: the one entry point for tests, quality gates, benchmarks and release sweeps.

Sessions use the interpreter nox runs with (a fresh machine has only one Python), and pass
the caller's environment through, so uv reaches the package index with its certificates.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite with branch coverage of src/ (fails under 85%)."""
    session.install("-e", ".[plot]", *_group("test"))
    session.run("coverage", "erase")
    # `coverage run` (not pytest-cov): the plugin is loaded through its pytest11 entry point
    # before pytest-cov would start, so only this way are its import-time lines counted.
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        "--ignore=tests/perf",
        "-rfEs",  # failures, errors and every skip with its reason (e.g. no chromium, no kaleido)
        *session.posargs,
        env=dict(os.environ),
    )
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report")  # fail_under = 85 in pyproject.toml


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*_group("lint"))
    session.run("ruff", "check", "src", "tests", "noxfile.py", "sweeps")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py", "sweeps")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.install("-e", ".[plot]", *_group("typecheck"))
    session.run("mypy", "--strict", "src/pytest_benchmem")


@nox.session
def perf(session: nox.Session) -> None:
    """The benchmarks in tests/perf/ (figures are ratios measured in one run)."""
    session.install("-e", ".[plot]", *_group("test"))
    session.run(
        "pytest",
        "tests/perf",
        "-p",
        "no:cacheprovider",
        "--benchmark-only",
        "--benchmark-columns=min,median,max,rounds",
        "-s",
        *session.posargs,
    )


@nox.session
def sweep(session: nox.Session) -> None:
    """The ready sweep in sweeps/tomli (tomli 1.2.3, 2.0.1, 2.2.1): peak and time per release.

    Installs this project (not editable: the sweep injects the installed harness into each
    release's venv) and runs `benchmem sweep`. Another ready sweep:
    `nox -s sweep -- --config sweeps/numpy/sweep.toml --out .benchmarks/sweep/numpy`.
    """
    session.install(".")
    session.run(
        "benchmem",
        "sweep",
        "--config",
        "sweeps/tomli/sweep.toml",
        "--out",
        ".benchmarks/sweep/tomli",
        *session.posargs,
        env=dict(os.environ),
    )
