"""Pipeline step 2: the content hash that decides new / edited / unchanged (crawler.fingerprint)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.fingerprint import content_hash
from spiders.items import PageItem


class FingerprintPipeline:
    """Hashes the normalized title and text (volatile lines removed, traditional folded to simplified)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FingerprintPipeline:
        return cls()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, PageItem) and item.answer == "content" and item.extraction is not None:
            item.content_hash = content_hash(item.extraction.title, item.extraction.text)
        return item
