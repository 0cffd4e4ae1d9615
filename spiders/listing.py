"""The one generic spider: `scrapy crawl listing -a source=<id>[,<id>...]` (or `-a sources=all`).

Its one job is listing → requests: read each source's listings with its CMS profile, fetch unknown
articles, re-check known ones that are due (conditional GETs), ask once more before a deletion, and ask
one random path per host (the host's own not-found page). What an answer IS comes from the downloader
middlewares (spiders/middlewares.py over crawler/answers.py) as `response.meta["gw_verdict"]`; what it
changes is decided by the pipelines and the store; runs are opened and closed by spiders/runbook.py.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import FormRequest, Request, Response
from twisted.python.failure import Failure

from crawler import clock
from crawler.answers import Scope, Verdict
from crawler.challenge import detect_challenge
from crawler.config import Listing, SeedError, Source, load_seeds
from crawler.extract.decoding import decode_html
from crawler.politeness import download_slots, request_headers, request_meta
from crawler.profiles import get_profile
from crawler.profiles.base import ListingPage, PageRequest
from crawler.store import DELETION_CONFIRMATIONS, KnownItem, Store
from crawler.urls import canonical_url, is_mirror
from spiders import stats as runstats
from spiders.items import PageItem
from spiders.middlewares import (
    META_CONDITIONAL,
    META_KNOWN,
    META_LISTED,
    META_PROBE,
    META_SCOPE,
    failure_verdict,
    verdict_of,
)
from spiders.runbook import RunBook

PROBE_PRIORITY = 200  # the random path first: the host's not-found page is known before any article answers
LISTING_PRIORITY = 100  # listings before articles, so every source's listing is read early
REVISIT_PRIORITY = -10  # scheduled revisits after the new articles


@dataclass
class SourceRun:
    """The spider's bookkeeping for one source during one crawl."""

    source: Source
    run_id: int
    scope: Scope
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


