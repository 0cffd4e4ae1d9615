"""`scrapy crawl check -a source=<id>[,<id>…] -a report=<file>`: one live look at each listing, no storing.

For every listing it fetches the first page (and page 1 behind a shell page), reads it with the seed's
profile, then fetches and extracts the first entry's article with the seed's overrides. It is as polite as
the crawl (the same settings: robots.txt, User-Agent, one request at a time per site, the seed's delay),
writes nothing to the database, and leaves the verdicts to crawler/check.py. `govwatch check` runs it.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import FormRequest, Request, Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler.challenge import detect_challenge, not_html
from crawler.check import ArticleCheck, ListingCheck, SourceCheck, verdict_of
from crawler.config import Source, load_seeds
from crawler.discover import find_rows, first_on_site
from crawler.extract import ExtractionError, extract
from crawler.extract.decoding import decode_html
from crawler.politeness import download_slots, request_headers, request_meta
from crawler.profiles import PageRequest, get_profile
from pipelines.extract import extract_options
from spiders.listing import _parse_ids
from spiders.middlewares import failure_verdict

SHOWN_ENTRIES = 3  # entries quoted per listing
MIN_MISSED_ROWS = 2  # article rows on a page whose selectors found none: the template changed


def without_database(settings: Settings) -> None:
    """Drop the crawl's RunBook extension (crawl_run rows, health, alerts): a diagnosis opens no database."""
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["spiders.runbook.RunBook"] = None
    settings.set("EXTENSIONS", extensions, priority="spider")


