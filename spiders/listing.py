"""The one generic spider: `scrapy crawl listing -a source=<id>[,<id>...]` (or `-a sources=all`).

For each source it reads the listings with the source's CMS profile, fetches unknown articles, re-checks
known ones that are due (conditional GETs), confirms deletions, recognizes challenge pages, and at close
writes each source's crawl_run with its counts, errors and health. The decisions are in crawler/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import FormRequest, Request, Response
from twisted.python.failure import Failure

from crawler import alerts, clock
from crawler.challenge import detect_challenge, not_html
from crawler.config import Listing, SeedError, Source, load_seeds
from crawler.extract.decoding import decode_html
from crawler.profiles import get_profile
from crawler.profiles.base import ListingPage, PageRequest
from crawler.run_status import classify
from crawler.store import DELETION_CONFIRMATIONS, KnownItem, Store
from crawler.urls import canonical_url, is_mirror
from spiders import stats as runstats
from spiders.items import PageItem

LISTING_PRIORITY = 100  # listings before articles, so every source's listing is read early
REVISIT_PRIORITY = -10  # scheduled revisits after the new articles


@dataclass
class SourceRun:
    """The spider's bookkeeping for one source during one crawl."""

    source: Source
    run_id: int
    pending_listings: int = 0
    listing_requests_seen: set[tuple[str, str, str]] = field(default_factory=set)
    revisits_used: int = 0
    revisits_scheduled: bool = False
    handled: set[str] = field(default_factory=set)  # canonical URLs fetched or decided this run
    further_pages: dict[int, list[PageRequest]] = field(default_factory=dict)  # per listing, not yet asked
    # Read every page up to max_pages (not only while unseen items show): the first crawl, and after a
    # run that did not end "ok" (crashed, failing …), whose deeper pages may never have been read.
    full_paging: bool = True
    finished: bool = False


def _parse_ids(*values: str | None) -> list[str]:
    ids: list[str] = []
    for value in values:
        for part in (value or "").replace(" ", ",").split(","):
            if part and part not in ids:
                ids.append(part)
    return ids


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return moment


