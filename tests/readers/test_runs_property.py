"""Property: whatever JSON a reader is fed, it returns a Run or raises SchemaError, never else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_benchmem import runs
from pytest_benchmem.errors import SchemaError

GOLDEN = Path(__file__).parent.parent / "data" / "runs" / "pytest-benchmem-0.5.5-repeats3.json"
_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["UNSERIALIZABLE[x]", "benchmem", "peak_bytes", "min", "fullname"]),
)
keys = st.sampled_from(
    [
        "benchmarks",
        "benchmem",
        "fullname",
        "name",
        "group",
        "params",
        "extra_info",
        "stats",
        "peak_bytes",
        "allocations",
        "total_bytes",
        "label",
        "min",
        "median",
        "ops",
        "x",
    ]
) | st.text(max_size=6)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


def _check(path: Path) -> None:
    runs.clear_cache()
    try:
        run = runs.load_run(path)
    except SchemaError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert "\n" not in message
        return
    for metric in ("time", "peak", "allocated", "allocations"):
        run.has_metric(metric)
        for stat in ("min", "max", "mean", "median", "stddev"):
            runs.run_samples(run, metric, stat, dims=runs.NODE_DIMS)
    run.by_id()


@_SETTINGS
@given(doc=documents)
def test_random_json_documents_only_raise_schema_error(tmp_path: Path, doc: object) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _check(path)


@_SETTINGS
@given(
    doc=st.fixed_dictionaries(
        {"benchmarks": st.lists(documents, max_size=3)}, optional={"benchmem": documents}
    )
)
def test_random_benchmark_lists_only_raise_schema_error(tmp_path: Path, doc: object) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _check(path)


def _paths(doc: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, (*prefix, i))
    return out


_GOLDEN_DOC = json.loads(GOLDEN.read_text())
_GOLDEN_DOC["benchmarks"] = _GOLDEN_DOC["benchmarks"][:2]
for _b in _GOLDEN_DOC["benchmarks"]:
    _b["stats"]["data"] = _b["stats"]["data"][:2]
_GOLDEN_PATHS = [p for p in _paths(_GOLDEN_DOC) if p and p[0] != "machine_info"]


@_SETTINGS
@given(
    where=st.sampled_from(_GOLDEN_PATHS),
    value=documents,
    delete=st.booleans(),
)
def test_mutated_golden_run_only_raises_schema_error(
    tmp_path: Path, where: tuple[object, ...], value: object, delete: bool
) -> None:
    doc = json.loads(json.dumps(_GOLDEN_DOC))
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _check(path)


@_SETTINGS
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=8))
def test_truncated_or_corrupted_bytes_only_raise_schema_error(
    tmp_path: Path, cut: int, junk: bytes
) -> None:
    path = tmp_path / "doc.json"
    shutil.copy(GOLDEN, path)
    data = path.read_bytes()
    path.write_bytes(data[:cut] + junk)
    _check(path)
