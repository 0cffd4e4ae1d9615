"""The visible publication date of the article against a meta date: the byline wins, the meta date is kept.

Both orders (meta earlier, meta later), the agreeing case, and dates in the page chrome (a header clock, a
footer 更新时间/日期) that must never win, on the container path and the density path, and in
`govwatch extract`'s output.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from extract_helpers import PAGES, page_bytes
from typer.testing import CliRunner

from crawler.cli import app
from crawler.extract import extract
from crawler.extract.dates import SHANGHAI, publication_date
from crawler.extract.metadata import visible_date

TRS_URL = "http://sthjt.example.gov.cn/xwzx/gzdt/202403/t20240305_1.html"


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def trs_page(pubdate: str) -> bytes:
    """The TRS page (byline 发布时间：2024-03-05 10:20) with its meta PubDate set to `pubdate`."""
    page = page_bytes("trs_byline_date_meta.html")
    assert b'content="2024-03-09 18:30"' in page
    return page.replace(b'content="2024-03-09 18:30"', f'content="{pubdate}"'.encode())


@pytest.mark.parametrize(
    ("pubdate", "published", "alternatives"),
    [
        ("2024-03-09 18:30", sh(2024, 3, 5, 10, 20), [sh(2024, 3, 9, 18, 30)]),  # meta later (page regenerated)
        ("2024-03-01 09:00", sh(2024, 3, 5, 10, 20), [sh(2024, 3, 1, 9, 0)]),  # meta earlier (draft date)
        ("2024-03-05 08:00", sh(2024, 3, 5, 8, 0), []),  # the same day: they agree, the meta value stays
    ],
)
def test_visible_byline_date_against_meta(pubdate: str, published: datetime, alternatives: list[datetime]) -> None:
    result = extract(trs_page(pubdate), url=TRS_URL)
    assert result.method == "trs_editor"
    assert result.published == published and not result.published_guessed
    assert result.published_alternatives == alternatives
    # The footer's 更新时间/日期 2024-06-01 and the header's 今天是 never count.
    assert sh(2024, 6, 1) not in [result.published, *result.published_alternatives]


def test_chrome_dates_never_win_over_meta() -> None:
    # Byline without a date; a header clock (日期：… 星期二), 网站更新时间 and a footer 日期/更新时间 of another
    # day: the meta PubDate stands, nothing set aside.
    result = extract(page_bytes("hanweb_chrome_update_date.html"), url="http://www.example.gov.cn/art/x/art_1.html")
    assert result.method == "hanweb_zoom"
    assert result.published == sh(2024, 4, 10, 9, 0)
    assert result.published_alternatives == []


@pytest.mark.parametrize(
    ("meta", "published", "alternatives"),
    [
        ("2025-07-20 08:00:00", sh(2025, 7, 15), [sh(2025, 7, 20, 8, 0)]),
        ("2025-07-12 08:00:00", sh(2025, 7, 15), [sh(2025, 7, 12, 8, 0)]),
        ("2025-07-15 16:40:00", sh(2025, 7, 15, 16, 40), []),
    ],
)
def test_density_path_byline_against_meta(meta: str, published: datetime, alternatives: list[datetime]) -> None:
    page = page_bytes("penalty_table_hanweb_density.html")
    assert b'content="2025-07-15 16:40:00"' in page
    result = extract(page.replace(b'content="2025-07-15 16:40:00"', f'content="{meta}"'.encode()), url="http://x.gov.cn/a.html")
    assert result.method == "density"
    assert result.published == published and result.published_alternatives == alternatives
    # The footer's 日期：2025-08-30 is chrome: never chosen.
    assert sh(2025, 8, 30) not in [result.published, *result.published_alternatives]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2024-03-05 10:20 来源：本厅", sh(2024, 3, 5, 10, 20)),
        ("来源：本厅 日期：2024-03-05", sh(2024, 3, 5)),
        ("时间：2024年3月5日", sh(2024, 3, 5)),
        ("发布日期\t2024-03-05", sh(2024, 3, 5)),  # a metadata table row
        ("更新时间：2024-06-01", None),  # an update is no publication
        ("成文日期：2024-02-20", None),  # written earlier, legitimately
        ("印发日期：2024-02-21", None),
        ("生成日期：2024-02-22", None),
    ],
)
def test_publication_labels(text: str, expected: datetime | None) -> None:
    assert publication_date(text) == expected


def test_header_clocks_are_not_visible_dates() -> None:
    assert visible_date(["日期：2024年6月18日 星期二", "今天是2024年6月18日"]) is None
    assert visible_date(["日期：2024年6月18日 星期二", "发布时间：2024-03-05"]) == sh(2024, 3, 5)


def test_govwatch_extract_shows_the_alternatives() -> None:
    files = [str(PAGES / "trs_byline_date_meta.html"), str(PAGES / "hanweb_chrome_update_date.html")]
    result = CliRunner().invoke(app, ["extract", *files, "--url", TRS_URL, "--jsonl"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines() if line.strip())
    assert first["published"] == "2024-03-05T10:20:00+08:00"
    assert first["published_alternatives"] == ["2024-03-09T18:30:00+08:00"]
    assert second["published"] == "2024-04-10T09:00:00+08:00" and second["published_alternatives"] == []
