"""The ``benchmark_memory`` object and the one guarded patch behind ``--benchmark-memory``.

Both time through pytest-benchmark first (calibration and every round), then measure the
same call in separate, untimed memray passes; the blob lands in ``extra_info["benchmem"]``.
The patch swaps a ``BenchmarkFixture`` instance's class for a subclass whose public
``__call__``/``pedantic`` add the memory pass, so unchanged ``benchmark(...)`` tests are measured.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from .errors import MeasureError
from .marker import CEILINGS, Repeats
from .measure import Keep, MemoryResult, run_passes
from .metrics import BLOB_KEY
from .modes import DEFAULT_MODE, MemoryMode
from .options import DEFAULT_MAX_TIME
from .units import format_value

Args = tuple[Sequence[Any], Mapping[str, Any]]
#: the keyword parameters of pytest-benchmark's ``pedantic`` the patch relies on
#: (``teardown`` too when present: pytest-benchmark 4.x has none)
PEDANTIC_PARAMS = ("args", "kwargs", "setup", "rounds", "warmup_rounds", "iterations")


@dataclass(frozen=True)
class PassPlan:
    """How one test's memory is measured (flags, then the marker): passes, untracked warm-up
    runs, calls per pass, the time cap of ``repeats="auto"``, and the tracing mode."""

    repeats: Repeats = 1
    warmup: int = 0
    calls: int = 1
    max_time: float = DEFAULT_MAX_TIME
    mode: MemoryMode = DEFAULT_MODE
    isolate: bool = False
    keep: Keep | None = None  # where the headline pass's capture goes (--benchmark-memory-profile)


@dataclass
class Measured:
    """What one test measured: the result, where it belongs, and the limits that apply."""

    nodeid: str
    name: str
    result: MemoryResult | None = None
    ceilings: Mapping[str, int] = field(default_factory=dict)
    plan: PassPlan = field(default_factory=PassPlan)


def measure_call(
    target: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any] | None,
    *,
    plan: PassPlan,
    setup: Callable[[], Any] | None = None,
    teardown: Callable[..., Any] | None = None,
) -> MemoryResult:
    """Run the plan's memray passes of ``target``; ``setup``/``teardown`` run untracked.

    With ``plan.calls`` > 1 each pass calls ``target`` that many times in a row, ``setup``
    having run (untracked) once per call before the pass starts. With ``plan.isolate`` each
    pass is repeated in a fresh process for its peak RSS (:mod:`pytest_benchmem.isolate`).
    """
    payload = None
    if plan.isolate:  # a lambda fails here, before any pass runs
        from .isolate import pickled

        payload = pickled(target, args, kwargs, setup=setup, teardown=teardown, calls=plan.calls)
    pending: list[Args] = []

    def finish() -> None:
        while pending:
            done_args, done_kwargs = pending.pop()
            if teardown is not None:
                teardown(*done_args, **done_kwargs)

    def one() -> Callable[[], Any]:
        call_args: Sequence[Any] = args
        call_kwargs: Mapping[str, Any] = kwargs or {}
        if setup is not None:
            supplied = setup()
            if supplied:
                call_args, call_kwargs = supplied
        pending.append((call_args, call_kwargs))
        # a partial, not a lambda: no wrapper frame of ours in the window (with Python
        # objects traced, every Python frame called there is a ~150 B frame object)
        return functools.partial(target, *call_args, **call_kwargs)

    def prepare() -> Callable[[], Any]:
        finish()
        if plan.calls == 1:
            return one()
        actions = [one() for _ in range(plan.calls)]

        def batch() -> None:
            for action in actions:
                action()  # each result dropped before the next call, as in a loop

        return batch

    try:
        result = run_passes(
            prepare,
            plan.repeats,
            trace_python_allocators=plan.mode.traces_python,
            warmup=plan.warmup,
            max_time=plan.max_time,
            keep=plan.keep,
        )
    finally:
        finish()
    if payload is None:
        return result
    from .isolate import rss_passes

    return result.with_rss(rss_passes(payload, result.repeats))


def record(benchmark: Any, measured: Measured, result: MemoryResult) -> None:
    """Store the blob in pytest-benchmark's ``extra_info`` and keep the result for ceilings.

    With ``calls`` > 1 the blob says so: each pass's figures cover that many calls.
    """
    blob: dict[str, Any] = dict(result.to_blob())
    if measured.plan.calls > 1:
        blob["calls"] = measured.plan.calls
    benchmark.extra_info[BLOB_KEY] = blob
    measured.result = result


def guarded_measure(measured: Measured, run: Callable[[], MemoryResult]) -> MemoryResult:
    """Run a measurement; an active foreign memray Tracker fails the test, not the session."""
    try:
        return run()
    except MeasureError as exc:
        problem = f"{measured.name}: {exc}"
    pytest.fail(problem, pytrace=False)


class BenchmarkMemory:
    """The ``benchmark_memory`` fixture: pytest-benchmark's timing, then memray passes.

    Attributes:
        extra_info: pytest-benchmark's per-benchmark dict (the blob lands under ``benchmem``).
        peak_bytes: headline peak (bytes) of the last call, or None before any call.
        result: the full :class:`~pytest_benchmem.MemoryResult` of the last call, or None.
    """

    def __init__(self, benchmark: Any, measured: Measured) -> None:
        self._benchmark = benchmark
        self._measured = measured
        self.result: MemoryResult | None = None

    @property
    def extra_info(self) -> dict[str, Any]:
        """pytest-benchmark's ``extra_info`` dict of this benchmark."""
        info: dict[str, Any] = self._benchmark.extra_info
        return info

    @property
    def peak_bytes(self) -> int | None:
        """Headline peak of the last call in bytes, or None before any call."""
        return None if self.result is None else self.result.peak_bytes

    def _finish(self, run: Callable[[], MemoryResult]) -> None:
        result = guarded_measure(self._measured, run)
        record(self._benchmark, self._measured, result)
        self.result = result

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Time ``function(*args, **kwargs)`` with pytest-benchmark, then measure its memory."""
        value = self._benchmark(function, *args, **kwargs)
        self._finish(lambda: measure_call(function, args, kwargs, plan=self._measured.plan))
        return value

    def pedantic(  # noqa: PLR0917 - pytest-benchmark's signature
        self,
        target: Callable[..., Any],
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
        teardown: Callable[..., Any] | None = None,
    ) -> Any:
        """pytest-benchmark's ``pedantic`` plus memory passes; ``setup`` runs untracked."""
        extra = {} if teardown is None else {"teardown": teardown}
        value = self._benchmark.pedantic(
            target,
            args=args,
            kwargs=kwargs,
            setup=setup,
            rounds=rounds,
            warmup_rounds=warmup_rounds,
            iterations=iterations,
            **extra,
        )
        self._finish(
            lambda: measure_call(
                target, args, kwargs, plan=self._measured.plan, setup=setup, teardown=teardown
            )
        )
        return value


