"""Which benchmarks a ``--test`` selects, and the in-run plugin that runs only those.

``bisect --test`` narrows every probe's pytest run: the sweep loads this module with
``-p pytest_benchmem.inrun.select`` and ``BENCHMEM_TEST`` set, and collection keeps only the
matching items (the rest are deselected, as ``-k`` does). The same ``matcher`` picks the
benchmarks from the runs, so what ran and what is judged agree. The syntax:

- ``ID``: exact. The whole id (``suite/test_x.py::test_parse[5000]``) or its tail after a
  ``::`` or ``/`` (``test_parse[5000]``, ``test_x.py::test_parse[5000]``); ``test_parse[5000]``
  never matches ``test_parse[50000]``.
- ``k:EXPR``: a ``-k`` style expression (``and``, ``or``, ``not``, parentheses), each word a
  case-insensitive substring of the id.
- ``glob:PATTERN``: shell wildcards (``*``, ``?``, ``[[]`` for a literal ``[``) on the whole
  id or its last part.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable

import pytest

from pytest_benchmem.errors import UsageError

TEST_ENV = "BENCHMEM_TEST"
NO_MATCH = "--test"  # how the run's error line starts when nothing matches
Matcher = Callable[[str], bool]
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class _Parser:
    """``-k`` style expressions: ``and``, ``or``, ``not``, parentheses, substring words."""

    def __init__(self, text: str, shown: str) -> None:
        self.shown = shown
        self.tokens = _TOKEN.findall(text)
        self.pos = 0

    def fail(self, why: str) -> UsageError:
        return UsageError(f"--test {self.shown!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            msg = "unexpected end of expression"
            raise self.fail(msg)
        self.pos += 1
        return token

    def parse(self) -> Matcher:
        if not self.tokens:
            msg = "empty expression"
            raise self.fail(msg)
        matcher = self.any_of()
        if self.peek() is not None:
            msg = f"unexpected {self.peek()!r}"
            raise self.fail(msg)
        return matcher

    def any_of(self) -> Matcher:
        parts = [self.all_of()]
        while self.peek() == "or":
            self.take()
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else lambda name: any(p(name) for p in parts)

    def all_of(self) -> Matcher:
        parts = [self.negation()]
        while self.peek() == "and":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda name: all(p(name) for p in parts)

    def negation(self) -> Matcher:
        word = self.take()
        if word == "not":
            inner = self.negation()
            return lambda name: not inner(name)
        if word == "(":
            inner = self.any_of()
            if self.take() != ")":
                msg = "missing ')'"
                raise self.fail(msg)
            return inner
        if word in {")", "and", "or"}:
            msg = f"unexpected {word!r}"
            raise self.fail(msg)
        needle = word.lower()
        return lambda name: needle in name.lower()


def _exact(wanted: str) -> Matcher:
    def match(ident: str) -> bool:
        return ident == wanted or ident.endswith(("::" + wanted, "/" + wanted))

    return match


def _glob(pattern: str) -> Matcher:
    def match(ident: str) -> bool:
        tail = ident.rsplit("::", 1)[-1]
        return fnmatch.fnmatchcase(ident, pattern) or fnmatch.fnmatchcase(tail, pattern)

    return match


def matcher(test: str) -> Matcher:
    """The predicate on benchmark ids that ``test`` stands for (see the module docstring).

    Raises:
        UsageError: an empty ``test``, or a malformed ``k:`` expression.
    """
    text = test.strip()
    if text.startswith("k:"):
        return _Parser(text[2:], test).parse()
    if text.startswith("glob:"):
        pattern = text[5:].strip()
        if not pattern:
            msg = f"--test {test!r}: empty pattern"
            raise UsageError(msg)
        return _glob(pattern)
    if not text:
        msg = "--test: empty id"
        raise UsageError(msg)
    return _exact(text)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep only the items ``BENCHMEM_TEST`` selects; the others are deselected."""
    test = os.environ.get(TEST_ENV)
    if not test:
        return
    match = matcher(test)
    keep = [item for item in items if match(item.nodeid)]
    if items and not keep:  # said at once (bisect checks this before probing the other end)
        msg = f"{NO_MATCH} {test!r} matches none of the {len(items)} collected test(s)"
        raise pytest.UsageError(msg)
    dropped = [item for item in items if not match(item.nodeid)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
