"""Settings, the retry backoff, the spider's helpers and the pipelines (real Store on SQLite)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from datetime import timedelta

import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlmodel import Session, select

from crawler import clock
from crawler import settings as crawl_settings
from crawler.config import Politeness, Source
from crawler.db import init_db
from crawler.models import ChangeEvent, CrawlRun, Item, ItemVersion
from crawler.politeness import MIN_SLOT_DELAY, download_slots, request_headers, request_meta
from crawler.store import Store
from pipelines.extract import ExtractPipeline, extract_options
from pipelines.fingerprint import FingerprintPipeline
from pipelines.store import StorePipeline
from spiders import stats as runstats
from spiders.items import PageItem
from spiders.listing import _parse_ids
from spiders.middlewares import FixedDelayMiddleware, backoff_delay
from tests.crawl.minisite import article_html

PARAGRAPHS = [
    "11月20日，生态环境部召开部党组会议，传达学习重要讲话精神，研究部署下一步重点工作任务。" * 2,
    "会议强调，要坚持精准治污、科学治污、依法治污，持续深入打好蓝天、碧水、净土保卫战。" * 2,
]


def test_settings_are_polite_and_complete() -> None:
    s = crawl_settings
    assert s.ROBOTSTXT_OBEY is True and s.CONCURRENT_REQUESTS_PER_DOMAIN == 1
    assert s.AUTOTHROTTLE_ENABLED and s.DOWNLOAD_DELAY > 0 and s.RETRY_TIMES >= 1
    assert "+https://" in s.USER_AGENT and s.USER_AGENT.startswith("govwatch/")
    assert s.DOWNLOAD_MAXSIZE > s.DOWNLOAD_WARNSIZE > 0 and s.HTTPCACHE_ENABLED is False
    assert {304, 404, 410, 412, 521} <= set(s.HTTPERROR_ALLOWED_CODES)
    assert "asyncio" in s.TWISTED_REACTOR and s.SPIDER_MODULES == ["spiders"]
    order = sorted(s.ITEM_PIPELINES, key=s.ITEM_PIPELINES.__getitem__)
    assert [path.rsplit(".", 1)[0] for path in order] == [
        "pipelines.extract",
        "pipelines.fingerprint",
        "pipelines.attachments",
        "pipelines.store",
    ]
    for path in [
        *order,
        *(p for p, v in s.DOWNLOADER_MIDDLEWARES.items() if v),
        *(p for p, v in s.EXTENSIONS.items() if v is not None),
    ]:
        module, name = path.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), path


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_delay(n, 2.0, 5.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 5.0, 5.0]
    assert backoff_delay(0, 2.0, 5.0) == 0.0 and backoff_delay(3, 0.0, 5.0) == 0.0


def test_source_arguments() -> None:
    assert _parse_ids("a,b", None) == ["a", "b"]
    assert _parse_ids(None, "b, c,b") == ["b", "c"]
    assert _parse_ids(None, None) == []


def test_extract_options_from_seed_overrides() -> None:
    options = extract_options({"body": "div#zoom", "encoding": "gbk", "kind": "meeting"})
    assert (
        options.body_selector == "div#zoom" and options.encoding == "gbk" and options.title_selector is None
    )


@pytest.fixture
def pipelines(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVWATCH_DB", sqlite_url)
    crawler = get_crawler(settings_dict={"GOVWATCH_STORE_PROCESS": False})
    crawler.stats.open_spider()
    chain = [
        ExtractPipeline.from_crawler(crawler),
        FingerprintPipeline.from_crawler(crawler),
        StorePipeline.from_crawler(crawler),
    ]
    chain[2].open_spider()
    store = Store(sqlite_url)
    store.sync_sources(
        [
            Source(
                id="mini",
                name="Mini",
                org="Test",
                listings=[{"url": "http://127.0.0.1:9/", "profile": "html"}],
            )
        ]
    )
    return crawler, chain, store


def _through(chain, item):  # type: ignore[no-untyped-def]
    for pipeline in chain:
        result = pipeline.process_item(item)
        item = asyncio.run(result) if inspect.iscoroutine(result) else result
    return item


def _page(run_id: int, body: bytes, **extra: object) -> PageItem:
    url = "http://127.0.0.1:9/ywdt/202611/t20261120_1.shtml"
    return PageItem(
        answer="content",
        source_id="mini",
        run_id=run_id,
        url=url,
        canonical_url=url,
        body=body,
        headers={"Content-Type": "text/html; charset=utf-8"},
        **extra,
    )  # type: ignore[arg-type]


def test_pipelines_new_unchanged_edited_gone(
    pipelines, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    crawler, chain, store = pipelines
    run_id = store.begin_run("mini")
    _through(
        chain, _page(run_id, article_html("部党组会议", PARAGRAPHS), etag='"v1"', article={"kind": "meeting"})
    )
    # The same text with a visit counter line changed: not an edit.
    noisy = article_html("部党组会议", [*PARAGRAPHS, "浏览次数：123"])
    _through(chain, _page(run_id, noisy, known_id=1, revisit=True))
    _through(
        chain, _page(run_id, article_html("部党组会议", [PARAGRAPHS[0], "会议强调，要改写这一句。" * 5]))
    )
    stats = crawler.stats
    assert [runstats.value(stats, "mini", k) for k in ("new", "unchanged", "edited")] == [1, 1, 1]
    with Session(init_db(sqlite_url)) as session:
        item = session.exec(select(Item)).one()
        versions = session.exec(select(ItemVersion).order_by(ItemVersion.version)).all()
    assert [v.change for v in versions] == ["new", "edited"] and item.revisits_done == 1
    assert (
        item.kind == "meeting"
        and "text" not in versions[0].meta
        and versions[0].meta["title"] == "部党组会议"
    )
    # 304 on a revisit: counted, schedule advanced, no version.
    monkeypatch.setenv(clock.NOW_ENV, (clock.now() + timedelta(days=4)).isoformat())
    base = {
        "source_id": "mini",
        "run_id": run_id,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "known_id": item.id,
    }
    _through(chain, PageItem(answer="not_modified", revisit=True, **base))  # type: ignore[arg-type]
    assert runstats.value(stats, "mini", "not_modified") == 1
    # Two 404s make one deletion; a challenge page only marks the item blocked.
    _through(chain, PageItem(answer="gone", **base))  # type: ignore[arg-type]
    assert runstats.value(stats, "mini", "deleted") == 0
    _through(chain, PageItem(answer="gone", **base))  # type: ignore[arg-type]
    assert runstats.value(stats, "mini", "deleted") == 1
    with Session(init_db(sqlite_url)) as session:
        item = session.exec(select(Item)).one()
        changes = [e.change for e in session.exec(select(ChangeEvent).order_by(ChangeEvent.id))]
    assert item.status == "deleted" and item.revisits_done >= 2 and changes == ["new", "edited", "deleted"]
    # The page answers again, with another sentence: restored AND edited, both counted in the run's row.
    back_page = article_html("部党组会议", [PARAGRAPHS[0], "会议强调，恢复后又改写了一句。" * 5])
    _through(chain, _page(run_id, back_page, known_id=item.id))
    assert [runstats.value(stats, "mini", k) for k in ("restored", "edited")] == [1, 2]
    store.finish_run(run_id, "ok", runstats.run_counts(stats, "mini").as_dict(), [])
    with Session(init_db(sqlite_url)) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None and (run.restored, run.edited, run.deleted, run.new) == (1, 2, 1, 1)
        assert session.exec(select(Item)).one().status == "active"


def test_extraction_error_drops_the_item_and_records_why(pipelines) -> None:  # type: ignore[no-untyped-def]
    crawler, chain, store = pipelines
    run_id = store.begin_run("mini")
    with pytest.raises(DropItem):
        _through(chain, _page(run_id, b""))
    assert runstats.value(crawler.stats, "mini", "failed") == 1
    assert "extraction failed" in runstats.errors_of(crawler.stats, "mini")[0]


def test_blocked_answer_marks_a_known_item(pipelines, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    crawler, chain, store = pipelines
    run_id = store.begin_run("mini")
    item = _through(chain, _page(run_id, article_html("部党组会议", PARAGRAPHS)))
    _through(
        chain,
        PageItem(
            answer="blocked",
            source_id="mini",
            run_id=run_id,
            url=item.url,
            canonical_url=item.canonical_url,
            known_id=1,
            reason="HTTP 412",
        ),
    )
    with Session(init_db(sqlite_url)) as session:
        stored = session.exec(select(Item)).one()
        assert stored.status == "blocked" and stored.version_count == 1


def test_extraction_in_worker_processes_gives_the_same_result(sqlite_url: str) -> None:
    crawler = get_crawler(settings_dict={"GOVWATCH_EXTRACT_PROCESSES": 1})
    crawler.stats.open_spider()
    in_process = ExtractPipeline.from_crawler(crawler)
    assert in_process.processes == 1
    in_process.open_spider()
    try:
        page = _page(1, article_html("部党组会议", PARAGRAPHS))
        threaded = _page(1, page.body)
        asyncio.run(in_process.process_item(page))
        asyncio.run(ExtractPipeline(crawler.stats).process_item(threaded))
    finally:
        in_process.close_spider()
    assert page.extraction.text == threaded.extraction.text and "部党组会议" in page.extraction.title


def test_seed_politeness_becomes_per_domain_slots_and_request_meta(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from scrapy.crawler import Crawler

    from spiders.listing import ListingSpider

    (tmp_path / "slow-site.yaml").write_text(
        "id: slow-site\nname: S\norg: O\nlistings:\n  - url: http://127.0.0.9:8080/news/\n    profile: html\n"
        "politeness:\n  download_delay: 3.5\n  concurrent_requests_per_domain: 2\n  obey_robots: false\n"
        "  max_response_bytes: 50000\n  retry_times: 0\n  timeout: 7\n  user_agent: polite-bot/1\n",
        encoding="utf-8",
    )
    crawler = Crawler(
        ListingSpider, {}
    )  # settings stay writable until the crawl starts, as in `scrapy crawl`
    spider = ListingSpider.from_crawler(crawler, source="slow-site", seeds=str(tmp_path))
    assert crawler.settings.getdict("DOWNLOAD_SLOTS")["127.0.0.9"] == {"delay": 3.5, "concurrency": 2}
    source = spider.sources[0]
    meta = request_meta(source)
    assert meta["dont_obey_robotstxt"] and meta["download_maxsize"] == 50000
    assert meta["max_retry_times"] == 0 and meta["download_timeout"] == 7
    assert request_headers(source) == {"User-Agent": "polite-bot/1"}
    # The seed fixed the delay: Scrapy's AutoThrottle is told to leave it on every request to the site,
    # Scrapy's own robots.txt request included (its answer used to move the slot's delay).
    fixed = FixedDelayMiddleware.from_crawler(crawler)
    robots = Request("http://127.0.0.9:8000/robots.txt", meta={"dont_obey_robotstxt": True})
    article = Request("http://127.0.0.9:8000/a/t1.html", meta=meta)
    other_site = Request("http://127.0.0.8:8000/robots.txt")
    for request in (robots, article, other_site):
        fixed.process_request(request)
    assert robots.meta["autothrottle_dont_adjust_delay"] is article.meta["autothrottle_dont_adjust_delay"] is True
    assert "autothrottle_dont_adjust_delay" not in other_site.meta
    # A seed that says "no pause" still gets a (tiny) delay: without one, Scrapy starts every queued request
    # of the site at once (the simulator's sites measured 5 at a time), and one request at a time is lost.
    eager = source.model_copy(update={"politeness": Politeness(download_delay=0)})
    (slot,) = download_slots([eager], {}).values()
    assert slot == {"delay": MIN_SLOT_DELAY, "jitter": 0.0} and MIN_SLOT_DELAY > 0


def test_store_in_a_writer_process(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVWATCH_DB", sqlite_url)  # the writer process inherits the environment
    store = Store(sqlite_url)
    store.sync_sources(
        [
            Source(
                id="mini",
                name="Mini",
                org="Test",
                listings=[{"url": "http://127.0.0.1:9/", "profile": "html"}],
            )
        ]
    )
    crawler = get_crawler(settings_dict={"GOVWATCH_STORE_PROCESS": True})
    crawler.stats.open_spider()
    extract_step, fingerprint_step = ExtractPipeline(crawler.stats), FingerprintPipeline()
    writer = StorePipeline.from_crawler(crawler)
    writer.open_spider()
    try:
        item = _through(
            [extract_step, fingerprint_step, writer],
            _page(store.begin_run("mini"), article_html("部党组会议", PARAGRAPHS)),
        )
    finally:
        writer.close_spider()
    assert item.extraction is None and runstats.value(crawler.stats, "mini", "new") == 1
    with Session(init_db(sqlite_url)) as session:
        assert session.exec(select(Item)).one().title == "部党组会议"
