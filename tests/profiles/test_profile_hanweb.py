"""Hanweb JCMS listings: datastore records on the column page, dataproxy.jsp for the rest."""

from __future__ import annotations

from datetime import date

from crawler.profiles import PageRequest

COLUMN = "https://sthjt.example.gov.cn/col/col1700123/index.html"
PROXY = "https://sthjt.example.gov.cn/module/web/jpage/dataproxy.jsp"
FORM = {
    "col": "1",
    "appid": "1",
    "webid": "99",
    "path": "/",
    "columnid": "1700123",
    "unitid": "6543210",
    "sourceContentType": "1",
    "permissiontype": "0",
}


def test_column_page_records(parse):
    page = parse("hanweb", COLUMN, "hanweb_column.html")
    assert page.errors == []
    assert [e.url for e in page.entries] == [
        "https://sthjt.example.gov.cn/art/2024/6/3/art_1700123_5800001.html",
        "https://sthjt.example.gov.cn/art/2024/5/31/art_1700123_5799870.html",
        "https://sthjt.example.gov.cn/art/2024/5/28/art_1700123_5799500.html",
    ]
    assert page.entries[0].title == "示例厅召开党组会议研究部署重点工作"
    # the third record prints no date: the /art/2024/5/28/ in its URL
    assert [e.published for e in page.entries] == [date(2024, 6, 3), date(2024, 5, 31), date(2024, 5, 28)]
    assert page.total_pages == 20  # totalRecord 20 at perPage 1


def test_further_records_are_dataproxy_posts_three_pages_per_call(parse):
    page = parse("hanweb", COLUMN, "hanweb_column.html", max_pages=10)
    assert [(r.url, r.method, r.page) for r in page.next_requests] == [
        (f"{PROXY}?startrecord=4&endrecord=6&perpage=1", "POST", 4),
        (f"{PROXY}?startrecord=7&endrecord=9&perpage=1", "POST", 7),
        (f"{PROXY}?startrecord=10&endrecord=12&perpage=1", "POST", 10),
    ]
    assert all(r.formdata == FORM for r in page.next_requests)


def test_no_further_calls_beyond_the_total(parse):
    page = parse("hanweb", COLUMN, "hanweb_column.html", max_pages=500)
    assert page.next_requests[-1].url.endswith("startrecord=19&endrecord=21&perpage=1")


def test_max_pages_within_the_embedded_records_needs_no_call(parse):
    assert parse("hanweb", COLUMN, "hanweb_column.html", max_pages=3).next_requests == []


def test_seed_params_fill_what_the_page_lacks_and_get_is_possible(parse):
    page = parse(
        "hanweb",
        COLUMN,
        "hanweb_dataproxy.xml",  # a page without nextgroup link or jpage options
        params={"columnid": "1700123", "unitid": "42", "webid": "7", "per_page": 15, "method": "GET"},
        max_pages=6,
    )
    # 3 records already on the page; 6 pages × 15 = 90 wanted, capped by totalrecord 20
    assert len(page.next_requests) == 1
    request = page.next_requests[0]
    assert request.method == "GET" and request.formdata is None
    assert request.url.startswith(f"{PROXY}?startrecord=4&endrecord=48&perpage=15&col=1&appid=1&webid=7")
    assert "columnid=1700123" in request.url and "unitid=42" in request.url


def test_dataproxy_answer(parse):
    request = PageRequest(
        url=f"{PROXY}?startrecord=4&endrecord=6&perpage=1", method="POST", formdata=FORM, page=4
    )
    page = parse("hanweb", COLUMN, "hanweb_dataproxy.xml", request=request, max_pages=50)
    assert page.errors == []
    assert page.next_requests == []  # the column page already asked for every group
    assert page.total_pages == 20
    assert [e.url for e in page.entries][:2] == [
        "https://sthjt.example.gov.cn/art/2024/5/20/art_1700123_5798001.html",
        "https://sthjt.example.gov.cn/art/2024/5/17/art_1700123_5797712.html",
    ]
    assert page.entries[2].url == "http://www.example.gov.cn/art/2024/5/15/art_1_2.html"
    assert page.entries[1].published == date(2024, 5, 17)


def test_missing_column_id_is_an_error_not_a_crash(parse):
    page = parse("hanweb", COLUMN, "hanweb_dataproxy.xml", max_pages=5)
    assert page.entries  # the records still count
    assert page.next_requests == []
    assert any("columnid" in error for error in page.errors)


XXGK = {"infotypeId": "B001A011", "jdid": "99", "divid": "div1229106886"}


def test_xxgk_lists_are_posts_to_search_jsp():
    from crawler.config import Listing
    from crawler.profiles import get_profile

    listing = Listing(url=COLUMN, profile="hanweb", params={"xxgk": XXGK})
    (first,) = get_profile("hanweb").first_requests(listing)
    assert first.url == "https://sthjt.example.gov.cn/module/xxgk/search.jsp"
    assert first.method == "POST"
    assert first.formdata == {**XXGK, "requestUrl": COLUMN, "currpage": "1"}


def test_xxgk_answer_rows_dates_and_pages(parse):
    request = PageRequest(
        url="https://sthjt.example.gov.cn/module/xxgk/search.jsp",
        method="POST",
        formdata={**XXGK, "currpage": "1"},
        page=1,
    )
    page = parse(
        "hanweb", COLUMN, "hanweb_xxgk_search.html", request=request, params={"xxgk": XXGK}, max_pages=3
    )
    assert page.errors == []
    assert [(e.title, e.published) for e in page.entries] == [
        ("示例厅关于印发排污许可管理办法的通知", date(2024, 5, 8)),
        ("《示例管理办法》政策解读", date(2024, 4, 30)),
    ]
    assert page.total_pages == 4
    assert [(r.formdata["currpage"], r.page, r.method) for r in page.next_requests] == [
        ("2", 2, "POST"),
        ("3", 3, "POST"),
    ]
    later = PageRequest(url=request.url, method="POST", formdata={**XXGK, "currpage": "2"}, page=2)
    assert (
        parse("hanweb", COLUMN, "hanweb_xxgk_search.html", request=later, params={"xxgk": XXGK}).next_requests
        == []
    )
