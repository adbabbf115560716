"""How memory was measured: the tracing mode (exact or fast) and its parsing.

``exact`` (the default) traces every Python object at its own size in the untimed memory
pass; ``fast`` sees small objects only through pymalloc's arenas (cheaper, not
reproducible). Light on purpose: the plugin imports it inside every swept venv.
"""

from __future__ import annotations

import enum

from .errors import UsageError


class MemoryMode(enum.Enum):
    """The memory pass's tracing mode."""

    EXACT = "exact"
    FAST = "fast"

    @property
    def traces_python(self) -> bool:
        """Whether memray traces Python allocators (``trace_python_allocators``)."""
        return self is MemoryMode.EXACT


DEFAULT_MODE = MemoryMode.EXACT
MODE_CHOICES = tuple(m.value for m in MemoryMode)


def parse_mode(value: object, *, what: str = "mode") -> MemoryMode:
    """``"exact"``/``"fast"`` (or a :class:`MemoryMode`) -> MemoryMode; UsageError otherwise."""
    if isinstance(value, MemoryMode):
        return value
    text = str(value).strip().lower()
    for mode in MemoryMode:
        if text == mode.value:
            return mode
    msg = f"{what}: unknown memory mode {value!r} (choose from {', '.join(MODE_CHOICES)})"
    raise UsageError(msg)


def resolve_mode(mode: MemoryMode | str | None, trace_python_allocators: bool | None) -> MemoryMode:
    """The API's mode from ``mode=`` and the older ``trace_python_allocators=`` keyword.

    Raises:
        ValueError: the two keywords disagree, or ``mode`` is unknown.
    """
    try:
        chosen = None if mode is None else parse_mode(mode)
    except UsageError as exc:
        raise ValueError(exc.message) from None
    if trace_python_allocators is None:
        return chosen or DEFAULT_MODE
    legacy = MemoryMode.EXACT if trace_python_allocators else MemoryMode.FAST
    if chosen is not None and chosen is not legacy:
        msg = (
            f"mode={chosen.value!r} contradicts "
            f"trace_python_allocators={trace_python_allocators!r}; pass only mode="
        )
        raise ValueError(msg)
    return legacy
