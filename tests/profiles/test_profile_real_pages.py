"""The profiles measured against real saved listing pages in ../shared (read in place, never copied);
skipped where that folder is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import Listing
from crawler.profiles import PageRequest, get_profile

REAL = Path(__file__).resolve().parents[3] / "shared" / "real-pages"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} not present (only on the dev machine)")


def _parse(name: str, url: str, profile: str):
    text = (REAL / name).read_text(encoding="utf-8", errors="replace")
    listing = Listing(url=url, profile=profile)
    return get_profile(profile).parse(listing, PageRequest(url=url), text.encode(), text, 3)


@pytest.mark.parametrize("profile", ["trs", "html"])
def test_mee_consultation_list_keeps_dated_items_and_drops_navigation(profile):
    page = _parse("mee.gov.cn__hdjl_yjzj_list_fixture_trimmed.html", "https://www.mee.gov.cn/", profile)
    assert len(page.entries) == 3
    assert all(e.url.startswith("https://www.mee.gov.cn/") and "/t2026" in e.url for e in page.entries)
    assert all(e.published and e.published.year == 2026 for e in page.entries)
    assert not any(e.url.endswith(("/zjyj/", "/wqzj_1/")) for e in page.entries)


@pytest.mark.parametrize("profile", ["trs", "html"])
def test_handan_portal_rows_with_titles_and_dates(profile):
    page = _parse("hdzfxxgk.hd.gov.cn__xxgk_index_listing.html", "http://hdzfxxgk.hd.gov.cn/", profile)
    assert len(page.entries) >= 40
    assert all(e.published is not None and e.title for e in page.entries)
    assert len({e.url for e in page.entries}) == len(page.entries)


def test_shanghai_list_with_a_js_page_count():
    page = _parse(
        "wsjkw.sh.gov.cn__yqtb_index_listing.html", "https://wsjkw.sh.gov.cn/yqtb/index.html", "trs"
    )
    assert len(page.entries) == 20
    assert page.total_pages == 54
    assert all(e.published is not None for e in page.entries)
