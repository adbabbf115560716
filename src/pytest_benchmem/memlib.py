"""memray, imported without the terminal UI its extension module loads at import time.

``memray._memray`` imports ``rich`` and ``rich.progress`` when it is imported, for the
progress bars of its readers and one warning about greenlets. We never ask for either, yet
that import is most of memray's: about 150 of its 200 ms on a 2-core machine, paid once by
every pytest process that measures memory (every swept venv's run included).

:func:`load` imports memray with ``rich`` (and any ``rich.*``) stood in for by lazy
modules: each name memray takes from them is a :class:`Deferred` that imports the real
object on first use, once the import is over. When memray uses rich *during* its import (a
future memray could), the stand-ins refuse, the partly imported memray is dropped and memray
is imported plainly. Only memray 1.x is imported this way (the versions whose use of rich is
known); any other version, or rich already imported, takes the plain import.
``BENCHMEM_MEMRAY_PLAIN_IMPORT=1`` forces the plain import.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
_ACTIVE = {"on": False}
_ROOT = "rich"


class StandInUsedError(ImportError):
    """A rich stand-in was used while memray was being imported: import it plainly."""


class Deferred:
    """One name taken from a rich module: the real object, imported on first use."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def resolve(self) -> Any:
        """The real object (refused while memray's import is still under way)."""
        if _ACTIVE["on"]:
            msg = f"{self._where[0]}.{self._where[1]} used while memray was being imported"
            raise StandInUsedError(msg)
        module, name = self._where
        return getattr(importlib.import_module(module), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.resolve(), attr)


class StandInModule(types.ModuleType):
    """A rich module during memray's import: every name is a :class:`Deferred`."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return Deferred(self.__name__, name)


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``rich`` and every ``rich.*`` as a :class:`StandInModule` while active."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not _ACTIVE["on"] or fullname.split(".", maxsplit=1)[0] != _ROOT:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = StandInModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _known_version(name: str) -> bool:
    """True when package ``name`` on the path is 1.x (read from its ``_version.py``)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    for folder in spec.submodule_search_locations:
        try:
            text = (Path(folder) / "_version.py").read_text(encoding="utf-8")
        except OSError:
            continue
        return re.search(r"""__version__\s*=\s*["']1\.\d+""", text) is not None
    return False


def _forget(prefixes: tuple[str, ...]) -> None:
    for name in [n for n in sys.modules if n.split(".")[0] in prefixes]:
        del sys.modules[name]


def _import_with_stand_ins(name: str) -> types.ModuleType:
    finder = StandInFinder()
    sys.meta_path.insert(0, finder)
    _ACTIVE["on"] = True
    try:
        return importlib.import_module(name)
    finally:
        _ACTIVE["on"] = False
        sys.meta_path.remove(finder)
        for stand_in in [n for n, m in sys.modules.items() if isinstance(m, StandInModule)]:
            del sys.modules[stand_in]


def load() -> types.ModuleType:
    """``memray``, imported (once per process) without importing rich when that is safe."""
    return import_lightly("memray")


def import_lightly(name: str) -> types.ModuleType:
    """Import package ``name`` (memray 1.x) with rich stood in for; see the module's doc."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    with _LOCK:
        found = sys.modules.get(name)
        if found is not None:
            return found
        plain = (
            _ROOT in sys.modules
            or os.environ.get("BENCHMEM_MEMRAY_PLAIN_IMPORT", "") not in ("", "0")
            or not _known_version(name)
        )
        if not plain:
            try:
                return _import_with_stand_ins(name)
            except StandInUsedError:
                _forget((name,))
        return importlib.import_module(name)
