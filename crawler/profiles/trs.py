"""TRS WCM (拓尔思) listings: mee.gov.cn, Hunan, Sichuan, Hubei and most ministries."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from crawler.profiles.base import (
    ListingPage,
    PageRequest,
    Profile,
    entries_from_html,
    html_selector,
    register,
)

if TYPE_CHECKING:
    from crawler.config import Listing

# Items as TRS templates print them: MEE's title links, then generic dated rows.
ITEM_SELECTORS: tuple[str, ...] = ("a.cjcx_biaob, a.cjcx_biaobnan",)
GENERIC_ROWS = "li, tr, dd"

# A pager call in inline JS; arguments are parsed separately so identifiers can be looked up.
PAGER_CALL = re.compile(
    r"(?P<fn>\bfunction\s+)?\b(?P<name>createPageHTML|pageControl)\s*\((?P<args>[^()]*)\)"
)
JS_VAR = r"\bvar\s+{name}\s*=\s*(?P<q>[\"']?)(?P<value>[\w.\-]+)(?P=q)"
# Page counts published as plain variables (MEE's `var countPage = 34 //共多少页`) or pager options.
TOTAL_VARIABLES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bvar\s+countPage\s*=\s*(\d+)"),
    re.compile(r"\b(?:var\s+)?(?:totalPage|pageCount|totalpage|page_count)\s*[=:]\s*[\"']?(\d+)"),
)
TOTAL_RECORD_VARIABLES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bvar\s+(?:recordCount|totalRecord|countRecord)\s*=\s*(\d+)"),
)
STRING_ARG = re.compile(r"^\s*([\"'])(.*)\1\s*$", re.DOTALL)
INT_ARG = re.compile(r"^\s*(\d+)\s*$")
IDENT_ARG = re.compile(r"^\s*([A-Za-z_$][\w$]*)\s*$")
MAX_TOTAL_PAGES = 100_000  # beyond this a "page count" is a parsing accident


@dataclass(frozen=True)
class Pager:
    """How a TRS column numbers its pages: `prefix_N.ext`, N = page-1 (zero-based) or N = page (one-based)."""

    total_pages: int
    prefix: str
    ext: str
    one_based: bool
    form: str

    def url_of(self, page: int, listing_url: str) -> str:
        """The URL of 1-based listing page `page` (page 1 is the listing URL itself)."""
        if page <= 1:
            return listing_url
        number = page if self.one_based else page - 1
        return urljoin(listing_url, f"{self.prefix}_{number}.{self.ext}")


def _listing_stem_ext(listing_url: str, default_ext: str) -> tuple[str, str]:
    """The file name stem and extension of a listing URL: `…/hjywnews/` → (index, shtml)."""
    name = urlsplit(listing_url).path.rsplit("/", 1)[-1]
    if "." in name:
        stem, ext = name.rsplit(".", 1)
        return stem, ext
    return "index", default_ext


def _js_value(text: str, arg: str) -> int | str | None:
    """A pager argument's value: a literal, or the value of the `var` it names."""
    if match := INT_ARG.match(arg):
        return int(match[1])
    if match := STRING_ARG.match(arg):
        return match[2]
    if match := IDENT_ARG.match(arg):
        var = re.search(JS_VAR.format(name=re.escape(match[1])), text)
        if var:
            value = var["value"]
            return int(value) if value.isdigit() else value
    return None


def _one_based(prefix: str, params: dict[str, object]) -> bool:
    """TRS numbers `index_k` from 0 (index_1 is page 2) and named lists from 1 (list_x_2 is page 2);
    a seed's `params.one_based` corrects templates that do otherwise (Guangdong's index_2 is page 2)."""
    if "one_based" in params:
        return bool(params["one_based"])
    return not prefix.startswith("index")


