"""Reading package sources: find-links directories and simple-API index pages.

Turns a find-links directory (wheel and sdist file names, ``Requires-Python`` from wheel
METADATA), a PEP 691 JSON project page or a PEP 503 HTML page into ``DistFile`` records.
Fetching goes through a ``Fetcher`` seam so tests read recorded pages, never the real index.
"""

from __future__ import annotations

import email.parser
import json
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pytest_benchmem.errors import BenchmemError, UsageError

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"

#: url -> (content type, body); the seam tests replace to read recorded pages
Fetcher = Callable[[str], tuple[str, bytes]]


@dataclass(frozen=True)
class DistFile:
    """One distribution file of a release, as a source lists it."""

    filename: str
    version: Version
    requires_python: str | None = None
    yanked: bool = False
    upload_time: str | None = None
    origin: str = ""


def _dist_version(package: str, filename: str) -> Version | None:
    """The version of ``filename`` if it is a wheel or sdist of ``package``, else None."""
    wanted = canonicalize_name(package)
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return version if canonicalize_name(name) == wanted else None


def _wheel_requires_python(path: Path) -> str | None:
    """``Requires-Python`` from a wheel's METADATA; None when absent or unreadable."""
    try:
        with zipfile.ZipFile(path) as wheel:
            names = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
            if not names:
                return None
            text = wheel.read(names[0]).decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    value = email.parser.HeaderParser().parsestr(text).get("Requires-Python")
    return str(value).strip() if value else None


def files_from_find_links(
    package: str, entry: str, *, fetch: Fetcher | None = None
) -> list[DistFile]:
    """The files of ``package`` in a find-links entry: a directory, or a URL of an HTML page."""
    if "://" in entry and not entry.startswith("file:"):
        body = _get(entry, fetch)[1]
        return parse_simple_html(package, body.decode("utf-8", "replace"), entry)
    directory = Path(urllib.parse.urlparse(entry).path if entry.startswith("file:") else entry)
    if not directory.is_dir():
        msg = f"--find-links {entry}: not a directory"
        raise UsageError(msg)
    files: list[DistFile] = []
    for path in sorted(directory.iterdir()):
        version = _dist_version(package, path.name)
        if version is None:
            continue
        requires = _wheel_requires_python(path) if path.name.endswith(".whl") else None
        files.append(DistFile(path.name, version, requires, origin=str(directory)))
    return files


def parse_simple_json(package: str, body: bytes | str, origin: str = "") -> list[DistFile]:
    """The files of ``package`` on a PEP 691 JSON simple-API project page."""
    try:
        data = json.loads(body)
        entries = data["files"]
        if not isinstance(entries, list):
            raise TypeError  # noqa: TRY301
    except (ValueError, KeyError, TypeError):
        msg = f"{origin or 'index'}: not a PEP 691 JSON project page"
        raise BenchmemError(msg) from None
    files: list[DistFile] = []
    for item in entries:
        if not isinstance(item, dict):
            continue
        filename = str(item.get("filename", ""))
        version = _dist_version(package, filename)
        if version is None:
            continue
        requires = item.get("requires-python")
        upload = item.get("upload-time")
        files.append(
            DistFile(
                filename,
                version,
                str(requires) if requires else None,
                yanked=bool(item.get("yanked", False)),
                upload_time=str(upload) if upload else None,
                origin=origin,
            )
        )
    return files


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def parse_simple_html(package: str, body: str, origin: str = "") -> list[DistFile]:
    """The files of ``package`` on a PEP 503 HTML page (an index page or a find-links page)."""
    parser = _Anchors()
    parser.feed(body)
    files: list[DistFile] = []
    for attrs in parser.anchors:
        href = attrs.get("href") or ""
        filename = urllib.parse.unquote(urllib.parse.urlparse(href).path.rsplit("/", 1)[-1])
        version = _dist_version(package, filename)
        if version is None:
            continue
        requires = attrs.get("data-requires-python")
        yanked = "data-yanked" in attrs
        files.append(DistFile(filename, version, requires or None, yanked=yanked, origin=origin))
    return files


def _default_fetch(url: str) -> tuple[str, bytes]:
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in {"http", "https", "file"}:
        msg = f"unsupported index URL {url!r} (use http, https or file)"
        raise UsageError(msg)
    request = urllib.request.Request(url, headers={"Accept": _ACCEPT})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.headers.get_content_type(), response.read()


def _get(url: str, fetch: Fetcher | None) -> tuple[str, bytes]:
    try:
        return (fetch or _default_fetch)(url)
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        msg = f"cannot read {url}: {reason}"
        raise BenchmemError(msg) from None


def files_from_index(
    package: str, index_url: str, *, fetch: Fetcher | None = None
) -> list[DistFile]:
    """The files of ``package`` on an index (JSON simple API, HTML as a fallback); [] on 404."""
    url = f"{index_url.rstrip('/')}/{canonicalize_name(package)}/"
    try:
        content_type, body = _get(url, fetch)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        msg = f"cannot read {url}: HTTP {exc.code} {exc.reason}"
        raise BenchmemError(msg) from None
    if content_type.endswith("json"):
        return parse_simple_json(package, body, url)
    return parse_simple_html(package, body.decode("utf-8", "replace"), url)
