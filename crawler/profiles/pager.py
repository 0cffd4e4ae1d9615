"""Numbered pagers without a 下一页 link: `index_N.html`, `<name>_N.shtml`, `common_list_N.shtml`, `?pageNum=N`.

Pure: from the listing URL, the pager's links and the seed's params, find the URL pattern of pages 2…,
the number page 2 carries (1 or 2) and, when the page shows one, the last page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:
    from crawler.profiles.params import NumberedPagerParams

# A numbered page file: `index_2.shtml`, `list_tyxx_3.html`, `common_list_4.shtml`, `xwdt_list_2.shtml`.
NUMBERED_FILE = re.compile(r"^(?P<name>[\w.-]+?)_(?P<n>\d{1,5})\.(?P<ext>s?html?)$")
# Article files that share the column's folder and look numbered (t20261127_12345.shtml): not pages.
ARTICLE_NAME = re.compile(r"^(?:t\d{8}|art_\d+|post|content|c00)$", re.IGNORECASE)
# Query parameters that number pages (`?pageNum=3`, `?page=3`); the page number is the value.
PAGE_QUERY_KEYS: tuple[str, ...] = ("pageNum", "pageNo", "page", "pageIndex", "currentPage", "curPage", "p")
# Page counts printed next to a pager: 共 34 页, 1/34.
TOTAL_TEXT: tuple[re.Pattern[str], ...] = (
    re.compile(r"共\s*(\d{1,5})\s*页"),
    re.compile(r"\b\d{1,5}\s*/\s*(\d{1,5})\s*页"),
)
MAX_PAGES_SEEN = 100_000  # beyond this a page number is a parsing accident


@dataclass(frozen=True)
class NumberedPager:
    """Pages 2… of a listing: `template` (relative to the listing URL, `{n}` the number), the number page 2
    carries, and the last page when known (None: ask one page at a time)."""

    template: str
    first_number: int
    total_pages: int | None
    form: str  # how it was found, for messages: "page links", "params", "createPageHTML(4 args)"

    def url_of(self, page: int, listing_url: str) -> str:
        """The URL of 1-based listing page `page` (page 1 is the listing URL itself)."""
        if page <= 1:
            return listing_url
        number = page - 2 + self.first_number
        filled = self.template.replace("{n}", str(number))
        if filled.startswith("?"):
            return _with_query(listing_url, filled[1:])
        return urljoin(listing_url, filled)

    def page_of(self, number: int) -> int:
        """The 1-based page a URL number stands for."""
        return number - self.first_number + 2


def _with_query(url: str, query: str) -> str:
    """`url` with the fields of `query` set (replacing those it already has)."""
    parts = urlsplit(url)
    fields = dict(parse_qsl(parts.query, keep_blank_values=True))
    fields.update(dict(parse_qsl(query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(fields, safe="[]"), ""))


def listing_stem(listing_url: str) -> tuple[str, str | None]:
    """The file stem and extension of a listing URL: `…/list_tyxx.html` → (list_tyxx, html); `…/col/` →
    (index, None)."""
    name = urlsplit(listing_url).path.rsplit("/", 1)[-1]
    if "." in name:
        stem, ext = name.rsplit(".", 1)
        return stem, ext
    return "index", None


def default_first_number(name: str) -> int:
    """TRS numbers `index_k` from 1 for page 2 (index_1) and named lists from 2 (list_x_2 is page 2)."""
    return 1 if name.startswith("index") else 2


def _directory(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rsplit('/', 1)[0]}/"


def _file_links(listing_url: str, hrefs: list[str]) -> dict[tuple[str, str], list[int]]:
    """Numbered page files in the listing's own folder, grouped by (name, extension)."""
    folder = _directory(listing_url)
    groups: dict[tuple[str, str], list[int]] = {}
    for href in hrefs:
        try:
            url = urljoin(listing_url, href.strip())
        except ValueError:
            continue
        if _directory(url) != folder:
            continue
        match = NUMBERED_FILE.match(urlsplit(url).path.rsplit("/", 1)[-1])
        if match and not ARTICLE_NAME.match(match["name"]):
            groups.setdefault((match["name"], match["ext"]), []).append(int(match["n"]))
    return groups


def _query_links(
    listing_url: str, hrefs: list[str], keys: tuple[str, ...] = PAGE_QUERY_KEYS
) -> dict[str, list[int]]:
    """Links to the listing's own path that differ by a page-numbering query field, grouped by field."""
    listing = urlsplit(listing_url)
    groups: dict[str, list[int]] = {}
    for href in hrefs:
        try:
            url = urlsplit(urljoin(listing_url, href.strip()))
        except ValueError:
            continue
        if (url.netloc, url.path) != (listing.netloc, listing.path) or not url.query:
            continue
        for key, value in parse_qsl(url.query):
            if key in keys and value.isdigit():
                groups.setdefault(key, []).append(int(value))
    return groups


