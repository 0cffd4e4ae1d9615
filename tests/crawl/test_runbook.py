"""spiders/runbook.RunBook: runs opened, closed once with their counts and health at spider_closed (real SQLite)."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler
from sqlmodel import select

from crawler.models import CrawlRun, SourceRow
from crawler.store import Store
from spiders import stats as runstats
from spiders.runbook import RunBook


def test_runs_are_closed_with_their_counts_and_health_once(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVWATCH_ALERTS", "/nonexistent/alerts.yaml")
    crawler = get_crawler()
    crawler.stats.open_spider()
    book = RunBook(crawler.stats, Store(sqlite_url))
    good, empty = book.begin("good"), book.begin("empty")
    for name, amount in (("listing_pages", 1), ("listing_items", 5), ("new", 4), ("failed", 1), ("article_attempts", 5)):
        runstats.count(crawler.stats, "good", name, amount)
    runstats.record_error(crawler.stats, "good", "http://x/1.html: timeout: no answer within 30 seconds")
    runstats.count(crawler.stats, "empty", "listing_pages")
    book.finish("empty")
    book.spider_closed(None, "shutdown")  # the rest closes here, the finished one is left as it was
    book.spider_closed(None, "shutdown")
    with book.store.session() as session:
        runs = {run.id: run for run in session.exec(select(CrawlRun)).all()}
        health = {row.id: row.health for row in session.exec(select(SourceRow)).all()}
    assert (runs[good].status, runs[good].new, runs[good].failed) == ("ok", 4, 1)
    assert runs[good].errors == [
        "http://x/1.html: timeout: no answer within 30 seconds",
        "crawl stopped early: shutdown",
    ]
    assert runs[empty].status == "empty" and runs[empty].errors == []
    assert health == {"good": "ok", "empty": "empty"}
    assert book.previous_status("good") is None
