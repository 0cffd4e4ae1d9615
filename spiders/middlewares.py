"""Scrapy components: retries with an exponential pause, and AutoThrottle that honours per-site delays."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry number `attempt` (1-based): base, 2·base, 4·base … at most cap."""
    if attempt < 1 or base <= 0:
        return 0.0
    return min(cap, base * 2 ** (attempt - 1))


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits base·2^(n-1) seconds before the n-th retry, so a struggling site recovers."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("GOVWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("GOVWATCH_RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def _pause(self, result: Request | Response | None) -> Request | Response | None:
        # Sleeping here holds neither the site's download slot nor the reactor: other sites go on.
        if isinstance(result, Request):
            await asyncio.sleep(
                backoff_delay(result.meta.get("retry_times", 1), self.backoff_base, self.backoff_max)
            )
        return result

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        paused = await self._pause(result)
        return paused if paused is not None else response

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        return await self._pause(super().process_exception(request, exception))


class SlotAwareAutoThrottle(AutoThrottle):
    """AutoThrottle whose floor for a site is the delay its seed set (DOWNLOAD_SLOTS), not the global one.

    Scrapy's AutoThrottle never goes below DOWNLOAD_DELAY, so a seed asking for a shorter delay (or a
    test site with none) would be slowed to the global default by the first response (robots.txt).
    """

    def _response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        key = request.meta.get("download_slot")
        floor = self.crawler.settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay") if key else None
        if floor is None:
            super()._response_downloaded(response, request, spider)
            return
        default, self.mindelay = self.mindelay, float(floor)
        try:
            super()._response_downloaded(response, request, spider)
        finally:
            self.mindelay = default
