"""pytest hooks of pytest-benchmem (entry point ``pytest11: benchmem``).

Registers the options and the ``benchmem`` marker, provides the ``benchmark_memory``
fixture, patches plain ``benchmark`` under ``--benchmark-memory``, enforces the marker's
ceilings, stamps run provenance into pytest-benchmark's JSON, folds memory columns into its
table and runs the memory compare gate. Session state lives on a registered
:class:`BenchmemPlugin` object kept in ``config.stash``; nothing is kept in module globals.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from .baseline import Baseline, load_baseline, regressing_ids, run_gate
from .captures import PROFILE_KEY, CaptureKeeper
from .errors import BenchmemError, MeasureError, UsageError
from .fixture import (
    BenchmarkMemory,
    Measured,
    PassPlan,
    ceiling_failures,
    check_patchable,
    patch_fixture,
)
from .flags import add_options
from .marker import MARKER, MARKER_HELP, MarkerSpec
from .marker import parse_marker as _parse_marker
from .measure import measure_tare
from .metrics import BLOB_KEY
from .modes import (
    ALLOW_MIXED_PYTEST_FLAG,
    check_measurements,
    current_measurement,
    measurement_of,
)
from .options import Settings, load_settings
from .provenance import provenance
from .recorder import replay
from .table import (
    TableSpec,
    combined_display,
    has_memory,
    memory_table,
    session_supported,
)

PLUGIN_NAME = "benchmem-session"


class BenchmemPlugin:
    """Per-session state and the hooks that need it."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.measured: dict[str, Measured] = {}
        self.patched_classes: dict[type, type] = {}
        self.fallback: str | None = None
        self.base: dict[str, float] | None = None
        self.baseline: Baseline | None = None
        self.notes: list[str] = []
        self.gate_lines: list[str] = []
        self.gate_ok = True
        self.keeper: CaptureKeeper | None = None
        if settings.profile is not None:
            self.keeper = CaptureKeeper(
                Path(settings.profile),
                native=settings.profile_native,
                keep_all=settings.profile_all,
            )
        self.pruned = False
        self.json_path: Path | None = None
        self.called: set[str] = set()  # node ids whose test body ran

    # -- per test -------------------------------------------------------------------------
    def entry(self, item: pytest.Item) -> Measured:
        """The item's measurement record and how to measure it (the marker wins)."""
        found = item.stash.get(_ENTRY, None)
        if found is not None:
            return found
        spec = MarkerSpec()
        problem = None
        markers = list(item.iter_markers(MARKER))
        if markers:
            args, kwargs = _merged(markers)
            try:
                spec = _parse_marker(item.name, args, kwargs)
            except UsageError as exc:
                problem = exc.message
        if problem is not None:
            pytest.fail(problem, pytrace=False)
        settings = self.settings
        plan = PassPlan(
            repeats=spec.repeats or settings.repeats,
            warmup=settings.warmup if spec.warmup is None else spec.warmup,
            calls=spec.calls,
            max_time=settings.max_time,
            mode=settings.mode,
            isolate=spec.isolate,
            keep=None if self.keeper is None else self.keeper.keep_for(item.nodeid),
        )
        measured = Measured(item.nodeid, item.name, ceilings=dict(spec.ceilings or {}), plan=plan)
        item.stash[_ENTRY] = measured
        self.measured[item.nodeid] = measured
        return measured

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.entry(item)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, Any, Any]:
        value = yield
        if (
            self.settings.enabled
            and fixturedef.argname == "benchmark"
            and "benchmark_memory" not in request.fixturenames
            and _is_benchmark_fixture(value)
        ):
            patch_fixture(value, self.entry(request.node), self.patched_classes)
        return value

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        self.called.add(item.nodeid)
        result = yield
        found = item.stash.get(_ENTRY, None)
        failures = ceiling_failures(found) if found is not None else []
        if failures:
            pytest.fail("\n".join(failures), pytrace=False)
        return result

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """memray's import and tare before the first test, as part of start-up (a sweep's
        gate opens after collection); only when a collected test will measure memory."""
        option = self.config.getoption
        if option("collectonly", default=False) or option("benchmark_skip", default=False):
            return
        names = {"benchmark", "benchmark_memory"} if self.settings.enabled else {"benchmark_memory"}
        if any(names & set(getattr(item, "fixturenames", ())) for item in session.items):
            with contextlib.suppress(MeasureError):  # each test says it, as it would have
                measure_tare(self.settings.mode.traces_python)

    # -- the memory gate ------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.settings.compare is None:
            return
        workers = getattr(self.config.option, "numprocesses", None)
        if workers and getattr(self.config.option, "dist", "no") != "no":
            # each xdist worker measures in its own process; the gate here would see nothing
            msg = (
                f"--benchmark-memory-compare does not work under pytest-xdist (-n {workers}): "
                "run the gated session in one process with -p no:xdist (or -n 0)"
            )
            raise pytest.UsageError(msg)
        option = str(self.config.getoption("benchmark_storage", "file://./.benchmarks"))
        bs = getattr(self.config, "_benchmarksession", None)
        machine = getattr(bs, "machine_id", None)
        try:
            baseline = load_baseline(
                option,
                self.settings.compare,
                Path.cwd(),
                machine if isinstance(machine, str) and machine else None,
            )
        except BenchmemError as exc:
            msg = f"--benchmark-memory-compare: {exc}"
            raise pytest.UsageError(msg) from None
        note = self._check_modes(baseline)
        if note:
            self.notes.append(f"benchmem: {note}")
        self.baseline = baseline
        self.base = baseline.peaks
        self.notes.append(baseline.note)

    def _results(self) -> list[tuple[str, str, Any]]:
        return [
            (m.nodeid, m.name, m.result) for m in self.measured.values() if m.result is not None
        ]

    def prune_captures(self) -> None:
        """Under a compare-fail gate keep only the regressing ids' captures (once)."""
        keeper = self.keeper
        if keeper is None or self.pruned or keeper.keep_all or self.baseline is None:
            return
        self.pruned = True
        wanted = regressing_ids(self.baseline, self._results(), self.settings.compare_fail)
        if wanted is not None:
            keeper.prune(wanted)

    def _check_modes(self, baseline: Baseline) -> str | None:
        """Refuse a memory baseline measured differently from this session (unless allowed)."""
        if baseline.peaks is None or baseline.run is None or baseline.path is None:
            return None
        named = [
            (baseline.path.name, measurement_of(baseline.run.provenance)),
            ("this session", current_measurement(self.settings.mode)),
        ]
        try:
            return check_measurements(
                named, allow=self.settings.allow_mixed_modes, flag=ALLOW_MIXED_PYTEST_FLAG
            )
        except BenchmemError as exc:
            msg = f"--benchmark-memory-compare: {exc}"
            raise pytest.UsageError(msg) from None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.prune_captures()
        if self.baseline is None or not self.settings.compare_fail:
            return
        if self.config.getoption("collectonly", default=False):
            return  # nothing ran, nothing to gate: --collect-only keeps its own exit code
        results = self._results()
        self.gate_ok, self.gate_lines = run_gate(self.baseline, results, self.settings.compare_fail)
        if not self.gate_ok and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    # -- the saved run --------------------------------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_benchmark_update_json(
        self, config: pytest.Config, benchmarks: object, output_json: dict[str, Any]
    ) -> None:
        output_json[BLOB_KEY] = provenance(self.settings.label, mode=self.settings.mode)
        if self.keeper is not None:
            self.prune_captures()
            base = self._json_dir()
            self.keeper.stamp(output_json, base)
            output_json[BLOB_KEY][PROFILE_KEY] = self.keeper.provenance(base, self.config.rootpath)

    def _json_dir(self) -> Path:
        """Capture paths are written relative to the --benchmark-json file's dir, else cwd."""
        option = self.config.getoption("benchmark_json", None)
        # a Path (pytest-benchmark 5) or an open file (argparse.FileType in 4.x)
        name = option if isinstance(option, (str, Path)) else getattr(option, "name", None)
        if isinstance(name, (str, Path)) and str(name):
            self.json_path = Path(name)
            return Path(name).resolve().parent
        return Path.cwd()

    # -- the terminal table ---------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Generator[None, Any, Any]:
        bs = getattr(self.config, "_benchmarksession", None)
        installed = self._install_table(bs)
        try:
            return (yield)
        finally:
            if installed:
                vars(bs).pop("display", None)
            self._after_table(terminalreporter, bs)

    def _table_spec(self, bs: object) -> TableSpec:
        compared = getattr(bs, "compared_mapping", None) or {}
        return TableSpec(
            columns=self.settings.columns,
            stats=self.settings.stats,
            base=self.base,
            compared={str(path): mapping for path, mapping in compared.items()},
        )

    def _install_table(self, bs: Any) -> bool:
        if bs is None or not any(m.result for m in self.measured.values()):
            return False
        if self.settings.table == "split":  # pytest-benchmark's own table, left alone
            return False
        reason = session_supported(bs)
        if reason is not None:
            self.fallback = reason
            return False
        if not has_memory(bs.groups) and self.base is None:
            return False
        spec = self._table_spec(bs)

        def display(tr: Any) -> None:
            if not combined_display(bs, tr, spec):
                self.fallback = "its table layout is not the one expected"

        bs.display = display
        return True

    def _after_table(self, tr: Any, bs: Any) -> None:
        quiet = bool(getattr(bs, "quiet", False))
        rows = [
            {"name": m.name, "fullname": m.nodeid, "extra_info": {BLOB_KEY: m.result.to_blob()}}
            for m in self.measured.values()
            if m.result is not None
        ]
        split = self.settings.table == "split" and bs is not None
        if (self.fallback or split) and rows and not quiet:
            if self.fallback:
                tr.write_line(
                    "benchmem: memory shown separately: pytest-benchmark changed "
                    f"({self.fallback})",
                    yellow=True,
                )
            replay(tr, memory_table(rows, self._table_spec(bs)))
        for note in self.notes:
            tr.write_line(note)
        if self.keeper is not None:
            for line in self.keeper.summary(Path.cwd(), self.json_path):
                tr.write_line(line)
        for line in self.gate_lines:
            tr.write_line(line, red=not self.gate_ok, green=self.gate_ok)
        unchecked = self.unchecked_ceilings()
        if unchecked:
            tr.write_line(
                "benchmem: warning: memory ceilings not checked, no memory was measured (run "
                "with --benchmark-memory or use the benchmark_memory fixture): "
                + ", ".join(unchecked),
                yellow=True,
            )

    def unchecked_ceilings(self) -> list[str]:
        """Names of tests that ran with a ceiling (``max_peak`` ...) but measured no memory."""
        return [
            m.name
            for m in self.measured.values()
            if m.ceilings and m.result is None and m.nodeid in self.called
        ]