def _from_numbers(
    template: str, numbers: list[int], default_first: int, params: NumberedPagerParams, form: str
) -> NumberedPager:
    # Page 1 of a file pager is the listing itself, so the smallest file number linked is page 2's when
    # the pager shows it; a query pager links page 1 too (?pageNum=1), so its numbers are the pages.
    smallest = min(numbers)
    if params.first_number is not None:
        first = params.first_number
    elif not template.startswith("?") and smallest in (1, 2):
        first = smallest
    else:
        first = default_first
    last = max(numbers) - first + 2
    return NumberedPager(template, first, last if 0 < last <= MAX_PAGES_SEEN else None, form)


def find_numbered_pager(
    listing_url: str,
    hrefs: list[str],
    text: str,
    params: NumberedPagerParams,
    *,
    default_ext: str = "html",
    assume: bool = True,
) -> NumberedPager | None:
    """The numbered pager a listing page shows, or the one its params state; None when it has neither.

    The total comes from the highest numbered link, else a printed "共 N 页", else `assume_pages`; with
    none of these the pager is still returned (total None) when the pattern is known. With `assume`, a
    listing without pager links but with `assume_pages` pages as its URL suggests (`list.shtml` →
    `list_{n}.shtml`, a folder → `index_{n}.<default_ext>`).
    """
    stem, ext = listing_stem(listing_url)
    if params.page_url:
        numbers = _numbers_for_template(listing_url, hrefs, params.page_url)
        first = params.first_number if params.first_number is not None else default_first_number(stem)
        pager = NumberedPager(params.page_url, first, None, "params")
        if numbers:
            pager = _from_numbers(params.page_url, numbers, first, params, "params + page links")
        return _with_total(pager, text, params)
    files = _file_links(listing_url, hrefs)
    if files:
        # Prefer the listing's own name (index_N next to index.html), then the most linked group.
        counts = Counter({key: len(numbers) for key, numbers in files.items()})
        own = [key for key in files if key[0] == stem and (ext is None or key[1] == ext)]
        name, extension = own[0] if own else counts.most_common(1)[0][0]
        template = f"{name}_{{n}}.{extension}"
        pager = _from_numbers(template, files[(name, extension)], default_first_number(name), params, "page links")
        return _with_total(pager, text, params)
    queries = _query_links(listing_url, hrefs)
    if queries:
        key = max(queries, key=lambda k: len(queries[k]))
        pager = _from_numbers(f"?{key}={{n}}", queries[key], 2, params, "page links")
        return _with_total(pager, text, params)
    if assume and params.assume_pages:
        first = params.first_number if params.first_number is not None else default_first_number(stem)
        return NumberedPager(f"{stem}_{{n}}.{ext or default_ext}", first, params.assume_pages, "assumed")
    return None


def _numbers_for_template(listing_url: str, hrefs: list[str], template: str) -> list[int]:
    """The numbers of the links that fit a stated template."""
    if template.startswith("?"):
        keys = [key for key, value in parse_qsl(template[1:]) if value == "{n}"]
        return _query_links(listing_url, hrefs, tuple(keys)).get(keys[0], []) if keys else []
    before, _, after = template.partition("{n}")
    pattern = re.compile(re.escape(urljoin(listing_url, before)) + r"(\d{1,5})" + re.escape(after))
    numbers = []
    for href in hrefs:
        try:
            url = urljoin(listing_url, href.strip()).split("#", 1)[0]
        except ValueError:
            continue
        if match := pattern.fullmatch(url):
            numbers.append(int(match[1]))
    return numbers


def _with_total(pager: NumberedPager, text: str, params: NumberedPagerParams) -> NumberedPager:
    """Fill a missing total from a printed count, else from `assume_pages`."""
    if pager.total_pages is not None:
        printed = _printed_total(text)
        if printed and printed > pager.total_pages:
            return NumberedPager(pager.template, pager.first_number, printed, pager.form)
        return pager
    total = _printed_total(text) or params.assume_pages
    return NumberedPager(pager.template, pager.first_number, total, pager.form)


def _printed_total(text: str) -> int | None:
    for pattern in TOTAL_TEXT:
        if match := pattern.search(text):
            value = int(match[1])
            if 0 < value <= MAX_PAGES_SEEN:
                return value
    return None


def further_pages(pager: NumberedPager, listing_url: str, page: int, max_pages: int) -> list[tuple[str, int]]:
    """(url, page) of the pages to ask after `page`: all of them up to the total from page 1 when the total
    is known, else the next one while below `max_pages`."""
    if pager.total_pages is not None:
        if page != 1:
            return []
        last = min(pager.total_pages, max_pages)
        return [(pager.url_of(number, listing_url), number) for number in range(2, last + 1)]
    if page >= max_pages:
        return []
    return [(pager.url_of(page + 1, listing_url), page + 1)]
