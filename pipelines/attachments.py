"""Pipeline step 2b: fetch a stored article's attachments through the crawl's own downloader, and read them.

Requests go through `crawler.engine.download_async`, so the site's download slot (one request at a time,
the seed's delay), robots.txt, the User-Agent and the retry middleware apply to attachments exactly as to
articles. An article answered with content has its attachments fetched (conditional GETs when their
validators are stored); a scheduled revisit answered 304 checks its stored attachments the same way. Each
source has a size cap and a per-run budget (crawler/settings.py, seed `attachments:`). The text is read in a
thread by the pure crawler/attachments/text.py; the store decides what changed (crawler/attachments/state.py).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.attachments.state import AttachmentResult
from crawler.attachments.text import read_text
from crawler.config import Source
from crawler.store import Store
from spiders import stats as runstats
from spiders.items import PageItem


class AttachmentsPipeline:
    """Fills `PageItem.attachments` with one AttachmentResult per attachment link."""

    def __init__(self, crawler: Crawler, max_bytes: int, budget: int) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes
        self.budget = budget
        self.spent: Counter[str] = Counter()
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentsPipeline:
        return cls(
            crawler,
            crawler.settings.getint("GOVWATCH_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024),
            crawler.settings.getint("GOVWATCH_ATTACHMENT_BUDGET", 200),
        )

    def _source(self, source_id: str) -> Source | None:
        spider = self.crawler.spider
        runs = getattr(spider, "runs", {})
        run = runs.get(source_id)
        return run.source if run is not None else None

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, PageItem):
            return item
        source = self._source(item.source_id)
        if source is None:
            return item
        if item.answer == "content" and item.extraction is not None:
            links = [(a.name, a.url) for a in item.extraction.attachments]
            stored = {}
            if item.known_id is not None:
                stored = {a.url: a for a in await asyncio.to_thread(self._current, item.known_id)}
            item.attachments = tuple(
                await asyncio.gather(*(self._one(source, item, name, url, stored.get(url)) for name, url in links))
            )
        elif item.answer == "not_modified" and item.revisit and item.known_id is not None:
            stored_list = await asyncio.to_thread(self._current, item.known_id)
            item.attachments = tuple(
                await asyncio.gather(*(self._one(source, item, a.name, a.url, a) for a in stored_list))
            )
        return item

    def _current(self, item_id: int) -> list[Any]:
        if self.store is None:
            self.store = getattr(self.crawler.spider, "store", None) or Store()
        return self.store.current_attachments(item_id)

    async def _one(self, source: Source, item: PageItem, name: str, url: str, stored: Any) -> AttachmentResult:
        rules = source.attachments
        if not rules.enabled:
            return AttachmentResult(name, url, "skipped", fetch_error="attachments are turned off for this source")
        if not self.crawler.engine.running:
            # Stopping (timeout, SIGTERM): a graceful stop waits for every request in flight, so start none;
            # the next run fetches them, and a first fetch never reads as an edit.
            return AttachmentResult(name, url, "skipped", fetch_error="the crawl was stopping")
        budget = rules.budget if rules.budget is not None else self.budget
        if self.spent[source.id] >= budget:
            return AttachmentResult(name, url, "skipped", fetch_error=f"over this run's budget of {budget} files")
        self.spent[source.id] += 1
        headers: dict[str, str] = {}
        if stored is not None and stored.known:
            if stored.etag:
                headers["If-None-Match"] = stored.etag
            if stored.last_modified:
                headers["If-Modified-Since"] = stored.last_modified
        if source.politeness.user_agent:
            headers["User-Agent"] = source.politeness.user_agent
        meta: dict[str, Any] = {
            "gw_source": source.id,
            "download_maxsize": rules.max_bytes or self.max_bytes,
            "handle_httpstatus_all": True,
        }
        if source.politeness.obey_robots is False:
            meta["dont_obey_robotstxt"] = True
        request = Request(url, headers=headers, meta=meta, dont_filter=True)
        stats = self.crawler.stats
        try:
            response: Response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - any network failure: the file as last seen is kept
            runstats.record_error(stats, source.id, f"{url}: attachment not fetched: {type(exc).__name__}: {exc}")
            return AttachmentResult(name, url, "failed", fetch_error=f"{type(exc).__name__}: {exc}"[:300])
        runstats.count(stats, source.id, "bytes_received", len(response.body))
        runstats.count(stats, source.id, "attachments_fetched")
        headers_in = response.headers.to_unicode_dict()
        if response.status == 304:
            return AttachmentResult(
                name, url, "not_modified", etag=headers_in.get("ETag"), last_modified=headers_in.get("Last-Modified")
            )
        if response.status != 200:
            runstats.record_error(stats, source.id, f"{url}: attachment not fetched: HTTP {response.status}")
            return AttachmentResult(name, url, "failed", fetch_error=f"HTTP {response.status}")
        body = response.body
        # Reading a PDF or a workbook is CPU work: off the reactor's thread, like extraction.
        found = await asyncio.to_thread(read_text, body, url)
        return AttachmentResult(
            name,
            url,
            "fetched",
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            file_type=found.file_type,
            content_type=headers_in.get("Content-Type"),
            text=found.text,
            error=found.error,
            etag=headers_in.get("ETag"),
            last_modified=headers_in.get("Last-Modified"),
        )
