"""Hanweb 大汉 JCMS listings: `<datastore>` records on the column page, further records from dataproxy.jsp."""

from __future__ import annotations

import html
import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from crawler.profiles.base import (
    ListingEntry,
    ListingPage,
    PageRequest,
    Profile,
    entries_from_html,
    html_selector,
    register,
)
from crawler.profiles.params import HanwebParams

if TYPE_CHECKING:
    from crawler.config import Listing

DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
# The form jpage.js posts to dataproxy.jsp; webid/columnid/unitid come from the page or the seed's params.
FORM_DEFAULTS: dict[str, str] = {
    "col": "1",
    "appid": "1",
    "webid": "",
    "path": "/",
    "columnid": "",
    "unitid": "",
    "sourceContentType": "1",
    "permissiontype": "0",
}
FORM_KEYS_FROM_PAGE = (
    "col",
    "appid",
    "webid",
    "path",
    "columnid",
    "unitid",
    "sourceContentType",
    "permissiontype",
)
DEFAULT_PER_PAGE = 15
DEFAULT_GROUP_SIZE = 3  # jpage fetches this many pages' worth of records per dataproxy call

RECORD = re.compile(
    r"<record[^>]*>\s*(?:<!\[CDATA\[(?P<cdata>.*?)\]\]>|(?P<plain>.*?))\s*</record>", re.DOTALL | re.I
)
NEXTGROUP = re.compile(
    r"<nextgroup[^>]*>\s*(?:<!\[CDATA\[)?(?P<body>.*?)(?:\]\]>)?\s*</nextgroup>", re.DOTALL | re.I
)
DATASTORE = re.compile(r"<datastore\b", re.I)
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
# Counts in the dataproxy XML answer and in the jpage({…}) options on the column page.
TOTAL_RECORD: tuple[re.Pattern[str], ...] = (
    re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I),
    re.compile(r"\btotalRecord\s*[:=]\s*[\"']?(\d+)", re.I),
)
TOTAL_PAGE: tuple[re.Pattern[str], ...] = (
    re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.I),
    re.compile(r"\btotalPage\s*[:=]\s*[\"']?(\d+)", re.I),
)
PER_PAGE = re.compile(r"\bperPage\s*[:=]\s*[\"']?(\d+)", re.I)
GROUP_SIZE = re.compile(r"\bgroupSize\s*[:=]\s*[\"']?(\d+)", re.I)
PROXY_URL = re.compile(r"\bproxyUrl\s*[:=]\s*[\"']([^\"']+)[\"']", re.I)
# JS options that sometimes carry the form fields instead of the nextgroup link.
JS_FIELD = r"\b{name}\s*[:=]\s*[\"']?([\w/.-]+)"
RECORD_ITEM_CSS = "a[href]"
# 信息公开 lists: POST /module/xxgk/search.jsp with infotypeId/jdid/divid and currpage=N; the answer is an
# HTML fragment of rows (tr.tr_main_value_odd/even or li) and a pager that states the page count.
XXGK_PATH = "/module/xxgk/search.jsp"
XXGK_ROWS = "tr.tr_main_value_odd, tr.tr_main_value_even, li, tr"
XXGK_TOTAL_PAGES: tuple[re.Pattern[str], ...] = (
    re.compile(r"共\s*(\d+)\s*页"),
    re.compile(r"\b(?:totalpage|totalPage|pageCount|page_count)\s*[=:]\s*[\"']?(\d+)"),
)


def _first_int(patterns: tuple[re.Pattern[str], ...] | re.Pattern[str], text: str) -> int | None:
    for pattern in patterns if isinstance(patterns, tuple) else (patterns,):
        if match := pattern.search(text):
            return int(match[1])
    return None


def records(text: str) -> list[str]:
    """The HTML fragments of every `<record>` in a datastore or dataproxy answer."""
    return [html.unescape(m["plain"]) if m["cdata"] is None else m["cdata"] for m in RECORD.finditer(text)]


def form_from_page(text: str) -> dict[str, str]:
    """Form fields the page itself announces: the `<nextgroup>` link's query, else jpage's JS options."""
    found: dict[str, str] = {}
    if match := NEXTGROUP.search(text):
        if href := HREF.search(match["body"]):
            query = urlsplit(html.unescape(href[1])).query
            found.update(
                {k: v for k, v in parse_qsl(query, keep_blank_values=True) if k in FORM_KEYS_FROM_PAGE}
            )
    for key in FORM_KEYS_FROM_PAGE:
        if key not in found and (match := re.search(JS_FIELD.format(name=key), text)):
            found[key] = match[1]
    return {key: value for key, value in found.items() if value}


