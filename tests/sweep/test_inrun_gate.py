"""The in-run gate plugin (``-p pytest_benchmem.inrun.gate``) in real pytest runs (pytester).

The test plays the driver on its end of a socket pair; the run holds the other end.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_benchmem.inrun.gate import EXIT_CODE, GATE_ENV, GO, MARK, READY

PLUGIN = ("-p", "pytest_benchmem.inrun.gate")

SUITE = """
import os, pathlib

def test_one():
    pathlib.Path(os.environ["GATE_LOG"]).open("a").write("test\\n")
    assert "BENCHMEM_GATE_FD" not in os.environ  # the suite's children never see it
"""


@dataclass
class Driver:
    """The driver's end: answers READY with ``answer`` (None: closes it, end of file)."""

    sock: socket.socket
    log: str
    answer: bytes | None = GO
    heard: list[bytes] = field(default_factory=list)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(30)
        try:
            got = self.sock.recv(1)
        except OSError:
            got = b"?"
        self.heard.append(got)
        if got == READY:
            with Path(self.log).open("a") as f:
                f.write("ready\n")
            if self.answer is not None:
                self.sock.sendall(self.answer)
        self.sock.close()

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(30)


@pytest.fixture
def driver(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Driver]:
    ours, theirs = socket.socketpair()
    log = pytester.path / "gate.log"
    monkeypatch.setenv("GATE_LOG", str(log))
    monkeypatch.setenv(GATE_ENV, str(theirs.detach()))  # the run owns (and closes) it
    pytester.makepyfile(test_suite=SUITE)
    drv = Driver(ours, str(log))
    drv.start()
    yield drv
    drv.join()


def _events(pytester: pytest.Pytester) -> list[str]:
    path = pytester.path / "gate.log"
    return path.read_text().split() if path.exists() else []


def test_ready_then_go_then_the_tests(pytester: pytest.Pytester, driver: Driver) -> None:
    result = pytester.runpytest_inprocess(*PLUGIN)
    result.assert_outcomes(passed=1)
    driver.join()
    assert driver.heard == [READY]
    assert _events(pytester) == ["ready", "test"]  # no test before the gate opened
    assert GATE_ENV not in os.environ


def test_end_of_file_stops_the_run_with_one_line(pytester: pytest.Pytester, driver: Driver) -> None:
    driver.answer = None  # the driver is gone
    result = pytester.runpytest_inprocess(*PLUGIN)
    assert result.ret == EXIT_CODE
    assert _events(pytester) == ["ready"]  # no test ran
    lines = [x for x in result.stderr.lines + result.stdout.lines if MARK in x]
    assert any("the sweep driver is gone" in x for x in lines), lines


def test_collect_only_does_not_wait(pytester: pytest.Pytester, driver: Driver) -> None:
    result = pytester.runpytest_inprocess(*PLUGIN, "--collect-only")
    assert result.ret == 0
    driver.join()
    assert driver.heard == [b""]  # end of file: the run closed its end unused


def test_collection_errors_do_not_wait(pytester: pytest.Pytester, driver: Driver) -> None:
    pytester.makepyfile(test_broken="raise ImportError('broken')\n")
    result = pytester.runpytest_inprocess(*PLUGIN)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    driver.join()
    assert driver.heard == [b""]


def test_xdist_worker_is_left_alone(
    pytester: pytest.Pytester, driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    result = pytester.runpytest_inprocess(*PLUGIN)
    result.assert_outcomes(passed=1)
    assert _events(pytester) == ["test"]
    assert driver.heard == []  # nothing sent (the test's end is closed at teardown)
    driver.sock.shutdown(socket.SHUT_RDWR)


def test_without_the_variable_nothing_happens(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = pytester.runpytest_inprocess(*PLUGIN)
    result.assert_outcomes(passed=1)


def test_a_descriptor_that_is_no_socket_is_ignored(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    read, write = os.pipe()
    try:
        monkeypatch.setenv(GATE_ENV, str(read))
        pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
        result = pytester.runpytest_inprocess(*PLUGIN)
        result.assert_outcomes(passed=1)
        monkeypatch.setenv(GATE_ENV, "not-a-number")
        result = pytester.runpytest_inprocess(*PLUGIN)
        result.assert_outcomes(passed=1)
    finally:
        os.close(read)
        os.close(write)


def test_a_run_stopped_before_the_tests_closes_its_end(
    pytester: pytest.Pytester, driver: Driver
) -> None:
    pytester.makeconftest(
        "import pytest\n\n"
        "def pytest_sessionstart(session):\n"
        "    pytest.exit('stopped early', returncode=3)\n"
    )
    result = pytester.runpytest_inprocess(*PLUGIN)
    assert result.ret == 3
    driver.join()
    assert driver.heard == [b""]  # end of file: never waited at the gate