def _pager_from_call(
    text: str, name: str, raw_args: str, stem: str, ext: str, params: dict[str, object]
) -> Pager | None:
    args = [_js_value(text, part) for part in raw_args.split(",")]
    if (
        name == "createPageHTML"
        and len(args) >= 5
        and isinstance(args[1], int)
        and not isinstance(args[0], int)
    ):
        # createPageHTML('page_div', 34, 1, 'list_yw', 'shtml', 621): named pages, 1-based.
        prefix = args[3] if isinstance(args[3], str) and args[3] else stem
        extension = args[4] if isinstance(args[4], str) and args[4] else ext
        return Pager(args[1], prefix, extension, one_based=True, form="createPageHTML(div, …)")
    if len(args) >= 4 and isinstance(args[0], int):
        # createPageHTML(34, 0, "index", "shtml"[, style, records]) and Hubei's
        # pageControl(total, cur, "index", "shtml", 10, 'pages-nav'): index_k, k = page-1.
        prefix = args[2] if isinstance(args[2], str) and args[2] else stem
        extension = args[3] if isinstance(args[3], str) and args[3] else ext
        form = f"{name}({len(args)} args)"
        return Pager(args[0], prefix, extension, one_based=_one_based(prefix, params), form=form)
    return None


def _pager_from_links(links: list[str], stem: str, ext: str, params: dict[str, object]) -> Pager | None:
    """Hunan-style `list_tyxx_2.html` links (no JS count): the highest numbered link is the last page."""
    pattern = re.compile(rf"(?:^|/){re.escape(stem)}_(\d+)\.{re.escape(ext)}(?:[?#]|$)")
    numbers = [int(m[1]) for href in links if (m := pattern.search(href.strip()))]
    if not numbers:
        return None
    one_based = _one_based(stem, params)
    last = max(numbers)
    return Pager(last if one_based else last + 1, stem, ext, one_based=one_based, form="page links")


def find_pager(text: str, listing_url: str, links: list[str], params: dict[str, object]) -> Pager | None:
    """The pagination a TRS listing page announces, in any of the known forms; None when it has none.

    Seed params: `page_prefix`/`page_ext` (file name of pages 2…), `one_based`, `per_page` (to turn a
    record count into pages) and `assume_pages` (a page count to use when the page shows none, e.g. a
    pager drawn by external JS).
    """
    default_ext = str(params.get("page_ext") or "shtml")
    stem, ext = _listing_stem_ext(listing_url, default_ext)
    stem = str(params.get("page_prefix") or stem)
    one_based = _one_based(stem, params)
    pager: Pager | None = None
    for match in PAGER_CALL.finditer(text):
        if match["fn"]:
            continue  # the pager function's own definition, not a call
        pager = _pager_from_call(text, match["name"], match["args"], stem, ext, params)
        if pager:
            break
    if pager is None:
        for pattern in TOTAL_VARIABLES:
            if match := pattern.search(text):
                pager = Pager(int(match[1]), stem, ext, one_based=one_based, form="countPage")
                break
    if pager is None:
        pager = _pager_from_links(links, stem, ext, params)
    if pager is None and (per_page := params.get("per_page")):
        for pattern in TOTAL_RECORD_VARIABLES:
            if match := pattern.search(text):
                pages = math.ceil(int(match[1]) / int(str(per_page)))
                pager = Pager(pages, stem, ext, one_based=one_based, form="record count")
                break
    if pager is None and (assumed := params.get("assume_pages")):
        pager = Pager(int(str(assumed)), stem, ext, one_based=one_based, form="assumed")
    if pager is None or not 0 < pager.total_pages <= MAX_TOTAL_PAGES:
        return None
    return pager


@register
class TrsProfile(Profile):
    """TRS WCM column pages: `a.cjcx_biaob` items or dated rows; `index_k.shtml` / `list_x_N.html` pages."""

    name = "trs"

    def parse_page(self, listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
        selector = html_selector(text)
        date_css = listing.selectors.date
        entries = []
        for item_css in (listing.selectors.item,) if listing.selectors.item else ITEM_SELECTORS:
            entries = entries_from_html(selector, request.url, item_css, date_css)
            if entries:
                break
        if not entries and not listing.selectors.item:
            entries = entries_from_html(selector, request.url, GENERIC_ROWS, date_css, require_article=True)
        page = ListingPage(entries=entries)
        pager = find_pager(text, listing.url, selector.xpath("//a/@href").getall(), listing.params)
        if pager:
            page.total_pages = pager.total_pages
            if request.page == 1:
                last = min(pager.total_pages, max_pages)
                page.next_requests = [
                    PageRequest(url=pager.url_of(number, listing.url), page=number)
                    for number in range(2, last + 1)
                ]
        return page
