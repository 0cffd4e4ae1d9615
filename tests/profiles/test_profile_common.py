"""The registry, listing dates, and the promise that no input crashes a profile."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.config import PROFILES as SEED_PROFILES
from crawler.config import Listing
from crawler.profiles import PROFILES, ListingPage, PageRequest, get_profile
from crawler.profiles.dates import date_from_url, listing_date, parse_date_value


def test_every_seed_profile_is_registered():
    assert set(PROFILES) == set(SEED_PROFILES)
    for name in SEED_PROFILES:
        assert get_profile(name).name == name


def test_unknown_profile_is_a_clear_key_error():
    with pytest.raises(KeyError, match=r"unknown listing profile 'wordpress'.*hanweb, html, json_api, trs"):
        get_profile("wordpress")


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("2024-05-06", None, date(2024, 5, 6)),
        ("发布时间：2024/5/6 10:00", None, date(2024, 5, 6)),
        ("2024.05.06", None, date(2024, 5, 6)),
        ("2024年5月6日", None, date(2024, 5, 6)),
        ("[05-06]", "https://x.gov.cn/a/202405/t20240506_1.html", date(2024, 5, 6)),
        ("05-06", "https://x.gov.cn/art/2023/5/6/art_1_2.html", date(2023, 5, 6)),
        ("", "https://x.gov.cn/a/202405/t20240507_1.shtml", date(2024, 5, 7)),
        ("[05-06]", None, None),  # no year anywhere
        ("2024-13-45", None, None),  # not a date
        ("第2024-1号文件", None, None),
    ],
)
def test_listing_dates(text, url, expected):
    assert listing_date(text, url) == expected


def test_url_dates_and_json_values():
    assert date_from_url("/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html") == date(2022, 4, 26)
    assert date_from_url("/art/2020/3/4/art_1234_567890.html") == date(2020, 3, 4)
    assert date_from_url("/a/t20201399_1.html") is None
    assert parse_date_value(1717552800000) == date(2024, 6, 5)  # epoch ms, China time
    assert parse_date_value(1717552800) == date(2024, 6, 5)
    assert parse_date_value("2024-06-05 10:00:00") == date(2024, 6, 5)
    assert (
        parse_date_value(None) is None and parse_date_value(True) is None and parse_date_value(10**30) is None
    )


LISTINGS = {
    "trs": Listing(url="https://www.example.gov.cn/col/", profile="trs"),
    "hanweb": Listing(
        url="https://www.example.gov.cn/col/col1/index.html", profile="hanweb", params={"columnid": "1"}
    ),
    "json_api": Listing(
        url="https://www.example.gov.cn/list.html",
        profile="json_api",
        params={
            "api": "https://www.example.gov.cn/api/{channel_id}?p={page}",
            "channel_id_pattern": "id='(\\w+)'",
        },
    ),
    "html": Listing(url="https://www.example.gov.cn/news/", profile="html"),
}


@pytest.mark.parametrize("name", sorted(LISTINGS))
@pytest.mark.parametrize(
    "text", ["", "   ", "\x00\x00", "<html></html>", "{}", "<datastore><record>", "<<<>>>"]
)
def test_malformed_pages_give_errors_not_exceptions(name, text):
    listing = LISTINGS[name]
    for page_number in (0, 1, 2):
        page = get_profile(name).parse(
            listing, PageRequest(url=listing.url, page=page_number), text.encode(), text, 3
        )
        assert isinstance(page, ListingPage)
        assert page.entries == []
        assert page.errors or page.next_requests  # a shell page may still find nothing to ask for


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(LISTINGS)),
    body=st.binary(max_size=2000),
    page_number=st.integers(min_value=0, max_value=3),
    max_pages=st.integers(min_value=-1, max_value=50),
)
def test_random_bytes_never_crash_parse(name, body, page_number, max_pages):
    listing = LISTINGS[name]
    text = body.decode("utf-8", errors="replace")
    page = get_profile(name).parse(
        listing, PageRequest(url=listing.url, page=page_number), body, text, max_pages
    )
    assert isinstance(page, ListingPage)
    assert all(entry.url.startswith(("http://", "https://")) for entry in page.entries)
    assert len(page.next_requests) <= 50


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(sorted(LISTINGS)),
    fragments=st.lists(
        st.sampled_from(
            [
                "<li>",
                "</li>",
                '<a href="./202401/t20240102_5.shtml">',
                "</a>",
                "<span>2024-01-02</span>",
                "<record><![CDATA[",
                "]]></record>",
                "<totalrecord>99999999999999999999</totalrecord>",
                "var countPage = 99999999",
                "createPageHTML('d', 5, 1, 'list', 'html', 9);",
                "createPageHTML(0, 0, , );",
                '{"data": {"results": [{"url": 5, "title": null}]}, "total": "x"}',
                "下一页",
                '<a href="javascript:;">下一页</a>',
                "\x00",
                "标题",
            ]
        ),
        max_size=40,
    ),
)
def test_html_like_garbage_never_crashes_parse(name, fragments):
    listing = LISTINGS[name]
    text = "".join(fragments)
    page = get_profile(name).parse(listing, PageRequest(url=listing.url), text.encode(), text, 5)
    assert isinstance(page, ListingPage)
    assert len(page.next_requests) <= 5 * 3


def test_henan_style_url_dates():
    assert date_from_url("https://sthjt.example.gov.cn/2023/11-20/2850423.html") == date(2023, 11, 20)


@settings(max_examples=80, deadline=None)
@given(body=st.binary(max_size=2000), page_number=st.integers(min_value=0, max_value=3))
def test_random_bytes_never_crash_the_hanweb_xxgk_and_dataproxy_readers(body, page_number):
    listing = Listing(
        url="https://www.example.gov.cn/col/col1/index.html", profile="hanweb", params={"xxgk": {"jdid": "1"}}
    )
    text = body.decode("utf-8", errors="replace")
    for url in (
        "https://www.example.gov.cn/module/xxgk/search.jsp",
        "https://www.example.gov.cn/module/web/jpage/dataproxy.jsp",
    ):
        request = PageRequest(url=url, method="POST", formdata={"currpage": "1"}, page=page_number)
        page = get_profile("hanweb").parse(listing, request, body, text, 5)
        assert isinstance(page, ListingPage)
        assert len(page.next_requests) <= 4


def test_one_malformed_link_does_not_sink_the_page():
    listing = Listing(url="https://www.example.gov.cn/news/", profile="html")
    text = (
        '<ul><li><a href="http://[oops/t20240101_1.html">坏链接</a><span>2024-01-01</span></li>'
        '<li><a href="./202401/t20240102_2.html">好链接</a><span>2024-01-02</span></li></ul>'
    )
    page = get_profile("html").parse(listing, PageRequest(url=listing.url), text.encode(), text, 1)
    assert [e.url for e in page.entries] == ["https://www.example.gov.cn/news/202401/t20240102_2.html"]
