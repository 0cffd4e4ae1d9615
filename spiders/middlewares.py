"""Downloader middlewares: retries with an exponential pause, the redirect guard and the answer verdict.

Order (crawler/settings.py DOWNLOADER_MIDDLEWARES; responses pass from high numbers to low):
RedirectGuardMiddleware (650) sees each 3xx before Scrapy's RedirectMiddleware (600) follows it;
BackoffRetryMiddleware (550) retries 5xx and network errors; AnswerMiddleware (540) classifies the
final answer with crawler.answers.classify_answer and leaves the Verdict in request.meta["gw_verdict"]
(response.meta on the callback, failure.request.meta on the errback) for the spider and the pipelines.
A browser re-fetch of challenged requests belongs below 540 (it reads the "blocked" verdict).
"""


from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.answers import (
    Answer,
    AnswerContext,
    PageFingerprint,
    Scope,
    Verdict,
    check_redirect,
    classify_answer,
    error,
    page_fingerprint,
    page_text,
)
from crawler.challenge import detect_challenge, not_html

# request.meta keys shared by the spider, these middlewares and the pipelines.
META_VERDICT = "gw_verdict"  # the Verdict of the final answer (or of the failure)
META_SCOPE = "gw_scope"  # the source's Scope: requests without one (robots.txt) are left alone
META_LISTED = "gw_listed"  # the URL as listed (errors name it, not the last redirect hop)
META_KNOWN = "gw_known"  # the stored item (crawler.store.KnownItem) or None
META_PROBE = "gw_probe"  # a request for a random path: its answer is the host's not-found page
META_CONDITIONAL = "gw_conditional"  # validators were sent
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


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


class FixedDelayMiddleware:
    """Keeps the delay a seed fixed for its site on every request to that site, robots.txt included.

    A seed's `download_delay` becomes its site's DOWNLOAD_SLOTS delay (crawler/politeness.py). AutoThrottle
    moves a slot's delay on the answer to any request not marked `autothrottle_dont_adjust_delay`, Scrapy's
    documented switch; Scrapy's own robots.txt request is such a request, and its answer raised a seed's
    0 s delay to DOWNLOAD_DELAY (a simulated day took 71 s instead of 17 s) and, by AutoThrottle's formula,
    would halve a 5 s one. So the mark goes on every request whose slot has a fixed delay, whoever made it
    (spider, robots.txt, attachments, the browser path).
    """

    def __init__(self, slots: dict[str, Any]) -> None:
        self.fixed = {key for key, slot in slots.items() if isinstance(slot, dict) and "delay" in slot}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FixedDelayMiddleware:
        # Built with the engine, after the spider applied its seeds' slots (spiders/listing.py from_crawler).
        return cls(crawler.settings.getdict("DOWNLOAD_SLOTS"))

    def process_request(self, request: Request) -> None:
        slot = request.meta.get("download_slot") or urlparse_cached(request).hostname
        if slot in self.fixed:
            request.meta.setdefault("autothrottle_dont_adjust_delay", True)


