"""A local simple-API server on 127.0.0.1 serving recorded pages (release listing tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"

TOYPKG_HTML = """<!DOCTYPE html>
<html><body>
<a href="../../files/toypkg-1.0-py3-none-any.whl#sha256=00"
   data-requires-python="&gt;=3.8">toypkg-1.0-py3-none-any.whl</a>
<a href="../../files/toypkg-2.0-py3-none-any.whl"
   data-requires-python="&gt;=3.12">toypkg-2.0-py3-none-any.whl</a>
<a href="../../files/toypkg-2.1-py3-none-any.whl" data-yanked="">toypkg-2.1-py3-none-any.whl</a>
<a href="../../files/toypkg-1.5.tar.gz">toypkg-1.5.tar.gz</a>
<a href="https://example.invalid/">home</a>
</body></html>
"""


@dataclass
class SimpleServer:
    """A tiny index: ``/simple/<name>/`` serves the recorded JSON page, ``/html/`` HTML pages."""

    url: str
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    accepts: list[str] = field(default_factory=list)

    def serve(
        self, path: str, body: bytes | str, content_type: str = JSON_TYPE, status: int = 200
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = (status, content_type, data)


@pytest.fixture
def simple_server() -> Iterator[SimpleServer]:
    """An HTTP server on 127.0.0.1 serving recorded simple-API pages (never the real index)."""
    state = SimpleServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.accepts.append(self.headers.get("Accept", ""))
            status, content_type, body = state.pages.get(self.path, (404, "text/plain", b"nope"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    state.serve("/simple/tomli/", (DATA / "tomli.simple.json").read_bytes())
    state.serve("/simple/toypkg/", (DATA / "toypkg.simple.json").read_bytes())
    state.serve("/html/toypkg/", TOYPKG_HTML, "text/html")
    state.serve("/links/", TOYPKG_HTML, "text/html")
    state.serve("/broken/toypkg/", b"oops", "text/plain", 500)
    state.serve("/garbage/toypkg/", b"{not json", JSON_TYPE)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