def check_patchable(cls: type) -> str | None:
    """Why pytest-benchmark's fixture class cannot be patched, or None when it can."""
    pedantic = getattr(cls, "pedantic", None)
    if not callable(pedantic) or not callable(getattr(cls, "__call__", None)):  # noqa: B004
        return f"{cls.__qualname__} has no callable __call__/pedantic"
    params = inspect.signature(pedantic).parameters
    missing = [name for name in ("target", *PEDANTIC_PARAMS) if name not in params]
    if missing:
        return f"{cls.__qualname__}.pedantic has no parameter(s) {', '.join(missing)}"
    return None


def patch_fixture(benchmark: Any, measured: Measured, classes: dict[type, type]) -> None:
    """Make an unchanged ``benchmark`` fixture instance add the memory pass after timing.

    ``classes`` caches the patched subclass per fixture class (kept by the session plugin).
    """
    base = type(benchmark)
    if getattr(base, "_benchmem_patched", False):
        base = base.__mro__[1]
    cls = classes.get(base)
    if cls is None:
        cls = classes[base] = _patched_class(base)
    benchmark._benchmem = measured
    benchmark.__class__ = cls


def _patched_class(base: Any) -> type:
    def call(self: Any, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        value = base.__call__(self, function, *args, **kwargs)
        measured = self._benchmem
        result = guarded_measure(
            measured, lambda: measure_call(function, args, kwargs, plan=measured.plan)
        )
        record(self, measured, result)
        return value

    def pedantic(self: Any, target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        value = base.pedantic(self, target, *args, **kwargs)
        bound = inspect.signature(base.pedantic).bind(self, target, *args, **kwargs)
        bound.apply_defaults()
        opts = bound.arguments
        measured = self._benchmem
        result = guarded_measure(
            measured,
            lambda: measure_call(
                target,
                opts["args"],
                opts["kwargs"],
                plan=measured.plan,
                setup=opts["setup"],
                teardown=opts.get("teardown"),
            ),
        )
        record(self, measured, result)
        return value

    namespace = {"__call__": call, "pedantic": pedantic, "_benchmem_patched": True}
    return type(base.__name__, (base,), namespace)


def ceiling_failures(measured: Measured) -> list[str]:
    """``test_build: peak 117 MiB exceeds max_peak 100 MiB`` for each ceiling exceeded."""
    result = measured.result
    if result is None:
        return []
    lines = []
    for key, limit in measured.ceilings.items():
        label, attr = CEILINGS[key]
        found = getattr(result, attr)
        if found is None:  # pragma: no cover - max_rss without isolate is refused
            continue
        value = int(found)
        if value > limit:
            lines.append(
                f"{measured.name}: {label} {format_value(label, value)} exceeds "
                f"{key} {format_value(label, limit)}"
            )
    return lines
