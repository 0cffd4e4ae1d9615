"""A seed's politeness as Scrapy sees it: per-domain download slots, request meta and headers.

Shared by every spider that talks to a source's site (the crawl, `govwatch check`, `govwatch add`), so a
diagnosis is exactly as polite as a crawl.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.crawler import Crawler

from crawler.config import Source


def apply_slots(crawler: Crawler, sources: Iterable[Source]) -> None:
    """Seed politeness → DOWNLOAD_SLOTS per domain (settings are still writable in from_crawler)."""
    slots: dict[str, dict[str, Any]] = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
    for source in sources:
        rules = source.politeness
        for domain in source.domains:
            slot = dict(slots.get(domain, {}))
            if rules.download_delay is not None:
                # Two sources on one site: the slower wish wins.
                slot["delay"] = max(rules.download_delay, slot.get("delay", 0.0))
                if rules.download_delay == 0:
                    slot["jitter"] = 0.0
            if rules.concurrent_requests_per_domain is not None:
                slot["concurrency"] = min(rules.concurrent_requests_per_domain, slot.get("concurrency", 99))
            if slot:
                slots[domain] = slot
    crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")


def request_meta(source: Source, **extra: Any) -> dict[str, Any]:
    """Request meta carrying the seed's robots, size, retry and timeout rules."""
    rules = source.politeness
    meta: dict[str, Any] = {"gw_source": source.id, **extra}
    if rules.obey_robots is False:
        meta["dont_obey_robotstxt"] = True
    if rules.max_response_bytes is not None:
        meta["download_maxsize"] = rules.max_response_bytes
    if rules.retry_times is not None:
        meta["max_retry_times"] = rules.retry_times
    if rules.timeout is not None:
        meta["download_timeout"] = rules.timeout
    return meta


def request_headers(source: Source, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Headers of a request to the source: the seed's own User-Agent when it sets one."""
    headers = dict(extra or {})
    if source.politeness.user_agent:
        headers["User-Agent"] = source.politeness.user_agent
    return headers
