"""One transfer at a time per site holds even where Scrapy's slot hands out two (spiders/turns.py)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.simulator.server import Request, Response, SiteServer
from spiders.turns import SiteTurns

ROOT = Path(__file__).resolve().parents[2]


async def _transfers(turns: SiteTurns, count: int, concurrency: int, gap: float) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []

    async def transfer() -> None:
        async with turns.turn("site", concurrency, gap):
            started = time.monotonic()
            await asyncio.sleep(0.01)
            spans.append((started, time.monotonic()))

    await asyncio.gather(*(transfer() for _ in range(count)))
    return sorted(spans)


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    return max(sum(1 for start, end in spans if start <= moment < end) for moment, _ in spans)


def test_turns_granted_together_go_one_at_a_time_a_gap_apart() -> None:
    turns = SiteTurns()
    spans = asyncio.run(_transfers(turns, count=5, concurrency=1, gap=0.03))
    assert _most_at_once(spans) == 1
    starts = [start for start, _ in spans]
    assert all(later - earlier >= 0.029 for earlier, later in itertools.pairwise(starts))
    assert turns.overtaken == 4  # five asked together: four found the site busy


def test_a_turn_says_whether_it_waited_for_another_transfer() -> None:
    async def scenario() -> list[bool]:
        turns = SiteTurns()
        said: list[bool] = []

        async def transfer() -> None:
            async with turns.turn("site", 1, 0.0) as overtaken:
                said.append(overtaken)
                await asyncio.sleep(0.01)

        await asyncio.gather(transfer(), transfer(), transfer())
        await transfer()  # alone now
        return said

    assert asyncio.run(scenario()) == [False, True, True, False]


def test_a_site_allowed_two_transfers_gets_two_not_more() -> None:
    turns = SiteTurns()
    spans = asyncio.run(_transfers(turns, count=6, concurrency=2, gap=0.0))
    assert _most_at_once(spans) == 2


def test_a_waiter_cancelled_in_line_does_not_stall_the_others() -> None:
    async def scenario() -> list[str]:
        turns = SiteTurns()
        done: list[str] = []

        async def transfer(name: str, hold: float) -> None:
            async with turns.turn("site", 1, 0.0):
                await asyncio.sleep(hold)
                done.append(name)

        first = asyncio.create_task(transfer("first", 0.05))
        await asyncio.sleep(0)
        doomed = asyncio.create_task(transfer("doomed", 0.0))
        last = asyncio.create_task(transfer("last", 0.0))
        await asyncio.sleep(0.01)
        doomed.cancel()
        await asyncio.wait_for(asyncio.gather(first, last), timeout=2)
        return done

    assert asyncio.run(scenario()) == ["first", "last"]


class _SlowPages:
    """Answers every path after 50 ms, so two transfers at once overlap inside the server."""

    def respond(self, request: Request) -> Response:
        time.sleep(0.05)
        return Response(200, b"<html><body>page</body></html>", "text/html; charset=utf-8")


def _burst(handler: str, tmp_path: Path) -> tuple[int, int]:
    """Crawl eight pages queued together with no delay: (most requests the site saw at once, pages answered),
    both from the server's own log."""
    server = SiteServer(_SlowPages(), "127.0.0.1")
    server.start()
    try:
        settings = {
            "DOWNLOAD_HANDLERS": json.dumps({"http": handler}),
            "DOWNLOAD_DELAY": "0",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "ROBOTSTXT_OBEY": "False",
            "TELNETCONSOLE_ENABLED": "False",
            "LOG_LEVEL": "WARNING",
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "GOVWATCH_BROWSER_EXECUTABLE": "",
        }
        command = [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(Path(__file__).with_name("burst_spider.py")),
        ]
        command += ["-a", f"base={server.base_url}", "-a", "count=8"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        completed = subprocess.run(
            command,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stderr.decode()[-2000:]
        return server.max_concurrency, sum(1 for entry in server.log if entry.status == 200)
    finally:
        server.stop()


@pytest.mark.slow
def test_queued_requests_reach_a_site_one_at_a_time_through_our_handler(tmp_path: Path) -> None:
    # Control: Scrapy's own handler, with the slot's delay at 0, sends the queued requests together, which
    # is the hand-out-before-it-counts gap the turns close (and shows this test can fail).
    stock_most, stock_pages = _burst("scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler", tmp_path)
    ours_most, ours_pages = _burst("spiders.browser.BrowserDownloadHandler", tmp_path)
    assert stock_pages == ours_pages == 8
    assert stock_most > 1, stock_most
    assert ours_most == 1, ours_most
