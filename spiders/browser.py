"""Scrapy side of browser fetching: a download handler that opens pages in Chromium when the request asks for
it, and a downloader middleware that asks for it when a site answers plain HTTP with a JavaScript challenge.

The browser fetch is a download like any other: it goes through the site's download slot (one request at a
time, the same delay) and robots.txt has been checked before it. The cookies the browser earns are sent
with the next plain requests to the same host until the site refuses them; then the browser runs again.
Whether a request of a challenged host goes out with the earned cookies or through Chromium is decided by
the handler when the slot sends it, not when it was queued, so it always carries the newest cookies.
Every download, plain or browser, first takes a turn at its site (spiders/turns.py), so one request at a
time holds even where the slot hands out two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.responsetypes import responsetypes

from crawler.browser import FETCH_NOTE, BrowserOptions, BrowserPool, unavailable_reason
from crawler.challenge import detect_challenge
from spiders import stats as runstats
from spiders.turns import SiteTurns

BROWSER_META = "gw_browser"  # set on a request: the handler opens it in Chromium
TRIED_META = "gw_browser_tried"  # it went to the browser (said on the request, for logs and other spiders)
ANSWER_META = "gw_browser_answer"  # what the browser fetch saw (navigations, cookies, challenge left)
EARNED_META = "gw_browser_earned"  # a challenged host's request: earned cookies, else Chromium, chosen at sending
SENT_META = "gw_browser_sent_cookies"  # the Cookie header the handler sent with it (the cookies the site judged)
ATTEMPTS_META = "gw_browser_attempts"  # challenges this request met already: a bound, so nothing loops
# Challenges one request may meet before it stays blocked: cookies spent since it was queued, then the
# newest cookies, then the browser.
MAX_ATTEMPTS = 3
MODE_META = "gw_fetch"  # a request's fetch mode when it has no source (e.g. `govwatch check`'s spider)
# How the answer was fetched, on response.meta: "http", "http+cookies" (the browser's) or "browser". Any
# spider (the crawl, `govwatch check`) can report from it which mode a source needed.
FETCHED_WITH_META = "gw_fetched_with"


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@dataclass
class EarnedAccess:
    """What one crawl knows of its challenged hosts, shared by the middleware and the download handler."""

    cookies: dict[str, dict[str, str]] = field(default_factory=dict)  # host → cookies the browser earned there
    challenged: set[str] = field(default_factory=set)  # hosts that answered plain HTTP with a challenge
    refused: set[str] = field(default_factory=set)  # hosts still blocked in the browser: not tried again


def earned_access(crawler: Crawler) -> EarnedAccess:
    """The crawl's EarnedAccess (made by whichever of the handler and the middleware asks first)."""
    access = getattr(crawler, "_gw_earned_access", None)
    if access is None:
        access = EarnedAccess()
        crawler._gw_earned_access = access  # type: ignore[attr-defined]
    return access


class BrowserDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, except for requests marked `gw_browser`: those open in the shared Chromium."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.crawler = crawler
        self.turns = SiteTurns()
        self.access = earned_access(crawler)
        self.reuse_cookies = settings.getbool("GOVWATCH_BROWSER_REUSE_COOKIES", True)
        self.pool = BrowserPool(
            BrowserOptions(
                executable=settings.get("GOVWATCH_BROWSER_EXECUTABLE"),
                timeout=settings.getfloat("GOVWATCH_BROWSER_TIMEOUT", 30.0),
                user_agent=settings.get("USER_AGENT"),
                hosts=dict(settings.getdict("GOVWATCH_HOSTS")),
            )
        )

    async def download_request(self, request: Request) -> Response:  # type: ignore[override]
        slot = self._slot_of(request)
        if slot is None:
            return await self._download(request)
        key, concurrency, min_gap = slot
        async with self.turns.turn(key, concurrency, min_gap) as overtaken:
            if overtaken and self.crawler.stats:
                self.crawler.stats.inc_value("govwatch/slot_turn_waits")
            return await self._download(request)

    def _slot_of(self, request: Request) -> tuple[str, int, float] | None:
        """The request's download slot as the downloader has it now: key, concurrency, smallest gap."""
        engine = self.crawler.engine
        key = request.meta.get("download_slot")
        slot = engine.downloader.slots.get(key) if engine and key is not None else None
        if slot is None:
            return None
        # The smallest gap Scrapy itself would leave (its delay less the jitter), so a turn only ever waits
        # where the slot's own accounting fell short. Scrapy before 2.19 has no `jitter`: its randomized
        # delays went down to half.
        jitter = getattr(slot, "jitter", 0.5)
        return key, slot.concurrency, slot.delay * max(0.0, 1.0 - jitter)

    async def _download(self, request: Request) -> Response:
        if request.meta.get(EARNED_META) and not request.meta.get(BROWSER_META):
            self._choose_way(request)
        if not request.meta.get(BROWSER_META):
            return await super().download_request(request)
        if request.method != "GET":
            raise IgnoreRequest(f"the browser opens GET requests only, not {request.method}")
        answer = await self.pool.fetch(request.url)
        if answer.challenge is None and answer.cookies and self.reuse_cookies:
            # Stored now, not when the middleware sees the answer: the slot's next request already has them.
            self.access.cookies[_host(request.url)] = dict(answer.cookies)
        request.meta[ANSWER_META] = {
            "navigations": answer.navigations,
            "cookies": answer.cookies,
            "challenge": answer.challenge,
        }
        cls = responsetypes.from_args(headers=answer.headers, url=answer.url, body=answer.body)
        return cls(
            url=answer.url,
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            request=request,
            flags=["browser"],
        )

    def _choose_way(self, request: Request) -> None:
        """A challenged host's request, as the slot sends it: with the newest earned cookies, else in Chromium."""
        host = _host(request.url)
        request.headers.pop(b"Cookie", None)
        request.meta.pop(SENT_META, None)
        earned = self.access.cookies.get(host)
        if earned:
            request.headers["Cookie"] = request.meta[SENT_META] = _cookie_header(earned)
        elif host not in self.access.refused:
            # Plain HTTP would only meet the challenge again: straight to the browser, which earns cookies.
            request.meta[BROWSER_META] = True
            request.meta[TRIED_META] = True

    async def close(self) -> None:
        await self.pool.close()
        await super().close()


