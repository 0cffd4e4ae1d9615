"""Turns at a site: at most N transfers at once, each started no sooner than the site's delay after the last.

Scrapy's download slot already means to keep both promises, but it counts a request as transferring only
once the task that sends it has started, one event-loop step after the slot handed it out. Whenever the
delay is shorter than a pause of the process between two clock reads (a seed's 0 s raised to
`MIN_SLOT_DELAY`, or any delay on a machine that stalls the process for longer), the slot hands out a
second request before the first counts, and both go out together: measured, 2 at once on the simulated
ministry under CPU contention. The download handler asks for a turn here just before the bytes go out, so
the promise holds whatever the slot did; in the common case the turn is free and nothing waits.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Site:
    """One site's transfers in progress, the start reserved last, and who waits for a free transfer."""

    running: int = 0
    last_start: float = float("-inf")
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)


class SiteTurns:
    """Hands out turns per site key; the limits come with each request, as the site's slot has them now."""

    def __init__(self) -> None:
        self._sites: dict[str, _Site] = {}
        self.overtaken = 0  # turns that waited for another transfer: how often the slot's count fell short

    @asynccontextmanager
    async def turn(self, key: str, concurrency: int, min_gap: float) -> AsyncIterator[bool]:
        """Wait until `key` has fewer than `concurrency` transfers and `min_gap` s passed since the last
        start, then hold the turn for the transfer; yields whether it had to wait for another transfer."""
        site = self._sites.setdefault(key, _Site())
        overtaken = site.running >= max(1, concurrency)
        if overtaken:
            self.overtaken += 1
        while site.running >= max(1, concurrency):
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            site.waiting.append(ready)
            try:
                await ready
            except BaseException:
                # Cancelled while waiting (the crawl is closing): pass the wake-up on if it was ours.
                if ready.done() and not ready.cancelled():
                    self._wake(site)
                raise
        site.running += 1
        try:
            # The start is reserved before sleeping, so two turns granted together start a gap apart.
            now = time.monotonic()
            start = max(now, site.last_start + min_gap)
            site.last_start = start
            if start > now:
                await asyncio.sleep(start - now)
                # Woken late, the gap counts from when this transfer really starts.
                site.last_start = max(site.last_start, time.monotonic())
            yield overtaken
        finally:
            site.running -= 1
            self._wake(site)

    @staticmethod
    def _wake(site: _Site) -> None:
        while site.waiting:
            ready = site.waiting.popleft()
            if not ready.done():
                ready.set_result(None)
                return
