"""Pipeline step 1: article bytes → Extraction (crawler.extract), with the seed's article overrides.

A known article whose text collapsed against its stored version leaves here as a soft 404 (answer "gone").
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.answers import collapsed
from crawler.extract import ExtractionError, ExtractOptions, extract
from spiders import stats as runstats
from spiders.items import PageItem

# Seed `article:` keys → ExtractOptions fields (the seed speaks of selectors by what they select).
OVERRIDE_TO_OPTION: dict[str, str] = {
    "body": "body_selector",
    "title": "title_selector",
    "date": "date_selector",
    "source": "source_selector",
    "encoding": "encoding",
}


def extract_options(overrides: dict[str, Any]) -> ExtractOptions:
    """The extractor's options for a seed's article overrides (keys it does not know are left out)."""
    return ExtractOptions(
        **{
            option: overrides[key]
            for key, option in OVERRIDE_TO_OPTION.items()
            if overrides.get(key) is not None
        }
    )


def _extract(body: bytes, url: str, headers: dict[str, str], options: ExtractOptions) -> tuple[Any, float]:
    """Top-level (picklable) call for the worker processes: the extraction and the seconds it took."""
    started = time.perf_counter()
    return extract(body, url=url, headers=headers, options=options), time.perf_counter() - started


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: a worker whose crawl process died (SIGKILL, out of memory) ends itself."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="govwatch-parent-watch", daemon=True).start()


def worker_count(setting: int) -> int:
    """Extraction processes: the setting, or (-1) one per spare CPU, at most four; 0 means threads."""
    if setting >= 0:
        return setting
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class ExtractPipeline:
    """Runs the pure extractor on each fetched page; an unreadable page is dropped with its error recorded.

    Extraction is CPU work: it runs in worker processes (GOVWATCH_EXTRACT_PROCESSES) so that the crawl
    process keeps downloading on its own core, or in threads when there is no spare CPU.
    """

    def __init__(self, stats: StatsCollector, processes: int = 0) -> None:
        self.stats = stats
        self.processes = processes
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler.stats, worker_count(crawler.settings.getint("GOVWATCH_EXTRACT_PROCESSES", -1)))

    def open_spider(self, spider: Any = None) -> None:
        if self.processes:
            # "spawn": forking a process that runs the reactor and a writer thread could copy held locks.
            self.pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )

    def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def _run(self, item: PageItem) -> Any:
        arguments = (item.body, item.url, item.headers, extract_options(item.article))
        if self.pool is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(self.pool, _extract, *arguments)
            except BrokenProcessPool:
                self.pool = None  # a worker died (out of memory?): go on in threads
        return await asyncio.to_thread(_extract, *arguments)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, PageItem) or item.answer != "content":
            return item
        try:
            # Off the reactor's thread: parsing would otherwise stall every download in flight, and
            # stalled responses look like a slow site to AutoThrottle.
            item.extraction, seconds = await self._run(item)
            self.stats.inc_value("govwatch/extract_seconds", seconds)
        except ExtractionError as exc:
            runstats.count(self.stats, item.source_id, "failed")
            runstats.record_error(self.stats, item.source_id, f"{item.url}: extraction failed: {exc}")
            raise DropItem(f"{item.url}: extraction failed: {exc}") from exc
        finally:
            item.body = b""  # the bytes are not needed further; keep memory flat on big crawls
        soft_404 = collapsed(item.previous_text_length, item.extraction.text)
        if soft_404 is not None and item.known_id is not None:
            # The page still answers, but its text collapsed (a placeholder): a 404, never a version.
            item.answer, item.verdict, item.reason = "gone", soft_404.kind, soft_404.reason
            item.extraction = None
            runstats.record_error(self.stats, item.source_id, soft_404.message(item.url))
        return item
