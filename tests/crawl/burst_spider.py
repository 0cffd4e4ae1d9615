"""A bare spider that queues many requests to one site at once, for the one-transfer-at-a-time tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy


class BurstSpider(scrapy.Spider):
    """Asks for `count` pages of `base` together and does nothing with them."""

    name = "burst"

    def __init__(self, base: str = "", count: str = "8", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base
        self.count = int(count)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for number in range(self.count):
            yield scrapy.Request(f"{self.base}/page/{number}", callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        self.crawler.stats.inc_value("burst/answered")
