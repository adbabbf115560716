"""The whole sweep pipeline driven through the fake runner at the process seam (no uv)."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest
from sweepfakes import FakeRunner, labels_of, versions_in

import toywheels
from pytest_benchmem.errors import UsageError
from pytest_benchmem.sweep import Stage, SweepOptions, TargetResult, TargetStatus, run_targets
from pytest_benchmem.sweep.manifest import read_manifest


def _opts(suite: Path, out: Path, **kw: object) -> SweepOptions:
    return SweepOptions(suite=suite, out=out, **kw)  # type: ignore[arg-type]


def _manifest(out: Path) -> dict:
    return json.loads((out / "sweep.json").read_text())


def test_all_ok_writes_runs_logs_and_manifest(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner()
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    assert [(r.label, r.status, r.stage) for r in results] == [
        ("1.0", TargetStatus.OK, None),
        ("2.0", TargetStatus.OK, None),
    ]
    assert (out / "1.0.json").is_file()
    assert (out / "2.0.json").is_file()
    assert not list(out.glob("*.tmp"))
    logs = sorted(p.name for p in (out / "logs" / "1.0").iterdir())
    assert logs == [
        "01-venv.log",
        "02-harness.log",
        "03-install.log",
        "04-isolation.log",
        "05-run.log",
    ]
    log = (out / "logs" / "1.0" / "05-run.log").read_text()
    assert "-m pytest" in log
    assert "# exit code: 0" in log
    assert "# cwd: " in log
    data = _manifest(out)
    assert [t["label"] for t in data["targets"]] == ["1.0", "2.0"]
    assert all(t["status"] == "ok" and t["resolution"] == "locked" for t in data["targets"])
    assert data["targets"][0]["versions"]["toypkg"] == "1.0"
    assert data["harness"]["pins"]
    assert data["targets"][0]["logs"][0].endswith("01-venv.log")
    # suites run one at a time, in the order given, memory on, label and spec passed
    runs = fake.steps("pytest")
    assert labels_of(runs) == ["1.0", "2.0"]
    assert all("--benchmark-memory" in c.argv and "--benchmark-only" in c.argv for c in runs)
    assert runs[0].env is not None
    assert runs[0].env["BENCHMEM_SPEC"] == "toypkg==1.0"
    assert "PYTHONPATH" not in runs[0].env


def test_pythonpath_is_cleared_and_args_forwarded(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("SSL_CERT_FILE", "/certs.pem")
    fake = FakeRunner()
    opts = _opts(suite_dir, tmp_path / "out", memory=False, pytest_args=("-k", "work"))
    run_targets(["toypkg==1.0"], opts, runner=fake)
    (run,) = fake.steps("pytest")
    assert run.env is not None
    assert "PYTHONPATH" not in run.env
    assert run.env["SSL_CERT_FILE"] == "/certs.pem"  # the caller's environment passes through
    assert "--benchmark-memory" not in run.argv
    assert run.argv[-2:] == ("-k", "work")
    (install,) = fake.steps("install")
    assert install.env is not None
    assert install.env["SSL_CERT_FILE"] == "/certs.pem"


def test_missing_version_fails_at_install_others_run(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner()
    results = run_targets(
        ["toypkg==1.0", "toypkg==9.9", "toypkg==2.0"], _opts(suite_dir, out), runner=fake
    )
    by = {r.label: r for r in results}
    assert by["9.9"].status is TargetStatus.FAILED
    assert by["9.9"].stage is Stage.INSTALL
    assert "no version of toypkg==9.9" in (by["9.9"].reason or "")
    assert by["1.0"].ok
    assert by["2.0"].ok
    assert labels_of(fake.steps("pytest")) == ["1.0", "2.0"]
    assert "9.9 failed at install" in by["9.9"].describe_failure()
    assert _manifest(out)["targets"][1]["stage"] == "install"


def test_venv_failure_is_stage_venv(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner(fail_venv=True)
    (result,) = run_targets(["toypkg==1.0"], _opts(suite_dir, tmp_path / "out"), runner=fake)
    assert (result.status, result.stage) == (TargetStatus.FAILED, Stage.VENV)
    assert "No interpreter found" in (result.reason or "")
    assert not fake.steps("install")


def test_harness_is_resolved_once_and_installed_offline(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner()
    run_targets(["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"], _opts(suite_dir, out), runner=fake)
    (compiled,) = fake.steps("compile")  # one resolution of the harness for three venvs
    # offline, from uv's cache, the driver's own installed versions as constraints
    assert "--offline" in compiled.argv
    driver = Path(compiled.argv[compiled.argv.index("-c") + 1]).read_text().split()
    assert f"pytest=={importlib.metadata.version('pytest')}" in driver
    assert f"pluggy=={importlib.metadata.version('pluggy')}" in driver
    lock_in = Path(compiled.argv[-1]).read_text()
    assert "pytest==" in lock_in
    assert "memray" in lock_in
    harness = fake.steps("harness")
    assert len(harness) == 3
    assert all({"--offline", "--no-deps"} <= set(c.argv) for c in harness)
    assert all(c.argv[-1].endswith(".whl") for c in harness)  # our own wheel, never an index's
    installs = fake.steps("install")  # only the target (and pins) against the index
    assert sorted(c.argv[c.argv.index("--") + 1 :] for c in installs) == [
        ("toypkg==1.0",),
        ("toypkg==2.0",),
        ("toypkg==3.0",),
    ]
    assert all(c.argv[c.argv.index("-c") + 1] == harness[0].argv[-2] for c in installs)
    locked = _manifest(out)["harness"]["locked"]
    assert locked[0]["requirements"] == Path(harness[0].argv[-2]).read_text().split()
    assert len(list((out / "logs").glob("harness-lock-*.log"))) == 1
    # a later sweep that builds a new venv reuses the lock kept in the cache: no resolution
    again = FakeRunner()
    run_targets(["toypkg==1.0"], _opts(suite_dir, out, fresh=True), runner=again)
    assert len(again.steps("compile")) == 1  # --fresh resolves the harness once more
    later = FakeRunner()  # a new venv (a new target), the lock already in the cache
    run_targets(["toypkg>=2.0"], _opts(suite_dir, tmp_path / "o2"), runner=later)
    assert len(later.steps("harness")) == 1
    assert not later.steps("compile")


def test_harness_resolves_online_when_uv_cache_cannot(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner(lock_offline_fails=True)
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    assert all(r.ok and r.resolution == "locked" for r in results)
    offline, online = fake.steps("compile")  # still once per sweep: offline, then the index
    assert "--offline" in offline.argv
    assert "--offline" not in online.argv
    assert "-c" in online.argv  # still the driver's versions


def test_locked_harness_missing_from_uv_cache_is_fetched(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner(offline_misses=True)
    (result,) = run_targets(["toypkg==1.0"], _opts(suite_dir, tmp_path / "o"), runner=fake)
    assert result.ok
    assert result.resolution == "locked"
    first, second = fake.steps("harness")
    assert "--offline" in first.argv
    assert "--offline" not in second.argv
    assert "--no-deps" in second.argv  # still the exact list, no resolution


def test_harness_that_cannot_be_locked_resolves_each_venv(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner(lock_fails=True)
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    assert [r.resolution for r in results] == ["pinned", "pinned"]
    assert len(fake.steps("compile")) == 3  # offline, online, unconstrained: once per sweep
    assert not fake.steps("harness")
    assert all("could not be locked" in str(r.extra.get("note")) for r in results)


def test_harness_conflict_falls_back_to_free_resolution(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner(conflicts={"1.0"})
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    assert [r.resolution for r in results] == ["free", "locked"]
    assert all(r.ok for r in results)
    assert "needs other versions than the locked harness" in str(results[0].extra["note"])
    installs = [c for c in fake.steps("install") if "toypkg==1.0" in c.argv]
    assert len(installs) == 3  # against the lock, then pinned, then free
    assert "-c" in installs[0].argv
    assert any(a.startswith("pytest==") for a in installs[1].argv)
    assert not any(a.startswith("pytest==") for a in installs[2].argv)
    assert installs[2].argv[-1].endswith(".whl")  # the harness wheel, never from an index
    assert _manifest(out)["targets"][0]["resolution"] == "free"
    # the target's own resolution starts from a clean venv
    assert [c.log.name for c in fake.commands if "1.0" in str(c.log.parent)][:6] == [
        "01-venv.log", "02-harness.log", "03-install.log", "04-venv.log", "05-install.log",
        "06-install-free.log",
    ]  # fmt: skip


def test_second_sweep_reuses_venvs_and_fresh_rebuilds(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    targets = ["toypkg==1.0", "toypkg==2.0"]
    run_targets(targets, _opts(suite_dir, out), runner=FakeRunner())
    again = FakeRunner()
    results = run_targets(targets, _opts(suite_dir, out), runner=again)
    assert not again.steps("venv")
    assert not again.steps("install")
    assert all(r.reused and r.ok for r in results)
    assert all(t["reused_venv"] for t in _manifest(out)["targets"])
    # the isolation check these venvs passed is recorded: it runs inside the run only now
    assert sorted(p.name for p in (out / "logs" / "1.0").iterdir()) == ["01-run.log"]
    assert not again.steps("inspect")
    for run in again.steps("pytest"):
        assert "pytest_benchmem.inrun.isolation" in run.argv
        assert run.env is not None
        assert json.loads(run.env["BENCHMEM_ISOLATION"])["module"] == "toypkg"
    # another --import-check is another check: it runs before the run again
    other = FakeRunner()
    run_targets(targets, _opts(suite_dir, out, import_check="toy_mod"), runner=other)
    assert len(other.steps("inspect")) == 2
    fresh = FakeRunner()
    run_targets(targets, _opts(suite_dir, out, fresh=True), runner=fresh)
    assert len(fresh.steps("venv")) == 2
    # two targets of one spec share a venv: --fresh rebuilds it once, not once per target
    twins = FakeRunner()
    same = ["a=toypkg==1.0", "b=toypkg==1.0"]
    results = run_targets(same, _opts(suite_dir, tmp_path / "o2", fresh=True), runner=twins)
    assert len(twins.steps("venv")) == 1
    assert [r.ok for r in results] == [True, True]


def test_changed_spec_rebuilds(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_targets(["toypkg==1.0"], _opts(suite_dir, out), runner=FakeRunner())
    pinned = FakeRunner()
    run_targets(["toypkg==1.0"], _opts(suite_dir, out, pins=("extra==1",)), runner=pinned)
    assert len(pinned.steps("venv")) == 1
    (install,) = pinned.steps("install")
    assert "extra==1" in install.argv


def test_source_options_reach_uv(suite_dir: Path, tmp_path: Path):
    links = tmp_path / "wheels"
    links.mkdir()
    fake = FakeRunner()
    opts = _opts(
        suite_dir,
        tmp_path / "out",
        find_links=(str(links),),
        index_urls=("https://a.example/simple", "https://b.example/simple"),
        as_of="2024-01-31",
    )
    run_targets(["toypkg==1.0"], opts, runner=fake)
    argv = fake.steps("install")[0].argv
    assert argv[argv.index("--find-links") + 1] == str(links.resolve())
    assert argv[argv.index("--index-url") + 1] == "https://a.example/simple"
    assert argv[argv.index("--extra-index-url") + 1] == "https://b.example/simple"
    assert argv[argv.index("--exclude-newer") + 1] == "2024-01-31"
    # the harness keeps the driver's versions despite the cutoff
    assert "pytest=2999-12-31" in argv


def test_isolation_catches_a_shadowing_directory(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner(shadow={"2.0"})
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    bad = results[1]
    assert (bad.status, bad.stage) == (TargetStatus.FAILED, Stage.ISOLATION)
    assert "not from the venv" in (bad.reason or "")
    assert "0.0-local" in (bad.reason or "")
    assert "toypkg 2.0" in (bad.reason or "")
    assert labels_of(fake.steps("pytest")) == ["1.0"]


def test_isolation_catches_a_version_mismatch(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner(report_version={"1.0": "1.1"})
    (result,) = run_targets(["toypkg==1.0"], _opts(suite_dir, tmp_path / "out"), runner=fake)
    assert result.stage is Stage.ISOLATION
    assert result.reason == "toypkg: expected version 1.0, the venv has 1.1"


def test_import_check_module_is_passed(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner()
    opts = _opts(suite_dir, tmp_path / "out", import_check="toy_module")
    run_targets(["toypkg==1.0"], opts, runner=fake)
    isolation = [c for c in fake.steps("inspect") if c.log.name.endswith("isolation.log")]
    assert json.loads(isolation[0].argv[3])["module"] == "toy_module"


def test_inspect_failure_fails_isolation(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner(inspect_fails=True)
    (result,) = run_targets(["toypkg==1.0"], _opts(suite_dir, tmp_path / "out"), runner=fake)
    assert result.stage is Stage.ISOLATION
    assert "cannot inspect the venv" in (result.reason or "")
    assert result.versions["toypkg"] == "1.0"  # read from the venv's dist-info at install


def test_installed_versions_read_from_dist_info_agree_with_importlib_metadata():
    import importlib.metadata as md
    import re
    import sys
    import sysconfig

    from pytest_benchmem.sweep.venvcache import installed_versions

    site = sysconfig.get_paths()["purelib"]
    expected: dict[str, str] = {}
    for dist in md.distributions(path=[site]):
        expected.setdefault(re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower(), dist.version)
    found = installed_versions(Path(sys.prefix))
    assert found is not None
    assert {k: found.get(k) for k in expected} == expected
    assert found["pytest"] == md.version("pytest")


def test_a_venv_with_nothing_installed_fails_install(suite_dir: Path, tmp_path: Path):
    from pytest_benchmem.sweep.venvcache import installed_versions

    assert installed_versions(tmp_path / "no-venv") is None
    fake = FakeRunner(install_writes_nothing=True)
    (result,) = run_targets(["toypkg==1.0"], _opts(suite_dir, tmp_path / "out"), runner=fake)
    assert result.stage is Stage.INSTALL
    assert "has no installed distributions" in (result.reason or "")


@pytest.mark.parametrize(
    ("rc", "how", "status", "stage", "reason"),
    [
        (1, "ok", TargetStatus.PARTIAL, None, "some tests failed"),
        (1, "missing", TargetStatus.FAILED, Stage.RUN, "pytest exit code 1: "),
        (1, "missing", TargetStatus.FAILED, Stage.RUN, "; no benchmarks ran"),
        (2, "ok", TargetStatus.FAILED, Stage.RUN, "pytest exit code 2"),
        (-11, "missing", TargetStatus.FAILED, Stage.RUN, "pytest exit code -11 (SIGSEGV)"),
        (5, "missing", TargetStatus.FAILED, Stage.RUN, "exit code 5: no tests ran"),
        (0, "missing", TargetStatus.FAILED, Stage.COLLECT, "wrote no benchmark JSON"),
        (0, "garbage", TargetStatus.FAILED, Stage.COLLECT, "malformed JSON"),
        (0, "zerobytes", TargetStatus.FAILED, Stage.COLLECT, "no test used the benchmark fixture"),
        (0, "empty", TargetStatus.FAILED, Stage.COLLECT, "holds no benchmarks"),
        (0, "noprov", TargetStatus.FAILED, Stage.COLLECT, "no benchmem provenance"),
        (0, "elsewhere", TargetStatus.FAILED, Stage.COLLECT, "not from the venv"),
        (0, "nomem", TargetStatus.FAILED, Stage.COLLECT, "no benchmark carries memory"),
    ],
)
def test_run_outcomes(
    suite_dir: Path,
    tmp_path: Path,
    rc: int,
    how: str,
    status: TargetStatus,
    stage: Stage | None,
    reason: str,
):
    out = tmp_path / "out"
    fake = FakeRunner(pytest_rc={"2.0": rc}, pytest_json={"2.0": how})
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    assert results[0].status is TargetStatus.OK
    got = results[1]
    assert (got.status, got.stage) == (status, stage)
    assert reason in (got.reason or "")
    assert (out / "2.0.json").is_file() == (status is TargetStatus.PARTIAL)
    assert not list(out.glob("*.tmp"))


def test_bare_requirement_is_labelled_by_the_resolved_version(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FakeRunner()
    results = run_targets(["toypkg==1.0", "toypkg"], _opts(suite_dir, out), runner=fake)
    assert [r.label for r in results] == ["1.0", "3.0"]
    assert (out / "3.0.json").is_file()
    assert (out / "logs" / "3.0" / "01-venv.log").is_file()
    assert not (out / "logs" / "toypkg").exists()


def test_resolved_label_clash_fails_that_target(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner()
    results = run_targets(["toypkg==3.0", "toypkg"], _opts(suite_dir, tmp_path / "o"), runner=fake)
    assert results[0].ok
    assert results[1].label == "toypkg"  # keeps its own key: 3.0 belongs to the first target
    assert results[1].stage is Stage.INSTALL
    assert "duplicates another target" in (results[1].reason or "")
    logs = tmp_path / "o" / "logs"
    assert (logs / "3.0" / "05-run.log").is_file()  # the first target's logs are intact
    assert (logs / "toypkg" / "01-venv.log").is_file()


def test_interrupt_keeps_finished_runs_and_resume_runs_the_rest(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    targets = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"]
    with pytest.raises(KeyboardInterrupt):
        run_targets(targets, _opts(suite_dir, out), runner=FakeRunner(interrupt_on="2.0"))
    data = _manifest(out)
    assert [t["status"] for t in data["targets"]] == ["ok", "skipped", "skipped"]
    assert (out / "1.0.json").is_file()
    assert not (out / "2.0.json").exists()
    assert not list(out.glob("*.tmp"))
    resumed = FakeRunner()
    results = run_targets(targets, _opts(suite_dir, out, resume=True), runner=resumed)
    assert labels_of(resumed.steps("pytest")) == ["2.0", "3.0"]
    assert versions_in(resumed.steps("install")) == []  # venvs were provisioned before the stop
    assert [r.status for r in results] == [TargetStatus.OK] * 3
    assert [t["status"] for t in _manifest(out)["targets"]] == ["ok"] * 3
    # nothing left to do: a second resume runs nothing and announces no empty phases
    idle = FakeRunner()
    phases: list[str] = []

    class Phases:
        def phase(self, text: str) -> None:
            phases.append(text)

        def update(self, key: str, text: str) -> None:
            pass

        def done(self, result: TargetResult) -> None:
            pass

    run_targets(targets, _opts(suite_dir, out, resume=True), runner=idle, progress=Phases())
    assert not idle.commands
    assert phases == []


def test_resume_reruns_when_the_suite_changed(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_targets(["toypkg==1.0"], _opts(suite_dir, out), runner=FakeRunner())
    (suite_dir / "test_more.py").write_text("def test_x():\n    pass\n")
    fake = FakeRunner()
    run_targets(["toypkg==1.0"], _opts(suite_dir, out, resume=True), runner=fake)
    assert labels_of(fake.steps("pytest")) == ["1.0"]


def test_resume_reruns_a_failed_target(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_targets(["toypkg==1.0"], _opts(suite_dir, out), runner=FakeRunner(pytest_rc={"1.0": 3}))
    assert read_manifest(out / "sweep.json")["1.0"].status is TargetStatus.FAILED
    fake = FakeRunner()
    (result,) = run_targets(["toypkg==1.0"], _opts(suite_dir, out, resume=True), runner=fake)
    assert result.ok
    assert labels_of(fake.steps("pytest")) == ["1.0"]


def test_interrupt_during_provisioning_records_nothing_finished(suite_dir: Path, tmp_path: Path):
    class Boom(FakeRunner):
        def _install(self, command):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=Boom())
    data = _manifest(out)
    assert [t["status"] for t in data["targets"]] == ["skipped", "skipped"]


def test_an_install_stopped_by_ctrl_c_is_not_reported_as_failed(suite_dir: Path, tmp_path: Path):
    updates: list[str] = []

    class Progress:
        def phase(self, text: str) -> None:
            pass

        def update(self, key: str, text: str) -> None:
            updates.append(f"{key}: {text}")

        def done(self, result: TargetResult) -> None:
            updates.append(f"{result.label}: {result.status}")

    class StoppedMidInstall(FakeRunner):
        stopped = False

        def _install(self, command):  # type: ignore[no-untyped-def]
            self.stopped = True  # what stop_all does while uv runs: uv dies of SIGINT
            return 2, "uv: interrupted\n"

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_targets(
            ["toypkg==1.0"], _opts(suite_dir, out), runner=StoppedMidInstall(), progress=Progress()
        )
    assert not [u for u in updates if "failed" in u]
    assert [t["status"] for t in _manifest(out)["targets"]] == ["skipped"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"suite": Path("/no/such/suite")}, "suite not found"),
        ({"jobs": 0}, "--jobs must be at least 1"),
        ({"rounds": 0}, "--rounds must be at least 1"),
        ({"copy_dir": Path("/no/such/dir")}, "--copy-dir is not a directory"),
        ({"find_links": ("/no/such/wheels",)}, "--find-links location not found"),
        ({"pytest_args": ("--benchmark-json=x.json",)}, "writes each run's JSON itself"),
        ({"pytest_args": ("-q", "--benchmark-disable")}, "writes each run's JSON itself"),
        ({"as_of": "2023-13-45"}, "--as-of: expected a date"),
        ({"as_of": "last week"}, "--as-of: expected a date"),
        ({"out": Path("/proc/no-such-dir/out")}, "--out /proc/no-such-dir/out: cannot write"),
    ],
)
def test_bad_options_are_usage_errors(suite_dir: Path, tmp_path: Path, kw: dict, message: str):
    opts = _opts(suite_dir, tmp_path / "out")
    fields = {**opts.__dict__, **kw}
    with pytest.raises(UsageError, match=message):
        run_targets(["toypkg==1.0"], SweepOptions(**fields), runner=FakeRunner())


def test_out_under_a_file_is_a_usage_error_before_anything_runs(suite_dir: Path, tmp_path: Path):
    (tmp_path / "afile").write_text("x")
    runner = FakeRunner()
    with pytest.raises(UsageError, match="cannot write there"):
        run_targets(["toypkg==1.0"], _opts(suite_dir, tmp_path / "afile" / "out"), runner=runner)
    assert not runner.commands


def test_as_of_takes_a_date_or_an_rfc3339_time(suite_dir: Path, tmp_path: Path):
    for as_of in ("2024-01-31", "2024-01-31T10:00:00Z", "2024-01-31T10:00:00+02:00"):
        fields = {**_opts(suite_dir, tmp_path / "out").__dict__, "as_of": as_of}
        results = run_targets(["toypkg==1.0"], SweepOptions(**fields), runner=FakeRunner())
        assert results[0].status == "ok"


def test_copy_dir_must_hold_the_suite(suite_dir: Path, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(UsageError, match="not inside --copy-dir"):
        run_targets(
            ["toypkg==1.0"], _opts(suite_dir, tmp_path / "out", copy_dir=other), runner=FakeRunner()
        )


def test_copy_dir_is_copied_and_the_suite_found_inside(tmp_path: Path):
    project = tmp_path / "project"
    (project / "bench").mkdir(parents=True)
    (project / "bench" / "test_a.py").write_text("def test_a(benchmark):\n    benchmark(int)\n")
    (project / "helpers.py").write_text("X = 1\n")
    seen: list[list[str]] = []

    class Peek(FakeRunner):
        def _pytest(self, command):  # type: ignore[no-untyped-def]
            seen.append(sorted(p.name for p in (command.cwd / "project").iterdir()))
            assert Path(command.argv[3]).name == "bench"
            assert Path(command.argv[3]).parent.name == "project"
            return super()._pytest(command)

    opts = _opts(project / "bench", tmp_path / "out", copy_dir=project)
    (result,) = run_targets(["toypkg==1.0"], opts, runner=Peek())
    assert result.ok
    assert seen == [["bench", "helpers.py"]]


def test_single_file_suite_is_copied_with_its_conftest(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "test_one.py").write_text("def test_a(benchmark):\n    benchmark(int)\n")
    (src / "conftest.py").write_text("")
    seen: list[list[str]] = []

    class Peek(FakeRunner):
        def _pytest(self, command):  # type: ignore[no-untyped-def]
            seen.append(sorted(p.name for p in command.cwd.iterdir()))
            return super()._pytest(command)

    (result,) = run_targets(
        ["toypkg==1.0"], _opts(src / "test_one.py", tmp_path / "out"), runner=Peek()
    )
    assert result.ok
    assert seen == [["conftest.py", "test_one.py"]]


def test_two_targets_of_one_spec_share_one_venv(suite_dir: Path, tmp_path: Path):
    fake = FakeRunner()
    results = run_targets(
        ["a=toypkg==1.0", "b=toypkg==1.0"], _opts(suite_dir, tmp_path / "out"), runner=fake
    )
    assert [r.label for r in results] == ["a", "b"]
    assert len(fake.steps("venv")) == 1
    assert sorted(r.reused for r in results) == [False, True]
    assert labels_of(fake.steps("pytest")) == ["a", "b"]


_SYNTAX_RUN = """\
________________ ERROR collecting suite/test_a.py ________________
E     File "/tmp/run/suite/test_a.py", line 1
E       def test_x(benchmark:
E   SyntaxError: '(' was never closed
=========================== short test summary info ============================
ERROR suite/test_a.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
"""
_USAGE_RUN = """\
ERROR: usage: __main__.py [options] [file_or_dir] [file_or_dir] [...]
__main__.py: error: unrecognized arguments: --bogus
  inifile: None
"""


@pytest.mark.parametrize(
    ("rc", "output", "reason"),
    [
        (
            2,
            _SYNTAX_RUN,
            "pytest exit code 2: SyntaxError: '(' was never closed (collecting suite/",
        ),
        (4, _USAGE_RUN, "pytest exit code 4: unrecognized arguments: --bogus"),
        (4, "ERROR: file or directory not found: x\n", "exit code 4: file or directory not found"),
        (-6, "suite/test_a.py Fatal Python error: Aborted\n\nStack\n", "(SIGABRT): Fatal Python"),
        (5, "no tests ran in 0.01s\n", "pytest exit code 5: no tests ran"),
        (3, "one\ntwo\nthree\nfour\n", "pytest exit code 3: two | three | four"),
        (
            1,
            "E       RuntimeError: broken 4.0\nFAILED t.py::test_work - RuntimeError: broken\n",
            "pytest exit code 1: RuntimeError: broken 4.0",
        ),
    ],
)
def test_a_failed_run_is_explained_by_its_telling_line(rc: int, output: str, reason: str):
    from pytest_benchmem.sweep.process import Command, CommandResult
    from pytest_benchmem.sweep.suite import pytest_failure

    outcome = CommandResult(Command(("python",), Path(), Path("x.log")), rc, output)
    assert reason in pytest_failure(outcome)


def test_a_live_display_is_told_the_order_and_the_resolved_labels(suite_dir: Path, tmp_path: Path):
    calls: list[tuple[str, ...]] = []

    class Recorder:
        def phase(self, text: str) -> None:
            calls.append(("phase", text))

        def update(self, key: str, text: str) -> None:
            calls.append(("update", key))

        def done(self, result: TargetResult) -> None:
            calls.append(("done", result.label))

        def expect(self, keys: list[str]) -> None:
            calls.append(("expect", *keys))

        def rename(self, old: str, new: str) -> None:
            calls.append(("rename", old, new))

    run_targets(
        ["toypkg==1.0", "toypkg"],
        _opts(suite_dir, tmp_path / "out"),
        runner=FakeRunner(),
        progress=Recorder(),
    )
    assert calls[0] == ("expect", "1.0", "toypkg")
    assert ("rename", "toypkg", "3.0") in calls
    assert calls.index(("rename", "toypkg", "3.0")) < calls.index(("update", "3.0"))
    assert [c[1] for c in calls if c[0] == "done"] == ["1.0", "3.0"]


def test_a_rerun_that_fails_does_not_leave_the_old_run_under_its_label(
    suite_dir: Path, tmp_path: Path
):
    out = tmp_path / "out"
    run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=FakeRunner())
    first = (out / "2.0.json").read_text()
    fake = FakeRunner(pytest_rc={"2.0": 2})
    results = run_targets(["toypkg==1.0", "toypkg==2.0"], _opts(suite_dir, out), runner=fake)
    assert [r.status for r in results] == [TargetStatus.OK, TargetStatus.FAILED]
    assert not (out / "2.0.json").exists()
    assert (out / "2.0.json.previous").read_text() == first  # kept aside, not lost
    assert not (out / "1.0.json.previous").exists()  # a rerun that worked replaced it
    again = run_targets(["toypkg==2.0"], _opts(suite_dir, out), runner=FakeRunner())
    assert again[0].ok
    assert (out / "2.0.json").is_file()
    assert not (out / "2.0.json.previous").exists()


def test_an_out_inside_the_suite_is_neither_copied_nor_a_change_for_resume(
    suite_dir: Path, tmp_path: Path
):
    out = suite_dir / "results"  # e.g. --suite . --out results
    copied: list[list[str]] = []

    class Recording(FakeRunner):
        def __call__(self, command):  # type: ignore[no-untyped-def]
            if "pytest" in command.argv:
                copied.append(sorted(p.name for p in command.cwd.rglob("*")))
            return super().__call__(command)

    targets = ["toypkg==1.0", "toypkg==2.0"]
    run_targets(targets, _opts(suite_dir, out), runner=Recording())
    assert len(copied) == 2
    assert all("results" not in names for names in copied)
    assert all("test_toy.py" in names for names in copied)
    idle = FakeRunner()
    run_targets(targets, _opts(suite_dir, out, resume=True), runner=idle)
    assert not idle.steps("pytest")


def test_resume_reruns_when_a_copy_dir_file_outside_the_suite_changed(tmp_path: Path):
    project = tmp_path / "project"
    suite = toywheels.write_toy_suite(project / "benchmarks")
    (project / "helpers.py").write_text("X = 1\n")
    out = tmp_path / "out"
    run_targets(["toypkg==1.0"], _opts(suite, out, copy_dir=project), runner=FakeRunner())
    (project / "helpers.py").write_text("X = 22\n")
    fake = FakeRunner()
    run_targets(["toypkg==1.0"], _opts(suite, out, copy_dir=project, resume=True), runner=fake)
    assert labels_of(fake.steps("pytest")) == ["1.0"]


def _fake_python(path: Path, version: str) -> Path:
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def test_a_python_older_than_the_harness_is_a_usage_error(suite_dir: Path, tmp_path: Path):
    old = _fake_python(tmp_path / "python3.10", "3.10.13")
    runner = FakeRunner()
    with pytest.raises(UsageError, match=r"is Python 3\.10\.13; the harness needs Python >=3\.11"):
        run_targets(
            ["toypkg==1.0"], _opts(suite_dir, tmp_path / "o", python=str(old)), runner=runner
        )
    assert not runner.commands
    new = _fake_python(tmp_path / "python3.12", "3.12.1")
    results = run_targets(
        ["toypkg==1.0"], _opts(suite_dir, tmp_path / "o", python=str(new)), runner=FakeRunner()
    )
    assert results[0].ok


class FailsSecondRound(FakeRunner):
    """The suite of 2.0 crashes on its second run (a flaky or drifting target)."""

    def _pytest(self, command):  # type: ignore[no-untyped-def]
        label = (command.env or {}).get("BENCHMEM_LABEL")
        runs = [c for c in self.steps("pytest") if (c.env or {}).get("BENCHMEM_LABEL") == label]
        if label == "2.0" and len(runs) == 2:
            return 3, "Fatal Python error: Segmentation fault\n"
        return super()._pytest(command)


def test_rounds_alternate_and_a_failed_round_keeps_the_others(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    fake = FailsSecondRound()
    targets = ["toypkg==1.0", "toypkg==2.0", "toypkg==3.0"]
    results = run_targets(targets, _opts(suite_dir, out, rounds=3), runner=fake)
    # 2.0 is not run again after its failed round: 1 2 3, 1 2 3, 1 3
    runs = fake.steps("pytest")
    assert labels_of(runs) == ["1.0", "2.0", "3.0"] * 2 + ["1.0", "3.0"]
    # memory is exact: only round 1 measures it
    assert ["--benchmark-memory" in c.argv for c in runs] == [True] * 3 + [False] * 5
    assert [(r.label, r.status) for r in results] == [
        ("1.0", TargetStatus.OK), ("2.0", TargetStatus.PARTIAL), ("3.0", TargetStatus.OK),
    ]  # fmt: skip
    assert results[1].reason is not None
    assert results[1].reason.startswith("1 of 3 rounds kept; round 2: pytest exit code 3")
    entries = {t["label"]: t for t in _manifest(out)["targets"]}
    assert [r["status"] for r in entries["2.0"]["rounds"]] == ["ok", "failed"]
    assert [r["order"] for r in entries["3.0"]["rounds"]] == [3, 6, 8]
    # without raw rounds in the fake's stats, round 1's stats stand; all three rounds recorded
    combined = json.loads((out / "1.0.json").read_text())
    assert combined["benchmarks"][0]["stats"]["rounds"] == 3
    assert combined["benchmem"]["rounds"]["count"] == 3
    assert len(list((out / "rounds" / "1.0").glob("round-*.json"))) == 3
    # a resumed sweep keeps them: the combined runs are complete
    again = FakeRunner()
    run_targets(targets, _opts(suite_dir, out, rounds=3, resume=True), runner=again)
    assert labels_of(again.steps("pytest")) == []


def test_an_interrupted_round_is_rerun_on_resume(suite_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_targets(
            ["toypkg==1.0", "toypkg==2.0"],
            _opts(suite_dir, out, rounds=2),
            runner=FakeRunner(interrupt_on="2.0"),
        )
    entries = {t["label"]: t for t in _manifest(out)["targets"]}
    assert entries["1.0"]["status"] == "skipped"
    assert entries["1.0"]["reason"] == "interrupted after round 1 of 2"
    assert [r["round"] for r in entries["1.0"]["rounds"]] == [1]
    assert not (out / "1.0.json").exists()