class RedirectGuardMiddleware:
    """Stops a redirect that leaves the source's domains or loops, before RedirectMiddleware follows it.

    The 3xx answer is kept (dont_redirect) with an error verdict naming the kind; the item's URL therefore
    never moves to another host.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        scope: Scope | None = request.meta.get(META_SCOPE)
        if scope is None or response.status not in REDIRECT_STATUSES or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get("Location")
        target = location.decode("latin-1") if location else None
        chain = [str(url) for url in request.meta.get("redirect_urls", [])]
        verdict = check_redirect(request.url, target, chain, scope)
        if verdict is not None:
            request.meta["dont_redirect"] = True
            request.meta[META_VERDICT] = verdict
        return response


class AnswerMiddleware:
    """Gives every final answer of a govwatch request one Verdict (crawler.answers), in request.meta.

    It also learns each host's own not-found page from the answer to one random path per host per run
    (META_PROBE requests the spider sends first), to recognize soft 404s that match no known pattern.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.not_found: dict[str, PageFingerprint] = {}  # host → fingerprint of its 200 not-found page

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnswerMiddleware:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request: Request, response: Response) -> Response:
        scope: Scope | None = request.meta.get(META_SCOPE)
        if scope is None:
            return response
        if request.meta.get(META_PROBE):
            self._learn(response)
            return response
        if META_LISTED not in request.meta:
            return response  # a listing page: the spider reads it with its profile
        if request.meta.get(META_VERDICT) is None or response.status not in REDIRECT_STATUSES:
            # (A 3xx the guard stopped keeps the guard's verdict: off-domain or loop.)
            request.meta[META_VERDICT] = classify_answer(self._answer(request, response), self.context(request))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if META_LISTED in request.meta:
            request.meta[META_VERDICT] = failure_verdict(exception, request, self.maxsize)

    def context(self, request: Request) -> AnswerContext:
        """What the crawl knew when it asked, with the host's learned not-found page."""
        return replace(_bare_context(request), not_found=self.not_found.get(_host(request.url)))

    @staticmethod
    def _answer(request: Request, response: Response) -> Answer:
        return Answer(
            status=response.status,
            url=response.url,
            body=response.body,
            headers=response.headers.to_unicode_dict(),
            redirects=tuple(str(url) for url in request.meta.get("redirect_urls", [])),
        )

    def _learn(self, response: Response) -> None:
        headers = response.headers.to_unicode_dict()
        if response.status != 200 or not response.body.strip():
            return
        # A challenge the probe could not pass is the gate's page, not the site's not-found page: learned,
        # it would make every article behind the same gate a soft 404 instead of blocked.
        if detect_challenge(response.status, response.body, headers) is not None:
            return
        if not_html(headers.get("Content-Type"), response.body) is None:
            self.not_found[_host(response.url)] = page_fingerprint(page_text(response.body, headers))


def verdict_of(response: Response) -> Verdict:
    """The verdict AnswerMiddleware left on the response (or, without that middleware, the answer classified now)."""
    verdict = response.meta.get(META_VERDICT)
    if verdict is None:
        verdict = classify_answer(AnswerMiddleware._answer(response.request, response), _bare_context(response.request))
        response.meta[META_VERDICT] = verdict
    return verdict


def _bare_context(request: Request) -> AnswerContext:
    known = request.meta.get(META_KNOWN)
    return AnswerContext(
        listed_url=request.meta.get(META_LISTED, request.url),
        scope=request.meta.get(META_SCOPE) or Scope(frozenset({_host(request.url)})),
        known=known is not None,
        conditional=bool(request.meta.get(META_CONDITIONAL)),
    )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


# Network failures by exception class name (Scrapy wraps Twisted's, but not all of them): the error kind.
FAILURE_KINDS: dict[str, str] = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "ResponseDataLossError": "truncated",
    "DownloadFailedError": "connection_reset",
    "ResponseFailed": "connection_reset",
    "ResponseNeverReceived": "connection_reset",
    "ConnectionLost": "connection_reset",
    "ConnectionDone": "connection_reset",
    "ConnectionResetError": "connection_reset",
    "DownloadCancelledError": "too_large",
}


def failure_verdict(exc: BaseException, request: Request, default_maxsize: int = 0) -> Verdict:
    """The error verdict of a failed request: a named kind and a message that is never empty."""
    from scrapy.spidermiddlewares.httperror import HttpError

    if isinstance(exc, HttpError):
        return exc.response.meta.get(META_VERDICT) or error("http", str(exc.response.status))
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return error("robots", text)
        if "max redirections" in text or "redirect" in text.lower():
            return error("too_many_redirects", f"{text} (last hop {request.url})")
        return error("other", f"not fetched: {text}" if text else "not fetched (ignored)")
    name = type(exc).__name__
    kind = FAILURE_KINDS.get(name, "other")
    detail = str(exc).strip()
    if kind == "too_large":
        maxsize = request.meta.get("download_maxsize", default_maxsize)
        # Without a Content-Length Scrapy cancels the download with no message at all.
        detail = detail or f"the body grew over the maximum size of {maxsize} bytes (no Content-Length)"
    elif kind == "truncated":
        detail = detail or "the connection closed before the whole body (Content-Length) arrived"
    elif kind == "timeout":
        detail = detail or f"no answer within {request.meta.get('download_timeout', '?')} seconds"
    if kind == "other":
        return error("other", f"{name}: {detail}" if detail else name)
    return error(kind, detail or name)
