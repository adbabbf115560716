"""Run provenance in the saved JSON, and the plugin's light import closure."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest

import pytest_benchmem
from pytest_benchmem.plugin import provenance

SIMPLE = """
def test_one(benchmark):
    benchmark(bytearray, 10)
"""


def test_provenance_section_in_every_saved_run(suite, monkeypatch):
    monkeypatch.delenv("BENCHMEM_LABEL", raising=False)
    monkeypatch.setenv("BENCHMEM_SPEC", "pkg==1.0")
    suite.pytester.makepyfile(test_simple=SIMPLE)
    suite.run().assert_outcomes(passed=1)
    section = suite.doc()["benchmem"]
    assert section["schema"] == 1
    assert section["label"] is None
    assert section["spec"] == "pkg==1.0"
    assert section["python"] == platform.python_version()
    assert section["packages"]["pytest-benchmark"]
    assert "memray" in section["packages"]
    assert section["harness"] == {
        "version": pytest_benchmem.__version__,
        "path": str(Path(pytest_benchmem.__file__).resolve().parent),
    }


def test_label_from_flag_env_and_ini(suite, monkeypatch):
    suite.pytester.makepyfile(test_simple=SIMPLE)
    monkeypatch.setenv("BENCHMEM_LABEL", "from-env")
    suite.run().assert_outcomes(passed=1)
    assert suite.doc()["benchmem"]["label"] == "from-env"
    suite.run("--benchmark-memory-label=from-flag").assert_outcomes(passed=1)
    assert suite.doc()["benchmem"]["label"] == "from-flag"
    suite.pytester.makeini("[pytest]\nbenchmark_memory_label = from-ini\n")
    suite.run().assert_outcomes(passed=1)
    assert suite.doc()["benchmem"]["label"] == "from-ini"


def test_saved_storage_run_has_provenance_too(suite):
    suite.pytester.makepyfile(test_simple=SIMPLE)
    suite.run("--benchmark-save=first", "--benchmark-memory").assert_outcomes(passed=1)
    (saved,) = suite.pytester.path.joinpath(".benchmarks").rglob("0001_first.json")
    text = saved.read_text()
    assert '"benchmem": {' in text
    assert '"harness"' in text
    assert '"peak_bytes"' in text


def test_provenance_packages_sorted():
    names = list(provenance("x")["packages"])
    assert names == sorted(names, key=str.lower)


HEAVY = {"plotly", "pandas", "typer", "rich", "uv", "numpy", "click"}


def test_plugin_import_is_light(pytester: pytest.Pytester):
    code = (
        "import sys, pytest_benchmem, pytest_benchmem.plugin, pytest_benchmem.table, "
        "pytest_benchmem.fixture, pytest_benchmem.options\n"
        f"heavy = {sorted(HEAVY)!r}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print('LOADED', loaded)\n"
        "assert not loaded, loaded\n"
    )
    result = pytester.run(sys.executable, "-c", code)
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["LOADED []"])


def test_a_pytest_run_with_the_plugin_loads_nothing_heavy(pytester: pytest.Pytester):
    pytester.makepyfile(
        f"""
        import sys

        HEAVY = {sorted(HEAVY)!r}

        def loaded(names):
            return sorted(m for m in sys.modules if m.split('.')[0] in names)

        def test_a_before_measuring():
            assert not loaded(HEAVY), loaded(HEAVY)

        def test_b_measured(benchmark_memory):
            benchmark_memory(bytearray, 10)
            # memray itself imports rich when it is loaded; nothing else heavy comes in
            heavy = set(HEAVY) - {{"rich"}}
            assert not loaded(heavy), loaded(heavy)
        """
    )
    # -p no:... keeps other installed plugins (hypothesis, cov) from importing their own deps
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:cov",
        "-p",
        "no:memray",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0",
        "--benchmark-memory",
    )
    result.assert_outcomes(passed=2)


SEEN = """
import sys

import pytest_benchmem.measure as engine

def pytest_sessionfinish(session):
    print("MEMRAY", "memray" in sys.modules, "TARE", sorted(engine._tare))
"""


@pytest.mark.parametrize(
    ("tests", "extra", "expected"),
    [
        ("plain", (), "MEMRAY False TARE []"),
        ("measured", ("--collect-only",), "MEMRAY False TARE []"),
        ("measured", ("--benchmark-skip",), "MEMRAY False TARE []"),
        ("measured", (), "MEMRAY True TARE [True]"),
        ("measured", ("--benchmark-memory-mode=fast",), "MEMRAY True TARE [False]"),
    ],
)
def test_memray_and_its_tare_come_with_start_up_only_when_a_test_measures(
    pytester: pytest.Pytester, tests: str, extra: tuple[str, ...], expected: str
):
    """memray's import and tare belong to start-up (before the first test), and only when
    a collected test will measure memory; the first test already finds them done."""
    pytester.makeconftest(SEEN)
    body = "def test_plain():\n    assert True\n"
    if tests == "measured":
        loaded = "True" in expected
        body = (
            "import sys\n\nimport pytest_benchmem.measure as engine\n\n"
            "def test_a_first():\n"
            f"    assert ('memray' in sys.modules) is bool(engine._tare) is {loaded}\n\n"
            "def test_b(benchmark):\n    benchmark(bytearray, 10)\n"
        )
    pytester.makepyfile(test_it=body)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:memray", "-p", "no:randomly", "-s",
        "--benchmark-min-rounds=1", "--benchmark-max-time=0", "--benchmark-memory", *extra,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    assert expected in result.stdout.str()
