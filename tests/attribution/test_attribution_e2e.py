"""Attribution end to end: a real ``benchmem sweep --profile`` over toy wheels 4.0 and 5.0.

5.0 adds a 5 MB buffer inside ``toypkg.extra.grow()`` and holds 1 MB less in
``toypkg.core.build()``: ``benchmem diff`` must name grow first (+5 MB), build next (-1 MB),
and its sum must match the peak difference; the HTML pages render offline in Chromium.
"""

from __future__ import annotations

import json

import pytest
from flamebrowser import needs_chromium, render

from pytest_benchmem import attribution

pytestmark = pytest.mark.e2e
MB = 1_000_000


def close(value: float, target: float, tolerance: float = 0.01) -> bool:
    return abs(value - target) <= tolerance * abs(target)


def test_sweep_profile_keeps_captures_in_the_manifest(toy_sweep):
    manifest = json.loads((toy_sweep.out / "sweep.json").read_text())
    assert manifest["profile"] is True
    for target in manifest["targets"]:
        captures = target["captures"]
        assert captures["dir"] == f"captures/{target['label']}"
        assert captures["files"] == ["suite-test_toy.py--test_work.bin"]
        assert (toy_sweep.out / captures["dir"] / captures["files"][0]).is_file()
    run = json.loads((toy_sweep.out / "5.0.json").read_text())
    blob = run["benchmarks"][0]["extra_info"]["benchmem"]
    assert blob["capture"] == "captures/5.0/suite-test_toy.py--test_work.bin"
    assert sorted(blob) == ["allocations", "capture", "peak_bytes", "total_bytes"]


def test_diff_names_grow_then_build(toy_sweep, benchmem):
    result = benchmem("diff", "4.0", "5.0", "--dir", toy_sweep.out, "--format", "json")
    assert result.code == 0, result.err
    (bench,) = json.loads(result.out)["benchmarks"]
    first, second = bench["sites"][:2]
    assert first["site"] == "toypkg.extra:grow"
    assert close(first["delta_bytes"], 5 * MB)
    assert (first["line_a"], first["line_b"]) == (5, 7)  # the new line holds the bytes
    assert second["site"] == "toypkg.core:build"
    assert close(second["delta_bytes"], -1 * MB)
    assert close(bench["sum_delta_bytes"], bench["peak_delta_bytes"])
    assert [f["function"] for f in first["stack"]] == ["grow", "work"]  # callers, harness cut


def test_diff_text_table_and_footer(toy_sweep, benchmem):
    result = benchmem("diff", toy_sweep.out / "4.0.json", toy_sweep.out / "5.0.json")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "suite/test_toy.py::test_work: 4.0 → 5.0"
    assert lines[1] == "  +4.8 MiB  toypkg.extra:grow (extra.py:5 → :7)"
    assert lines[2] == "      ← toypkg:work (__init__.py:10)"
    assert lines[3] == "  -977 KiB  toypkg.core:build (core.py:7)"
    assert lines[5].startswith("  sum of site differences +3.8 MiB vs peak difference +3.8 MiB")


def test_diff_markdown_and_csv(toy_sweep, benchmem):
    md = benchmem("diff", "4.0", "5.0", "--dir", toy_sweep.out, "--format", "md", "--top", "1")
    assert md.code == 0, md.err
    assert (
        "| +4.8 MiB | `toypkg.extra:grow` | extra.py:5 → :7 | toypkg:work (__init__.py:10) |"
        in md.out
    )
    assert "| -977 KiB | `toypkg.core:build` | core.py:7 |" in md.out
    csv = benchmem("diff", "4.0", "5.0", "--dir", toy_sweep.out, "--format", "csv")
    rows = [line.split(",") for line in csv.out.splitlines()]
    assert rows[0][:8] == [
        "id",
        "site",
        "file",
        "line_a",
        "line_b",
        "bytes_a",
        "bytes_b",
        "delta_bytes",
    ]
    assert rows[1][1] == "toypkg.extra:grow"
    assert close(int(rows[1][7]), 5 * MB)
    assert rows[2][1] == "toypkg.core:build"


def test_python_api(toy_sweep):
    (diff,) = attribution.diff_runs(toy_sweep.out / "4.0.json", toy_sweep.out / "5.0.json")
    assert isinstance(diff, attribution.BenchmarkDiff)
    assert diff.changes[0].key == "toypkg.extra:grow"
    assert diff.sum_delta == diff.peak_delta
    profile = attribution.load_profile(
        attribution.load_captures(toy_sweep.out / "5.0.json").captures[diff.benchmark_id]
    )
    found = attribution.sites(profile)
    assert close(found["toypkg.extra:grow"].size, 6 * MB)
    assert close(found["toypkg.core:build"].size, 1 * MB)
    with pytest.raises(AttributeError):
        diff.changes[0].before = 0  # type: ignore[misc]  # frozen


def test_sweep_summary_and_report_show_where_the_peak_moved(toy_sweep):
    out = toy_sweep.stdout
    head = "Where the peak moved (sites live at the peak, peaks changed > 5%):"
    assert head in out
    after = out.split(head, 1)[1].splitlines()
    assert after[1] == "  suite/test_toy.py::test_work (4.0 → 5.0):"
    assert after[2] == "    +4.8 MiB  toypkg.extra:grow (extra.py:5 → :7)"
    page = (toy_sweep.root / "report.html").read_text()
    assert "toypkg.extra:grow (extra.py:5 → :7)" in page
    assert page.count('"type":"icicle"') == 1


@needs_chromium
def test_flamegraph_and_diff_render_offline(toy_sweep, benchmem, tmp_path):
    flame = tmp_path / "flame.html"
    result = benchmem("flamegraph", toy_sweep.out / "5.0.json", "-o", flame)
    assert result.code == 0, result.err
    head = "flame graph of suite/test_toy.py::test_work: "
    assert result.out.startswith(head)
    # build's and grow's buffers at least (exact mode adds their small objects' stacks)
    assert int(result.out.removeprefix(head).split()[0]) >= 3
    page = render(flame, tmp_path)
    assert page.requests == ()
    assert page.count('class="main-svg"') >= 1
    assert page.count('class="slice cursor-pointer"') == 4  # all, work, build, grow
    assert page.count('class="cbtitle"') == 1

    diff_html = tmp_path / "diff.html"
    result = benchmem("diff", "4.0", "5.0", "--dir", toy_sweep.out, "-o", diff_html)
    assert result.code == 0, result.err
    page = render(diff_html, tmp_path)
    assert page.requests == ()
    assert page.count('class="slice cursor-pointer"') == 4
    assert page.count('class="cbtitle"') == 1
    assert "growth vs A (MiB)" in page.dom


@needs_chromium
def test_browser_check_sees_a_network_request(tmp_path):
    """The request detector works: a page linking a CDN stylesheet (as memray's does) is caught."""
    html = tmp_path / "cdn.html"
    html.write_text(
        '<html><head><link rel="stylesheet" href="https://cdn.jsdelivr.net/x.css"></head>'
        "<body>x</body></html>"
    )
    assert render(html, tmp_path).requests == ("https://cdn.jsdelivr.net/x.css",)
