"""Headless Chromium for the plot tests: render a page offline, screenshot and DOM together."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and Path("/usr/bin/chromium").exists():  # pragma: no cover
    CHROMIUM = "/usr/bin/chromium"

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)


@dataclass(frozen=True)
class Page:
    dom: str
    screenshot: Path

    def count(self, needle: str) -> int:
        return self.dom.count(needle)


def render(html: Path, shot_dir: Path, name: str, *, height: int = 800) -> Page:
    """Open ``html`` in headless Chromium with every host unresolvable (proves it is offline)."""
    assert CHROMIUM is not None
    profile = shot_dir / f".profile-{name}"
    shot = shot_dir / f"{name}.png"
    argv = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=3000",
        f"--window-size=1200,{height}",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        "--dump-dom",
        html.resolve().as_uri(),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return Page(done.stdout, shot)
