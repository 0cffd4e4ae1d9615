"""JSON list APIs and plain HTML lists."""

from __future__ import annotations

import json
from datetime import date

from crawler.profiles import PageRequest, get_profile

HLJ_API = "https://sthj.example.gov.cn/common/search/{channel_id}?_isJson=true&_pageSize=20&page={page}"
HLJ_PARAMS = {"api": HLJ_API, "channel_id": "abc", "results": "data.results", "total": "data.total"}
HUNAN_PARAMS = {
    "api": "https://api.example.gov.cn/search/common/search/{channel_id}?page={page}&_pageSize=15",
    "channel_id_pattern": r"var\s+channelId\s*=\s*'(\w+)'",
    "results": "data.list",
    "title": "docTitle",
    "url": "docUrl",
    "date": "docPubTime",
    "total": "data.totalCount",
    "per_page": 15,
}


def test_heilongjiang_style_results_total_and_pages(parse):
    url = "https://sthj.example.gov.cn/sthj/c111001/list.shtml"
    first = get_profile("json_api").first_requests(_listing(url, HLJ_PARAMS))
    assert [r.url for r in first] == [
        "https://sthj.example.gov.cn/common/search/abc?_isJson=true&_pageSize=20&page=1"
    ]
    page = parse("json_api", url, "json_hlj_page1.json", request=first[0], params=HLJ_PARAMS, max_pages=5)
    assert page.errors == []
    assert [e.url for e in page.entries] == [
        "https://sthj.example.gov.cn/sthj/c111001/202406/c00_31200001.shtml",
        "https://sthj.example.gov.cn/sthj/c111002/202406/c00_31199950.shtml",
        "https://sthj.example.gov.cn/sthj/c111001/202405/c00_31190000.shtml",
    ]
    assert page.entries[0].title == "示例厅召开生态环境保护督察整改推进会"  # search highlighting removed
    assert [e.published for e in page.entries] == [date(2024, 6, 4), date(2024, 6, 1), None]
    # 57 records at 5 per page (per_page not set: the page length counts) → 12 pages, capped at 5
    assert page.total_pages == 12
    assert [r.url[-6:] for r in page.next_requests] == ["page=2", "page=3", "page=4", "page=5"]


def test_hunan_style_channel_id_from_the_shell_page(parse):
    url = "https://sthjt.example.gov.cn/sthjt/xxgk/gzdt/index.html"
    listing = _listing(url, HUNAN_PARAMS)
    first = get_profile("json_api").first_requests(listing)
    assert first == [PageRequest(url=url, page=0)]
    shell = parse("json_api", url, "json_hunan_shell.html", request=first[0], params=HUNAN_PARAMS)
    assert shell.errors == [] and shell.entries == []
    assert shell.next_requests == [
        PageRequest(
            url="https://api.example.gov.cn/search/common/search/6d8f1c2b9a?page=1&_pageSize=15",
            page=1,
            variables={"channel_id": "6d8f1c2b9a"},
        )
    ]
    page = parse(
        "json_api",
        url,
        "json_hunan_page1.json",
        request=shell.next_requests[0],
        params=HUNAN_PARAMS,
        max_pages=9,
    )
    assert page.total_pages == 3
    assert [r.url for r in page.next_requests] == [
        "https://api.example.gov.cn/search/common/search/6d8f1c2b9a?page=2&_pageSize=15",
        "https://api.example.gov.cn/search/common/search/6d8f1c2b9a?page=3&_pageSize=15",
    ]
    # relative item URLs resolve against the column page (the site), not the API host; epoch ms and 年月日
    assert page.entries[0].url == "https://sthjt.example.gov.cn/sthjt/xxgk/gzdt/c100/202406/t20240605_7001.html"
    assert [e.published for e in page.entries] == [date(2024, 6, 5), date(2024, 6, 3)]


def test_shell_without_channel_id_is_an_error(parse):
    url = "https://sthjt.example.gov.cn/x/index.html"
    page = parse(
        "json_api", url, "html_list_last.html", request=PageRequest(url=url, page=0), params=HUNAN_PARAMS
    )
    assert page.next_requests == [] and page.entries == []
    assert any("channel id" in error for error in page.errors)


