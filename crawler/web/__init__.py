"""The web side of govwatch: read-only API, Atom feeds and server-rendered pages (`govwatch serve`)."""

from __future__ import annotations

from crawler.web.app import create_app

__all__ = ["create_app"]
