"""Performance of ``benchmem --help``: a fresh process, with the whole app registered at import.

The app object is complete when ``pytest_benchmem.cli`` is imported (every command module is
imported for its ``@app.command``), so the help's start-up must stay close to typer's own:
reported in the same run as a ratio to a process that imports only typer and renders an empty
app's help. No wall time is asserted.
"""

from __future__ import annotations

import subprocess
import sys
import time

HELP = "from pytest_benchmem.cli import main; main(['--help'])"
TYPER_ONLY = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\n"
    "def one() -> None: ...\n"
    "@app.command()\n"
    "def two() -> None: ...\n"
    "app(['--help'])\n"
)


def _run(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    return time.perf_counter() - start


def test_help_start_up(benchmark):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", HELP],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    cumulative = {
        line.rsplit("|", 1)[1].strip(): int(line.split("|")[1])
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2 and "cumulative" not in line
    }
    assert not {"plotly", "pandas", "uv", "memray"} & set(cumulative)
    benchmark.pedantic(lambda: _run(HELP), rounds=5, iterations=1, warmup_rounds=1)
    typer_only = min(_run(TYPER_ONLY) for _ in range(5))
    ours = benchmark.stats.stats.min
    benchmark.extra_info.update(
        {
            "typer_only_s": typer_only,
            "ratio_to_typer_only": ours / typer_only,
            "import_pytest_benchmem_cli_ms": cumulative.get("pytest_benchmem.cli", 0) / 1000,
        }
    )
