"""Three pure-Python workloads for docs/metrics.md's mode comparison (run from this folder)."""

import json

DOCUMENT = json.dumps(
    [
        {
            "id": i,
            "name": f"item-{i}",
            "tags": ["a", "b", str(i)],
            "value": i * 1.5,
            "ok": i % 2 == 0,
        }
        for i in range(11_000)
    ]
)


def test_tuples(benchmark):
    benchmark(lambda: [(i, i * i) for i in range(10_000)])


def test_json(benchmark):
    benchmark(json.loads, DOCUMENT)


def test_dict(benchmark):
    benchmark(lambda: {i: i for i in range(100_000)})
