"""Headless Chromium for flame-graph pages: the DOM after rendering and the page's requests.

Every host is unresolvable (``--host-resolver-rules``) and Chromium's net log records each
request; requests the page itself made (initiator ``null``: a file:// page) are returned,
Chromium's own background traffic (initiator ``not an origin``) is not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
_LOCAL = ("file:", "data:", "blob:", "about:", "chrome:")


@dataclass(frozen=True)
class Rendered:
    dom: str
    requests: tuple[str, ...]

    def count(self, needle: str) -> int:
        return self.dom.count(needle)


def page_requests(net_log: Path) -> tuple[str, ...]:
    """URLs the page asked for over the network (from Chromium's net log)."""
    data = json.loads(net_log.read_text())
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    urls = []
    for event in data["events"]:
        params = event.get("params") or {}
        if names.get(event["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        if params.get("initiator") == "not an origin":  # Chromium's own update/account pings
            continue
        if not str(params["url"]).startswith(_LOCAL):
            urls.append(str(params["url"]))
    return tuple(urls)


def render(html: Path, work: Path) -> Rendered:
    """Open ``html`` offline; return its DOM and the network requests it made."""
    assert CHROMIUM is not None
    profile = work / f".profile-{html.stem}"
    net_log = work / f"{html.stem}.netlog.json"
    argv = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}", f"--log-net-log={net_log}",
        "--virtual-time-budget=3000", "--window-size=1200,900", "--dump-dom",
        html.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return Rendered(done.stdout, page_requests(net_log))
