"""Pipeline step 1: article bytes → Extraction (crawler.extract), with the seed's article overrides."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

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


class ExtractPipeline:
    """Runs the pure extractor on each fetched page; an unreadable page is dropped with its error recorded."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler.stats)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, PageItem) or item.answer != "content":
            return item
        try:
            # In a worker thread: parsing is CPU work that would otherwise stall every download in
            # flight, and stalled responses look like a slow site to AutoThrottle.
            item.extraction = await asyncio.to_thread(
                extract, item.body, url=item.url, headers=item.headers, options=extract_options(item.article)
            )
        except ExtractionError as exc:
            runstats.count(self.stats, item.source_id, "failed")
            runstats.record_error(self.stats, item.source_id, f"{item.url}: extraction failed: {exc}")
            raise DropItem(f"{item.url}: extraction failed: {exc}") from exc
        finally:
            item.body = b""  # the bytes are not needed further; keep memory flat on big crawls
        return item
