"""JSON list APIs (Heilongjiang, Hunan, Guangdong): a URL template with `{page}` and field names as data."""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from crawler.profiles.base import (
    ListingEntry,
    ListingPage,
    PageRequest,
    Profile,
    clean_text,
    register,
    resolve,
)
from crawler.profiles.dates import date_from_url, parse_date_value

if TYPE_CHECKING:
    from crawler.config import Listing

# Seed params and their defaults (Heilongjiang's /common/search/{channelId} answer shape).
DEFAULT_FIELDS: dict[str, str] = {
    "results": "data.results",
    "title": "title",
    "url": "url",
    "date": "publishedTimeStr",
}
JSONP = re.compile(r"^\s*[\w$.]+\s*\((?P<body>.*)\)\s*;?\s*$", re.DOTALL)
TAGS = re.compile(r"<[^>]+>")  # search APIs highlight matches with <em> in titles


def dotted(data: Any, path: str | None) -> Any:
    """`data.results.0.title`-style lookup; None when any step is missing."""
    if not path:
        return None
    node = data
    for part in str(path).split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _fill(template: str, page: int, channel_id: str) -> str:
    return template.replace("{page}", str(page)).replace("{channel_id}", channel_id)


def api_url(listing: Listing, page: int, channel_id: str | None = None) -> str:
    """The API URL of 1-based page `page`; `{channel_id}` is filled from the shell page when configured."""
    template = str(listing.params.get("api") or listing.url)
    offset = int(listing.params.get("page_offset", 0))  # APIs counting pages from 0 set -1
    return _fill(template, page + offset, quote(channel_id or str(listing.params.get("channel_id", ""))))


def api_request(listing: Listing, page: int, channel_id: str | None = None) -> PageRequest:
    """The request for API page `page`: a GET, or a POST of `params.form` (values may hold `{page}`)."""
    method = str(listing.params.get("method") or "GET").upper()
    url = api_url(listing, page, channel_id)
    form = listing.params.get("form")
    if method != "POST" and not form:
        return PageRequest(url=url, page=page)
    offset = int(listing.params.get("page_offset", 0))
    channel = channel_id or str(listing.params.get("channel_id", ""))
    formdata = {str(k): _fill(str(v), page + offset, channel) for k, v in dict(form or {}).items()}
    return PageRequest(url=url, method="POST", formdata=formdata, page=page)


def channel_from_url(listing: Listing, url: str) -> str | None:
    """The channel id inside an API URL built from the template (pages 2… reuse page 1's id, statelessly)."""
    template = str(listing.params.get("api") or listing.url)
    if "{channel_id}" not in template:
        return None
    pattern = re.escape(template).replace(re.escape("{channel_id}"), "(?P<channel_id>[^/?&#]+)", 1)
    pattern = pattern.replace(re.escape("{channel_id}"), "[^/?&#]+").replace(re.escape("{page}"), r"-?\d+")
    match = re.match(pattern, url)
    return unquote(match["channel_id"]) if match else None


@register
class JsonApiProfile(Profile):
    """A JSON list API: `params.api` (URL template, `{page}` 1-based), `results`/`title`/`url`/`date` fields,
    `total` (records, with `per_page`) or `pages`; `channel_id_pattern` reads `{channel_id}` from the
    column page first; `method: POST` with `form` (values may hold `{page}`) for APIs that take a form."""

    name = "json_api"

    def first_requests(self, listing: Listing) -> list[PageRequest]:
        if listing.params.get("channel_id_pattern"):
            return [PageRequest(url=listing.url, page=0)]  # the shell page; parse() yields page 1
        return [api_request(listing, 1)]

    def parse_page(self, listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
        params = listing.params
        if request.page == 0:
            return self._shell(listing, request, text)
        try:
            data = json.loads(text)
        except ValueError:
            match = JSONP.match(text)
            if not match:
                return ListingPage(errors=[f"{request.url}: not JSON: {text[:80]!r}"])
            data = json.loads(match["body"])
        results = dotted(data, params.get("results", DEFAULT_FIELDS["results"]))
        if not isinstance(results, list):
            return ListingPage(
                errors=[f"{request.url}: no list at {params.get('results', DEFAULT_FIELDS['results'])!r}"]
            )
        entries = self._entries(results, request.url, params)
        page = ListingPage(entries=entries)
        pages = _int(dotted(data, params.get("pages"))) if params.get("pages") else None
        if pages is None and params.get("total"):
            total = _int(dotted(data, params["total"]))
            per_page = _int(params.get("per_page")) or len(results)
            if total is not None and per_page:
                pages = math.ceil(total / per_page)
        page.total_pages = pages
        if request.page == 1 and pages:
            channel_id = channel_from_url(listing, request.url)
            page.next_requests = [
                api_request(listing, number, channel_id) for number in range(2, min(pages, max_pages) + 1)
            ]
        return page

    def _shell(self, listing: Listing, request: PageRequest, text: str) -> ListingPage:
        pattern = str(listing.params["channel_id_pattern"])
        match = re.search(pattern, text)
        if not match:
            return ListingPage(errors=[f"{request.url}: channel id not found with {pattern!r}"])
        channel_id = match.groupdict().get("id") or (match.group(1) if match.groups() else match.group(0))
        return ListingPage(next_requests=[api_request(listing, 1, channel_id)])

    @staticmethod
    def _entries(results: list[Any], api: str, params: dict[str, Any]) -> list[ListingEntry]:
        entries: list[ListingEntry] = []
        seen: set[str] = set()
        for item in results:
            if not isinstance(item, dict):
                continue
            raw_url = dotted(item, params.get("url", DEFAULT_FIELDS["url"]))
            url = resolve(str(raw_url), api) if isinstance(raw_url, str) else None
            if url is None or url in seen:
                continue
            seen.add(url)
            raw_title = dotted(item, params.get("title", DEFAULT_FIELDS["title"]))
            title = clean_text(TAGS.sub("", raw_title)) if isinstance(raw_title, str) else None
            published = parse_date_value(dotted(item, params.get("date", DEFAULT_FIELDS["date"])))
            entries.append(ListingEntry(url=url, title=title, published=published or date_from_url(url)))
        return entries
