"""Each date format of the issue, URL dates, labels, Shanghai time, and what is not a date."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extract.dates import SHANGHAI, find_dates, labelled_date, parse_date, url_date


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-03-23", sh(2020, 3, 23)),  # ISO
        ("2020-03-23 来源:生态环境部", sh(2020, 3, 23)),
        ("发布时间:2023.06.02", sh(2023, 6, 2)),  # dotted year first
        ("01.09.2016  23:06", sh(2016, 9, 1, 23, 6)),  # day.month.year
        ("发表时间:2023/8/7 17:50:30", sh(2023, 8, 7, 17, 50, 30)),  # slashes with seconds
        ("2020年2月1日", sh(2020, 2, 1)),  # February 1st, not January
        ("2020 年 12 月 31 日 08:05", sh(2020, 12, 31, 8, 5)),
        ("二〇二〇年二月一日", sh(2020, 2, 1)),  # signature date in numerals
        ("二〇二四年十二月三十一日", sh(2024, 12, 31)),
        ("2022-04-17T14:46:00", sh(2022, 4, 17, 14, 46)),
        ("发布日期： 7/5/2005 9:23:57 PM", sh(2005, 7, 5, 21, 23, 57)),  # US month/day/year
        ("20230602", sh(2023, 6, 2)),  # compact, accepted when the whole value is a date
    ],
)
def test_date_formats(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


def test_dates_are_shanghai_time() -> None:
    value = parse_date("2024-01-01 00:30")
    assert value is not None and value.utcoffset().total_seconds() == 8 * 3600
    assert value.isoformat() == "2024-01-01T00:30:00+08:00"


@pytest.mark.parametrize("text", ["", "61日下午", "2020-13-01", "2021-02-30", "1800-01-01", "电话 0791-8888888", "3月23日"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.mee.gov.cn/ywdt/hjywnews/202204/t20220417_974894.shtml", sh(2022, 4, 17)),
        ("https://x.gov.cn/col/202306/t20230602_1.html", sh(2023, 6, 2)),
        ("http://www.jiangxi.gov.cn/art/2020/3/4/art_5400_1.html", sh(2020, 3, 4)),
        ("http://example.gov.cn/news/2021/05/06/abc.html", sh(2021, 5, 6)),
        ("http://example.gov.cn/col/index.html", None),
        (None, None),
    ],
)
def test_url_dates(url: str | None, expected: datetime | None) -> None:
    assert url_date(url) == expected


def test_labelled_date_needs_the_date_right_after_the_label() -> None:
    assert labelled_date("字号 发布时间：2024-05-06 来源：本站") == sh(2024, 5, 6)
    assert labelled_date("发布时间：见下文，会议于2024-05-06召开") is None


def test_find_dates_in_order_without_overlaps() -> None:
    found = find_dates("2024年3月5日印发，2024-03-06施行，01.02.2024 公布")
    assert [f.value for f in found] == [sh(2024, 3, 5), sh(2024, 3, 6), sh(2024, 2, 1)]
    assert [f.fmt for f in found] == ["cjk", "ymd", "dmy"]
