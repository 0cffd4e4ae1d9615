"""TRS WCM listings: items, relative links, dates, and every pagination form."""

from __future__ import annotations

from datetime import date

from crawler.profiles import PageRequest

MEE = "https://www.mee.gov.cn/ywdt/hjywnews/"


def test_cjcx_items_resolve_relative_links_and_take_row_or_url_dates(parse):
    page = parse("trs", MEE, "trs_countpage.shtml")
    assert page.errors == []
    urls = [entry.url for entry in page.entries]
    assert urls == [
        "https://www.mee.gov.cn/ywdt/hjywnews/202405/t20240506_1001.shtml",
        "https://www.mee.gov.cn/ywdt/hjywnews/202405/t20240503_1000.shtml",
        "https://www.mee.gov.cn/ywdt/hjywnews/202404/t20240429_999.shtml",
        "https://www.mee.gov.cn/xxgk/xxgk01/202404/t20240425_998.html",
    ]  # navigation links are not items, the repeated link appears once
    assert page.entries[1].title == "关于开展春季执法检查的通知"
    assert [entry.published for entry in page.entries] == [
        date(2024, 5, 6),
        date(2024, 5, 3),
        date(2024, 4, 29),  # no date in the row: the t20240429 in the URL
        date(2024, 4, 25),
    ]


def test_count_page_gives_index_k_pages_up_to_max_pages(parse):
    page = parse("trs", MEE, "trs_countpage.shtml", max_pages=4)
    assert page.total_pages == 34
    assert [(r.url, r.page) for r in page.next_requests] == [
        (MEE + "index_1.shtml", 2),
        (MEE + "index_2.shtml", 3),
        (MEE + "index_3.shtml", 4),
    ]
    assert all(r.method == "GET" and r.formdata is None for r in page.next_requests)


def test_only_the_first_page_asks_for_further_pages(parse):
    later = PageRequest(url=MEE + "index_2.shtml", page=3)
    page = parse("trs", MEE, "trs_countpage.shtml", request=later, max_pages=10)
    assert page.next_requests == []
    assert page.total_pages == 34
    assert page.entries[0].url == MEE + "202405/t20240506_1001.shtml"


def test_max_pages_one_means_no_further_pages(parse):
    assert parse("trs", MEE, "trs_countpage.shtml", max_pages=1).next_requests == []


def test_create_page_html_four_arguments_and_row_dates_in_three_styles(parse):
    url = "https://sthjt.example.gov.cn/tzgg/index.html"
    page = parse("trs", url, "trs_createpage4.html", max_pages=3)
    assert page.total_pages == 12
    assert [r.url for r in page.next_requests] == [
        "https://sthjt.example.gov.cn/tzgg/index_1.html",
        "https://sthjt.example.gov.cn/tzgg/index_2.html",
    ]
    assert [e.published for e in page.entries] == [date(2024, 3, 11), date(2024, 3, 8), date(2024, 2, 27)]
    # the title attribute beats the truncated link text
    assert page.entries[0].title == "关于印发《示例水污染防治工作方案》的通知"
    assert len(page.entries) == 3  # the navigation row is not an item


def test_create_page_html_six_arguments_in_a_table(parse):
    url = "https://sthjt.example.gov.cn/dfdt/"
    page = parse("trs", url, "trs_createpage6.shtml", max_pages=2)
    assert page.total_pages == 89
    assert [r.url for r in page.next_requests] == ["https://sthjt.example.gov.cn/dfdt/index_1.shtml"]
    assert [e.published for e in page.entries] == [date(2024, 1, 15), date(2024, 1, 12)]


def test_create_page_html_with_div_id_names_pages_one_based(parse):
    url = "https://sthjt.example.gov.cn/xwzx/yw/list_yw.shtml"
    page = parse("trs", url, "trs_createpage_div.shtml", max_pages=3)
    assert page.total_pages == 34
    assert [(r.url, r.page) for r in page.next_requests] == [
        ("https://sthjt.example.gov.cn/xwzx/yw/list_yw_2.shtml", 2),
        ("https://sthjt.example.gov.cn/xwzx/yw/list_yw_3.shtml", 3),
    ]
    assert page.entries[0].published == date(2023, 11, 2)  # date printed before the link


