"""The sweep's parts on their own: process runner, harness wheel, cache root, config, manifest."""

from __future__ import annotations

import io
import json
import platform
import re
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from pytest_benchmem.errors import UsageError
from pytest_benchmem.inrun.machine import pytest_benchmark_generate_machine_info, pytest_configure
from pytest_benchmem.sweep import Stage, SweepOptions, TargetResult, TargetStatus
from pytest_benchmem.sweep.config import load_config
from pytest_benchmem.sweep.harness import build_harness, closure, driver_pins, mentions_pin
from pytest_benchmem.sweep.machine import cpuinfo_path, probe, start_probe
from pytest_benchmem.sweep.manifest import read_manifest, result_from_json, result_to_json
from pytest_benchmem.sweep.process import Command, CommandResult, SubprocessRunner
from pytest_benchmem.sweep.progress import LiveProgress, PlainProgress, make_progress
from pytest_benchmem.sweep.venv import LogDir, cache_root, uv_reason

# --- process ----------------------------------------------------------------------------------


def test_subprocess_runner_logs_argv_cwd_exit_code_and_output(tmp_path: Path):
    log = tmp_path / "logs" / "01-hello.log"
    cmd = Command(
        (
            sys.executable,
            "-c",
            "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
        ),
        tmp_path,
        log,
    )
    outcome = SubprocessRunner()(cmd)
    assert outcome.returncode == 3
    assert not outcome.ok
    assert "out" in outcome.output
    assert "err" in outcome.output
    text = log.read_text()
    assert text.startswith(f"$ {sys.executable} -c")
    assert f"# cwd: {tmp_path}" in text
    assert "# exit code: 3" in text
    assert cmd.step == "hello"
    assert not list(log.parent.glob("*.part"))


def test_subprocess_runner_passes_the_environment(tmp_path: Path):
    cmd = Command(
        (sys.executable, "-c", "import os; print(os.environ['BENCHMEM_X'])"),
        tmp_path,
        tmp_path / "01-env.log",
        {"BENCHMEM_X": "hello", "PATH": "/usr/bin"},
    )
    assert SubprocessRunner()(cmd).output.strip() == "hello"


def test_subprocess_runner_missing_binary_and_timeout(tmp_path: Path):
    runner = SubprocessRunner()
    missing = runner(Command(("/no/such/binary",), tmp_path, tmp_path / "01-x.log"))
    assert missing.returncode == 127
    assert "cannot run /no/such/binary" in missing.output
    slow = runner(
        Command(
            (sys.executable, "-c", "import time; time.sleep(30)"),
            tmp_path,
            tmp_path / "02-slow.log",
            timeout=0.5,
        )
    )
    assert slow.returncode == 124
    assert "timed out" in slow.output


def test_stop_all_ends_running_children_and_refuses_new_ones(tmp_path: Path):
    runner = SubprocessRunner()
    results: list[CommandResult] = []
    cmd = Command(
        (sys.executable, "-c", "import time; time.sleep(30)"), tmp_path, tmp_path / "01-s.log"
    )
    worker = threading.Thread(target=lambda: results.append(runner(cmd)))
    worker.start()
    deadline = time.monotonic() + 10
    while not runner._live and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stop_all()
    worker.join(10)
    assert results
    assert results[0].returncode != 0
    with pytest.raises(KeyboardInterrupt):
        runner(cmd)


def test_outcome_tail_and_uv_reason(tmp_path: Path):
    cmd = Command(("uv",), tmp_path, tmp_path / "01-uv.log")
    out = CommandResult(cmd, 1, "Using Python\nerror: No solution found\n  cause: nope\nhint:\n")
    assert uv_reason(out) == "error: No solution found cause: nope"
    plain = CommandResult(cmd, 2, "a\n\nb\n")
    assert uv_reason(plain) == "a | b"
    assert uv_reason(CommandResult(cmd, 5, "")) == "exit code 5"


# --- harness ----------------------------------------------------------------------------------


