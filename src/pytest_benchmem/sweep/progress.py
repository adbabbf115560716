"""Showing a sweep's progress: a live rich table on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from .model import TargetResult, TargetStatus

_STYLE = {TargetStatus.OK: "green", TargetStatus.PARTIAL: "yellow", TargetStatus.FAILED: "red"}


class PlainProgress:
    """One line per event: ``benchmem sweep: [LABEL] TEXT``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def _line(self, text: str) -> None:
        took = time.perf_counter() - self.start
        self.stream.write(f"benchmem sweep [{took:6.1f}s] {text}\n")
        self.stream.flush()

    def phase(self, text: str) -> None:
        """A new phase starts."""
        self._line(text)

    def update(self, key: str, text: str) -> None:
        """A target moved on."""
        self._line(f"{key}: {text}")

    def done(self, result: TargetResult) -> None:
        """A target finished."""
        extra = f" at {result.stage}" if result.stage else ""
        why = f": {result.reason}" if result.reason and result.status is TargetStatus.FAILED else ""
        self._line(f"{result.label}: {result.status}{extra}{why}")

    def close(self) -> None:
        """Nothing to tear down."""


class LiveProgress(PlainProgress):
    """A rich ``Live`` table: one row per target with its current state."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=self.stream)
        self.rows: dict[str, str] = {}
        self.lock = threading.Lock()  # provisioning threads report concurrently
        self.title = "benchmem sweep"
        # redrawn only when a target moves on: no refresh thread wakes up in the driver
        # while a suite is being measured beside it
        self.live = Live(self._render(), console=self.console, auto_refresh=False)
        self.live.start(refresh=True)

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        took = time.perf_counter() - self.start
        # The heading above the table, not its title: a title wraps at the table's width.
        heading = Text(f"{self.title}  ({took:.1f}s)", style="italic")
        table = Table(box=None)
        table.add_column("target", style="bold")
        table.add_column("state")
        with self.lock:
            rows = list(self.rows.items())
        for key, text in rows:
            table.add_row(key, text)
        return Group(heading, table)

    def expect(self, keys: list[str]) -> None:
        """Show the targets in the order given, before any of them moves on."""
        with self.lock:
            for key in keys:
                self.rows.setdefault(key, "[dim]waiting[/dim]")
        self._refresh()

    def rename(self, old: str, new: str) -> None:
        """A target learned its label (the version uv resolved): its row keeps its place."""
        with self.lock:
            self.rows = {(new if key == old else key): text for key, text in self.rows.items()}
        self._refresh()

    def _refresh(self) -> None:
        self.live.update(self._render(), refresh=True)

    def phase(self, text: str) -> None:
        """A new phase starts."""
        self.title = f"benchmem sweep: {text}"
        self._refresh()

    def update(self, key: str, text: str) -> None:
        """A target moved on."""
        with self.lock:
            self.rows[key] = text
        self._refresh()

    def done(self, result: TargetResult) -> None:
        """A target finished."""
        style = _STYLE.get(result.status, "dim")
        where = f" at {result.stage}" if result.stage else ""
        with self.lock:
            self.rows[result.label] = f"[{style}]{result.status}{where}[/{style}]"
        self._refresh()

    def close(self) -> None:
        """Stop the live display (leaves the final table on screen)."""
        self.live.stop()


def make_progress(stream: TextIO | None = None) -> PlainProgress:
    """Live progress on a terminal, plain lines otherwise."""
    out = stream or sys.stderr
    if out.isatty():
        return LiveProgress(out)
    return PlainProgress(out)
