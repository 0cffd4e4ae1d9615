"""TRS WCM (拓尔思) listings: mee.gov.cn, Hunan, Sichuan, Hubei and most ministries."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from crawler.profiles.base import (
    ListingPage,
    PageRequest,
    Profile,
    entries_from_html,
    html_selector,
    register,
)
from crawler.profiles.pager import (
    NumberedPager,
    default_first_number,
    find_numbered_pager,
    further_pages,
    listing_stem,
)
from crawler.profiles.params import TrsParams

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


def _first_number(prefix: str, params: TrsParams) -> int:
    """TRS numbers `index_k` from 1 for page 2 (index_1) and named lists from 2 (list_x_2 is page 2); a
    seed's `params.first_number` corrects templates that do otherwise (Guangdong's index_2 is page 2)."""
    return params.first_number if params.first_number is not None else default_first_number(prefix)


def _pager_from_call(
    text: str, name: str, raw_args: str, stem: str, ext: str, params: TrsParams
) -> NumberedPager | None:
    args = [_js_value(text, part) for part in raw_args.split(",")]
    if (
        name == "createPageHTML"
        and len(args) >= 5
        and isinstance(args[1], int)
        and not isinstance(args[0], int)
    ):
        # createPageHTML('page_div', 34, 1, 'list_yw', 'shtml', 621): named pages, list_yw_2 is page 2.
        prefix = args[3] if isinstance(args[3], str) and args[3] else stem
        extension = args[4] if isinstance(args[4], str) and args[4] else ext
        template = params.page_url or f"{prefix}_{{n}}.{extension}"
        first = params.first_number if params.first_number is not None else 2
        return NumberedPager(template, first, args[1], "createPageHTML(div, …)")
    if len(args) >= 4 and isinstance(args[0], int):
        # createPageHTML(34, 0, "index", "shtml"[, style, records]) and Hubei's
        # pageControl(total, cur, "index", "shtml", 10, 'pages-nav'): index_k, k = page-1.
        prefix = args[2] if isinstance(args[2], str) and args[2] else stem
        extension = args[3] if isinstance(args[3], str) and args[3] else ext
        template = params.page_url or f"{prefix}_{{n}}.{extension}"
        return NumberedPager(template, _first_number(prefix, params), args[0], f"{name}({len(args)} args)")
    return None


def find_pager(text: str, listing_url: str, links: list[str], params: TrsParams) -> NumberedPager | None:
    """The pagination a TRS listing page announces, in any of the known forms; None when it has none.

    In order: a pager call in inline JS, a `countPage`-style variable, numbered page links (any
    `<name>_N.ext` in the column's folder, or `?pageNum=N`), a record count with `per_page`, and the
    seed's `page_url` / `assume_pages`.
    """
    stem, ext = listing_stem(listing_url)
    ext = ext or "shtml"
    template = params.page_url or f"{stem}_{{n}}.{ext}"
    first = params.first_number if params.first_number is not None else _first_number(stem, params)
    for match in PAGER_CALL.finditer(text):
        if match["fn"]:
            continue  # the pager function's own definition, not a call
        if pager := _pager_from_call(text, match["name"], match["args"], stem, ext, params):
            return pager if 0 < (pager.total_pages or 0) <= MAX_TOTAL_PAGES else None
    for pattern in TOTAL_VARIABLES:
        if match := pattern.search(text):
            total = int(match[1])
            return NumberedPager(template, first, total, "countPage") if 0 < total <= MAX_TOTAL_PAGES else None
    if pager := find_numbered_pager(listing_url, links, text, params, default_ext=ext, assume=False):
        if pager.form != "params" or pager.total_pages is not None:
            return pager
    if params.per_page:
        for pattern in TOTAL_RECORD_VARIABLES:
            if match := pattern.search(text):
                pages = math.ceil(int(match[1]) / params.per_page)
                return NumberedPager(template, first, pages, "record count") if pages > 0 else None
    if params.page_url:
        return NumberedPager(template, first, params.assume_pages, "params")
    if params.assume_pages:
        return NumberedPager(template, first, params.assume_pages, "assumed")
    return None


@register
class TrsProfile(Profile):
    """TRS WCM column pages: `a.cjcx_biaob` items or dated rows; `index_k.shtml` / `list_x_N.html` pages."""

    name = "trs"
    params_model = TrsParams

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
        params = listing.params if isinstance(listing.params, TrsParams) else TrsParams()
        pager = find_pager(text, listing.url, selector.xpath("//a/@href").getall(), params)
        if pager:
            page.total_pages = pager.total_pages
            page.next_requests = [
                PageRequest(url=url, page=number)
                for url, number in further_pages(pager, listing.url, request.page, max_pages)
            ]
        return page