class BrowserMiddleware:
    """Sends a challenged request again through the browser, and browser cookies with plain requests.

    Sits closer to the downloader than the answer classification (after decompression), so what the
    spider and the classification see is the browser's answer, never the challenge it passed.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.unavailable = unavailable_reason(crawler.settings.get("GOVWATCH_BROWSER_EXECUTABLE"))
        self.access = earned_access(crawler)
        self._noted: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserMiddleware:
        return cls(crawler)

    def _mode(self, request: Request) -> str:
        if request.meta.get(MODE_META):
            return str(request.meta[MODE_META])
        source_id = request.meta.get("gw_source")
        spider: Spider | None = self.crawler.spider
        for source in getattr(spider, "sources", ()):
            if source.id == source_id:
                return str(source.fetch)
        return "http"  # robots.txt and anything not of a source

    def _note(self, source_id: str | None, key: str, message: str) -> None:
        """One line per source and kind in the run's errors (the fetch mode, or why no browser)."""
        if source_id is not None and (source_id, key) not in self._noted:
            self._noted.add((source_id, key))
            runstats.record_error(self.crawler.stats, source_id, message)

    def _count(self, source_id: str | None, name: str) -> None:
        if source_id is not None:
            runstats.count(self.crawler.stats, source_id, name)

    def process_request(self, request: Request, spider: Any = None) -> None:
        mode = self._mode(request)
        if mode == "http" or request.meta.get(BROWSER_META):
            return
        source_id = request.meta.get("gw_source")
        host = _host(request.url)
        if mode == "browser" and self.unavailable:
            self._note(source_id, "unavailable", f"{FETCH_NOTE}browser needed but unavailable: {self.unavailable}")
            raise IgnoreRequest(f"browser unavailable: {self.unavailable}")
        if host in self.access.refused:
            return  # Chromium could not pass either: plain HTTP, which the answer classification calls blocked
        if mode == "browser" or host in self.access.challenged:
            # `fetch: browser`, or a host known to challenge: the handler picks the way when the slot sends
            # it (cookies the browser earned by then, else the browser), so none goes out with spent cookies.
            request.meta[EARNED_META] = True

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        source_id = request.meta.get("gw_source")
        if self._mode(request) == "http":
            request.meta.setdefault(FETCHED_WITH_META, "http")
            return response
        host = _host(request.url)
        if request.meta.get(BROWSER_META):
            answer = request.meta.get(ANSWER_META) or {}
            request.meta[FETCHED_WITH_META] = "browser"
            self._count(source_id, "browser_pages")
            if answer.get("challenge"):
                self.access.cookies.pop(host, None)
                self.access.refused.add(host)
                self._note(
                    source_id,
                    "still",
                    f"{FETCH_NOTE}browser, and still blocked in the browser at {request.url} (Chromium ran "
                    f"the page's scripts): {answer['challenge']}",
                )
            else:
                self._note(
                    source_id,
                    "mode",
                    f"{FETCH_NOTE}browser: {host} answers plain HTTP with a JavaScript challenge; Chromium "
                    "passed it and its cookies are reused over plain HTTP",
                )
            return response
        challenge = detect_challenge(response.status, response.body, response.headers.to_unicode_dict())
        sent = request.meta.get(SENT_META)
        request.meta[FETCHED_WITH_META] = "http+cookies" if sent else "http"
        if challenge is None:
            if sent:
                self._count(source_id, "cookie_pages")
            return response
        if host in self.access.refused:
            return response
        if self.unavailable:
            self._note(
                source_id,
                "unavailable",
                f"{FETCH_NOTE}browser needed ({challenge.reason}) but unavailable: {self.unavailable}",
            )
            return response
        self.access.challenged.add(host)
        if sent and sent == _cookie_header(self.access.cookies.get(host, {})):
            self.access.cookies.pop(host, None)  # the site refused the newest cookies: the browser earns new ones
        attempts = int(request.meta.get(ATTEMPTS_META, 0)) + 1
        if attempts > MAX_ATTEMPTS:
            return response  # stays a challenge: the answer classification records it blocked
        # Again, through the scheduler and the site's slot: with cookies newer than the refused ones if the
        # browser has earned them by then, else through the browser.
        retry = request.replace(dont_filter=True)
        retry.headers.pop(b"Cookie", None)
        retry.meta.pop(SENT_META, None)
        retry.meta[EARNED_META] = True
        retry.meta[ATTEMPTS_META] = attempts
        return retry
