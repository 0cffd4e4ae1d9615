"""Plain HTML lists: configurable item/date selectors, pagination by following a 下一页 link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parsel import Selector

from crawler.profiles.base import (
    ListingPage,
    PageRequest,
    Profile,
    base_url,
    entries_from_html,
    html_selector,
    register,
    resolve,
)
from crawler.profiles.pager import find_numbered_pager, further_pages
from crawler.profiles.params import HtmlParams

if TYPE_CHECKING:
    from crawler.config import Listing

DEFAULT_ITEMS = "ul li, table tr, dl dd"
# "Next page" links as Chinese and English templates print them; XPath because CSS cannot match text.
NEXT_LINK_XPATHS: tuple[str, ...] = (
    "//a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>' or "
    "normalize-space(.)='›' or normalize-space(.)='»']/@href",
    "//a[contains(normalize-space(.), '下一页') or contains(@title, '下一页')]/@href",
    "//a[@rel='next' or contains(@class, 'next')]/@href",
    "//link[@rel='next']/@href",
)


@register
class HtmlProfile(Profile):
    """A plain list page: `selectors.item` (default: article-looking links in list rows), `selectors.date`,
    and `selectors.next` (default: a 下一页 link), followed one page at a time up to `max_pages`; a pager of
    numbered links only (`index_N.html`, `?pageNum=N`, or `params.page_url`) is read as a numbered pager."""

    name = "html"
    params_model = HtmlParams

    def parse_page(self, listing: Listing, request: PageRequest, text: str, max_pages: int) -> ListingPage:
        selector = html_selector(text)
        custom = listing.selectors.item
        entries = entries_from_html(
            selector, request.url, custom or DEFAULT_ITEMS, listing.selectors.date, require_article=not custom
        )
        page = ListingPage(entries=entries)
        params = listing.params if isinstance(listing.params, HtmlParams) else HtmlParams()
        next_url = None
        if not params.page_url:
            next_url = self._next_url(selector, request.url, listing.selectors.next)
        if next_url and next_url not in (request.url, listing.url):
            if request.page < max_pages:
                page.next_requests.append(PageRequest(url=next_url, page=request.page + 1))
            return page
        # No 下一页 link: numbered pages, all asked from page 1 when the last one is known.
        hrefs = selector.xpath("//a/@href").getall()
        pager = find_numbered_pager(listing.url, hrefs, text, params)
        if pager is not None and (pager.total_pages is not None or entries):
            page.total_pages = pager.total_pages
            page.next_requests = [
                PageRequest(url=url, page=number)
                for url, number in further_pages(pager, listing.url, request.page, max_pages)
            ]
        return page

    @staticmethod
    def _next_url(selector: Selector, page_url: str, next_css: str | None) -> str | None:
        against = base_url(selector, page_url)
        if next_css:
            nodes = selector.css(next_css)
            hrefs = [node.attrib.get("href") or node.xpath("@href").get() for node in nodes]
        else:
            hrefs = [href for xpath in NEXT_LINK_XPATHS for href in selector.xpath(xpath).getall()]
        for href in hrefs:
            url = resolve(href or "", against)
            if url:
                return url
        return None