def test_harness_wheel_holds_our_package_and_plugin_entry_point(tmp_path: Path):
    harness = build_harness(tmp_path)
    assert harness.wheel.is_file()
    assert harness.version.startswith("0.1.0+h")
    with zipfile.ZipFile(harness.wheel) as zf:
        names = zf.namelist()
        info = f"pytest_benchmem-{harness.version}.dist-info"
        meta = zf.read(f"{info}/METADATA").decode()
        entry = zf.read(f"{info}/entry_points.txt").decode()
        record = zf.read(f"{info}/RECORD").decode()
    assert "pytest_benchmem/plugin.py" in names
    assert "pytest_benchmem/measure.py" in names
    assert not [n for n in names if "__pycache__" in n]
    assert "benchmem = pytest_benchmem.plugin" in entry
    for dep in ("pytest", "pytest-benchmark", "memray", "packaging"):
        assert f"Requires-Dist: {dep}" in meta
    for heavy in ("typer", "rich", "uv", "plotly"):
        assert f"Requires-Dist: {heavy}" not in meta
    # packaging is swept too: the harness must accept old releases of it (pytest 8 does)
    (packaging,) = [line for line in meta.splitlines() if line.startswith("Requires-Dist: pack")]
    assert Requirement(packaging.split(": ", 1)[1]).specifier.contains("20.9")
    assert "pytest_benchmem/plugin.py,sha256=" in record
    again = build_harness(tmp_path)
    assert again.wheel == harness.wheel
    assert again.digest == harness.digest


def test_harness_hash_follows_the_source(tmp_path: Path):
    import pytest_benchmem

    src = tmp_path / "src" / "pytest_benchmem"
    import shutil

    shutil.copytree(Path(pytest_benchmem.__file__).parent, src)
    first = build_harness(tmp_path / "cache", src)
    (src / "measure.py").write_text((src / "measure.py").read_text() + "\n# changed\n")
    second = build_harness(tmp_path / "cache", src)
    assert first.digest != second.digest
    assert first.wheel != second.wheel


def test_driver_pins_and_closure():
    pins = driver_pins()
    assert any(p.startswith("pytest==") for p in pins)
    assert any(p.startswith("pytest-benchmark==") for p in pins)
    names = closure(("pytest-benchmem",))
    assert "pluggy" in names  # a dependency of pytest, exempt from --as-of too
    assert "pytest-benchmem" not in names


def test_mentions_pin(tmp_path: Path):
    harness = build_harness(tmp_path)
    assert mentions_pin("error: No solution found\n Because pytest==9.0.3 depends on x", harness)
    assert not mentions_pin(
        "error: No solution found\n there is no version of toypkg==9.9", harness
    )
    assert not mentions_pin("pytest==9.0.3 but some other failure", harness)


# --- cache root, logs -------------------------------------------------------------------------


def test_an_unusable_cache_dir_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from pytest_benchmem.errors import ProvisionError

    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "afile" / "cache"))
    with pytest.raises(ProvisionError, match=r"^BENCHMEM_CACHE_DIR .*afile/cache: cannot write"):
        cache_root()


