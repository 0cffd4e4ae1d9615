"""The spider's article callback and the answer middlewares on HtmlResponse over our own bytes (milliseconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import MemoryStatsCollector
from twisted.python.failure import Failure

from crawler.simulator.faults import CMS_ERROR_PAGE, SITE_NOT_FOUND
from crawler.store import KnownItem
from spiders import stats as runstats
from spiders.items import PageItem
from spiders.listing import ListingSpider, SourceRun, scope_of
from spiders.middlewares import META_PROBE, META_VERDICT, AnswerMiddleware, RedirectGuardMiddleware
from tests.crawl.minisite import article_html

BASE = "http://127.0.0.9:8080"
LISTED = f"{BASE}/news/202611/t20261120_1.shtml"
PARAGRAPHS = ["11月20日，青川市生态环境局召开局党组会议，传达学习全国生态环境保护大会精神。" * 3] * 3


@pytest.fixture
def spider(tmp_path: Path) -> ListingSpider:
    (tmp_path / "qc.yaml").write_text(
        f"id: qc\nname: Q\norg: O\nlistings:\n  - url: {BASE}/news/index.html\n    profile: html\n"
        "allowed_domains: [127.0.0.10]\n",
        encoding="utf-8",
    )
    crawler = Crawler(ListingSpider, {})  # settings writable until the crawl starts, as in `scrapy crawl`
    spider = ListingSpider.from_crawler(crawler, source="qc", seeds=str(tmp_path))
    crawler.spider = spider
    crawler.stats = MemoryStatsCollector(crawler)  # no database: the callbacks only count and record errors
    crawler.stats.open_spider()
    source = spider.sources[0]
    spider.runs["qc"] = SourceRun(source=source, run_id=1, scope=scope_of(source))
    return spider


def _known(gone_count: int = 0) -> KnownItem:
    return KnownItem(7, LISTED, LISTED, "qc", "active", None, None, None, gone_count, text_length=150)


def _request(spider: ListingSpider, known: KnownItem | None) -> Request:
    return spider._article_request(spider.runs["qc"], LISTED, LISTED, known, revisit=known is not None)


def _answer(request: Request, body: bytes, status: int = 200, url: str | None = None, **headers: str) -> Response:
    response = HtmlResponse(url or request.url, status=status, body=body, headers=headers, request=request)
    return AnswerMiddleware(8_000_000).process_response(request, response)


def _errors(spider: ListingSpider) -> list[str]:
    return runstats.errors_of(spider.crawler.stats, "qc")


def test_content_is_handed_to_the_pipelines_under_its_listed_url(spider: ListingSpider) -> None:
    request = _request(spider, None)
    request.meta["redirect_urls"] = [LISTED]  # moved inside the site: still content, still the listed URL
    moved = f"{BASE}/xwzx/202611/t20261120_1.shtml"
    (item,) = spider.parse_article(_answer(request, article_html("青川市召开会议", PARAGRAPHS), url=moved))
    assert isinstance(item, PageItem) and item.answer == "content" and item.url == LISTED
    assert _errors(spider) == []


def test_a_soft_404_of_a_known_article_is_a_strike_and_asked_again(spider: ListingSpider) -> None:
    request = _request(spider, _known())
    item, again = spider.parse_article(_answer(request, CMS_ERROR_PAGE))
    assert isinstance(item, PageItem) and (item.answer, item.verdict, item.known_id) == ("gone", "soft_404", 7)
    assert isinstance(again, Request) and again.meta["gw_confirming"] and "If-None-Match" not in again.headers
    assert _errors(spider) == [f"{LISTED}: soft 404: error page (page_missing: '页面不存在')"]
    assert runstats.value(spider.crawler.stats, "qc", "failed") == 0  # a 404 answer, not a failure


def test_a_soft_404_of_a_new_article_stores_nothing_and_is_an_error(spider: ListingSpider) -> None:
    assert list(spider.parse_article(_answer(_request(spider, None), CMS_ERROR_PAGE))) == []
    assert _errors(spider)[0].startswith(f"{LISTED}: soft 404: ")
    assert runstats.value(spider.crawler.stats, "qc", "failed") == 1


def test_the_probe_teaches_the_hosts_not_found_page(spider: ListingSpider) -> None:
    middleware = AnswerMiddleware(8_000_000)
    (probe,) = list(spider._probes(spider.runs["qc"], set()))
    assert probe.meta[META_PROBE] and "govwatch-probe-" in probe.url and probe.priority > 100
    middleware.process_response(probe, HtmlResponse(probe.url, body=SITE_NOT_FOUND, request=probe))
    request = _request(spider, _known())
    middleware.process_response(request, HtmlResponse(LISTED, body=SITE_NOT_FOUND, request=request))
    assert request.meta[META_VERDICT].kind == "soft_404"
    assert "own not-found page" in request.meta[META_VERDICT].reason


@pytest.mark.parametrize(
    ("location", "allowed"),
    [("http://127.0.0.11:8080/a.html", False), ("http://127.0.0.10/a.html", True), ("/news/b.html", True)],
)
def test_the_guard_stops_off_domain_redirects_before_they_are_followed(
    spider: ListingSpider, location: str, allowed: bool
) -> None:
    request = _request(spider, _known())
    response = HtmlResponse(LISTED, status=302, headers={"Location": location}, request=request)
    assert RedirectGuardMiddleware().process_response(request, response) is response
    assert bool(request.meta.get("dont_redirect")) is not allowed
    if not allowed:
        failure = Failure(HttpError(_answer(request, b"", status=302)))
        failure.request = request  # type: ignore[attr-defined]  # what Scrapy sets on an errback's failure
        spider.article_failed(failure)
        assert _errors(spider) == [
            f"{LISTED}: off-domain redirect: redirected to {location}, outside the source's domains"
        ]


def test_errors_name_the_listed_url_not_the_last_hop(spider: ListingSpider) -> None:
    from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, ResponseDataLossError

    request = _request(spider, _known())
    hop = request.replace(url=f"{BASE}/elsewhere.html")  # a redirected request keeps its meta
    for exc, label in [
        (DownloadCancelledError(""), "too large: the body grew over the maximum size"),
        (ResponseDataLossError(), "truncated body: "),
        (DownloadTimeoutError("Getting x took longer than 30 seconds."), "timeout: Getting x"),
        (ConnectionResetError(104, "Connection reset by peer"), "connection reset: "),
    ]:
        failure = Failure(exc)
        failure.request = hop  # type: ignore[attr-defined]
        spider.article_failed(failure)
        assert _errors(spider)[-1].startswith(f"{LISTED}: {label}"), _errors(spider)[-1]
