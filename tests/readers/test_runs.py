"""Readers: golden pytest-benchmark runs, dims, labels, validation, storage lookup."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from builders import bench, run_doc, write_run

from pytest_benchmem import runmodel, runs
from pytest_benchmem.errors import SchemaError, UsageError

GOLDEN_IDS = [
    "test_golden.py::TestBuild::test_rows[1000]",
    "test_golden.py::TestBuild::test_rows[100000]",
    "test_golden.py::test_buffer[bytes-1000000]",
    "test_golden.py::test_buffer[bytes-10000000]",
    "test_golden.py::test_buffer[bytearray-1000000]",
    "test_golden.py::test_buffer[bytearray-10000000]",
    "test_golden.py::test_sorted",
]
#: until the plugin lands, inner pytest runs must not try to load its entry point
NO_PLUGIN = [] if importlib.util.find_spec("pytest_benchmem.plugin") else ["-p", "no:benchmem"]
FAST = ["--benchmark-max-time=0", "--benchmark-min-rounds=1", "--benchmark-warmup=off"]
GOLDEN_FILES = [
    "pytest-benchmark-4.0.0.json",
    "pytest-benchmark-5.3.1.json",
    "pytest-benchmem-0.5.5-repeats3.json",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    runs.clear_cache()
    yield
    runs.clear_cache()


# -- golden runs --------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_runs_parse_ids_labels_dims(golden_dir: Path, name: str) -> None:
    run = runs.load_run(golden_dir / name)
    assert run.label == Path(name).stem
    assert [b.id for b in run.benchmarks] == GOLDEN_IDS
    by_id = run.by_id()
    rows = by_id["test_golden.py::TestBuild::test_rows[1000]"]
    assert dict(rows.dims) == {"n": 1000, "phase": "build"}
    assert rows.dim("node.class") == "TestBuild"
    assert rows.dim("node.func") == "test_rows"
    assert rows.dim("node.module") == "test_golden.py"
    assert rows.dim("node.group") is None
    buffer = by_id["test_golden.py::test_buffer[bytes-10000000]"]
    assert dict(buffer.dims) == {"kind": "bytes", "size": 10_000_000}
    assert buffer.group == "buffers"
    assert buffer.dim("node.group") == "buffers"
    assert buffer.dim("node.class") is None
    assert buffer.dim("nope") is None
    assert dict(by_id["test_golden.py::test_sorted"].dims) == {}
    # node dims are never part of the default dims
    assert not any(k.startswith("node.") for b in run.benchmarks for k in b.dims)
    data = json.loads((golden_dir / name).read_text())
    assert rows.value("time") == data["benchmarks"][0]["stats"]["min"]
    assert rows.value("time", "median") == data["benchmarks"][0]["stats"]["median"]
    assert run.has_metric("time")


def test_golden_plain_runs_have_no_memory(golden_dir: Path) -> None:
    for name in GOLDEN_FILES[:2]:
        run = runs.load_run(golden_dir / name)
        assert not run.has_metric("peak")
        assert all(b.memory is None and b.value("peak") is None for b in run.benchmarks)
        assert run.provenance == {}


def test_golden_blob_from_other_plugin(golden_dir: Path) -> None:
    run = runs.load_run(golden_dir / GOLDEN_FILES[2])
    bench_ = run.by_id()["test_golden.py::TestBuild::test_rows[100000]"]
    assert bench_.memory is not None
    assert bench_.memory["peak_bytes"] == (12335264.0,) * 3
    assert bench_.value("peak") == 12335264.0
    assert bench_.value("memory", "max") == 12335264.0
    assert bench_.value("allocated") == 18718368.0
    assert bench_.value("allocations", "stddev") == 0.0
    assert "benchmem" not in bench_.dims
    assert run.has_metric("peak")
    assert run.has_metric("allocations")


def test_series_stats(tmp_path: Path) -> None:
    path = write_run(tmp_path / "r.json", [bench("t::a", peak=[300, 100, 200])])
    b = runs.load_run(path).benchmarks[0]
    assert b.value("peak") == 100
    assert b.value("peak", "min") == 100
    assert b.value("peak", "max") == 300
    assert b.value("peak", "mean") == 200
    assert b.value("peak", "median") == 200
    assert b.value("peak", "stddev") == 100
    with pytest.raises(UsageError, match="p99"):
        b.value("peak", "p99")
    with pytest.raises(UsageError, match="unknown metric"):
        b.value("bogus")
    with pytest.raises(UsageError, match="for time"):
        b.value("time", "p99")
    assert b.value("time", "ops") == pytest.approx(1000.0)


def test_partial_blob_and_missing_stat(tmp_path: Path) -> None:
    entry = bench("t::a", stats={"median": None})
    entry["extra_info"]["benchmem"] = {"peak_bytes": [5], "extra": "tolerated"}
    del entry["stats"]["median"]
    path = write_run(tmp_path / "r.json", [entry])
    b = runs.load_run(path).benchmarks[0]
    assert b.value("peak") == 5
    assert b.value("allocations") is None
    assert b.value("time", "median") is None


# -- dims -----------------------------------------------------------------------------------


def test_dims_rules(tmp_path: Path) -> None:
    params = {
        "s": "x",
        "i": 3,
        "f": 0.5,
        "b": True,
        "lst": [1, 2],
        "dct": {"a": 1},
        "none": None,
        "obj": "UNSERIALIZABLE[<object object at 0x1>]",
        "clash": "param",
    }
    extra = {"e": 7, "clash": "extra", "elist": [1], "enone": None, "edict": {}}
    path = write_run(
        tmp_path / "r.json", [bench("t.py::test_a[x]", params=params, extra_info=extra, peak=[1])]
    )
    b = runs.load_run(path).benchmarks[0]
    assert dict(b.dims) == {"s": "x", "i": 3, "f": 0.5, "b": True, "clash": "extra", "e": 7}
    assert list(b.dims) == ["s", "i", "f", "b", "clash", "e"]
    assert b.dim("node.func") == "test_a"
    assert b.dim("node.module") == "t.py"
    assert b.dim("s") == "x"


def test_dims_of_a_real_suite_with_class_group_and_extra_info(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_suite="""
        import pytest

        class TestGroup:
            @pytest.mark.benchmark(group="g")
            @pytest.mark.parametrize("n", [1, 2])
            @pytest.mark.parametrize("mode", ["a", "b"])
            def test_x(self, benchmark, n, mode):
                benchmark.extra_info["phase"] = "build"
                benchmark.extra_info["items"] = [1, 2]
                benchmark(lambda: None)
        """
    )
    out = pytester.path / "out.json"
    result = pytester.runpytest(
        "-p", "no:cacheprovider", *NO_PLUGIN, *FAST, f"--benchmark-json={out}"
    )
    result.assert_outcomes(passed=4)
    run = runs.load_run(out)
    assert len(run.benchmarks) == 4
    for b in run.benchmarks:
        assert set(b.dims) == {"n", "mode", "phase"}
        assert b.dim("node.class") == "TestGroup"
        assert b.dim("node.group") == "g"
        assert b.dim("node.func") == "test_x"
        assert b.dim("node.module") == "test_suite.py"
    samples = runs.run_samples(run, "time", dims=["node.class", "node.group", "node.missing"])
    assert {s.dims["node.class"] for s in samples} == {"TestGroup"}
    assert all("node.missing" not in s.dims for s in samples)


# -- labels ---------------------------------------------------------------------------------


def test_labels_from_provenance_else_stem(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a.json", [bench("t::x")], label="1.0")
    b = write_run(tmp_path / "b.json", [bench("t::x")], label=None)
    c = write_run(tmp_path / "c.json", [bench("t::x")], provenance=False)
    assert [r.label for r in runs.load_runs([a, b, c])] == ["1.0", "b", "c"]
    assert runs.load_run(a, label="given").label == "given"
    assert runs.load_run(a).label == "1.0"  # the cached run keeps its own label


def test_duplicate_labels_are_made_distinct(tmp_path: Path) -> None:
    a = write_run(tmp_path / "one" / "run.json", [bench("t::x")])
    b = write_run(tmp_path / "two" / "run.json", [bench("t::x")])
    c = write_run(tmp_path / "three" / "x" / "run.json", [bench("t::x")])
    d = write_run(tmp_path / "four" / "x" / "run.json", [bench("t::x")])
    labels = [r.label for r in runs.load_runs([a, b, c, d])]
    assert labels == ["one/run", "two/run", "three/x/run", "four/x/run"]
    assert [r.label for r in runs.load_runs([a, a])] == ["run#1", "run#2"]
    assert [r.label for r in runs.load_runs([a, b], ["v", "v"])] == ["one/v", "two/v"]
    named = write_run(tmp_path / "z" / "q.json", [bench("t::x")], label="one/run")
    assert [r.label for r in runs.load_runs([named, a, b])] == ["one/run", "one/run#2", "two/run"]
    with pytest.raises(UsageError, match="1 label"):
        runs.load_runs([a, b], ["only"])


def test_directories_expand_sorted_and_skip_manifest(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    write_run(root / "b.json", [bench("t::x")])
    write_run(root / "a.json", [bench("t::x")])
    write_run(root / "sub" / "c.json", [bench("t::x")])
    (root / "sweep.json").write_text("{}")
    (root / "notes.txt").write_text("x")
    found = runs.discover_runs(root)
    assert [p.relative_to(root).as_posix() for p in found] == ["a.json", "b.json", "sub/c.json"]
    assert [r.label for r in runs.load_runs([root])] == ["a", "b", "c"]
    assert runs.discover_runs(root / "a.json") == [root / "a.json"]
    with pytest.raises(SchemaError, match="no such file or directory"):
        runs.discover_runs(tmp_path / "missing")


def test_discover_runs_default_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_run(tmp_path / ".benchmarks" / "Linux" / "0001_x.json", [bench("t::x")])
    assert runs.discover_runs() == [Path(".benchmarks/Linux/0001_x.json")]
    assert path.exists()


# -- parse once -----------------------------------------------------------------------------


def test_each_file_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_run(tmp_path / "r.json", [bench("t::x", peak=[10, 20])])
    calls: list[Path] = []
    real = runmodel.read_json

    def counting(p: Path) -> object:
        calls.append(p)
        return real(p)

    monkeypatch.setattr(runs, "read_json", counting)
    for metric in ("time", "peak", "allocated", "allocations"):
        for stat in ("min", "max", "mean", "median", "stddev"):
            runs.load_samples(path, metric=metric, stat=stat)
    runs.from_pytest_benchmark(path)
    runs.memory_from_pytest_benchmark(path, field="total_bytes")
    runs.load_runs([path, tmp_path])
    assert len(calls) == 1
    # a rewritten file is read again
    write_run(path, [bench("t::x", peak=[99])])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert runs.load_samples(path, metric="peak")[1][0].value == 99
    assert len(calls) == 2


# -- the spec's readers ---------------------------------------------------------------------


def test_spec_readers(golden_dir: Path) -> None:
    path = golden_dir / GOLDEN_FILES[2]
    label, samples, unit = runs.from_pytest_benchmark(path, metric="median")
    assert (label, unit, len(samples)) == ("pytest-benchmem-0.5.5-repeats3", "s", 7)
    label, samples, unit = runs.memory_from_pytest_benchmark(path)
    assert unit == "B"
    assert samples[-1] == runs.Sample("test_golden.py::test_sorted", 400000.0, {})
    _, samples, unit = runs.memory_from_pytest_benchmark(path, field="allocations")
    assert (unit, samples[0].value) == ("count", 20.0)
    _, samples, _ = runs.memory_from_pytest_benchmark(path, field="allocated")
    assert samples[0].value == 67328.0
    with pytest.raises(UsageError, match="memory field"):
        runs.memory_from_pytest_benchmark(path, field="time")
    _, samples, unit = runs.load_samples(path, metric="memory", stat="max")
    assert (unit, samples[0].value, samples[0].dims["n"]) == ("B", 8800.0, 1000)
    # a plain run has no memory samples
    assert runs.memory_from_pytest_benchmark(golden_dir / GOLDEN_FILES[0])[1] == []


def test_public_facade_reexports_readers() -> None:
    import pytest_benchmem

    assert pytest_benchmem.load_samples is runs.load_samples
    assert pytest_benchmem.Sample is runs.Sample
    assert pytest_benchmem.discover_runs is runs.discover_runs


def test_load_long_df_columns(golden_dir: Path) -> None:
    paths = [golden_dir / n for n in GOLDEN_FILES]
    frame, unit = runs.load_long_df(paths, metric="time", stat="min")
    assert unit == "s"
    assert list(frame.columns)[:7] == ["snapshot", "id", "value", "n", "phase", "kind", "size"]
    assert list(frame.columns)[7:] == ["module", "class", "func"]  # from the node ids
    assert set(frame["module"]) == {"test_golden.py"}
    assert len(frame) == 21
    assert set(frame["snapshot"]) == {Path(n).stem for n in GOLDEN_FILES}
    frame, unit = runs.load_long_df([paths[2]], metric="peak", dims=["node.func"])
    assert unit == "B"
    assert list(frame.columns)[:3] == ["snapshot", "id", "value"]
    assert "node.func" in frame.columns
    assert frame.loc[frame["id"].str.endswith("test_sorted"), "value"].item() == 400000.0
    frame, _ = runs.load_long_df(paths[2], metric="allocations", labels=["x"])
    assert set(frame["snapshot"]) == {"x"}
    loaded = runs.load_run(paths[0])
    frame, _ = runs.load_long_df([loaded, paths[1]], labels=["a", "b"])
    assert list(frame["snapshot"].unique()) == ["a", "b"]
    with pytest.raises(SchemaError, match="no run has peak data"):
        runs.load_long_df(paths[:2], metric="peak")


def test_load_long_df_rows_carry_their_own_dims(golden_dir: Path) -> None:
    paths = [golden_dir / n for n in GOLDEN_FILES]
    frame, _ = runs.load_long_df(paths, metric="time")
    expected = [
        dict(sample.dims) for path in paths for sample in runs.load_samples(path, metric="time")[1]
    ]
    node = ("module", "class", "func")  # every row's node dims, checked on their own
    dim_columns = [c for c in frame.columns if c not in ("snapshot", "id", "value", *node)]
    got = [
        {c: row[c] for c in dim_columns if not (isinstance(row[c], float) and row[c] != row[c])}
        for row in frame.to_dict("records")
    ]
    assert got == expected
    assert sum(1 for dims in expected if dims) > 1  # more than the first row has dims
    loaded = [b for p in paths for b in runs.load_run(p).benchmarks if b.value("time") is not None]
    assert list(frame["func"]) == [b.dim("func") for b in loaded]


def test_load_long_df_without_pandas(golden_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError, match=r"\[plot\] extra"):
        runs.load_long_df([golden_dir / GOLDEN_FILES[0]])


def test_import_is_light() -> None:
    code = (
        "import sys, pytest_benchmem, pytest_benchmem.runs;"
        "import pytest_benchmem.compare, pytest_benchmem.render;"
        "bad = [m for m in ('pandas', 'plotly', 'typer', 'rich', 'numpy') if m in sys.modules];"
        "assert not bad, bad"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)


# -- storage --------------------------------------------------------------------------------


def test_find_storage_run(tmp_path: Path) -> None:
    storage = tmp_path / ".benchmarks"
    assert runs.find_storage_run(storage) is None
    storage.mkdir()
    assert runs.find_storage_run(storage) is None
    machine = storage / "Linux-CPython-3.11-64bit"
    first = write_run(machine / "0001_base.json", [bench("t::x")])
    second = write_run(machine / "0002_feature.json", [bench("t::x")])
    tenth = write_run(machine / "0010_later.json", [bench("t::x")])
    (machine / "notes.json").write_text("{}")
    assert runs.find_storage_run(storage) == tenth
    assert runs.find_storage_run(machine) == tenth
    assert runs.find_storage_run(storage, "0001") == first
    assert runs.find_storage_run(storage, "2") == second
    assert runs.find_storage_run(storage, "feature") == second
    assert runs.find_storage_run(storage, str(first)) == first
    with pytest.raises(UsageError, match="no saved run matches '0007'"):
        runs.find_storage_run(storage, "0007")
    with pytest.raises(UsageError, match="nothing"):
        runs.find_storage_run(storage, "nothing")


# -- validation -----------------------------------------------------------------------------


def _bad(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    return path


def _good_text(**kwargs: object) -> str:
    return json.dumps(run_doc([bench("t.py::test_x", peak=[1, 2])]), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty file"),
        ("   \n", "empty file"),
        ("{not json", "malformed JSON"),
        (_good_text(indent=1)[:-40], r"malformed JSON \(truncated\?\)"),
        ("[1, 2]", "not a pytest-benchmark run"),
        ('{"foo": 1}', "not a pytest-benchmark run"),
        ('{"benchmarks": {}}', "not a pytest-benchmark run"),
        ('{"benchmarks": [1]}', r"benchmarks\[0\] is not an object"),
        ('{"benchmarks": [{"stats": {}}]}', "no 'fullname' or 'name'"),
        ('{"benchmarks": [{"fullname": "a", "stats": 3}]}', "benchmark 'a': 'stats'"),
        ('{"benchmarks": [{"fullname": "a"}]}', "'stats' must be an object"),
        ('{"benchmarks": [{"fullname": "a", "stats": {"min": "x"}}]}', "stats.min must be"),
        ('{"benchmarks": [{"fullname": "a", "stats": {"min": true}}]}', "stats.min must be"),
        ('{"benchmarks": [{"fullname": "a", "stats": {}, "group": 1}]}', "'group' must be"),
        ('{"benchmarks": [{"fullname": "a", "stats": {}, "params": []}]}', "'params' must be"),
        ('{"benchmarks": [{"fullname": "a", "stats": {}, "extra_info": 1}]}', "'extra_info'"),
        ('{"benchmarks": [], "benchmem": "x"}', "top-level 'benchmem' must be an object"),
        ('{"benchmarks": [], "benchmem": {"label": 3}}', "'benchmem.label' must be a string"),
    ],
    ids=lambda v: v[:30] if isinstance(v, str) else None,
)
def test_bad_documents(tmp_path: Path, text: str, match: str) -> None:
    path = _bad(tmp_path, text)
    with pytest.raises(SchemaError, match=match) as info:
        runs.load_run(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("blob", "match"),
    [
        ("big", r"extra_info.benchmem must be an object"),
        ([1, 2], r"extra_info.benchmem must be an object"),
        ({}, "has none of peak_bytes"),
        ({"peak_bytes": "12"}, r"benchmem.peak_bytes must be a non-empty list"),
        ({"peak_bytes": []}, r"benchmem.peak_bytes must be a non-empty list"),
        ({"peak_bytes": ["1"]}, r"benchmem.peak_bytes"),
        ({"peak_bytes": [True]}, r"benchmem.peak_bytes"),
        ({"peak_bytes": [-1]}, r"benchmem.peak_bytes"),
        ({"peak_bytes": [1], "allocations": [None]}, r"benchmem.allocations"),
        ({"peak_bytes": [10**400]}, r"benchmem.peak_bytes"),
    ],
)
def test_bad_blobs_name_file_and_benchmark(tmp_path: Path, blob: object, match: str) -> None:
    entry = bench("t.py::test_x[1]")
    entry["extra_info"]["benchmem"] = blob
    path = write_run(tmp_path / "r.json", [entry])
    with pytest.raises(SchemaError, match=match) as info:
        runs.load_run(path)
    assert f"{path}: benchmark 't.py::test_x[1]'" in str(info.value)


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no such file"):
        runs.load_run(tmp_path / "missing.json")
    with pytest.raises(SchemaError, match="is a directory"):
        runs.load_run(tmp_path)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SchemaError, match="not a text file"):
        runs.load_run(binary)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SchemaError, match="no pytest-benchmark runs"):
        runs.load_runs([empty])
    with pytest.raises(SchemaError, match="no such file or directory"):
        runs.load_runs([tmp_path / "nope.json"])
    huge = _bad(tmp_path, '{"benchmarks": [' + "[" * 100_000 + "]" * 100_000 + "]}")
    with pytest.raises(SchemaError, match=r"malformed JSON|not an object"):
        runs.load_run(huge)


def test_require_metric(golden_dir: Path) -> None:
    plain = runs.load_runs([golden_dir / n for n in GOLDEN_FILES[:2]])
    assert runs.require_metric(plain, "time") == "time"
    with pytest.raises(SchemaError, match="no run has allocations data"):
        runs.require_metric(plain, "allocs")
    untimed = runs.load_run(write_run(golden_dir / "e.json", [{"fullname": "t", "stats": {}}]))
    with pytest.raises(SchemaError, match="no benchmark timings"):
        runs.require_metric([untimed] * 4, "time")
    with pytest.raises(SchemaError, match="holds no benchmarks"):
        runs.load_run(write_run(golden_dir / "none.json", []))


def test_float_series_and_odd_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = bench("t::a")
    entry["extra_info"]["benchmem"] = {"peak_bytes": [1.5, 2]}
    b = runs.load_run(write_run(tmp_path / "f.json", [entry])).benchmarks[0]
    assert b.memory == {"peak_bytes": (1.5, 2.0)}
    entry["extra_info"]["benchmem"] = {"peak_bytes": [1.5, -2.0]}
    with pytest.raises(SchemaError, match="non-negative"):
        runs.load_run(write_run(tmp_path / "g.json", [entry]))
    huge = _bad(tmp_path, '{"benchmarks": [], "x": ' + "1" * 5000 + "}")
    with pytest.raises(SchemaError, match="malformed JSON"):
        runs.load_run(huge)
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    with pytest.raises(SchemaError, match="cannot read"):
        runs.load_run(loop)
    good = write_run(tmp_path / "good.json", [bench("t::a")])

    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(SchemaError, match=r"good.json: cannot read \(Permission denied\)"):
        runs.load_run(good)


def test_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "_CACHE_SIZE", 2)
    paths = [write_run(tmp_path / f"r{i}.json", [bench("t::a")]) for i in range(4)]
    for path in paths:
        runs.load_run(path)
    runs.load_run(paths[-1])
    assert len(runs._CACHE) == 2


def test_same_file_by_another_path_keeps_the_given_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_run(tmp_path / "r.json", [bench("t::a")])
    monkeypatch.chdir(tmp_path)
    first = runs.load_run(path)
    again = runs.load_run("r.json")
    assert (first.path, again.path) == (path, Path("r.json"))
    assert again.benchmarks is first.benchmarks  # parsed once

    def vanished(self: Path, *args: object, **kwargs: object) -> str:
        raise FileNotFoundError(2, "No such file")

    runs.clear_cache()
    monkeypatch.setattr(Path, "read_text", vanished)
    with pytest.raises(SchemaError, match=r"r\.json: no such file"):
        runs.load_run(path)


def test_sweep_directory_in_manifest_order(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    v19 = write_run(out / "1.9.json", [bench("t::x")], label="1.9")
    v110 = write_run(out / "1.10.json", [bench("t::x")], label="1.10")
    extra = write_run(out / "0-extra.json", [bench("t::x")])
    write_run(out / "logs" / "1.9" / "pytest.json", [bench("t::x")])
    (out / "bisect.json").write_text("{}")
    manifest = {
        "schema": 1,
        "targets": [
            {"label": "1.9", "run": str(v19.resolve())},
            {"label": "broken", "run": None},
            {"label": "1.10", "run": "1.10.json"},  # relative: taken from the directory
        ],
    }
    (out / "sweep.json").write_text(json.dumps(manifest))
    assert runs.discover_runs(out) == [v19, v110, extra]
    assert [r.label for r in runs.load_runs([out])] == ["1.9", "1.10", "0-extra"]
    # an unreadable manifest falls back to path order
    (out / "sweep.json").write_text('{"targets": 3}')
    assert runs.discover_runs(out) == [extra, v110, v19]


_STATS = '"stats": {"min": 1.0}'


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"benchmarks": []}', "holds no benchmarks"),
        (
            '{"benchmarks": [{"fullname": "a", ' + _STATS + ', "extra_info": {"benchmem": '
            '{"peak_bytes": [1.5e308]}}}]}',
            "not a plausible peak_bytes",
        ),
        (
            '{"benchmarks": [{"fullname": "a", ' + _STATS + ', "extra_info": {"benchmem": '
            '{"peak_bytes": [1, 2], "allocations": [1]}}}]}',
            r"series differ in length \(peak_bytes 2, allocations 1\)",
        ),
        ('{"benchmarks": [], "benchmem": {"schema": 999}}', "'benchmem.schema' is 999"),
        ('{"benchmarks": [], "benchmem": {"schema": "1"}}', "'benchmem.schema' is '1'"),
    ],
    ids=["no-benchmarks", "huge-peak", "series-lengths", "newer-schema", "schema-type"],
)
def test_runs_accepted_silently_before_are_refused(tmp_path: Path, text: str, match: str) -> None:
    """Issue 13 defect 11: each of these was read without a word."""
    path = _bad(tmp_path, text)
    with pytest.raises(SchemaError, match=match) as info:
        runs.load_run(path)
    assert "\n" not in str(info.value)