def test_wrong_json_shapes_are_errors(tmp_path):
    listing = _listing("https://x.example.gov.cn/api?page={page}", {"results": "data.results"})
    profile = get_profile("json_api")
    request = profile.first_requests(listing)[0]
    assert request.url == "https://x.example.gov.cn/api?page=1"
    for text in (
        "<html>502 Bad Gateway</html>",
        "[1, 2",
        json.dumps({"data": {"results": {"a": 1}}}),
        "null",
    ):
        page = profile.parse(listing, request, text.encode(), text, 3)
        assert page.entries == [] and page.next_requests == [] and page.errors, text


def test_jsonp_is_unwrapped():
    listing = _listing("https://x.example.gov.cn/api?page={page}", {"results": "rows", "pages": "pageCount"})
    text = 'cb({"pageCount": 2, "rows": [{"title": "t", "url": "/a/202401/t20240102_1.html"}]});'
    page = get_profile("json_api").parse(
        listing, PageRequest(url="https://x.example.gov.cn/api?page=1"), b"", text, 5
    )
    assert page.entries[0].published == date(2024, 1, 2)
    assert [r.url for r in page.next_requests] == ["https://x.example.gov.cn/api?page=2"]


def test_html_list_follows_next_link_one_page_at_a_time(parse):
    url = "https://hbj.example.gov.cn/news/list_p1.html"
    page = parse("html", url, "html_list_p1.html", max_pages=3)
    assert [e.url for e in page.entries] == [
        "https://hbj.example.gov.cn/news/content_20240607_1.htm",
        "https://hbj.example.gov.cn/news/detail.aspx?id=88123",
        "https://hbj.example.gov.cn/news/2024/0601/p3.html",
    ]
    assert [e.published for e in page.entries] == [date(2024, 6, 7), date(2024, 6, 5), date(2024, 6, 1)]
    assert page.next_requests == [PageRequest(url="https://hbj.example.gov.cn/news/list_p2.html", page=2)]
    at_limit = PageRequest(url="https://hbj.example.gov.cn/news/list_p3.html", page=3)
    assert parse("html", url, "html_list_p1.html", request=at_limit, max_pages=3).next_requests == []


def test_html_last_page_has_no_next(parse):
    url = "https://hbj.example.gov.cn/news/list_p9.html"
    page = parse("html", url, "html_list_last.html", request=PageRequest(url=url, page=9), max_pages=20)
    assert page.next_requests == []
    assert [e.published for e in page.entries] == [date(2024, 3, 1)]


def test_html_selectors_from_the_seed(parse):
    url = "https://hbj.example.gov.cn/news/list_p1.html"
    page = parse(
        "html",
        url,
        "html_list_p1.html",
        selectors={"item": "div.newslist li", "date": "em", "next": "div.pager a:last-child"},
    )
    assert len(page.entries) == 3
    assert page.next_requests[0].url == "https://hbj.example.gov.cn/news/list_p9.html"


def _listing(url, params):
    from crawler.config import Listing

    return Listing(url=url, profile="json_api", params=params)


def test_post_api_with_a_form_carrying_the_page(parse):
    params = {
        "api": "https://api.example.gov.cn/search/common/search/{channel_id}",
        "channel_id": "97434",
        "method": "POST",
        "form": {"datas[0][key]": "status", "datas[0][value]": "4", "page": "{page}", "_pageSize": "15"},
        "results": "data.list",
        "title": "docTitle",
        "url": "docUrl",
        "date": "docPubTime",
        "total": "data.totalCount",
        "per_page": 15,
    }
    url = "https://sthjt.example.gov.cn/tzgg/index.html"
    first = get_profile("json_api").first_requests(_listing(url, params))
    assert first[0].method == "POST" and first[0].formdata["page"] == "1"
    assert first[0].url == "https://api.example.gov.cn/search/common/search/97434"
    page = parse("json_api", url, "json_hunan_page1.json", request=first[0], params=params, max_pages=5)
    assert [(r.method, r.formdata["page"], r.page) for r in page.next_requests] == [
        ("POST", "2", 2),
        ("POST", "3", 3),
    ]
    assert all(r.formdata["datas[0][value]"] == "4" for r in page.next_requests)


def test_dates_inside_the_link_text_are_not_part_of_the_title(parse):
    page = parse("html", "https://xxgk.example.gov.cn/", "html_anchor_wraps_date.html")
    assert [(e.title, e.published) for e in page.entries] == [
        ("示例局关于印发安全专项整治方案的通知", date(2020, 8, 2)),
        ("示例局启用专用章的通告", date(2020, 7, 31)),
    ]