def test_hubei_page_control(parse):
    url = "https://sthjt.example.gov.cn/dtyw/stdt/index.shtml"
    page = parse("trs", url, "trs_pagecontrol.shtml", max_pages=3)
    assert page.total_pages == 15
    assert [r.url for r in page.next_requests] == [
        "https://sthjt.example.gov.cn/dtyw/stdt/index_1.shtml",
        "https://sthjt.example.gov.cn/dtyw/stdt/index_2.shtml",
    ]


def test_hunan_list_pages_from_links_and_short_dates_with_the_year_from_the_url(parse):
    url = "https://sthjt.example.gov.cn/sthjt/xxgk/tzgg/list_tyxx.html"
    page = parse("trs", url, "trs_list_links.html", max_pages=10)
    assert page.total_pages == 7
    assert [r.url for r in page.next_requests][:2] == [
        "https://sthjt.example.gov.cn/sthjt/xxgk/tzgg/list_tyxx_2.html",
        "https://sthjt.example.gov.cn/sthjt/xxgk/tzgg/list_tyxx_3.html",
    ]
    assert [r.page for r in page.next_requests] == [2, 3, 4, 5, 6, 7]
    assert [e.published for e in page.entries] == [date(2024, 5, 20), date(2024, 5, 14), date(2024, 4, 30)]
    assert (
        page.entries[2].url == "https://sthjt.example.gov.cn/zfxxgk/fdzdgknr/202404/t20240430_33001111.html"
    )


def test_selector_override_and_page_prefix_param(parse):
    url = "https://sthjt.example.gov.cn/dfdt/"
    page = parse(
        "trs",
        url,
        "trs_createpage6.shtml",
        selectors={"item": "table.list a"},
        max_pages=2,
    )
    assert len(page.entries) == 2


def test_a_page_without_pager_has_no_further_pages(parse):
    page = parse("trs", MEE, "hanweb_dataproxy.xml")  # wrong profile for the page: still no crash
    assert page.next_requests == []
    assert page.total_pages is None


def test_no_entries_is_reported_as_an_error(parse):
    page = parse("trs", MEE, "json_hunan_shell.html")
    assert page.entries == []
    assert any("no entries" in error for error in page.errors)


def test_index_links_numbered_from_two_are_detected_and_a_seed_can_say_otherwise(parse):
    url = "https://sthj.example.gov.cn/hbxw/index.html"
    # The pager links index_2 as the smallest number: page 2 is index_2 (Guangdong-style), 45 pages.
    page = parse("trs", url, "trs_index_links_onebased.html", max_pages=3)
    assert page.total_pages == 45
    assert [r.url for r in page.next_requests] == [
        "https://sthj.example.gov.cn/hbxw/index_2.html",
        "https://sthj.example.gov.cn/hbxw/index_3.html",
    ]
    stated = parse("trs", url, "trs_index_links_onebased.html", params={"first_number": 1}, max_pages=2)
    assert stated.total_pages == 46  # plain TRS numbering stated by the seed: index_45 is page 46
    assert [r.url for r in stated.next_requests] == ["https://sthj.example.gov.cn/hbxw/index_1.html"]


def test_assume_pages_when_the_pager_is_drawn_elsewhere(parse):
    url = "https://sthjt.example.gov.cn/xwdt/list_tyxx.html"
    page = parse("trs", url, "trs_createpage6.shtml", params={}, max_pages=3)
    assert page.total_pages == 89  # a real pager wins over nothing
    page = parse("trs", url, "hanweb_dataproxy.xml", params={"assume_pages": 2}, max_pages=5)
    assert [r.url for r in page.next_requests] == ["https://sthjt.example.gov.cn/xwdt/list_tyxx_2.html"]


def test_rows_wrapping_whole_lists_are_not_items(parse):
    page = parse("trs", "https://sthjt.example.gov.cn/xxgk/", "trs_nested_rows.html")
    assert [e.url for e in page.entries] == [
        "https://sthjt.example.gov.cn/xxgk/tzgg/202402/t20240220_120.html",
        "https://sthjt.example.gov.cn/xxgk/tzgg/202402/t20240218_119.html",
        "https://sthjt.example.gov.cn/xxgk/zcwj/202401/t20240110_77.html",
    ]
    assert [e.published for e in page.entries] == [date(2024, 2, 20), date(2024, 2, 18), date(2024, 1, 10)]
