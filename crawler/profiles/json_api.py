"""JSON list APIs (Heilongjiang/Gansu /common/search, Hunan, Fujian, Jiangxi, Guangdong gkmlpt, Liaoning eportal,
the XPCC's ZCMS search, Hanweb jpaas): GET or POST templates with `{page}` and field names, all as seed params."""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from crawler.profiles.base import (
    ListingEntry,
    ListingPage,
    PageRequest,
    Profile,
    clean_text,
    entries_from_html,
    html_selector,
    register,
    resolve,
)
from crawler.profiles.dates import date_from_url, parse_date_value
from crawler.profiles.params import JsonApiParams

if TYPE_CHECKING:
    from crawler.config import Listing

JSONP = re.compile(r"^\s*[\w$.]+\s*\((?P<body>.*)\)\s*;?\s*$", re.DOTALL)
TAGS = re.compile(r"<[^>]+>")  # search APIs highlight matches with <em> in titles
FIELD = re.compile(r"\{([\w.]+)\}")  # `{id}` in url_template: a record field
HTML_ITEMS = "li, tr, dd"  # rows of an HTML fragment carried in a JSON answer (jpaas)


def dotted(data: Any, path: str | None) -> Any:
    """`data.results.0.title`-style lookup; an empty path is the data itself; None when a step is missing.

    A step into a string that holds JSON decodes it first (Jiangxi's `source.urls` is `'{"pc": "/…"}'`).
    """
    if path is None:
        return None
    node = data
    for part in str(path).split(".") if path else ():
        if isinstance(node, str) and node.lstrip().startswith(("{", "[")):
            try:
                node = json.loads(node)
            except ValueError:
                return None
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


def _params(listing: Listing) -> JsonApiParams:
    return listing.params if isinstance(listing.params, JsonApiParams) else JsonApiParams()


def _fill(template: str, params: JsonApiParams, page: int, variables: dict[str, str]) -> str:
    """A template with `{page}`, `{start}`, `{per_page}` and the column page's variables filled for page `page`."""
    per_page = params.per_page or 20
    values = {
        "page": str(page + params.page_offset),
        "start": str((page - 1) * per_page),
        "per_page": str(per_page),
        "channel_id": params.channel_id or "",
        **variables,
    }
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def api_request(listing: Listing, page: int, variables: dict[str, str] | None = None) -> PageRequest:
    """The request for API page `page`: the URL template (plus `query`), and for a POST the `form`."""
    params = _params(listing)
    found = dict(variables or {})
    in_url = {key: quote(value) for key, value in found.items()}
    url = _fill(params.api or listing.url, params, page, in_url)
    if params.query:
        parts = urlsplit(url)
        fields = parse_qsl(parts.query, keep_blank_values=True)
        fields += [(key, _fill(value, params, page, found)) for key, value in params.query.items()]
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(fields, safe="[]"), ""))
    kept = found or None
    if params.method != "POST":
        return PageRequest(url=url, page=page, variables=kept)
    formdata = {key: _fill(value, params, page, found) for key, value in (params.form or {}).items()}
    return PageRequest(url=url, method="POST", formdata=formdata, page=page, variables=kept)


def _load(text: str) -> Any:
    """The JSON of an answer, also when wrapped as JSONP."""
    try:
        return json.loads(text)
    except ValueError:
        match = JSONP.match(text)
        if not match:
            raise
        return json.loads(match["body"])


@register
class JsonApiProfile(Profile):
    """A JSON list API described by `params` (`JsonApiParams`): where the records are, which fields hold title,
    URL and date, and how many pages there are; `channel_id_pattern` reads `{channel_id}` from the column page
    (or from `channel_id_url`) first; `html` reads an HTML fragment in the answer instead of records."""

    name = "json_api"
    params_model = JsonApiParams

    def first_requests(self, listing: Listing) -> list[PageRequest]:
        params = _params(listing)
        if params.channel_id_pattern:
            # The shell page (or channel list) whose only job is to reveal the channel id; parse() yields page 1.
            return [PageRequest(url=params.channel_id_url or listing.url, page=0)]
        return [api_request(listing, 1)]

    def parse_page(self, listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
        params = _params(listing)
        if request.page == 0:
            return self._shell(listing, params, request, text)
        try:
            data = _load(text)
        except ValueError:
            return ListingPage(errors=[f"{request.url}: not JSON: {text[:80]!r}"])
        base = params.base or listing.url
        if params.html is not None:
            fragment = dotted(data, params.html)
            if not isinstance(fragment, str):
                return ListingPage(errors=[f"{request.url}: no HTML at {params.html!r}"])
            item_css = listing.selectors.item
            entries = entries_from_html(
                html_selector(fragment), base, item_css or HTML_ITEMS, listing.selectors.date,
                require_article=not item_css,
            )
            count = len(entries)
        else:
            results = dotted(data, params.results)
            if not isinstance(results, list):
                return ListingPage(errors=[f"{request.url}: no list at {params.results!r}"])
            entries = self._entries(results, base, params)
            count = len(results)
        page = ListingPage(entries=entries)
        page.total_pages = self._total_pages(data, params, count)
        if request.page == 1 and page.total_pages:
            last = min(page.total_pages, max_pages)
            page.next_requests = [api_request(listing, n, request.variables) for n in range(2, last + 1)]
        return page

    @staticmethod
    def _total_pages(data: Any, params: JsonApiParams, count: int) -> int | None:
        if params.pages and (pages := _int(dotted(data, params.pages))) is not None:
            return pages
        if params.total:
            total = _int(dotted(data, params.total))
            per_page = params.per_page or count
            if total is not None and per_page:
                return math.ceil(total / per_page)
        return params.assume_pages

    @staticmethod
    def _shell(listing: Listing, params: JsonApiParams, request: PageRequest, text: str) -> ListingPage:
        pattern = str(params.channel_id_pattern)
        match = re.search(pattern, text)
        if not match:
            return ListingPage(errors=[f"{request.url}: channel id not found with {pattern!r}"])
        named = {key: value for key, value in match.groupdict().items() if value is not None}
        if "id" in named:
            named["channel_id"] = named.pop("id")
        elif not named:
            named["channel_id"] = match.group(1) if match.groups() else match.group(0)
        return ListingPage(next_requests=[api_request(listing, 1, named)])

    @staticmethod
    def _entries(results: list[Any], base: str, params: JsonApiParams) -> list[ListingEntry]:
        entries: list[ListingEntry] = []
        seen: set[str] = set()
        for item in results:
            if not isinstance(item, dict):
                continue
            url = _record_url(item, base, params)
            if url is None or url in seen:
                continue
            seen.add(url)
            raw_title = dotted(item, params.title)
            title = clean_text(TAGS.sub("", raw_title)) if isinstance(raw_title, str) else None
            published = parse_date_value(dotted(item, params.date))
            entries.append(ListingEntry(url=url, title=title, published=published or date_from_url(url)))
        return entries


def _record_url(item: dict[str, Any], base: str, params: JsonApiParams) -> str | None:
    """A record's absolute article URL: its `url` field, or `url_template` filled from its fields."""
    if params.url_template:
        values = {name: dotted(item, name) for name in FIELD.findall(params.url_template)}
        if any(value in (None, "") for value in values.values()):
            return None
        raw = FIELD.sub(lambda m: str(values[m[1]]), params.url_template)
        return resolve(raw, base)
    raw_url = dotted(item, params.url)
    return resolve(str(raw_url), base) if isinstance(raw_url, str) else None