def _entries(
    fragments: list[str], page_url: str, date_css: str | None, item_css: str | None
) -> list[ListingEntry]:
    entries: list[ListingEntry] = []
    seen: set[str] = set()
    for fragment in fragments:
        if not fragment.strip():
            continue
        for entry in entries_from_html(
            html_selector(fragment), page_url, item_css or RECORD_ITEM_CSS, date_css
        ):
            if entry.url not in seen:
                seen.add(entry.url)
                entries.append(entry)
                break  # one article per record; further links are attachments or column tags
    return entries


@register
class HanwebProfile(Profile):
    """Hanweb JCMS columns: `<datastore>` records, then `dataproxy.jsp?startrecord=A&endrecord=B&perpage=P`;
    with `params.xxgk` (form fields) a 信息公开 list read through `/module/xxgk/search.jsp` instead."""

    name = "hanweb"
    params_model = HanwebParams

    def first_requests(self, listing: Listing) -> list[PageRequest]:
        if _params(listing).xxgk is not None:
            return [xxgk_request(listing, 1)]
        return [PageRequest(url=listing.url)]

    def parse_page(self, listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
        params = _params(listing)
        if urlsplit(request.url).path.endswith(XXGK_PATH):
            return _parse_xxgk(listing, request, text, max_pages)
        fragments = records(text)
        is_xml = bool(DATASTORE.search(text)) or bool(fragments)
        if not is_xml:
            # Not a jpage column: read it as a plain list, so a redesigned column still yields links.
            selector = html_selector(text)
            entries = entries_from_html(
                selector,
                request.url,
                listing.selectors.item or "li, tr",
                listing.selectors.date,
                require_article=not listing.selectors.item,
            )
        else:
            entries = _entries(fragments, request.url, listing.selectors.date, listing.selectors.item)
        per_page = params.per_page or _first_int(PER_PAGE, text) or DEFAULT_PER_PAGE
        group = params.group_size or _first_int(GROUP_SIZE, text) or DEFAULT_GROUP_SIZE
        total_records = _first_int(TOTAL_RECORD, text)
        total_pages = _first_int(TOTAL_PAGE, text)
        if total_pages is None and total_records is not None:
            total_pages = math.ceil(total_records / per_page)
        page = ListingPage(entries=entries, total_pages=total_pages)
        if request.formdata is not None or "dataproxy" in urlsplit(request.url).path:
            return page  # a dataproxy answer: the column page already asked for every further group
        form = {**FORM_DEFAULTS, **params.form_fields()}
        form.update(form_from_page(text))
        wanted = max_pages * per_page
        if total_records is not None:
            wanted = min(wanted, total_records)
        elif total_pages is not None:
            wanted = min(wanted, total_pages * per_page)
        start = len(fragments) + 1 if fragments else 1
        if start > wanted:
            return page  # the column page already holds every record wanted
        if not form["columnid"]:
            if is_xml:
                page.errors.append(f"{request.url}: no columnid for dataproxy.jsp (set params.columnid)")
            return page
        proxy = urljoin(request.url, params.proxy_url or _proxy_url(text) or DATAPROXY_PATH)
        method = params.method
        while start <= wanted:
            end = start + group * per_page - 1
            query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
            url = f"{proxy}{'&' if '?' in proxy else '?'}{query}"
            number = (start - 1) // per_page + 1
            if method == "GET":
                page.next_requests.append(PageRequest(url=f"{url}&{urlencode(form)}", page=number))
            else:
                page.next_requests.append(
                    PageRequest(url=url, method="POST", formdata=dict(form), page=number)
                )
            start = end + 1
        return page


def _params(listing: Listing) -> HanwebParams:
    return listing.params if isinstance(listing.params, HanwebParams) else HanwebParams()


def _proxy_url(text: str) -> str | None:
    match = PROXY_URL.search(text)
    return match[1] if match else None


def xxgk_request(listing: Listing, page: int) -> PageRequest:
    """Page `page` of a 信息公开 list: a POST of the seed's `params.xxgk` fields (infotypeId, jdid, divid …)."""
    fields = dict(_params(listing).xxgk or {})
    form = {"requestUrl": listing.url, **fields, "currpage": str(page)}
    return PageRequest(url=urljoin(listing.url, XXGK_PATH), method="POST", formdata=form, page=page)


def _parse_xxgk(listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
    selector = html_selector(text)
    custom = listing.selectors.item
    entries = entries_from_html(
        selector, request.url, custom or XXGK_ROWS, listing.selectors.date, require_article=not custom
    )
    total = _first_int(XXGK_TOTAL_PAGES, text) or _params(listing).assume_pages
    page = ListingPage(entries=entries, total_pages=total)
    if request.page == 1 and total:
        page.next_requests = [xxgk_request(listing, n) for n in range(2, min(total, max_pages) + 1)]
    return page