def _failure_reason(failure: Failure) -> str:
    """A short, human reason for a failed request."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        IgnoreRequest,
    )
    from scrapy.spidermiddlewares.httperror import HttpError

    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return f"not fetched: {exc}" if str(exc) else "not fetched (ignored)"
    labels = (
        (CannotResolveHostError, "DNS lookup failed"),
        (DownloadConnectionRefusedError, "connection refused"),
        (DownloadTimeoutError, "timed out"),
        (DownloadCancelledError, "response too large (over the maximum size)"),
        (ConnectionRefusedError, "connection refused"),
        (TimeoutError, "timed out"),
    )
    for kind, label in labels:
        if isinstance(exc, kind):
            return label if kind is not DownloadCancelledError else f"{label}: {exc}"
    return f"{type(exc).__name__}: {exc}"


class ListingSpider(scrapy.Spider):
    """Crawls any number of sources from their seeds in one process; each site is kept polite by its slot."""

    name = "listing"

    def __init__(
        self, source: str | None = None, sources: str | None = None, seeds: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.requested = _parse_ids(source, sources)
        named = [] if not self.requested or self.requested == ["all"] else self.requested
        # Only the named seed files: a crawl of 200 sources out of 10,000 does not parse the other 9,800.
        seed_set = load_seeds(seeds, only=named or None)
        self.seed_errors: list[SeedError] = seed_set.errors
        self.unknown_ids: list[str] = []
        if not self.requested or self.requested == ["all"]:
            self.sources = seed_set.enabled()
        else:
            self.sources = []
            for source_id in self.requested:
                if source_id in seed_set.sources:
                    self.sources.append(seed_set.sources[source_id])
                elif not any(error.path.stem == source_id for error in self.seed_errors):
                    self.unknown_ids.append(source_id)
        self.runs: dict[str, SourceRun] = {}
        self.store: Store | None = None
        # Process-wide indexes, so that "does another source of this crawl own it?" costs O(1), not O(sources).
        self.claims: dict[str, str] = {}  # canonical URL → the source that fetches it in this crawl
        self.domain_sources: dict[str, set[str]] = {}
        for source in self.sources:
            for domain in source.domains:
                self.domain_sources.setdefault(domain, set()).add(source.id)

    # --- set-up ---------------------------------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        # Scrapyd passes settings, not environment: GOVWATCH_ENV carries a node job's clock (GOVWATCH_NOW)
        # before the seeds, the store and the pipelines' worker processes read it.
        os.environ.update({key: str(value) for key, value in crawler.settings.getdict("GOVWATCH_ENV").items()})
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Opened here, not in start(): an unreachable database or a broken alerts.yaml then fails the
        # crawl's start-up (exit status 1) instead of giving a crawl that silently stores or alerts nothing.
        spider.store = Store(listeners=alerts.change_listeners())
        spider._apply_politeness(crawler)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._on_closed, signal=signals.spider_closed)
        return spider

    def _apply_politeness(self, crawler: Crawler) -> None:
        """Seed politeness → DOWNLOAD_SLOTS per domain (settings are still writable in from_crawler)."""
        slots: dict[str, dict[str, Any]] = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
        for source in self.sources:
            rules = source.politeness
            for domain in source.domains:
                slot = dict(slots.get(domain, {}))
                if rules.download_delay is not None:
                    # Two sources on one site: the slower wish wins.
                    slot["delay"] = max(rules.download_delay, slot.get("delay", 0.0))
                    if rules.download_delay == 0:
                        slot["jitter"] = 0.0
                if rules.concurrent_requests_per_domain is not None:
                    slot["concurrency"] = min(
                        rules.concurrent_requests_per_domain, slot.get("concurrency", 99)
                    )
                if slot:
                    slots[domain] = slot
        crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    def _request_meta(self, source: Source, **extra: Any) -> dict[str, Any]:
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

    def _headers(self, source: Source, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if source.politeness.user_agent:
            headers["User-Agent"] = source.politeness.user_agent
        return headers

    # --- start ---------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterator[Request]:
        assert self.store is not None
        for error in self.seed_errors:
            self.logger.error("seed file not loaded: %s", error)
        for source_id in self.unknown_ids:
            self.logger.error("unknown source %r: no seed file defines it", source_id)
        self.store.sync_sources(self.sources)
        self._record_broken_seeds()
        # Batched: three queries for all the sources, not three per source.
        ids = [source.id for source in self.sources]
        previous = self.store.previous_statuses(ids)
        run_ids = self.store.begin_runs(ids, pid=os.getpid(), node=self.settings.get("GOVWATCH_NODE") or None)
        for source in self.sources:
            run = SourceRun(source=source, run_id=run_ids[source.id])
            run.full_paging = previous.get(source.id) != "ok"
            self.runs[source.id] = run
            for listing_index, listing in enumerate(source.listings):
                try:
                    first = get_profile(listing.profile).first_requests(listing)
                except Exception as exc:  # noqa: BLE001 - one broken source never stops the others
                    self._error(
                        source.id, f"{listing.url}: cannot start listing: {type(exc).__name__}: {exc}"
                    )
                    continue
                for page_request in first:
                    request = self._listing_request(run, listing_index, page_request)
                    if request is not None:
                        yield request
            if run.pending_listings == 0:
                self._finish_source(run)

    def _record_broken_seeds(self) -> None:
        """A requested source whose seed file is broken gets a failing run naming the file and key."""
        assert self.store is not None
        wanted = set(self.requested) if self.requested and self.requested != ["all"] else None
        for error in self.seed_errors:
            source_id = error.path.stem
            if wanted is not None and source_id not in wanted:
                continue
            if not source_id or any(
                char not in "abcdefghijklmnopqrstuvwxyz0123456789-" for char in source_id
            ):
                continue
            run_id = self.store.begin_run(source_id, pid=os.getpid())
            change = self.store.finish_run(run_id, "failing", {}, [f"seed file not loaded: {error}"])
            try:
                alerts.health_changed(self.store, change)
            except Exception:  # noqa: BLE001 - an alert failure must not stop the crawl
                self.logger.exception("health alert for %s failed", source_id)

    # --- listings ------------------------------------------------------------------------------------

    def _listing_request(
        self, run: SourceRun, listing_index: int, page_request: PageRequest
    ) -> Request | None:
        key = (page_request.method, page_request.url, repr(sorted((page_request.formdata or {}).items())))
        if key in run.listing_requests_seen:
            return None
        run.listing_requests_seen.add(key)
        run.pending_listings += 1
        source = run.source
        meta = self._request_meta(source, gw_listing=listing_index, gw_page=page_request)
        common: dict[str, Any] = {
            "callback": self.parse_listing,
            "errback": self.listing_failed,
            "meta": meta,
            "priority": LISTING_PRIORITY,
            "dont_filter": True,  # deduplicated above, per source; a dropped request would hang the count
            "headers": self._headers(source),
        }
        if page_request.method.upper() == "POST":
            return FormRequest(page_request.url, formdata=page_request.formdata or {}, **common)
        return Request(page_request.url, method=page_request.method.upper(), **common)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        run = self.runs[response.meta["gw_source"]]
        source = run.source
        self._count(source.id, "pages_fetched")
        self._count(source.id, "bytes_received", len(response.body))
        try:
            yield from self._read_listing(run, response)
        finally:
            run.pending_listings -= 1
        if run.pending_listings == 0:
            yield from self._due_revisits(run)

    def _read_listing(self, run: SourceRun, response: Response) -> Iterator[Request]:
        source = run.source
        headers = response.headers.to_unicode_dict()
        challenge = detect_challenge(response.status, response.body, dict(headers))
        if challenge is not None:
            self._count(source.id, "blocked")
            self._error(source.id, f"{response.url}: listing blocked: {challenge.reason}")
            return
        if response.status != 200:
            self._count(source.id, "failed")
            self._error(source.id, f"{response.url}: listing answered HTTP {response.status}")
            return
        listing: Listing = source.listings[response.meta["gw_listing"]]
        page_request: PageRequest = response.meta["gw_page"]
        text, _codec = decode_html(response.body, dict(headers))
        try:
            page: ListingPage = get_profile(listing.profile).parse(
                listing, page_request, response.body, text, source.max_pages
            )
        except Exception as exc:  # noqa: BLE001 - profiles should not raise; if one does, record it
            page = ListingPage(errors=[f"{response.url}: cannot parse listing: {type(exc).__name__}: {exc}"])
        self._count(source.id, "listing_pages")
        self._count(source.id, "listing_items", len(page.entries))
        for message in page.errors:
            self._error(source.id, message if response.url in message else f"{response.url}: {message}")
        listing_index = response.meta["gw_listing"]
        waiting = run.further_pages.setdefault(listing_index, [])
        waiting.extend(page.next_requests)
        articles = list(self._article_requests(run, [entry.url for entry in page.entries]))
        unknown = sum(1 for request in articles if request.meta["gw_known"] is None)
        # Incremental paging: the next page only while this one still shows articles we have never seen
        # (or showed nothing yet: a shell page). Older items on deeper pages are re-checked by the revisit
        # schedule, so an unchanged site costs one listing page, not all of them.
        keep_paging = unknown or not page.entries or run.full_paging
        while waiting and keep_paging:
            request = self._listing_request(run, listing_index, waiting.pop(0))
            if request is not None:
                yield request
                break
        if not keep_paging and waiting:
            self.logger.debug(
                "[%s] %s: nothing new, %d further page(s) not read", source.id, response.url, len(waiting)
            )
            waiting.clear()
        yield from articles

    def listing_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        run = self.runs[request.meta["gw_source"]]
        self._count(run.source.id, "pages_fetched")
        self._count(run.source.id, "failed")
        self._error(run.source.id, f"{request.url}: listing not fetched: {_failure_reason(failure)}")
        run.pending_listings -= 1
        if run.pending_listings == 0:
            yield from self._due_revisits(run)

    # --- articles ------------------------------------------------------------------------------------

    def _article_requests(self, run: SourceRun, urls: Iterable[str]) -> Iterator[Request]:
        """Unknown entries are fetched; known ones only when due for a revisit, within the budget."""
        assert self.store is not None
        source = run.source
        by_canonical: dict[str, str] = {}
        for url in urls:
            canonical = canonical_url(url)
            if is_mirror(url) and self._original_crawled_elsewhere(run, canonical):
                continue  # a converted copy: the original's own source fetches and owns the item
            if canonical not in run.handled and canonical not in by_canonical:
                by_canonical[canonical] = url
        if not by_canonical:
            return
        known = self.store.known(by_canonical)
        now = clock.now()
        for canonical, url in by_canonical.items():
            run.handled.add(canonical)
            if self._claimed_elsewhere(run, canonical):
                continue  # another source of this process (a mirror) already fetches it
            item = known.get(canonical)
            if item is None:
                yield self._article_request(run, url, canonical, None, revisit=False)
                continue
            if item.status == "deleted":
                # Listed again after its deletion: restored, or a stale cached listing. One plain GET
                # settles it (a 404 changes nothing; content makes the item active again).
                yield self._article_request(run, url, canonical, item, revisit=False, confirming=True)
                continue
            due = _aware(item.next_revisit_at)
            if due is not None and due <= now and run.revisits_used < source.revisit.budget:
                run.revisits_used += 1
                yield self._article_request(run, url, canonical, item, revisit=True)

    def _original_crawled_elsewhere(self, run: SourceRun, canonical: str) -> bool:
        host = urlsplit(canonical).hostname or ""
        return any(source_id != run.source.id for source_id in self.domain_sources.get(host, ()))

    def _claimed_elsewhere(self, run: SourceRun, canonical: str) -> bool:
        """True when another source of this crawl handles the URL; else this source now claims it."""
        return self.claims.setdefault(canonical, run.source.id) != run.source.id

    def _due_revisits(self, run: SourceRun) -> Iterator[Request]:
        """Known items due for a check that the listing did not show (older pages), within the budget."""
        if run.revisits_scheduled:
            return
        run.revisits_scheduled = True
        assert self.store is not None
        source = run.source
        if runstats.value(self.crawler.stats, source.id, "listing_pages") == 0:
            return  # the site did not answer its listing: leave the schedule for the next run
        budget = source.revisit.budget - run.revisits_used
        for item in self.store.due_for_revisit(source.id, budget, exclude=run.handled):
            if item.canonical_url in run.handled or self._claimed_elsewhere(run, item.canonical_url):
                continue
            run.handled.add(item.canonical_url)
            run.revisits_used += 1
            yield self._article_request(
                run, item.url, item.canonical_url, item, revisit=True, off_listing=True
            )

    def _article_request(
        self,
        run: SourceRun,
        url: str,
        canonical: str,
        known: KnownItem | None,
        *,
        revisit: bool,
        off_listing: bool = False,
        confirming: bool = False,
    ) -> Request:
        """An article request; `confirming`: a plain GET (no validators) whose 404 is not asked again."""
        source = run.source
        conditional: dict[str, str] = {}
        if known is not None and not confirming:
            if known.etag:
                conditional["If-None-Match"] = known.etag
            if known.last_modified:
                conditional["If-Modified-Since"] = known.last_modified
        meta = self._request_meta(
            source, gw_canonical=canonical, gw_known=known, gw_revisit=revisit, gw_confirming=confirming
        )
        self._count(source.id, "article_attempts")
        if revisit and not confirming:
            self._count(source.id, "revisited")
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta=meta,
            headers=self._headers(source, conditional),
            priority=REVISIT_PRIORITY if off_listing else 0,
            dont_filter=True,  # deduplicated by canonical URL above
        )

    def parse_article(self, response: Response) -> Iterator[PageItem | Request]:
        run = self.runs[response.meta["gw_source"]]
        source = run.source
        known: KnownItem | None = response.meta["gw_known"]
        canonical: str = response.meta["gw_canonical"]
        self._count(source.id, "pages_fetched")
        self._count(source.id, "bytes_received", len(response.body))
        headers = response.headers.to_unicode_dict()
        base = {
            "source_id": source.id,
            "run_id": run.run_id,
            "url": response.url,
            "canonical_url": canonical,
            "known_id": known.id if known else None,
            "revisit": bool(response.meta["gw_revisit"]),
            "revisit_days": tuple(source.revisit.days),
            "status": response.status,
        }
        if response.status == 304:
            if known is None:
                self._fail(source.id, response.url, "HTTP 304 to a request that was not conditional")
                return
            yield PageItem(answer="not_modified", **base)
            return
        challenge = detect_challenge(response.status, response.body, dict(headers))
        if challenge is not None:
            self._count(source.id, "blocked")
            self._error(source.id, f"{response.url}: blocked: {challenge.reason}")
            if known is not None:
                yield PageItem(answer="blocked", reason=challenge.reason, **base)
            return
        if response.status in (404, 410):
            if known is None:
                self._fail(source.id, response.url, f"HTTP {response.status} for a listed article")
                return
            yield PageItem(answer="gone", **base)
            if not response.meta["gw_confirming"] and known.gone_count + 1 < DELETION_CONFIRMATIONS:
                # A single 404 may be a hiccup; ask once more now, so a real deletion is confirmed today.
                yield self._article_request(
                    run, response.url, canonical, known, revisit=False, confirming=True
                )
            return
        if response.status != 200:
            self._fail(source.id, response.url, f"HTTP {response.status}")
            return
        problem = not_html(headers.get("Content-Type"), response.body)
        if problem is not None:
            self._fail(source.id, response.url, problem)
            return
        yield PageItem(
            answer="content",
            body=response.body,
            headers=dict(headers),
            etag=headers.get("ETag"),
            last_modified=headers.get("Last-Modified"),
            article=source.article.model_dump(exclude_none=True),
            **base,
        )

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source_id = request.meta["gw_source"]
        self._count(source_id, "pages_fetched")
        self._fail(source_id, request.url, _failure_reason(failure))

    # --- bookkeeping ---------------------------------------------------------------------------------

    def _count(self, source_id: str, name: str, amount: int = 1) -> None:
        runstats.count(self.crawler.stats, source_id, name, amount)

    def _error(self, source_id: str, message: str) -> None:
        self.logger.warning("[%s] %s", source_id, message)
        runstats.record_error(self.crawler.stats, source_id, message)

    def _fail(self, source_id: str, url: str, reason: str) -> None:
        self._count(source_id, "failed")
        self._error(source_id, f"{url}: {reason}")

    def _on_idle(self, spider: scrapy.Spider) -> None:
        """Safety net: a source whose listing count never reached zero still gets its revisits."""
        scheduled = False
        for run in self.runs.values():
            if not run.revisits_scheduled:
                for request in self._due_revisits(run):
                    self.crawler.engine.crawl(request)
                    scheduled = True
        if scheduled:
            raise DontCloseSpider

    def _finish_source(self, run: SourceRun, reason: str = "finished") -> None:
        self._finish_sources([run], reason)

    def _finish_sources(self, runs: Iterable[SourceRun], reason: str = "finished") -> None:
        """Close the runs' crawl_run rows in one transaction, then queue the health alerts they call for."""
        todo = [run for run in runs if not run.finished]
        if not todo or self.store is None:
            return
        stats = self.crawler.stats
        finished: list[tuple[int, str, dict[str, int], list[str]]] = []
        for run in todo:
            run.finished = True
            counts = runstats.run_counts(stats, run.source.id)
            errors = runstats.errors_of(stats, run.source.id)
            status = classify(counts, runstats.value(stats, run.source.id, "article_attempts"))
            if reason != "finished":
                errors.append(f"crawl stopped early: {reason}")
            finished.append((run.run_id, status, counts.as_dict(), errors))
            self.logger.info(
                "[%s] %s: %s",
                run.source.id,
                status,
                ", ".join(f"{k}={v}" for k, v in counts.as_dict().items() if v),
            )
        for run, change in zip(todo, self.store.finish_runs(finished), strict=True):
            try:
                alerts.health_changed(self.store, change)
            except Exception:  # noqa: BLE001 - an alert failure must not lose the other sources' runs
                self.logger.exception("health alert for %s failed", run.source.id)

    def _on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        self._finish_sources(self.runs.values(), reason)
        # The per-source counters are in crawl_run now; dropped here, so that Scrapy's closing stats dump
        # stays a few lines instead of ten per source.
        stats = self.crawler.stats
        stats.set_stats(
            {key: value for key, value in stats.get_stats().items() if runstats.source_of(key) not in self.runs}
        )
        if self.store is not None and self.settings.getbool("GOVWATCH_DELIVER_AT_CLOSE", True):
            try:
                delivered = alerts.deliver_due(self.store)
                if delivered:
                    self.logger.info("delivered %d alert message(s)", delivered)
            except Exception:  # noqa: BLE001
                self.logger.exception("alert delivery failed")
