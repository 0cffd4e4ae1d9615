"""The listing-parser interface every CMS profile implements, its result types and the profile registry."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.profiles.dates import date_from_url, date_in_text, year_from_url
from crawler.profiles.params import ProfileParams

if TYPE_CHECKING:
    from crawler.config import Listing

MAX_ERRORS_TEXT = 300  # an error message quotes at most this much of the offending value


@dataclass(frozen=True)
class ListingEntry:
    """One article link found on a listing page."""

    url: str  # absolute, resolved against the page URL
    title: str | None
    published: date | None


@dataclass(frozen=True)
class PageRequest:
    """A listing page to fetch: a GET, or a POST with form fields (Hanweb's dataproxy.jsp).

    `page` is the 1-based listing page the request starts at; 0 marks a shell page that only
    yields the real first page (a JSON API whose channel id lives in the column page's JS).
    """

    url: str
    method: str = "GET"
    formdata: dict[str, str] | None = None
    page: int = 1
    # Values a JSON API's column page revealed (`channel_id`, and any named group of the pattern), kept
    # with the request so pages 2… are built statelessly from page 1's answer.
    variables: dict[str, str] | None = None


@dataclass
class ListingPage:
    """What one listing response held: article entries, the further pages to fetch, and any errors."""

    entries: list[ListingEntry] = field(default_factory=list)
    next_requests: list[PageRequest] = field(default_factory=list)
    total_pages: int | None = None
    errors: list[str] = field(default_factory=list)


class Profile(ABC):
    """A CMS profile: knows where a listing starts, how to read its entries and how it paginates.

    Profiles are pure: no network, no Scrapy, no database. The spider fetches every request of
    `first_requests`, hands each response to `parse`, and fetches every request in `next_requests`
    (a profile never returns the same further page twice: the first page of a listing returns all
    further pages up to `max_pages` when the count is known, plain HTML lists return one "next").
    """

    name: ClassVar[str]
    params_model: ClassVar[type[ProfileParams]]  # what a seed's `params` may hold for this profile

    def first_requests(self, listing: Listing) -> list[PageRequest]:
        """The requests that start a crawl of this listing; usually the listing URL itself."""
        return [PageRequest(url=listing.url)]

    def parse(
        self, listing: Listing, request: PageRequest, body: bytes, text: str, max_pages: int
    ) -> ListingPage:
        """Read one response; never raises: malformed input gives an empty page with `errors` filled."""
        if not text and body:
            text = body.decode("utf-8", errors="replace")
        if not text or not text.strip():
            return ListingPage(errors=[f"{request.url}: empty response"])
        try:
            page = self.parse_page(listing, request, text, max(1, max_pages))
        except Exception as exc:  # noqa: BLE001 - a broken page must never stop the crawl
            return ListingPage(errors=[f"{request.url}: cannot parse listing: {type(exc).__name__}: {exc}"])
        if not page.entries and not page.errors and not (request.page == 0 and page.next_requests):
            # A listing that suddenly yields nothing means a redesign or a block, not "nothing new".
            page.errors.append(f"{request.url}: no entries found (profile {self.name})")
        return page

    @abstractmethod
    def parse_page(self, listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
        """Profile-specific parsing; may raise, `parse` turns exceptions into errors."""


PROFILES: dict[str, type[Profile]] = {}


def register(cls: type[Profile]) -> type[Profile]:
    """Class decorator adding a profile to the registry under its `name`."""
    PROFILES[cls.name] = cls
    return cls


def get_profile(name: str) -> Profile:
    """The profile registered under `name`; an unknown name is a KeyError listing the known ones."""
    try:
        return PROFILES[name]()
    except KeyError:
        known = ", ".join(sorted(PROFILES)) or "none"
        raise KeyError(f"unknown listing profile {name!r} (known: {known})") from None


# ---------------------------------------------------------------------------------------------------
# Helpers shared by the HTML-reading profiles.

SKIPPED_HREF = re.compile(r"^\s*(?:$|#|javascript:|mailto:|tel:|data:)", re.IGNORECASE)
# Link targets that look like articles rather than columns, home pages or downloads of the site chrome.
ARTICLE_URL_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/t\d{8}_\d+\.s?html?$"),  # TRS WCM: ./202003/t20200323_770360.shtml
    re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$"),  # Hanweb JCMS
    re.compile(r"/c\d+_\d+\.s?html?$|/c00_\d+\.s?html?$"),  # Heilongjiang and similar
    re.compile(r"/content/(?:post_)?\d+\.html?$"),  # Guangdong-style CMS
    re.compile(r"/\d{6,8}/[\w-]+\.s?html?$"),  # a dated folder: /20220426/d4d847….html
    re.compile(r"/\d{4}/\d{2}-\d{2}/\d+\.html?$"),  # Henan: /2023/11-20/2850423.html
    re.compile(r"(?:content|art|detail|info)[_/-]?\w*\d{4,}.*\.(?:s?html?|jsp|aspx?)", re.IGNORECASE),
)
# Where a row's date usually sits, tried in order when no selector is configured.
DEFAULT_DATE_SELECTORS: tuple[str, ...] = (".date", ".time", "span", "td:last-child", "em", "i")
WHITESPACE = re.compile(r"\s+")
# A date printed inside the link text itself (<a><p>title</p><span>2020-08-02</span></a>): not title.
_DATE_TEXT = r"[\[(（【]?(?:\d{4}\s*[-/.年]\s*)?\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?[\])）】]?"
TITLE_DATE_EDGES = re.compile(rf"^\s*{_DATE_TEXT}\s+|\s+{_DATE_TEXT}\s*$")


def clean_text(value: str | None) -> str | None:
    """Collapse whitespace; empty becomes None."""
    if value is None:
        return None
    value = WHITESPACE.sub(" ", value).strip()
    return value or None


def looks_like_article(url: str) -> bool:
    """True when the URL has the shape of an article page on one of the CMSs we know."""
    path = urlsplit(url).path
    return any(pattern.search(path) for pattern in ARTICLE_URL_PATTERNS)


def base_url(selector: Selector, page_url: str) -> str:
    """The URL relative links resolve against: the page's <base href> if any, else the page URL."""
    base = selector.xpath("//base/@href").get()
    return urljoin(page_url, base.strip()) if base and base.strip() else page_url


def resolve(href: str, against: str) -> str | None:
    """An absolute http(s) URL for `href`, or None for anchors, scripts and other non-links."""
    if href is None or SKIPPED_HREF.match(href):
        return None
    try:
        url = urljoin(against, href.strip())
    except ValueError:  # e.g. a malformed IPv6 host: one bad link, not a bad page
        return None
    return url if url.startswith(("http://", "https://")) else None


def _row_of(anchor: Selector) -> Selector:
    """The list row around a link: its nearest li/tr/dd/p ancestor, else its parent."""
    rows = anchor.xpath("ancestor::*[self::li or self::tr or self::dd or self::dl or self::p][1]")
    if rows:
        return rows[0]
    parent = anchor.xpath("..")
    return parent[0] if parent else anchor


def _row_date(row: Selector, anchor: Selector, date_selector: str | None, url: str) -> date | None:
    """The date printed in the row (outside the title), else the date the URL carries."""
    candidates: list[str] = []
    selectors = (date_selector,) if date_selector else DEFAULT_DATE_SELECTORS
    for css in selectors:
        candidates.extend(" ".join(node.xpath(".//text()").getall()) for node in row.css(css))
    title_text = " ".join(anchor.xpath(".//text()").getall())
    row_text = " ".join(row.xpath(".//text()").getall())
    candidates.append(row_text.replace(title_text, " ") if title_text else row_text)
    year = year_from_url(url)
    for text in candidates:
        found = date_in_text(text, year)
        if found:
            return found
    return date_from_url(url)


def _title_from_text(anchor: Selector) -> str | None:
    """The link text without a date printed at either end of it."""
    text = clean_text(" ".join(anchor.xpath(".//text()").getall()))
    if not text:
        return None
    return clean_text(TITLE_DATE_EDGES.sub("", text)) or text


def entries_from_html(
    selector: Selector,
    page_url: str,
    item_css: str,
    date_css: str | None = None,
    *,
    require_article: bool = False,
) -> list[ListingEntry]:
    """Entries for the elements matching `item_css` (links, or rows holding a link), deduplicated by URL.

    With `require_article`, a link counts only if it looks like an article URL or its row carries a
    date, which keeps navigation menus out of generic row selectors.
    """
    against = base_url(selector, page_url)
    seen: set[str] = set()
    entries: list[ListingEntry] = []
    for node in selector.css(item_css):
        is_anchor = node.root.tag == "a" if hasattr(node.root, "tag") else False
        if not is_anchor and require_article and node.xpath(".//li | .//tr"):
            continue  # a menu or layout row wrapping a whole list: its inner rows are the items
        anchor = node if is_anchor else (node.css("a[href]") or [None])[0]
        if anchor is None:
            continue
        url = resolve(anchor.attrib.get("href", ""), against)
        if url is None or url in seen:
            continue
        row = _row_of(anchor) if is_anchor else node
        published = _row_date(row, anchor, date_css, url)
        if require_article and not (looks_like_article(url) or published):
            continue
        title = clean_text(anchor.attrib.get("title")) or _title_from_text(anchor)
        if require_article and not title:
            continue
        seen.add(url)
        entries.append(ListingEntry(url=url, title=title, published=published))
    return entries


def html_selector(text: str) -> Selector:
    """A parsel Selector over HTML text; strips NULs, which lxml refuses."""
    return Selector(text=text.replace("\x00", ""), type="html")
