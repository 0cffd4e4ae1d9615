"""Scrapy side of browser fetching: a download handler that opens pages in Chromium when the request asks for
it, and a downloader middleware that asks for it when a site answers plain HTTP with a JavaScript challenge.

The browser fetch is a download like any other: it goes through the site's download slot (one request at a
time, the same delay) and robots.txt has been checked before it. The cookies the browser earns are sent
with the next plain requests to the same host until the site refuses them; then the browser runs again.
"""

from __future__ import annotations

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

BROWSER_META = "gw_browser"  # set on a request: the handler opens it in Chromium
TRIED_META = "gw_browser_tried"  # the middleware re-issued it once already: never loop
ANSWER_META = "gw_browser_answer"  # what the browser fetch saw (navigations, cookies, challenge left)
MODE_META = "gw_fetch"  # a request's fetch mode when it has no source (e.g. `govwatch check`'s spider)
# How the answer was fetched, on response.meta: "http", "http+cookies" (the browser's) or "browser". Any
# spider (the crawl, `govwatch check`) can report from it which mode a source needed.
FETCHED_WITH_META = "gw_fetched_with"


def _host(url: str) -> str:
    return urlsplit(url).netloc


class BrowserDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, except for requests marked `gw_browser`: those open in the shared Chromium."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.pool = BrowserPool(
            BrowserOptions(
                executable=settings.get("GOVWATCH_BROWSER_EXECUTABLE"),
                timeout=settings.getfloat("GOVWATCH_BROWSER_TIMEOUT", 30.0),
                user_agent=settings.get("USER_AGENT"),
                hosts=dict(settings.getdict("GOVWATCH_HOSTS")),
            )
        )

    async def download_request(self, request: Request) -> Response:  # type: ignore[override]
        if not request.meta.get(BROWSER_META):
            return await super().download_request(request)
        if request.method != "GET":
            raise IgnoreRequest(f"the browser opens GET requests only, not {request.method}")
        answer = await self.pool.fetch(request.url)
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
        self.reuse_cookies = crawler.settings.getbool("GOVWATCH_BROWSER_REUSE_COOKIES", True)
        self.cookies: dict[str, dict[str, str]] = {}  # host → cookies the browser earned there
        self.refused: set[str] = set()  # hosts still blocked in the browser: not tried again this crawl
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
        earned = self.cookies.get(_host(request.url))
        if earned:
            request.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in earned.items())
            return
        if mode == "browser" and _host(request.url) not in self.refused:
            if self.unavailable:
                self._note(source_id, "unavailable", f"{FETCH_NOTE}browser needed but unavailable: {self.unavailable}")
                raise IgnoreRequest(f"browser unavailable: {self.unavailable}")
            # `fetch: browser` starts in the browser, without a plain request the site would refuse.
            request.meta[BROWSER_META] = True
            request.meta[TRIED_META] = True

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
            if answer.get("cookies") and self.reuse_cookies:
                self.cookies[host] = dict(answer["cookies"])
            if answer.get("challenge"):
                self.cookies.pop(host, None)
                self.refused.add(host)
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
        carried = b"Cookie" in request.headers
        request.meta[FETCHED_WITH_META] = "http+cookies" if carried else "http"
        if challenge is None:
            if carried:
                self._count(source_id, "cookie_pages")
            return response
        if carried:
            self.cookies.pop(host, None)  # the site refused them: the browser must earn new ones
        elif self.cookies.get(host):
            # Sent before the browser earned the host's cookies (middlewares see a request before it waits
            # for the site's slot): once more over plain HTTP, now with them.
            return request.replace(dont_filter=True)
        if request.meta.get(TRIED_META) or host in self.refused:
            return response
        if self.unavailable:
            self._note(
                source_id,
                "unavailable",
                f"{FETCH_NOTE}browser needed ({challenge.reason}) but unavailable: {self.unavailable}",
            )
            return response
        retry = request.replace(dont_filter=True)
        retry.headers.pop(b"Cookie", None)
        retry.meta[BROWSER_META] = True
        retry.meta[TRIED_META] = True
        return retry
