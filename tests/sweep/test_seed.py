"""``seed``: the driver's compiled code, stamped for a venv's identical sources, nothing else."""

from __future__ import annotations

import importlib.util
import marshal
import os
import py_compile
import sys
from pathlib import Path

from pytest_benchmem.sweep.seed import seed

RECORD = "toy/__init__.py,,\ntoy/same.py,,\ntoy/other.py,,\ntoy/stale.py,,\ntoy/plugin.py,,\n"


def _tree(site: Path, sources: dict[str, str]) -> None:
    info = site / "toy-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "RECORD").write_text(RECORD)
    for name, text in sources.items():
        (site / "toy").mkdir(exist_ok=True)
        (site / "toy" / name).write_text(text)


def _pyc(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def test_seed_stamps_the_drivers_code_for_identical_sources_only(tmp_path: Path) -> None:
    sources = {
        "__init__.py": "",
        "same.py": "VALUE = 1\n",
        "other.py": "VALUE = 2\n",
        "stale.py": "VALUE = 3\n",
        "plugin.py": "assert True\n",
    }
    driver = tmp_path / "driver"
    _tree(driver, sources)
    for name in sources:
        py_compile.compile(str(driver / "toy" / name), doraise=True)
    (driver / "toy" / "other.py").write_text("VALUE = 20\n")  # the venv's differs
    os.utime(driver / "toy" / "stale.py", (1, 1))  # the driver's .pyc no longer fits it
    rewritten = importlib.util.source_hash(b"assert True\n")[:8]
    tag = f"plugin.{sys.implementation.cache_tag}-pytest-9.9.pyc"
    code = marshal.dumps(compile("assert True\n", "x", "exec"))
    head = importlib.util.MAGIC_NUMBER + b"\x03\x00\x00\x00"
    (_pyc(driver / "toy" / "plugin.py").parent / tag).write_bytes(head + rewritten + code)
    wrong = f"__init__.{sys.implementation.cache_tag}-pytest-9.9.pyc"
    (_pyc(driver / "toy" / "plugin.py").parent / wrong).write_bytes(head + b"\0" * 8 + code)

    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    _tree(site, sources)
    kept = _pyc(site / "toy" / "__init__.py")
    kept.parent.mkdir()
    kept.write_bytes(b"already here")

    assert seed(venv, ["toy"], [str(driver)]) == 3  # same.py, plugin.py and its rewrite
    assert kept.read_bytes() == b"already here"  # never written over
    assert not _pyc(site / "toy" / "other.py").exists()  # other bytes: compiled where imported
    assert not _pyc(site / "toy" / "stale.py").exists()  # no valid driver .pyc
    same = _pyc(site / "toy" / "same.py").read_bytes()
    st = (site / "toy" / "same.py").stat()
    assert same[:4] == importlib.util.MAGIC_NUMBER
    assert same[8:12] == (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    assert same[16:] == _pyc(driver / "toy" / "same.py").read_bytes()[16:]
    assert (_pyc(site / "toy" / "plugin.py").parent / tag).read_bytes()[8:16] == rewritten
    assert not (_pyc(site / "toy" / "plugin.py").parent / wrong).exists()  # hash is not ours
    # Python loads the seeded file as its own: the module runs, named after the venv's path
    sys.path.insert(0, str(site))
    try:
        spec = importlib.util.spec_from_file_location("toy.same", site / "toy" / "same.py")
        assert spec is not None
        assert spec.loader is not None
        loaded = spec.loader.get_code("toy.same")  # type: ignore[attr-defined]
        assert loaded.co_filename == str(site / "toy" / "same.py")
    finally:
        sys.path.remove(str(site))
    assert not list(site.rglob("*.seed"))  # no temporary file left


def test_seed_without_driver_sites_or_site_packages_writes_nothing(tmp_path: Path) -> None:
    assert seed(tmp_path / "none", ["toy"], [str(tmp_path)]) == 0
    assert seed(tmp_path, ["toy"], []) == 0