class ListingSpider(scrapy.Spider):
    """Crawls any number of sources from their seeds in one process; each site is kept polite by its slot."""

    name = "listing"

    def __init__(
        self, source: str | None = None, sources: str | None = None, seeds: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.requested = _parse_ids(source, sources)
        seed_set = load_seeds(seeds)
        self.seed_errors: list[SeedError] = seed_set.errors
        self.sources, self.unknown_ids = seed_set.select(self.requested)
        self.runs: dict[str, SourceRun] = {}
        self.book: RunBook | None = None

    @property
    def store(self) -> Store:
        assert self.book is not None, "the spider has not started"
        return self.book.store

    # --- set-up ---------------------------------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are still writable here: the seeds' politeness becomes per-domain download slots.
        slots = download_slots(spider.sources, crawler.settings.getdict("DOWNLOAD_SLOTS"))
        crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def _request_meta(self, run: SourceRun, **extra: Any) -> dict[str, Any]:
        return {**request_meta(run.source), META_SCOPE: run.scope, **extra}

    # --- start ---------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterator[Request]:
        self.book = RunBook.of(self.crawler)
        for error in self.seed_errors:
            self.logger.error("seed file not loaded: %s", error)
        for source_id in self.unknown_ids:
            self.logger.error("unknown source %r: no seed file defines it", source_id)
        self.store.sync_sources(self.sources)
        wanted = set(self.requested) if self.requested and self.requested != ["all"] else None
        self.book.record_broken_seeds(self.seed_errors, wanted)
        probed: set[str] = set()
        for source in self.sources:
            run = SourceRun(source=source, run_id=self.book.begin(source.id), scope=scope_of(source))
            run.full_paging = self.book.previous_status(source.id) != "ok"
            self.runs[source.id] = run
            if self.settings.getbool("GOVWATCH_NOT_FOUND_PROBE", True):
                yield from self._probes(run, probed)
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
                self.book.finish(source.id)

    def _probes(self, run: SourceRun, probed: set[str]) -> Iterator[Request]:
        """One random path per host per run: a 200 answer to it is the host's own not-found page."""
        for listing in run.source.listings:
            host = urlsplit(listing.url).hostname or ""
            if host in probed:
                continue
            probed.add(host)
            yield Request(
                urljoin(listing.url, f"govwatch-probe-{secrets.token_hex(6)}.html"),
                callback=self.parse_probe,
                errback=self.probe_failed,
                meta=self._request_meta(run, **{META_PROBE: True}),
                headers=request_headers(run.source),
                priority=PROBE_PRIORITY,
                dont_filter=True,
            )

    def parse_probe(self, response: Response) -> Iterator[Request]:
        """The middleware has learned the host's not-found page (if it answered 200); nothing to count."""
        return iter(())

    def probe_failed(self, failure: Failure) -> None:
        """A 404 (an honest site) or no answer: nothing to learn."""

    # --- listings ------------------------------------------------------------------------------------

    def _listing_request(
        self, run: SourceRun, listing_index: int, page_request: PageRequest
    ) -> Request | None:
        key = (page_request.method, page_request.url, repr(sorted((page_request.formdata or {}).items())))
        if key in run.listing_requests_seen:
            return None
        run.listing_requests_seen.add(key)
        run.pending_listings += 1
        meta = self._request_meta(run, gw_listing=listing_index, gw_page=page_request)
        common: dict[str, Any] = {
            "callback": self.parse_listing,
            "errback": self.listing_failed,
            "meta": meta,
            "priority": LISTING_PRIORITY,
            "dont_filter": True,  # deduplicated above, per source; a dropped request would hang the count
            "headers": request_headers(run.source),
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
        verdict = failure_verdict(failure.value, request)
        self._error(run.source.id, f"{request.url}: listing not fetched: {verdict.detail}")
        run.pending_listings -= 1
        if run.pending_listings == 0:
            yield from self._due_revisits(run)

    # --- articles ------------------------------------------------------------------------------------

    def _article_requests(self, run: SourceRun, urls: Iterable[str]) -> Iterator[Request]:
        """Unknown entries are fetched; known ones only when due for a revisit, within the budget."""
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
        return any(other is not run and host in other.source.domains for other in self.runs.values())

    def _claimed_elsewhere(self, run: SourceRun, canonical: str) -> bool:
        return any(other is not run and canonical in other.handled for other in self.runs.values())

    def _due_revisits(self, run: SourceRun) -> Iterator[Request]:
        """Known items due for a check that the listing did not show (older pages), within the budget."""
        if run.revisits_scheduled:
            return
        run.revisits_scheduled = True
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
            run,
            gw_canonical=canonical,
            gw_revisit=revisit,
            gw_confirming=confirming,
            **{META_KNOWN: known, META_LISTED: url, META_CONDITIONAL: bool(conditional)},
        )
        self._count(source.id, "article_attempts")
        if revisit and not confirming:
            self._count(source.id, "revisited")
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta=meta,
            headers=request_headers(source, conditional),
            priority=REVISIT_PRIORITY if off_listing else 0,
            dont_filter=True,  # deduplicated by canonical URL above
        )

    def parse_article(self, response: Response) -> Iterator[PageItem | Request]:
        """The middleware's verdict → a PageItem for the pipelines, a confirming request, or a named error."""
        run = self.runs[response.meta["gw_source"]]
        source = run.source
        known: KnownItem | None = response.meta[META_KNOWN]
        listed: str = response.meta[META_LISTED]
        self._count(source.id, "pages_fetched")
        self._count(source.id, "bytes_received", len(response.body))
        verdict: Verdict = verdict_of(response)
        base = {
            "source_id": source.id,
            "run_id": run.run_id,
            "url": listed,  # the item keeps its listed URL: a redirect never moves it (to / or another host)
            "canonical_url": response.meta["gw_canonical"],
            "known_id": known.id if known else None,
            "revisit": bool(response.meta["gw_revisit"]),
            "revisit_days": tuple(source.revisit.days),
            "status": response.status,
            "verdict": verdict.kind,
            "reason": verdict.reason or None,
            "previous_text_length": known.text_length if known else None,
        }
        if verdict.kind == "not_modified" and known is not None:
            yield PageItem(answer="not_modified", **base)
        elif verdict.kind == "blocked":
            self._count(source.id, "blocked")
            self._error(source.id, verdict.message(listed))
            if known is not None:
                yield PageItem(answer="blocked", **base)
        elif verdict.kind in ("gone", "soft_404") and known is not None:
            if verdict.kind == "soft_404":
                self._error(source.id, verdict.message(listed))  # named; counted as a 404 below
            yield PageItem(answer="gone", **base)
            if not response.meta["gw_confirming"] and known.gone_count + 1 < DELETION_CONFIRMATIONS:
                # A single 404 may be a hiccup; ask once more now, so a real deletion is confirmed today.
                yield self._article_request(
                    run, listed, base["canonical_url"], known, revisit=False, confirming=True
                )
        elif verdict.kind == "content":
            headers = response.headers.to_unicode_dict()
            yield PageItem(
                answer="content",
                body=response.body,
                headers=dict(headers),
                etag=headers.get("ETag"),
                last_modified=headers.get("Last-Modified"),
                article=source.article.model_dump(exclude_none=True),
                **base,
            )
        else:  # an error, or a 404 / soft 404 for an article never stored: nothing to store
            self._fail(source.id, verdict.message(listed))

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source_id = request.meta["gw_source"]
        self._count(source_id, "pages_fetched")
        verdict = failure_verdict(failure.value, request)
        self._fail(source_id, verdict.message(request.meta.get(META_LISTED, request.url)))

    # --- bookkeeping ---------------------------------------------------------------------------------

    def _count(self, source_id: str, name: str, amount: int = 1) -> None:
        runstats.count(self.crawler.stats, source_id, name, amount)

    def _error(self, source_id: str, message: str) -> None:
        self.logger.warning("[%s] %s", source_id, message)
        runstats.record_error(self.crawler.stats, source_id, message)

    def _fail(self, source_id: str, message: str) -> None:
        self._count(source_id, "failed")
        self._error(source_id, message)

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


def scope_of(source: Source) -> Scope:
    """Where the source's articles may be (its listing hosts and allowed_domains) and its column pages."""
    hosts = {(urlsplit(listing.url).hostname or "").lower() for listing in source.listings}
    return Scope(
        hosts=frozenset(hosts | set(source.allowed_domains)),
        column_urls=tuple(listing.url for listing in source.listings),
    )