class CheckSpider(scrapy.Spider):
    """Checks sources live: each listing once, one article each; the report is a JSON file."""

    name = "check"
    # Nothing is stored: no item pipelines run (the spider yields no items anyway).
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(
        self,
        source: str | None = None,
        sources: str | None = None,
        seeds: str | None = None,
        report: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        seed_set = load_seeds(seeds)
        wanted = _parse_ids(source, sources)
        if not wanted or wanted == ["all"]:
            self.sources: list[Source] = seed_set.enabled()
        else:
            self.sources = [seed_set.sources[i] for i in wanted if i in seed_set.sources]
        self.report_path = Path(report) if report else None
        self.checks: dict[str, SourceCheck] = {
            s.id: SourceCheck(id=s.id, name=s.name, listings=[]) for s in self.sources
        }
        self.robots: dict[str, Any] = {}  # netloc → the parsed robots.txt

    @classmethod
    def update_settings(cls, settings: Settings) -> None:
        super().update_settings(settings)
        without_database(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CheckSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are still writable here: the seeds' politeness becomes per-domain download slots.
        slots = download_slots(spider.sources, crawler.settings.getdict("DOWNLOAD_SLOTS"))
        crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider._write_report, signal=signals.spider_closed)
        return spider

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        self.robots[urlsplit(request.url).netloc] = robotparser

    # --- requests ------------------------------------------------------------------------------------

    def _request(self, source: Source, page: PageRequest, callback: Any, **meta: Any) -> Request:
        common: dict[str, Any] = {
            "callback": callback,
            "errback": self._failed,
            "meta": {
                **request_meta(source),
                "gw_page": page,
                "gw_started": time.monotonic(),
                "handle_httpstatus_all": True,
                **meta,
            },
            "headers": request_headers(source),
            "dont_filter": True,
        }
        if page.method.upper() == "POST":
            return FormRequest(page.url, formdata=page.formdata or {}, **common)
        return Request(page.url, method=page.method.upper(), **common)

    async def start(self) -> AsyncIterator[Any]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterator[Request]:
        for source in self.sources:
            for index, listing in enumerate(source.listings):
                check = ListingCheck(url=listing.url, profile=listing.profile, seed_body=source.article.body)
                self.checks[source.id].listings.append(check)
                try:
                    first = get_profile(listing.profile).first_requests(listing)[0]
                except Exception as exc:  # noqa: BLE001 - a broken seed is reported, not raised
                    check.profile_errors.append(f"cannot start listing: {type(exc).__name__}: {exc}")
                    continue
                yield self._request(source, first, self.parse_listing, gw_listing=index)

    def _check_of(self, response_or_request: Any) -> tuple[Source, ListingCheck]:
        meta = response_or_request.meta
        source = next(s for s in self.sources if s.id == meta["gw_source"])
        return source, self.checks[source.id].listings[meta["gw_listing"]]

    def _robots_verdict(self, url: str, user_agent: str) -> str:
        parser = self.robots.get(urlsplit(url).netloc)
        if parser is None:
            return "no robots.txt read: everything allowed"
        return "allowed by robots.txt" if parser.allowed(url, user_agent) else "disallowed by robots.txt"

    # --- listing -------------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Request]:
        source, check = self._check_of(response)
        page: PageRequest = response.meta["gw_page"]
        check.seconds += time.monotonic() - response.meta["gw_started"]
        user_agent = response.request.headers.get("User-Agent", b"").decode() if response.request else ""
        if response.meta.get("dont_obey_robotstxt"):
            check.robots = "not asked (the seed sets politeness.obey_robots: false)"
        else:
            check.robots = self._robots_verdict(response.url, user_agent or self.settings.get("USER_AGENT"))
        check.status = response.status
        # Which fetch mode the listing needed: set by the browser middleware on every answer it passes.
        check.fetched_with = response.meta.get("gw_fetched_with", "http")
        headers = response.headers.to_unicode_dict()
        challenge = detect_challenge(response.status, response.body, dict(headers))
        if challenge is not None:
            check.blocked = challenge.reason
            return
        if response.status != 200:
            return
        listing = source.listings[response.meta["gw_listing"]]
        text, _codec = decode_html(response.body, dict(headers))
        parsed = get_profile(listing.profile).parse(listing, page, response.body, text, source.max_pages)
        if page.page == 0 and parsed.next_requests and not parsed.entries:
            # A shell page that only names page 1 (a JSON API's channel id): page 1 is the listing.
            yield self._request(
                source, parsed.next_requests[0], self.parse_listing, gw_listing=response.meta["gw_listing"]
            )
            return
        check.entries = len(parsed.entries)
        check.first_entries = [
            {"title": e.title, "published": e.published.isoformat() if e.published else None, "url": e.url}
            for e in parsed.entries[:SHOWN_ENTRIES]
        ]
        check.further_pages = [request.url for request in parsed.next_requests]
        check.total_pages = parsed.total_pages
        check.profile_errors = list(parsed.errors)
        if not parsed.entries:
            rows = find_rows(text, response.url)
            if rows is not None and rows.rows >= MIN_MISSED_ROWS:
                check.rows_on_page = f"{rows.rows} article rows ({rows.item_css})"
            return
        first = first_on_site(parsed.entries, listing.url)
        check.article = ArticleCheck(url=first.url)
        yield self._request(
            source, PageRequest(url=first.url), self.parse_article, gw_listing=response.meta["gw_listing"]
        )

    # --- article -------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> None:
        source, check = self._check_of(response)
        article = check.article
        assert article is not None
        article.seconds = time.monotonic() - response.meta["gw_started"]
        article.status = response.status
        headers = dict(response.headers.to_unicode_dict())
        challenge = detect_challenge(response.status, response.body, headers)
        if challenge is not None:
            article.problem = f"blocked: {challenge.reason}"
            return
        if response.status != 200:
            article.problem = f"HTTP {response.status}"
            return
        if problem := not_html(headers.get("Content-Type"), response.body):
            article.problem = problem
            return
        options = extract_options(source.article.model_dump(exclude_none=True))
        try:
            extraction = extract(response.body, url=response.url, headers=headers, options=options)
        except ExtractionError as exc:
            article.problem = f"not extractable: {exc}"
            return
        lines = extraction.text.splitlines()
        article.title = extraction.title
        article.published = extraction.published.isoformat() if extraction.published else None
        article.source = extraction.source
        article.body_chars = len(extraction.text)
        article.first_line = lines[0] if lines else None
        article.method = extraction.method

    def _failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        _source, check = self._check_of(request)
        reason = failure_verdict(failure.value, request).detail
        seconds = time.monotonic() - request.meta["gw_started"]
        if check.article is not None and request.url == check.article.url:
            check.article.problem, check.article.seconds = f"not fetched: {reason}", seconds
            return
        check.error, check.seconds = reason, check.seconds + seconds
        if "robots.txt" in reason:
            check.robots = "disallowed by robots.txt"

    # --- report --------------------------------------------------------------------------------------

    def _write_report(self, spider: scrapy.Spider, reason: str) -> None:
        for check in self.checks.values():
            # Time spent waiting for this source's answers (sources are checked side by side).
            check.seconds = round(
                sum(lc.seconds + (lc.article.seconds if lc.article else 0.0) for lc in check.listings), 3
            )
            verdict_of(check)
        if self.report_path is not None:
            data = {"reason": reason, "sources": [check.to_dict() for check in self.checks.values()]}
            partial = self.report_path.with_suffix(".part")
            partial.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
            partial.replace(self.report_path)
