"""End to end with real uv venvs: toy wheels via --find-links, our plugin measuring inside.

Only the toy package comes from --find-links; the harness requirements (pytest,
pytest-benchmark, memray, packaging) come from uv's cache or the package index.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweepfakes import run_cli as _cli

import toywheels

pytestmark = pytest.mark.e2e

MB = 1_000_000

CRASHING_SUITE = '''"""Crashes at import under toypkg 2.0 only."""

import os

import toypkg

if toypkg.__version__ == "2.0":
    os._exit(3)


def test_work(benchmark):
    assert benchmark(toypkg.work) > 0
'''

SLOW_SUITE = '''"""Waits (when asked) under toypkg 2.0, after announcing it started."""

import os
import pathlib
import time

import toypkg


def test_work(benchmark):
    marker = os.environ.get("TOY_SLOW_MARKER")
    if marker and toypkg.__version__ == "2.0":
        pathlib.Path(marker).write_text("started")
        time.sleep(60)
    assert benchmark(toypkg.work) > 0
'''

FAST = ["--pytest-arg=--benchmark-min-rounds=1", "--pytest-arg=--benchmark-max-time=0"]


@pytest.fixture(scope="session")
def harness_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen copy of the running package: the harness stays the same for the whole session."""
    import pytest_benchmem

    target = tmp_path_factory.mktemp("harness") / "pytest_benchmem"
    shutil.copytree(
        Path(pytest_benchmem.__file__).parent,
        target,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return target


@pytest.fixture(autouse=True)
def frozen_harness(harness_snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("pytest_benchmem.sweep.harness.package_dir", lambda: harness_snapshot)
    return harness_snapshot


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toywheels.build_toy_index(
        tmp_path_factory.mktemp("wheels"), {"1.0": 1 * MB, "2.0": 10 * MB}
    )


def _peak(path: Path) -> int:
    data = json.loads(path.read_text())
    return min(data["benchmarks"][0]["extra_info"]["benchmem"]["peak_bytes"])


def _manifest(out: Path) -> dict:
    return json.loads((out / "sweep.json").read_text())


def test_two_versions_measured_then_reused_then_rebuilt(
    wheels: Path, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir)]
    # --jobs 1: one run after the other, so the second venv's run gets the bytecode the first
    # one compiled (with runs started together, each compiles its own)
    args += ["--find-links", str(wheels), "--out", str(out), "--jobs", "1", *FAST]
    code = _cli(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert _peak(out / "2.0.json") > _peak(out / "1.0.json") + 5 * MB
    manifest = _manifest(out)
    assert [(t["label"], t["status"]) for t in manifest["targets"]] == [
        ("1.0", "ok"),
        ("2.0", "ok"),
    ]
    assert "peak" in captured.out
    # 1 MB -> 10 MB in the summary table (about +900 %: the exact mode sees the objects too)
    assert re.search(r"\+(89\d|90\d)\.\d%", captured.out), captured.out
    assert "benchmem compare" in captured.out
    # the harness that ran is ours, from inside the venv
    run = json.loads((out / "1.0.json").read_text())
    assert run["benchmem"]["label"] == "1.0"
    assert run["benchmem"]["spec"] == "toypkg==1.0"
    harness_path = run["benchmem"]["harness"]["path"]
    assert "/venvs/" in harness_path
    assert run["benchmem"]["packages"]["pytest-benchmem"] == manifest["harness"]["version"]
    assert run["benchmem"]["packages"]["toypkg"] == "1.0"
    assert run["machine_info"]["cpu"]["benchmem_test"] == "cached"  # the machine probe was reused
    assert list((out / "logs" / "1.0").glob("*-venv.log"))
    # the harness was resolved once for the sweep, then installed into each venv without
    # resolving (offline from uv's cache; online only for a wheel uv never fetched)
    locks = list((out / "logs").glob("harness-lock-*.log"))  # the sweep's, not per venv
    assert locks
    assert any("--offline" in p.read_text().splitlines()[0] for p in locks)  # uv's cache first
    (locked,) = manifest["harness"]["locked"]
    assert f"pytest=={importlib.metadata.version('pytest')}" in locked["requirements"]
    for target in manifest["targets"]:
        steps = sorted((out / "logs" / target["label"]).glob("*-harness.log"))
        argv = steps[0].read_text().splitlines()[0].split()
        assert {"--offline", "--no-deps", "-r", locked["file"]} <= set(argv)
        assert "# exit code: 0" in steps[-1].read_text()
        (install,) = (out / "logs" / target["label"]).glob("*-install.log")
        argv = install.read_text().splitlines()[0].split()
        assert argv[argv.index("--") + 1 :] == [target["spec"]]  # only the target resolved
        assert target["resolution"] == "locked"
        for req in locked["requirements"]:
            name, _, version = req.partition("==")
            assert target["versions"][name] == version

    # what the first run compiled is kept (by lock) and planted into the second venv
    (store,) = (Path(os.environ["BENCHMEM_CACHE_DIR"]) / "bytecode").iterdir()
    (stored,) = store.rglob("_pytest/__pycache__/main.*.pyc")
    sites = [
        Path(json.loads((out / f"{v}.json").read_text())["benchmem"]["harness"]["path"]).parent
        for v in ("1.0", "2.0")
    ]
    sources = [(site / "_pytest" / "main.py").stat().st_ino for site in sites]
    if sources[0] == sources[1]:  # uv linked both from its cache (no copy): the .pyc is valid
        planted = sites[1] / stored.relative_to(store)
        assert planted.stat().st_ino == stored.stat().st_ino  # used as is, not compiled again

    # the same sweep again reuses both venvs: no `uv venv` ran
    assert _cli(args) == 0
    manifest = _manifest(out)
    assert all(t["reused_venv"] for t in manifest["targets"])
    assert not list((out / "logs").glob("*/*-venv.log"))
    assert not list((out / "logs").glob("*/*-install*.log"))

    # --fresh rebuilds them
    assert _cli([*args, "--fresh"]) == 0
    assert len(list((out / "logs").glob("*/*-venv.log"))) == 2
    assert not any(t["reused_venv"] for t in _manifest(out)["targets"])


def test_failures_stay_with_their_target(
    wheels: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    suite = toywheels.write_toy_suite(tmp_path / "suite", CRASHING_SUITE)
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "toypkg==9.9", "--suite", str(suite)]
    code = _cli([*args, "--find-links", str(wheels), "--out", str(out), *FAST])
    err = capsys.readouterr().err
    assert code == 1
    by = {t["label"]: t for t in _manifest(out)["targets"]}
    assert by["1.0"]["status"] == "ok"
    assert (by["2.0"]["status"], by["2.0"]["stage"]) == ("failed", "run")
    assert (by["9.9"]["status"], by["9.9"]["stage"]) == ("failed", "install")
    install_log = next((out / "logs" / "9.9").glob("*-install.log")).read_text()
    assert "there is no version of toypkg==9.9" in install_log
    assert "# exit code: 1" in install_log
    assert "9.9 failed at install" in err
    assert "2.0 failed at run" in err
    assert (out / "1.0.json").is_file()
    assert not (out / "2.0.json").exists()


def test_a_local_directory_shadowing_the_venv_is_caught(
    wheels: Path, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    shadow = suite_dir / "toypkg"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("__version__ = '0.0-local'\n\ndef work():\n    return 1\n")
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--find-links", str(wheels)]
    assert _cli([*args, "--out", str(out), *FAST]) == 1
    (target,) = _manifest(out)["targets"]
    assert (target["status"], target["stage"]) == ("failed", "isolation")
    assert "0.0-local" in target["reason"]
    assert "toypkg 1.0" in target["reason"]
    assert "not from the venv" in capsys.readouterr().err


def test_a_reused_venv_skips_the_check_before_the_run_but_not_the_one_inside(
    wheels: Path, suite_dir: Path, tmp_path: Path
):
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "--suite", str(suite_dir), "--find-links", str(wheels)]
    args += ["--out", str(out), *FAST]
    assert _cli(args) == 0
    assert _cli(args) == 0  # reused: the recorded check stands, no interpreter started for it
    assert not list((out / "logs" / "1.0").glob("*-isolation.log"))
    shadow = suite_dir / "toypkg"  # now a local directory shadows the installed release
    shadow.mkdir()
    (shadow / "__init__.py").write_text("__version__ = '0.0-local'\n\ndef work():\n    return 1\n")
    assert _cli(args) == 1
    (target,) = _manifest(out)["targets"]
    assert target["reused_venv"]
    assert (target["status"], target["stage"]) == ("failed", "isolation")
    assert "not from the venv" in target["reason"]  # the in-run check, inside the pytest run


def test_a_source_checkout_shadowing_the_venv_only_under_pytest_is_caught(
    wheels: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """A flat-layout project copied with --copy-dir: its root conftest.py makes pytest put the
    root on sys.path, so ``import toypkg`` in the tests gets the checkout, not the release.
    A plain interpreter in the run's cwd does not see it; the in-run check does."""
    project = tmp_path / "project"
    toywheels.write_toy_suite(project / "benchmarks")
    (project / "conftest.py").write_text("")
    (project / "toypkg").mkdir()
    (project / "toypkg" / "__init__.py").write_text("def work():\n    return 1\n")
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "--suite", str(project / "benchmarks")]
    args += ["--copy-dir", str(project), "--find-links", str(wheels), "--out", str(out)]
    assert _cli([*args, *FAST]) == 1
    (target,) = _manifest(out)["targets"]
    assert (target["status"], target["stage"]) == ("failed", "isolation")
    assert "during the pytest run toypkg imports from " in target["reason"]
    assert "project/toypkg/__init__.py" in target["reason"]
    assert not (out / "1.0.json").exists()
    assert "1.0 failed at isolation" in capsys.readouterr().err


def _wrapper(tmp_path: Path, snapshot: Path) -> Path:
    script = tmp_path / "run_cli.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\n"
        "import pytest_benchmem.sweep.harness as h\n"
        f"h.package_dir = lambda: Path({str(snapshot)!r})\n"
        "from pytest_benchmem.cli import main\nmain(sys.argv[1:])\n"
    )
    return script


def test_interrupt_keeps_the_first_run_and_resume_finishes(
    wheels: Path, tmp_path: Path, frozen_harness: Path, capsys: pytest.CaptureFixture[str]
):
    suite = toywheels.write_toy_suite(tmp_path / "suite", SLOW_SUITE)
    out = tmp_path / "out"
    marker = tmp_path / "started"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite)]
    args += ["--find-links", str(wheels), "--out", str(out), *FAST]
    env = dict(os.environ, TOY_SLOW_MARKER=str(marker))
    proc = subprocess.Popen(
        [sys.executable, str(_wrapper(tmp_path, frozen_harness)), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate(timeout=30)
    proc.send_signal(signal.SIGINT)
    try:  # seconds on an idle machine; minutes were seen only under a load of 12 on 2 cores
        _, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"the sweep did not stop within 180 s of Ctrl-C; its stderr:\n{err}")
    assert proc.returncode == 130, err
    assert "interrupted; finished runs and sweep.json are kept" in err
    manifest = _manifest(out)
    assert [(t["label"], t["status"]) for t in manifest["targets"]] == [
        ("1.0", "ok"),
        ("2.0", "skipped"),
    ]
    assert (out / "1.0.json").is_file()
    assert not (out / "2.0.json").exists()
    assert not list(out.glob("*.tmp"))
    stopped = next((out / "logs" / "2.0").glob("*-run.log")).read_text()
    assert "# exit code: interrupted" in stopped
    first_run = (out / "1.0.json").stat().st_mtime_ns

    code = _cli([*args, "--resume"])
    assert code == 0, capsys.readouterr().err
    manifest = _manifest(out)
    assert [t["status"] for t in manifest["targets"]] == ["ok", "ok"]
    assert (out / "1.0.json").stat().st_mtime_ns == first_run  # not run again
    assert (out / "2.0.json").is_file()
    assert len(list((out / "logs" / "2.0").glob("*-run.log"))) == 1


def test_wheel_directory_and_bare_targets(
    wheels: Path, suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    project = tmp_path / "proj"
    (project / "toypkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "toypkg"\nversion = "3.0.dev0"\n'
    )
    (project / "toypkg" / "__init__.py").write_text(toywheels.alloc_body(3 * MB, "3.0.dev0"))
    out = tmp_path / "out"
    targets = [str(wheels / "toypkg-1.0-py3-none-any.whl"), f"dev={project}", "toypkg<3"]
    args = ["sweep", *targets, "--suite", str(suite_dir), "--find-links", str(wheels)]
    code = _cli([*args, "--out", str(out), *FAST])
    assert code == 0, capsys.readouterr().err
    manifest = _manifest(out)
    assert [t["label"] for t in manifest["targets"]] == ["1.0", "dev", "2.0"]
    assert manifest["targets"][1]["versions"]["toypkg"] == "3.0.dev0"
    peaks = [_peak(out / f"{label}.json") for label in ("1.0", "dev", "2.0")]
    assert peaks[0] < peaks[1] < peaks[2]


def test_harness_conflict_falls_back_to_a_free_resolution(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    import importlib.metadata

    driver_memray = importlib.metadata.version("memray")
    links = toywheels.build_toy_index(tmp_path / "wheels", {"1.0": 1 * MB})
    # toypkg 5.0 needs an older memray than the driver's pin: the target wins
    older = (f"memray<{driver_memray}",)
    toywheels.build_wheel(
        links, "toypkg", "5.0", toywheels.alloc_body(5 * MB, "5.0"), requires=older
    )
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==5.0", "--suite", str(suite_dir)]
    code = _cli([*args, "--find-links", str(links), "--out", str(out), *FAST])
    assert code == 0, capsys.readouterr().err
    first, second = _manifest(out)["targets"]
    assert (first["resolution"], second["resolution"]) == ("locked", "free")
    assert second["status"] == "ok"
    assert second["versions"]["memray"] != driver_memray
    assert first["versions"]["memray"] == driver_memray
    logs = sorted((out / "logs" / "5.0").glob("*-install.log"))
    assert "-c" in logs[0].read_text().split()  # tried against the lock first
    assert "memray==" in logs[1].read_text()  # then pinned to the driver's versions
    assert _peak(out / "5.0.json") > 4 * MB


def test_a_target_conflicting_with_the_locked_harness_resolves_its_own_venv(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Toy wheels only: the lock takes toydep 2.0 (``--pin toydep>=1``); toypkg 3.0 needs
    toydep<2, so its venv is resolved on its own (harness still pinned), and says so."""
    links = toywheels.build_toy_index(tmp_path / "wheels", {"1.0": 1 * MB})
    for version in ("1.0", "2.0"):
        toywheels.build_wheel(links, "toydep", version, f"__version__ = {version!r}\n")
    toywheels.build_wheel(
        links, "toypkg", "3.0", toywheels.alloc_body(3 * MB, "3.0"), requires=("toydep<2",)
    )
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==3.0", "--suite", str(suite_dir), "--pin", "toydep>=1"]
    code = _cli([*args, "--find-links", str(links), "--out", str(out), *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    first, second = _manifest(out)["targets"]
    assert (first["resolution"], second["resolution"]) == ("locked", "pinned")
    assert (first["versions"]["toydep"], second["versions"]["toydep"]) == ("2.0", "1.0")
    assert second["versions"]["pytest"] == importlib.metadata.version("pytest")
    note = "toypkg==3.0 needs other versions than the locked harness: resolved its venv on its own"
    assert note in second["note"]
    assert note in captured.out + captured.err
    assert _peak(out / "3.0.json") > _peak(out / "1.0.json")


def test_a_target_needing_an_old_packaging_is_swept(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Uses the package index: packaging<22 needs an older pytest than the driver's pin.

    The injected harness must not bound packaging from below itself, or no resolution (free
    or pinned) could ever satisfy a target like ``packaging==20.9``.
    """
    links = toywheels.build_toy_index(tmp_path / "wheels", {"1.0": 1 * MB})
    toywheels.build_wheel(
        links, "toypkg", "2.0", toywheels.alloc_body(2 * MB, "2.0"), requires=("packaging<22",)
    )
    out = tmp_path / "out"
    args = ["sweep", "toypkg==1.0", "toypkg==2.0", "--suite", str(suite_dir)]
    code = _cli([*args, "--find-links", str(links), "--out", str(out), *FAST])
    assert code == 0, capsys.readouterr().err
    first, second = _manifest(out)["targets"]
    assert (first["status"], second["status"]) == ("ok", "ok")
    assert second["resolution"] == "free"
    assert int(second["versions"]["packaging"].split(".")[0]) < 22
    assert _peak(out / "2.0.json") > _peak(out / "1.0.json")


def test_as_of_resolves_the_target_at_that_date_but_keeps_the_harness(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Uses the package index: tomli as of 2022-01-01 is 2.0.0; the harness stays pinned."""
    import importlib.metadata

    suite = toywheels.write_toy_suite(
        tmp_path / "suite",
        'import tomli\n\n\ndef test_p(benchmark):\n    benchmark(tomli.loads, "a = 1")\n',
    )
    out = tmp_path / "out"
    code = _cli(
        ["sweep", "tomli", "--as-of", "2022-01-01", "--suite", str(suite), "--out", str(out), *FAST]
    )
    assert code == 0, capsys.readouterr().err
    (target,) = _manifest(out)["targets"]
    assert target["label"] == "2.0.0"
    assert target["resolution"] == "locked"
    assert target["versions"]["pytest"] == importlib.metadata.version("pytest")