_ENTRY = pytest.StashKey[Measured]()
_PLUGIN = pytest.StashKey[BenchmemPlugin]()


def _merged(markers: list[pytest.Mark]) -> tuple[tuple[object, ...], dict[str, object]]:
    """The ``benchmem`` markers of a test (closest first) combined kwarg by kwarg.

    A class's ``max_peak`` still applies to a method that sets its own ``repeats``; for a
    kwarg set at several levels the closest (function, then class, then module) wins.
    """
    args: tuple[object, ...] = ()
    kwargs: dict[str, object] = {}
    for marker in markers:
        args = args or tuple(marker.args)
        for key, value in marker.kwargs.items():
            kwargs.setdefault(key, value)
    return args, kwargs


def _is_benchmark_fixture(value: object) -> bool:
    try:
        from pytest_benchmark.fixture import BenchmarkFixture
    except ImportError:  # pragma: no cover - pytest-benchmark is a dependency
        return False
    return isinstance(value, BenchmarkFixture)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    settings = load_settings(config)
    if settings.enabled:
        from pytest_benchmark.fixture import BenchmarkFixture

        reason = check_patchable(BenchmarkFixture)
        if reason is not None:
            msg = (
                f"--benchmark-memory cannot patch this pytest-benchmark ({reason}); "
                "use the benchmark_memory fixture instead"
            )
            raise pytest.UsageError(msg)
    plugin = BenchmemPlugin(config, settings)
    config.stash[_PLUGIN] = plugin
    config.pluginmanager.register(plugin, PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.stash.get(_PLUGIN, None)
    if plugin is not None and config.pluginmanager.is_registered(plugin):
        config.pluginmanager.unregister(plugin)


@pytest.fixture
def benchmark_memory(benchmark: Any, request: pytest.FixtureRequest) -> BenchmarkMemory:
    """Time with pytest-benchmark's ``benchmark``, then measure memory in untimed passes."""
    plugin = request.config.stash[_PLUGIN]
    return BenchmarkMemory(benchmark, plugin.entry(request.node))


__all__ = ["BenchmemPlugin", "benchmark_memory", "provenance"]
