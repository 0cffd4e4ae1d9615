"""Shared helpers for the profile tests: our frozen listing pages and a one-call parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.config import Listing
from crawler.profiles import ListingPage, PageRequest, get_profile

PAGES = Path(__file__).parent / "pages"


def page_text(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def run(
    profile: str,
    url: str,
    page: str,
    *,
    request: PageRequest | None = None,
    max_pages: int = 3,
    **listing: Any,
) -> ListingPage:
    """Parse one of our frozen pages as the response to `request` (default: the listing URL, page 1)."""
    seed = Listing(url=url, profile=profile, **listing)
    text = page_text(page)
    return get_profile(profile).parse(seed, request or PageRequest(url=url), text.encode(), text, max_pages)


@pytest.fixture
def parse():
    """`parse(profile, url, page_file, request=…, max_pages=…, params=…, selectors=…)` → ListingPage."""
    return run


@pytest.fixture
def page():
    """`page(name)` → the text of one of our frozen pages."""
    return page_text
