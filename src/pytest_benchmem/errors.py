"""Error types for pytest-benchmem.

Every user-facing failure is a ``BenchmemError`` with a one-line message and an optional
hint; the CLI and the plugin turn them into ``benchmem: error: ...`` lines and exit codes.
"""

from __future__ import annotations

# The extras are this project's, installed from its checkout or a wheel built from it: the name
# pytest-benchmem on the package index is another project.
PLOT_HINT = "install this project's [plot] extra: pip install '.[plot]' in its checkout"
PLOT_STATIC_HINT = (
    "install this project's [plot-static] extra: pip install '.[plot-static]' in its checkout"
)


class BenchmemError(Exception):
    """A user error: what is wrong, and (in ``hint``) what to do about it."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(BenchmemError):
    """A bad option, argument, size or threshold string."""

    exit_code = 2


class SchemaError(BenchmemError):
    """A file that is missing, unreadable, or not a pytest-benchmark run of the expected shape."""


class MeasureError(BenchmemError):
    """Memory could not be measured (e.g. a memray Tracker was already active)."""


class ProvisionError(BenchmemError):
    """A sweep venv could not be created or installed."""
