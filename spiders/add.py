"""`scrapy crawl add -a url=<listing> -a report=<file> [-a saved=<file>] [-a id=… -a org=… -a name=…]`.

Drives crawler/discover.py over the network with the crawl's politeness (robots.txt, User-Agent, delay,
one request at a time): each answer is sent into the discovery, which says what to fetch next. With
`saved`, the listing page comes from that file and only the rest is fetched. `govwatch add` runs it.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import FormRequest, Request, Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler.discover import DEFAULT_MAX_PAGES, Draft, DraftOptions, Fetched, discover
from crawler.profiles import PageRequest
from spiders.check import without_database
from spiders.middlewares import failure_verdict


class AddSpider(scrapy.Spider):
    """Fetches what the discovery of one listing asks for; writes the draft as a JSON report."""

    name = "add"
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(
        self,
        url: str = "",
        report: str | None = None,
        saved: str | None = None,
        id: str | None = None,  # noqa: A002 - the command's own option name
        org: str | None = None,
        name: str | None = None,
        max_pages: str | int = DEFAULT_MAX_PAGES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.report_path = Path(report) if report else None
        self.saved = Path(saved) if saved else None
        options = DraftOptions(
            source_id=id or None, org=org or None, name=name or None, max_pages=int(max_pages)
        )
        self.steps: Generator[PageRequest, Fetched, Draft] = discover(url, options)
        self.draft: Draft | None = None

    @classmethod
    def update_settings(cls, settings: Settings) -> None:
        super().update_settings(settings)
        without_database(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AddSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._write_report, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        request: PageRequest | None = next(self.steps)
        if self.saved is not None:
            # The listing as saved by the user: no request for it.
            request = self._advance(Fetched(url=self.url, status=200, body=self.saved.read_bytes()))
        if request is not None:
            yield self._request(request)

    def _request(self, page: PageRequest) -> Request:
        common: dict[str, Any] = {
            "callback": self.parse_answer,
            "errback": self._failed,
            "meta": {"gw_started": time.monotonic(), "handle_httpstatus_all": True},
            "dont_filter": True,
        }
        if page.method.upper() == "POST":
            return FormRequest(page.url, formdata=page.formdata or {}, **common)
        return Request(page.url, method=page.method.upper(), **common)

    def _advance(self, fetched: Fetched) -> PageRequest | None:
        try:
            return self.steps.send(fetched)
        except StopIteration as done:
            self.draft = done.value
            return None

    def parse_answer(self, response: Response) -> Any:
        fetched = Fetched(
            url=response.url,
            status=response.status,
            body=response.body,
            headers=dict(response.headers.to_unicode_dict()),
            seconds=time.monotonic() - response.meta["gw_started"],
        )
        request = self._advance(fetched)
        if request is not None:
            yield self._request(request)

    def _failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_verdict(failure.value, request).detail
        following = self._advance(Fetched(url=request.url, status=0, error=reason))
        if following is not None:
            yield self._request(following)

    def _write_report(self, spider: scrapy.Spider, reason: str) -> None:
        if self.report_path is None:
            return
        draft = self.draft or Draft(listing_url=self.url, problems=[f"discovery did not finish ({reason})"])
        partial = self.report_path.with_suffix(".part")
        partial.write_text(json.dumps(draft.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        partial.replace(self.report_path)
