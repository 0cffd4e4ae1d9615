"""A source's politeness rules as Scrapy understands them: per-domain download slots and request meta. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crawler.config import Source

# The smallest delay a site's slot gets, even when its seed says 0. Scrapy (2.19) holds a slot to its
# concurrency only while the slot has a delay: with none, it starts every queued request of the site before
# it counts the first one as transferring, so "one request at a time per site" would not hold. The floor
# keeps Scrapy's own count right in the common case; spiders/turns.py makes it a guarantee.
MIN_SLOT_DELAY = 0.001


def download_slots(sources: Iterable[Source], slots: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """DOWNLOAD_SLOTS with each source's politeness applied to its domains (two sources on a site: the slower wins)."""
    merged: dict[str, dict[str, Any]] = {key: dict(value) for key, value in slots.items()}
    for source in sources:
        rules = source.politeness
        for domain in source.domains:
            slot = dict(merged.get(domain, {}))
            if rules.download_delay is not None:
                slot["delay"] = max(rules.download_delay, slot.get("delay", 0.0), MIN_SLOT_DELAY)
                if rules.download_delay == 0:
                    slot["jitter"] = 0.0
            if rules.concurrent_requests_per_domain is not None:
                slot["concurrency"] = min(rules.concurrent_requests_per_domain, slot.get("concurrency", 99))
            if slot:
                merged[domain] = slot
    return merged


def request_meta(source: Source) -> dict[str, Any]:
    """The per-request switches Scrapy reads for this source's requests."""
    rules = source.politeness
    meta: dict[str, Any] = {"gw_source": source.id}
    if rules.obey_robots is False:
        meta["dont_obey_robotstxt"] = True
    if rules.max_response_bytes is not None:
        meta["download_maxsize"] = rules.max_response_bytes
    if rules.retry_times is not None:
        meta["max_retry_times"] = rules.retry_times
    if rules.timeout is not None:
        meta["download_timeout"] = rules.timeout
    return meta


def request_headers(source: Source, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Headers of the source's requests: the seed's User-Agent when it has one."""
    headers = dict(extra or {})
    if source.politeness.user_agent:
        headers["User-Agent"] = source.politeness.user_agent
    return headers
