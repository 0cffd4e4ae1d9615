"""Numbered pagers without a 下一页 link (html and trs), and the general JSON list profile's templates."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crawler.config import Listing
from crawler.profiles import PageRequest, get_profile


def _page(profile: str, url: str, text: str, *, request: PageRequest | None = None, max_pages: int = 5, **kw):
    listing = Listing(url=url, profile=profile, **kw)
    return get_profile(profile).parse(listing, request or PageRequest(url=url), text.encode(), text, max_pages)


def _list(hrefs: list[str], pager: list[str], extra: str = "") -> str:
    rows = "".join(f'<li><a href="{h}">第{i}条消息标题文字</a><span>2026-11-0{i + 1}</span></li>' for i, h in enumerate(hrefs))
    links = "".join(f'<a href="{h}">{n}</a>' for n, h in pager)
    return f"<html><body><ul class='list'>{rows}</ul><div class='page'>{links}{extra}</div></body></html>"


ARTICLES = ["./202611/t20261101_1.html", "./202611/t20261102_2.html"]


@pytest.mark.parametrize(
    ("listing", "pager", "wanted", "total"),
    [
        # index_N.html numbered from 1 (TRS: index_1 is page 2)
        ("https://a.example.gov.cn/xwzx/", [("1", "index.html"), ("2", "index_1.html"), ("9", "index_8.html")],
         ["index_1.html", "index_2.html", "index_3.html", "index_4.html"], 9),
        # index_N.shtml numbered from 2 (index_2 is page 2)
        ("https://a.example.gov.cn/ttxw/index.shtml", [("2", "index_2.shtml"), ("3", "index_3.shtml")],
         ["index_2.shtml", "index_3.shtml"], 3),
        # <name>_N.shtml from 2 (Sichuan's xwdt_list_2.shtml)
        ("https://a.example.gov.cn/c1/xwdt_list.shtml", [("2", "xwdt_list_2.shtml"), ("40", "xwdt_list_40.shtml")],
         ["xwdt_list_2.shtml", "xwdt_list_3.shtml", "xwdt_list_4.shtml", "xwdt_list_5.shtml"], 40),
        # common_list_N.shtml (Xinjiang)
        ("https://a.example.gov.cn/xjepd/x/common_list.shtml", [("2", "common_list_2.shtml"), ("3", "common_list_3.shtml")],
         ["common_list_2.shtml", "common_list_3.shtml"], 3),
        # ?pageNum=N on the listing's own path (Jiangxi 2025); pageNum=1 links page 1 itself
        ("https://a.example.gov.cn/col/col1/index.html?uid=9",
         [("1", "?uid=9&pageNum=1"), ("2", "?uid=9&pageNum=2"), ("3", "?uid=9&pageNum=3")],
         ["index.html?uid=9&pageNum=2", "index.html?uid=9&pageNum=3"], 3),
    ],
)
@pytest.mark.parametrize("profile", ["html", "trs"])
def test_numbered_pagers_are_detected_from_the_links(profile, listing, pager, wanted, total):
    page = _page(profile, listing, _list(ARTICLES, pager))
    assert page.errors == []
    assert len(page.entries) == 2
    assert page.total_pages == total
    folder = listing.rsplit("/", 1)[0] + "/"
    assert [r.url for r in page.next_requests] == [folder + w for w in wanted]
    assert [r.page for r in page.next_requests] == list(range(2, len(wanted) + 2))


def test_a_printed_count_gives_the_total_when_the_links_show_only_a_window():
    page = _page("html", "https://a.example.gov.cn/n/", _list(ARTICLES, [("2", "index_1.html")], "共 12 页"))
    assert page.total_pages == 12
    assert len(page.next_requests) == 4


def test_later_pages_ask_nothing_more_when_page_one_asked_for_all():
    url = "https://a.example.gov.cn/n/"
    text = _list(ARTICLES, [("1", "index.html"), ("3", "index_2.html"), ("9", "index_8.html")])
    assert _page("html", url, text, request=PageRequest(url=url + "index_1.html", page=2)).next_requests == []


def test_a_stated_page_url_without_a_count_is_read_one_page_at_a_time():
    url = "https://a.example.gov.cn/list/"
    params = {"page_url": "list_{n}.shtml", "first_number": 2}
    first = _page("html", url, _list(ARTICLES, []), params=params, max_pages=3)
    assert [(r.url, r.page) for r in first.next_requests] == [(url + "list_2.shtml", 2)]
    second = _page("html", url, _list(ARTICLES, []), params=params, request=first.next_requests[0], max_pages=3)
    assert [(r.url, r.page) for r in second.next_requests] == [(url + "list_3.shtml", 3)]
    last = _page("html", url, _list(ARTICLES, []), params=params, request=second.next_requests[0], max_pages=3)
    assert last.next_requests == []


def test_assumed_pages_follow_the_listing_urls_own_name():
    page = _page("html", "https://a.example.gov.cn/c1/sthjyw.shtml", _list(ARTICLES, []), params={"assume_pages": 3})
    assert [r.url for r in page.next_requests] == [
        "https://a.example.gov.cn/c1/sthjyw_2.shtml",
        "https://a.example.gov.cn/c1/sthjyw_3.shtml",
    ]
    folder = _page("html", "https://a.example.gov.cn/xw/", _list(ARTICLES, []), params={"assume_pages": 2})
    assert [r.url for r in folder.next_requests] == ["https://a.example.gov.cn/xw/index_1.html"]


def test_a_next_link_still_wins_in_html():
    text = _list(ARTICLES, [("2", "index_1.html"), ("下一页", "index_1.html"), ("5", "index_4.html")])
    page = _page("html", "https://a.example.gov.cn/n/", text)
    assert [r.url for r in page.next_requests] == ["https://a.example.gov.cn/n/index_1.html"]


def test_articles_in_the_column_folder_are_not_a_pager():
    text = _list(["./t20261127_12345.shtml", "./t20261120_12001.shtml", "./post_4711.html"], [])
    page = _page("html", "https://a.example.gov.cn/ttxw/", text)
    assert len(page.entries) == 3
    assert page.next_requests == [] and page.total_pages is None


def test_links_to_other_folders_are_not_a_pager():
    text = _list(ARTICLES, [("x", "/other/index_2.html"), ("y", "../up/index_3.html")])
    page = _page("html", "https://a.example.gov.cn/n/", text)
    assert page.next_requests == [] and page.total_pages is None


# --- the JSON list profile ----------------------------------------------------------------------------


def test_post_form_with_fixed_filters_and_a_channel_id_from_a_channel_list():
    params = {
        "channel_id_pattern": r'"id"\s*:\s*"(?P<id>\w+)"',
        "channel_id_url": "https://a.example.gov.cn/common/getChannelList?channelCode=c1",
        "api": "https://a.example.gov.cn/common/search/{channel_id}",
        "method": "POST",
        "form": {"page": "{page}", "_pageSize": "{per_page}", "datas[0][key]": "status", "datas[0][value]": "4"},
        "per_page": 2,
        "total": "data.total",
    }
    url = "https://a.example.gov.cn/col/c1/index.shtml"
    listing = Listing(url=url, profile="json_api", params=params)
    [shell] = get_profile("json_api").first_requests(listing)
    assert shell.url.endswith("getChannelList?channelCode=c1") and shell.page == 0
    found = _page("json_api", url, '{"data": [{"id": "ab12"}]}', request=shell, params=params)
    [first] = found.next_requests
    assert first.url == "https://a.example.gov.cn/common/search/ab12"
    assert first.formdata == {"page": "1", "_pageSize": "2", "datas[0][key]": "status", "datas[0][value]": "4"}
    answer = {"data": {"total": 5, "results": [{"title": "<em>甲</em>通知", "url": "/a/1.html", "publishedTimeStr": "2026-11-02"}]}}
    page = _page("json_api", url, json.dumps(answer), request=first, params=params)
    assert [(e.url, e.title, e.published) for e in page.entries] == [
        ("https://a.example.gov.cn/a/1.html", "甲通知", date(2026, 11, 2))
    ]
    assert [(r.url, r.formdata["page"], r.variables) for r in page.next_requests] == [
        ("https://a.example.gov.cn/common/search/ab12", "2", {"channel_id": "ab12"}),
        ("https://a.example.gov.cn/common/search/ab12", "3", {"channel_id": "ab12"}),
    ]


def test_query_templates_start_offsets_url_templates_and_json_inside_strings():
    params = {
        "api": "https://a.example.gov.cn/zcms/front/search/advances",
        "query": {"siteID": "403", "pageIndex": "{page}", "start": "{start}"},
        "page_offset": -1,
        "per_page": 10,
        "results": "data.data",
        "url": "source.urls.pc",
        "title": "source.title",
        "date": "source.pubDate",
        "pages": "data.totalPage",
    }
    url = "https://a.example.gov.cn/c/list.shtml"
    [first] = get_profile("json_api").first_requests(Listing(url=url, profile="json_api", params=params))
    assert first.url == "https://a.example.gov.cn/zcms/front/search/advances?siteID=403&pageIndex=0&start=0"
    record = {"source": {"title": "乙", "pubDate": "2026-10-30", "urls": json.dumps({"pc": "/c/2026-10-30/9.shtml"})}}
    page = _page("json_api", url, json.dumps({"data": {"totalPage": 2, "data": [record]}}), request=first, params=params)
    assert [e.url for e in page.entries] == ["https://a.example.gov.cn/c/2026-10-30/9.shtml"]
    assert [r.url for r in page.next_requests] == [
        "https://a.example.gov.cn/zcms/front/search/advances?siteID=403&pageIndex=1&start=10"
    ]
    templated = {**params, "url_template": "/c/{source.pubDate}/{id}.shtml"}
    record["id"] = 7
    page = _page("json_api", url, json.dumps({"data": {"data": [record]}}), request=first, params=templated)
    assert [e.url for e in page.entries] == ["https://a.example.gov.cn/c/2026-10-30/7.shtml"]


def test_an_html_fragment_inside_json_is_read_as_rows_with_named_variables():
    params = {
        "channel_id_pattern": r"webId\W+(?P<webId>\w+).*?tplSetId\W+(?P<tplSetId>\w+)",
        "api": "https://a.example.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit",
        "query": {"webId": "{webId}", "tplSetId": "{tplSetId}", "paramJson": '{"pageNo":{page},"pageSize":20}'},
        "html": "data.html",
        "assume_pages": 2,
    }
    url = "https://a.example.gov.cn/col/col7/index.html"
    shell = _page("json_api", url, "<script>var q={'webId':'w1','tplSetId':'t9'}</script>",
                  request=PageRequest(url=url, page=0), params=params)
    [first] = shell.next_requests
    assert first.variables == {"webId": "w1", "tplSetId": "t9"}
    assert "paramJson=%7B%22pageNo%22%3A1%2C%22pageSize%22%3A20%7D" in first.url
    fragment = '<ul><li><a href="/col/col7/art/2026/art_0a1b.html">丙</a><span>2026-11-03</span></li></ul>'
    page = _page("json_api", url, json.dumps({"data": {"html": fragment}}), request=first, params=params)
    assert [(e.url, e.published) for e in page.entries] == [
        ("https://a.example.gov.cn/col/col7/art/2026/art_0a1b.html", date(2026, 11, 3))
    ]
    assert page.total_pages == 2 and len(page.next_requests) == 1
    assert "w1" in page.next_requests[0].url and "pageNo%22%3A2" in page.next_requests[0].url
