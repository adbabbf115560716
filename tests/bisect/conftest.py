"""Fixtures for release listing and bisect tests (the index server lives in indexserver.py)."""

from __future__ import annotations

from indexserver import simple_server

__all__ = ["simple_server"]