def test_cache_root_tags_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BENCHMEM_CACHE_DIR", str(tmp_path / "c"))
    root = cache_root()
    assert root == tmp_path / "c"
    assert (
        (root / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (root / ".gitignore").read_text() == "*\n"
    monkeypatch.delenv("BENCHMEM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "benchmem"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "benchmem"


def test_logdir_numbers_and_moves(tmp_path: Path):
    logs = LogDir(tmp_path / "a")
    assert logs.next("venv").name == "01-venv.log"
    first = logs.next("install")
    first.parent.mkdir(parents=True)
    first.write_text("x")
    (tmp_path / "b").mkdir()
    logs.move(tmp_path / "b")
    assert (tmp_path / "b" / "02-install.log").is_file()
    assert not (tmp_path / "a").exists()
    logs.move(tmp_path / "b")
    assert logs.path == tmp_path / "b"


# --- machine info -----------------------------------------------------------------------------


def test_machine_info_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cpu = tmp_path / "machine.json"
    cpu.write_text(json.dumps({"cpu": {"brand_raw": "Test CPU"}}))
    monkeypatch.setenv("BENCHMEM_CPUINFO", str(cpu))
    info = pytest_benchmark_generate_machine_info(None)
    assert info is not None
    assert info["cpu"] == {"brand_raw": "Test CPU"}
    assert info["python_version"]
    cpu.write_text("garbage")
    assert pytest_benchmark_generate_machine_info(None) is None
    cpu.write_text("[1, 2]")
    assert pytest_benchmark_generate_machine_info(None) is None
    monkeypatch.delenv("BENCHMEM_CPUINFO")
    assert pytest_benchmark_generate_machine_info(None) is None


def test_timer_precision_is_seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from pytest_benchmark.fixture import BenchmarkFixture

    cache: dict[object, float] = {}
    monkeypatch.setattr(BenchmarkFixture, "_precisions", cache)
    path = tmp_path / "machine.json"
    path.write_text(json.dumps({"perf_counter_precision": 2.5e-8}))
    monkeypatch.setenv("BENCHMEM_CPUINFO", str(path))
    pytest_configure(None)
    assert cache == {time.perf_counter: 2.5e-8}
    path.write_text(json.dumps({"perf_counter_precision": "fast"}))
    cache.clear()
    pytest_configure(None)
    assert cache == {}


def test_probe_writes_cpu_and_precision(tmp_path: Path):
    path = tmp_path / "m" / "machine.json"
    probe(path)
    data = json.loads(path.read_text())
    assert data["cpu"]["arch"]
    assert 0 < data["perf_counter_precision"] < 0.01


def test_start_probe_reuses_the_cache(sweep_cache: Path):
    path, thread = start_probe(sweep_cache)
    assert thread is None
    assert path.is_file()


def test_a_cache_written_before_the_processor_gets_it(sweep_cache: Path):
    path = cpuinfo_path(sweep_cache)
    path.write_text(json.dumps({"cpu": {"brand_raw": "old cache"}}))
    same, thread = start_probe(sweep_cache)
    assert same == path
    assert thread is not None
    thread.join()
    data = json.loads(path.read_text())
    assert data == {"cpu": {"brand_raw": "old cache"}, "processor": platform.processor()}
    assert start_probe(sweep_cache)[1] is None


# --- config -----------------------------------------------------------------------------------


def test_config_file_keys_paths_and_aliases(tmp_path: Path):
    cfg_file = tmp_path / "sweeps" / "sweep.toml"
    cfg_file.parent.mkdir()
    cfg_file.write_text(
        'targets = ["tomli==1.2.3", "tomli==2.0.1"]\nsuite = "suite"\nout = "out"\n'
        'pin = ["packaging<25"]\nas-of = 2024-01-31\nmemory = false\njobs = 2\n'
        'find-links = ["wheels", "https://x.example/links"]\npytest-args = ["-q"]\n'
        '[env]\nPYTHONMALLOC = "malloc"\n'
    )
    cfg = load_config(cfg_file)
    assert cfg.get("targets") == ["tomli==1.2.3", "tomli==2.0.1"]
    assert cfg.get("suite") == str((cfg_file.parent / "suite").resolve())
    assert cfg.get("pins") == ["packaging<25"]
    assert cfg.get("as_of") == "2024-01-31"
    assert cfg.get("memory") is False
    assert cfg.get("find_links") == [
        str((cfg_file.parent / "wheels").resolve()),
        "https://x.example/links",
    ]
    assert cfg.get("env") == ["PYTHONMALLOC=malloc"]
    assert cfg.source == cfg_file


def test_config_targets_that_are_local_paths_are_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cfg_file = tmp_path / "sweeps" / "sweep.toml"
    cfg_file.parent.mkdir()
    cfg_file.write_text(
        'targets = ["toypkg==1.0", "dev=./proj", "wheels/toypkg-2.0-py3-none-any.whl", '
        '"new=toypkg @ https://x.example/toypkg-3.0-py3-none-any.whl", "toypkg>=2", '
        '"abs=/opt/proj"]\n'
    )
    monkeypatch.chdir(tmp_path)  # elsewhere than the file
    here = cfg_file.parent.resolve()
    assert load_config(cfg_file).get("targets") == [
        "toypkg==1.0",
        f"dev={here / 'proj'}",
        str(here / "wheels" / "toypkg-2.0-py3-none-any.whl"),
        "new=toypkg @ https://x.example/toypkg-3.0-py3-none-any.whl",
        "toypkg>=2",
        "abs=/opt/proj",
    ]


def test_config_from_pyproject(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.benchmem.sweep]\ntargets = ["a==1"]\nsuite = "b"\n'
    )
    cfg = load_config(None, tmp_path)
    assert cfg.get("targets") == ["a==1"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(None, tmp_path).values == {}
    assert load_config(None, tmp_path / "empty").values == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope = 1\n", "unknown sweep setting 'nope'"),
        ("targets = 'a==1'\n", "must be a list of strings"),
        ("memory = 'yes'\n", "must be true or false"),
        ("jobs = true\n", "must be an integer"),
        ("suite = 3\n", "must be a string"),
        ("[tool.benchmem]\nsweep = 3\n", "must be a table"),
        ("x = [\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text: str, message: str):
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_config(path)


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(UsageError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


# --- manifest ---------------------------------------------------------------------------------


def test_manifest_entry_round_trips(tmp_path: Path):
    result = TargetResult(
        label="1.0",
        spec="toypkg==1.0",
        status=TargetStatus.FAILED,
        stage=Stage.RUN,
        reason="boom",
        run_path=None,
        log_dir=tmp_path,
        versions={"toypkg": "1.0"},
        durations={"run": 1.23456},
        resolution="free",
        reused=True,
        fingerprint="abc",
        extra={"note": "kept"},
    )
    entry = result_to_json(result)
    assert entry["durations"] == {"run": 1.2346}
    back = result_from_json(json.loads(json.dumps(entry)))
    assert (back.label, back.status, back.stage, back.reason) == (
        "1.0",
        TargetStatus.FAILED,
        Stage.RUN,
        "boom",
    )
    assert (back.resolution, back.reused, back.fingerprint) == ("free", True, "abc")
    assert back.extra == {"note": "kept"}
    assert back.versions == {"toypkg": "1.0"}


def test_unreadable_manifest_reads_as_empty(tmp_path: Path):
    path = tmp_path / "sweep.json"
    assert read_manifest(path) == {}
    path.write_text("{broken")
    assert read_manifest(path) == {}
    path.write_text('{"targets": [{"label": "x"}]}')
    assert read_manifest(path) == {}


# --- progress ---------------------------------------------------------------------------------


def _result(status: TargetStatus, stage: Stage | None = None) -> TargetResult:
    return TargetResult("1.0", "toypkg==1.0", status, stage, "why", None, Path(), {}, {})


def test_plain_progress_lines():
    buf = io.StringIO()
    progress = make_progress(buf)
    assert isinstance(progress, PlainProgress)
    progress.phase("provisioning 2 venv(s)")
    progress.update("1.0", "venv ready")
    progress.done(_result(TargetStatus.FAILED, Stage.RUN))
    progress.close()
    lines = buf.getvalue().splitlines()
    assert lines[0].endswith("provisioning 2 venv(s)")
    assert lines[1].endswith("1.0: venv ready")
    assert lines[2].endswith("1.0: failed at run: why")


def test_live_progress_renders_a_table():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    buf = Tty()
    progress = make_progress(buf)
    assert isinstance(progress, LiveProgress)
    progress.phase("running suites")
    progress.update("1.0", "running the suite")
    progress.done(_result(TargetStatus.OK))
    progress.close()
    text = buf.getvalue()
    assert "running suites" in text
    assert "1.0" in text
    assert "ok" in text


def test_live_progress_starts_no_refresh_thread():
    """Redrawn on each change only: nothing in the driver wakes up beside a measurement."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    before = set(threading.enumerate())
    buf = Tty()
    progress = make_progress(buf)
    assert isinstance(progress, LiveProgress)
    started = set(threading.enumerate()) - before
    progress.update("1.0", "measuring")
    progress.close()
    assert not started, started
    assert "measuring" in buf.getvalue()


def test_live_progress_keeps_the_target_order_and_an_unwrapped_heading():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    buf = Tty()
    progress = make_progress(buf)
    assert isinstance(progress, LiveProgress)
    progress.expect(["1.0", "2.0", "toypkg"])
    progress.phase("provisioning 3 venv(s)")
    progress.update("2.0", "venv ready")  # finishes first, stays second
    progress.rename("toypkg", "3.0")  # a bare target learns its label in place
    progress.update("3.0", "venv ready")
    progress.update("1.0", "venv ready")
    progress.close()
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    last = plain.rsplit("provisioning 3 venv(s)", 1)[1]
    rows = [line.split()[0] for line in last.splitlines()[2:] if line.strip()]
    assert rows == ["1.0", "2.0", "3.0"]
    assert "toypkg" not in last


def test_sweep_options_defaults():
    opts = SweepOptions(suite=Path("s"))
    assert opts.out == Path(".benchmarks/sweep")
    assert (opts.memory, opts.jobs, opts.fresh, opts.resume) == (True, 4, False, False)


def test_a_child_ignoring_sigint_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("pytest_benchmem.sweep.process._KILL_GRACE_S", 0.3)
    code = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(30)"
    cmd = Command((sys.executable, "-c", code), tmp_path, tmp_path / "01-stubborn.log", timeout=0.5)
    start = time.monotonic()
    outcome = SubprocessRunner()(cmd)
    assert outcome.returncode == 124
    assert time.monotonic() - start < 10


def test_sigterm_interrupts_only_inside_the_block():
    import os
    import signal

    from pytest_benchmem.sweep.process import terminate_as_interrupt

    def terminated() -> None:
        with terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        terminated()
    assert signal.getsignal(signal.SIGTERM) is before


_TERMINATED_DRIVER = """
import sys, time
from pathlib import Path
from pytest_benchmem.sweep.process import Command, SubprocessRunner, terminate_as_interrupt
here = Path(sys.argv[1])
child = (sys.executable, "-c", "import time; open('started', 'w').close(); time.sleep(30)")
try:
    with terminate_as_interrupt():
        SubprocessRunner()(Command(child, here, here / "01-run.log"))
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_a_terminated_driver_stops_its_child_and_logs_it(tmp_path: Path):
    import signal
    import subprocess

    driver = subprocess.Popen([sys.executable, "-c", _TERMINATED_DRIVER, str(tmp_path)])
    deadline = time.monotonic() + 20
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    driver.send_signal(signal.SIGTERM)
    assert driver.wait(timeout=20) == 130
    assert "# exit code: interrupted" in (tmp_path / "01-run.log").read_text()
    assert not list(tmp_path.glob("*.part"))


def test_a_missing_working_directory_is_named(tmp_path: Path):
    gone = tmp_path / "gone"
    cmd = Command((sys.executable, "-V"), gone, tmp_path / "01-x.log")
    outcome = SubprocessRunner()(cmd)
    assert outcome.returncode == 127
    assert f"its working directory {gone} is gone" in outcome.output


def test_start_probe_runs_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def fake_probe(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"cpu": {}}')

    monkeypatch.setattr("pytest_benchmem.sweep.machine.probe", fake_probe)
    path, thread = start_probe(tmp_path / "fresh-cache")
    assert thread is not None
    thread.join(10)
    assert path.is_file()


def test_probe_without_cpuinfo_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "cpuinfo", None)
    path = tmp_path / "machine.json"
    probe(path)
    assert not path.exists()


# --- module derivation and the in-run isolation check ---------------------------------------


def test_the_checked_module_is_the_distributions_own_not_mypycs_runtime(tmp_path: Path):
    import subprocess

    from pytest_benchmem.sweep.inspect import SCRIPT

    info = tmp_path / "toy_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-pkg\nVersion: 1.0\n")
    # what a mypyc-compiled wheel (tomli >= 2.1, black) lists: its runtime module first
    (info / "top_level.txt").write_text("5bae8a57b5ef85818b48__mypyc\n_private\ntoy_pkg\nextra\n")
    (tmp_path / "toy_pkg").mkdir()
    (tmp_path / "toy_pkg" / "__init__.py").write_text("__version__ = '1.0'\n")
    args = json.dumps({"name": "toy-pkg", "prepend": [str(tmp_path)]})
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, args], capture_output=True, text=True, check=True
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCHMEM-INSPECT "))
    found = json.loads(line.removeprefix("BENCHMEM-INSPECT "))
    assert found["module"] == "toy_pkg"
    assert found["file"] == str(tmp_path / "toy_pkg" / "__init__.py")


def test_in_run_isolation_problem_names_both_places(tmp_path: Path):
    from pytest_benchmem.inrun.isolation import problem

    inside = str(Path(pytest.__file__).resolve().parents[2])  # the dir holding site-packages
    assert problem("pytest", inside) is None
    elsewhere = problem("pytest", str(tmp_path / "venv"))
    assert elsewhere is not None
    assert "during the pytest run pytest imports from " in elsewhere
    assert str(tmp_path / "venv") in elsewhere
    assert problem("no_such_module_xyz", str(tmp_path)) is None


def test_in_run_isolation_stops_the_pytest_run(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from pytest_benchmem.inrun.isolation import EXIT_CODE, ISOLATION_ENV, MARK, settings

    pytester.makepyfile("import pytest\n\ndef test_x():\n    assert pytest\n")
    monkeypatch.setenv(ISOLATION_ENV, settings("pytest", str(tmp_path / "venv")))
    result = pytester.runpytest_subprocess("-p", "pytest_benchmem.inrun.isolation")
    assert result.ret == EXIT_CODE
    assert any(line.startswith(MARK) for line in result.errlines)
    monkeypatch.setenv(ISOLATION_ENV, settings("pytest", "/"))  # everything is under /
    assert pytester.runpytest_subprocess("-p", "pytest_benchmem.inrun.isolation").ret == 0


def test_in_run_isolation_hook_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from pytest_benchmem.inrun import isolation

    monkeypatch.delenv(isolation.ISOLATION_ENV, raising=False)
    assert isolation.pytest_collection_finish(None) is None  # not a sweep run: nothing to do
    monkeypatch.setenv(isolation.ISOLATION_ENV, '{"module": "", "prefix": "/"}')
    assert isolation.pytest_collection_finish(None) is None
    monkeypatch.setenv(isolation.ISOLATION_ENV, isolation.settings("pytest", str(tmp_path)))
    with pytest.raises(pytest.exit.Exception) as stopped:
        isolation.pytest_collection_finish(None)
    assert stopped.value.returncode == isolation.EXIT_CODE
    assert str(stopped.value.msg).startswith(isolation.MARK)
