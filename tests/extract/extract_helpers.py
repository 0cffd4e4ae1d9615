"""Paths for the extraction tests: our fixture pages and the optional ../shared material."""

from __future__ import annotations

from pathlib import Path

PAGES = Path(__file__).parent / "pages"
SHARED = Path(__file__).resolve().parents[3] / "shared"


def page_bytes(name: str) -> bytes:
    """Raw bytes of one of our fixture pages."""
    return (PAGES / name).read_bytes()
