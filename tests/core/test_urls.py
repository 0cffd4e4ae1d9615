"""Canonical URLs: mirrors folded, noise dropped, real differences kept."""

from __future__ import annotations

import pytest

from crawler.urls import canonical_url, is_mirror


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://big5.mee.gov.cn/gate/big5/www.mee.gov.cn/ywdt/hjywnews/202003/t20200323_770360.shtml",
            "http://www.mee.gov.cn/ywdt/hjywnews/202003/t20200323_770360.shtml",
        ),
        ("HTTP://WWW.MEE.GOV.CN:80/ywdt/#top", "http://www.mee.gov.cn/ywdt/"),
        ("https://www.mee.gov.cn:443/a.shtml?utm_source=x&id=3", "https://www.mee.gov.cn/a.shtml?id=3"),
        ("http://127.0.0.3:8123/gate/big5/127.0.0.2:8123/ywdt/a.shtml", "http://127.0.0.2:8123/ywdt/a.shtml"),
        ("http://example.gov.cn", "http://example.gov.cn/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_query_that_selects_content_is_kept() -> None:
    assert canonical_url("http://x.gov.cn/art.jsp?id=5&col=2") == "http://x.gov.cn/art.jsp?id=5&col=2"
    assert canonical_url("http://x.gov.cn/art.jsp?id=5") != canonical_url("http://x.gov.cn/art.jsp?id=6")


def test_is_mirror() -> None:
    assert is_mirror("http://big5.mee.gov.cn/gate/big5/www.mee.gov.cn/x.shtml")
    assert not is_mirror("http://www.mee.gov.cn/x.shtml")
