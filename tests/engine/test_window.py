"""One memray window: memray imported without rich, a frozen heap, and the priming run."""

from __future__ import annotations

import functools
import gc
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from pytest_benchmem import measure_memory
from pytest_benchmem.measure import run_passes
from pytest_benchmem.memlib import import_lightly


def _python(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return done.stdout.strip()


def test_memray_is_imported_without_rich_and_rich_comes_when_used():
    out = _python(
        """
        import sys
        from pytest_benchmem import measure_memory
        result = measure_memory(lambda: bytearray(1_000_000))
        print("rich" in sys.modules, result.peak_bytes >= 1_000_000)
        import memray._memray as native  # the names memray took from rich still work
        columns = native.Progress.get_default_columns()
        print("rich" in sys.modules, len(columns) > 0)
        """
    )
    assert out.splitlines() == ["False True", "True True"]


def test_the_plain_import_on_request():
    out = _python(
        "import sys\nfrom pytest_benchmem.memlib import load\nload()\nprint('rich' in sys.modules)",
        BENCHMEM_MEMRAY_PLAIN_IMPORT="1",
    )
    assert out == "True"


def _package(root: Path, name: str, version: str, body: str) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "_version.py").write_text(f'__version__ = "{version}"\n')
    (folder / "__init__.py").write_text(textwrap.dedent(body))


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("fakemem")]:
        del sys.modules[name]


def test_a_package_that_uses_rich_while_importing_is_imported_plainly(packages, monkeypatch):
    body = """
    from rich.progress import Progress
    COLUMNS = Progress.get_default_columns()  # used at import time: the stand-in refuses
    """
    _package(packages, "fakemem_uses", "1.4.0", body)
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    module = import_lightly("fakemem_uses")
    assert len(module.COLUMNS) > 0
    assert type(sys.modules["rich.progress"]).__name__ == "module"


def test_names_taken_from_rich_resolve_on_first_use(packages, monkeypatch):
    body = """
    from rich import print as pprint
    from rich.progress import Progress
    """
    _package(packages, "fakemem_lazy", "1.20.0", body)
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    module = import_lightly("fakemem_lazy")
    assert "rich" not in sys.modules
    assert module.Progress.get_default_columns()
    assert "rich.progress" in sys.modules


def test_another_major_version_is_imported_plainly(packages, monkeypatch):
    _package(packages, "fakemem_two", "2.0.0", "import rich.progress\nSEEN = rich.progress\n")
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    module = import_lightly("fakemem_two")
    assert type(module.SEEN).__name__ == "module"  # the real rich, not a stand-in


def test_older_garbage_is_not_collected_inside_the_window():
    finalized: list[bytearray] = []

    class Cyclic:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            finalized.append(bytearray(10_000))  # allocates when the collector frees it

    def action() -> object:
        return [[] for _ in range(5_000)]  # enough new objects to trigger collections

    def with_garbage() -> Any:
        for _ in range(50):
            Cyclic()  # garbage, made untracked right before the window
        return action

    clean = run_passes(lambda: action, 2)
    result = run_passes(with_garbage, 2)
    # the collections inside the window never reached the older garbage (50 x 10 kB)
    assert result.total_bytes_series == clean.total_bytes_series
    assert result.allocations_series == clean.allocations_series
    gc.collect()
    assert len(finalized) >= 50  # it was garbage all along, freed outside the windows


def test_every_pass_starts_with_empty_free_lists():
    def action() -> list[tuple[int]]:
        return [(i,) for i in range(100)]

    cold = measure_memory(action, 2)
    spare = [(i,) for i in range(3_000)]
    del spare  # CPython's free list of 1-tuples is now full
    warm = measure_memory(action, 2)
    # (the cold first pass also builds the code's line tables: compare the second passes)
    assert cold.allocations_series[1] == warm.allocations_series[1] == warm.allocations_series[0]
    assert cold.allocations >= 100  # every tuple allocated, none taken from a free list


def test_priming_leaves_no_profiler_and_keeps_one_installed():
    result = run_passes(lambda: lambda: [str(i) for i in range(500)], 2)
    assert result.peak_series[0] == result.peak_series[1]
    assert sys.getprofile() is None
    assert threading.getprofile() is None

    seen: list[str] = []

    def mine(frame: Any, event: str, arg: Any) -> None:
        seen.append(event)

    sys.setprofile(mine)
    try:
        again = run_passes(lambda: lambda: [str(i) for i in range(500)], 2)
        assert sys.getprofile() is mine  # memray's window restores it
    finally:
        sys.setprofile(None)
    assert again.peak_series == result.peak_series


def test_priming_reaches_the_threads_the_action_starts():
    # the priming run's profile function (which builds CPython's line tables) is set in
    # the threads the action starts too; the kept pass's threads get memray's own
    profiles: list[object] = []

    def action() -> None:
        thread = threading.Thread(target=lambda: profiles.append(sys.getprofile()))
        thread.start()
        thread.join()

    run_passes(lambda: action, 1)
    assert len(profiles) == 2
    assert callable(profiles[0])  # the priming run, in the new thread
    assert threading.getprofile() is None


def test_a_tiny_peak_is_not_memrays_exit_path():
    # the range's iterator and the sum, alive together (80 B); memray's window closes with
    # two 72 B method objects of its own, which used to read as a 144 B peak
    result = measure_memory(functools.partial(sum, range(100)), 2)
    assert result.total_bytes_series == (80, 80)
    assert result.peak_series == (80, 80)


def test_gc_callbacks_are_suspended_inside_the_window_only():
    seen: list[dict[str, int]] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        seen.append(dict(info))  # allocates at every collection, as hypothesis's timer does

    gc.callbacks.append(callback)
    try:
        result = measure_memory(functools.partial(bytearray, 1_000_000), 2)
        assert gc.callbacks[-1] is callback  # restored after the window
    finally:
        gc.callbacks.remove(callback)
    assert result.allocations_series == (2, 2)  # the bytearray object and its buffer
    assert result.peak_series[1] <= 1_000_000 + 64
