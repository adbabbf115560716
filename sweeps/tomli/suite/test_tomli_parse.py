"""tomli parsing generated TOML documents at a few sizes (the tomli ready sweep).

Each document has N tables mixing the value types a real config holds: strings with
escapes, integers, floats, booleans, dates, arrays, inline tables and an array of tables.
"""

from __future__ import annotations

import pytest
import tomli


def make_document(tables: int) -> str:
    """A TOML document with ``tables`` tables of about a dozen keys each."""
    parts = ['title = "generated"', 'owner = { name = "bench", id = 7 }', ""]
    for i in range(tables):
        tags = ", ".join(f'"t{j}"' for j in range(i % 8))
        parts += [
            f"[table_{i}]",
            f'name = "item {i} with \\"quotes\\" and \\u00e9"',
            f"count = {i * 37}",
            f"ratio = {i / 7:.6f}",
            f"enabled = {'true' if i % 2 else 'false'}",
            f"created = 2024-01-{1 + i % 28:02d}T12:{i % 60:02d}:00Z",
            f"tags = [{tags}]",
            f"matrix = [[{i}, {i + 1}], [{i + 2}, {i + 3}]]",
            f'point = {{ x = {i}, y = {i * 2}, label = "p{i}" }}',
            f'multiline = """\nline one of {i}\nline two\n"""',
            "",
            f"[[table_{i}.children]]",
            f"id = {i}",
            'kind = "child"',
            "",
        ]
    return "\n".join(parts)


@pytest.mark.parametrize("tables", [300, 1000, 3000])
def test_parse(benchmark, tables):
    document = make_document(tables)
    result = benchmark(tomli.loads, document)
    assert len([k for k in result if k.startswith("table_")]) == tables
    assert result[f"table_{tables - 1}"]["children"][0]["id"] == tables - 1
