"""Pipeline step 3: write each answer to the versioned store (crawler.store) and count what it did."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy.exc import SQLAlchemyError

from crawler import alerts
from crawler.store import Content, Store
from pipelines.extract import _exit_with_parent
from spiders import stats as runstats
from spiders.items import PageItem

# Extraction fields kept as columns or as the version text, not repeated in the version's metadata.
META_EXCLUDED = ("text",)


def content_of(item: PageItem) -> Content:
    """The store's Content for an extracted page."""
    extraction = item.extraction
    meta = {key: value for key, value in extraction.to_dict().items() if key not in META_EXCLUDED}
    if meta.get("text_simplified") == extraction.text:
        meta.pop("text_simplified")  # the same text twice would double the table for nothing
    kind = extraction.kind
    if item.article.get("kind") and kind == "news":
        kind = item.article["kind"]  # the column's default kind when the page itself says nothing more
    return Content(
        text=extraction.text,
        content_hash=item.content_hash or "",
        title=extraction.title,
        published=extraction.published,
        published_guessed=extraction.published_guessed,
        source_name=extraction.source,
        organ=extraction.organ,
        doc_number=extraction.doc_number,
        kind=kind,
        meta=meta,
        attachments=tuple(item.attachments),
    )


class StorePipeline:
    """new / edited / unchanged (one transaction each), 304s and revisits, confirmed deletions, blocks."""

    def __init__(self, stats: StatsCollector, in_process: bool = False) -> None:
        self.stats = stats
        self.in_process = in_process
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler.stats, crawler.settings.getbool("GOVWATCH_STORE_PROCESS", True))

    def open_spider(self, spider: Any = None) -> None:
        self.writer: Executor
        if self.in_process:
            # The transactions in a process of their own: the ORM's CPU work leaves the crawl process free.
            self.writer = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_writer_process,
                initargs=(os.getpid(),),
            )
            self.call: Callable[[PageItem], tuple[tuple[str, ...], float]] = _write_in_process
        else:
            self.store = Store(listeners=alerts.change_listeners())
            self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govwatch-store")
            self.call = self._timed

    def close_spider(self, spider: Any = None) -> None:
        self.writer.shutdown(wait=True)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, PageItem):
            return item
        try:
            # The transaction runs in the one writer thread (the reactor keeps downloading, and writes never
            # race each other: a SQLite read-then-write transaction could otherwise fail on a stale snapshot);
            # the counters are updated back here, on the reactor's thread (the stats are not thread-safe).
            counted, seconds = await asyncio.get_running_loop().run_in_executor(self.writer, self.call, item)
            self.stats.inc_value("govwatch/store_seconds", seconds)
        except SQLAlchemyError as exc:
            runstats.count(self.stats, item.source_id, "failed")
            runstats.record_error(
                self.stats, item.source_id, f"{item.url}: not stored: {type(exc).__name__}: {exc}"
            )
            raise DropItem(f"{item.url}: not stored: {exc}") from exc
        for counter in counted:
            runstats.count(self.stats, item.source_id, counter)
        item.extraction = None  # stored: let the text go
        return item

    def _timed(self, item: PageItem) -> tuple[tuple[str, ...], float]:
        assert self.store is not None
        return _timed_write(self.store, item)


def write(store: Store, item: PageItem) -> tuple[str, ...]:
    """Write one answer; returns the run counters it adds to (a restored page whose text changed adds two)."""
    if item.answer == "content":
        outcome = store.record_content(
            source_id=item.source_id,
            canonical_url=item.canonical_url,
            url=item.url,
            content=content_of(item),
            etag=item.etag,
            last_modified=item.last_modified,
            run_id=item.run_id,
            revisit_days=item.revisit_days,
        )
        if item.revisit:
            store.record_checked(outcome.item_id, revisit=True, revisit_days=item.revisit_days)
        return outcome.changes
    if item.answer == "not_modified" and item.known_id is not None:
        changes: tuple[str, ...] = ()
        if any(result.outcome == "fetched" for result in item.attachments):
            # The page is the same but an attachment answered with content: it may have been replaced.
            outcome = store.record_attachments(item.known_id, item.attachments, run_id=item.run_id)
            if outcome is not None and outcome.changes != ("unchanged",):
                changes = outcome.changes
        store.record_checked(
            item.known_id,
            revisit=item.revisit,
            revisit_days=item.revisit_days,
            etag=item.etag,
            last_modified=item.last_modified,
        )
        return changes or ("not_modified",)
    if item.answer == "gone" and item.known_id is not None:
        return ("deleted",) if store.record_gone(item.known_id, run_id=item.run_id) else ()
    if item.answer == "blocked" and item.known_id is not None:
        store.record_blocked(item.known_id)
    return ()


def _timed_write(store: Store, item: PageItem) -> tuple[tuple[str, ...], float]:
    started = time.perf_counter()
    return write(store, item), time.perf_counter() - started


_PROCESS_STORE: Store | None = None  # the writer process's own Store (and database connection)


def _start_writer_process(parent: int) -> None:
    global _PROCESS_STORE
    _PROCESS_STORE = Store(listeners=alerts.change_listeners())
    _exit_with_parent(parent)


def _write_in_process(item: PageItem) -> tuple[tuple[str, ...], float]:
    assert _PROCESS_STORE is not None
    return _timed_write(_PROCESS_STORE, item)
