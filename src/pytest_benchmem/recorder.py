"""Terminal lines as data: record what pytest-benchmark writes to its reporter, replay it.

The combined table runs pytest-benchmark's own table code into a :class:`Recorder`, edits
the recorded lines (``table.fold``) and writes them to the real terminal with :func:`replay`,
so its formatting and colours are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Segment = tuple[str, dict[str, Any]]
Line = list[Segment]


class Recorder:
    """A terminal-reporter stand-in that keeps every line as segments with their markup."""

    def __init__(self) -> None:
        self.lines: list[Line] = [[]]

    def write(self, text: str, **markup: Any) -> None:
        for index, part in enumerate(str(text).split("\n")):
            if index:
                self.lines.append([])
            if part:
                self.lines[-1].append((part, markup))

    def ensure_newline(self) -> None:
        if self.lines[-1]:
            self.lines.append([])

    def write_line(self, text: str = "", **markup: Any) -> None:
        self.ensure_newline()
        self.write(text, **markup)
        self.lines.append([])

    def rewrite(self, *args: Any, **kwargs: Any) -> None:
        """Progress output is transient: drop it."""


def text_of(line: Line) -> str:
    return "".join(text for text, _ in line)


def replay(tr: Any, lines: Sequence[Line]) -> None:
    """Write recorded lines to the real terminal reporter."""
    tr.ensure_newline()
    end = len(lines)
    while end and not lines[end - 1]:
        end -= 1
    for line in lines[:end]:
        for text, markup in line:
            tr.write(text, **markup)
        tr.write("\n")
