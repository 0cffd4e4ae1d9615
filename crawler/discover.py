"""Drafting a seed from a column's listing page: detect the CMS and pager, the item rows and dates, the body.

Pure: `discover(...)` is a generator that yields the `PageRequest`s it needs (the listing, maybe a JSON
endpoint named in the page's scripts, one article) and is sent back a `Fetched` for each; it returns a
`Draft`. The `add` spider drives it politely over the network, tests and saved files drive it from disk.

    draft = run_discovery(discover(url, DraftOptions(source_id="x")), fetch)   # fetch: PageRequest → Fetched
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from crawler.challenge import detect_challenge
from crawler.config import Listing
from crawler.extract import ExtractionError, ExtractOptions, extract
from crawler.extract.containers import CONTAINERS, Container
from crawler.extract.decoding import decode_html
from crawler.profiles import ListingEntry, ListingPage, PageRequest, get_profile
from crawler.profiles.base import base_url, html_selector, looks_like_article, resolve
from crawler.profiles.dates import date_in_text, parse_date_value, year_from_url
from crawler.profiles.json_api import dotted

DEFAULT_MAX_PAGES = 5

# CMS markers, as data: (cms, what it is called, pattern on the listing page's text).
CMS_MARKERS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("jpaas", "Hanweb jpaas", re.compile(r"jpaas-publish-server|/api-gateway/jpaas|jpaas\.", re.I)),
    (
        "hanweb",
        "Hanweb JCMS datastore / jpage",
        re.compile(r"<datastore\b|\.jpage\s*\(|jpage\.js|dataproxy\.jsp", re.I),
    ),
    ("trs", "TRS WCM pager", re.compile(r"\bcreatePageHTML\s*\(|\bvar\s+countPage\s*=|\bpageControl\s*\(")),
)


@dataclass(frozen=True)
class Platform:
    """A JSON list platform recognised by a marker on its column pages, with its usual json_api params.

    `{origin}` is the listing's scheme and host; the channel pattern's named groups fill the templates.
    """

    name: str
    marker: str
    params: dict[str, Any]


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "the /common/search cloud platform (Heilongjiang, Gansu)",
        r"channelId\s*[=:]\s*['\"][0-9a-f]{32}['\"]",
        {
            "channel_id_pattern": r"(?:channelId\s*[=:]\s*['\"]|/common/search/)(?P<id>[0-9a-f]{32})",
            "api": "{origin}/common/search/{channel_id}?_isAgg=true&_isJson=true&_pageSize=20"
            "&_template=index&page={page}",
            "results": "data.results",
            "title": "title",
            "url": "url",
            "date": "publishedTimeStr",
            "total": "data.total",
            "per_page": 20,
        },
    ),
    Platform(
        "Guangdong gkmlpt",
        r"SID\s*:\s*'\d+'",
        {
            "channel_id_pattern": r"SID\s*:\s*'(?P<sid>\d+)'",
            "api": "{origin}/gkmlpt/api/all/0?page={page}&sid={sid}",
            "results": "articles",
            "title": "title",
            "url": "url",
            "date": "display_publish_time",
            "total": "total",
            "per_page": 100,
        },
    ),
    Platform(
        "Hanweb jpaas",
        r"queryData\s*=\s*\{[^}]*webId",
        {
            "channel_id_pattern": (
                r"(?s)(?=.*?webId['\"]?\s*[:=]\s*['\"](?P<webId>[\w-]+))"
                r"(?=.*?tplSetId['\"]?\s*[:=]\s*['\"](?P<tplSetId>[\w-]+))"
                r"(?=.*?tagId['\"]?\s*[:=]\s*['\"](?P<tagId>[^'\"]+))"
                r"(?=.*?pageId['\"]?\s*[:=]\s*['\"](?P<pageId>\d+))"
            ),
            "api": "{origin}/api-gateway/jpaas-publish-server/front/page/build/unit",
            "query": {
                "parseType": "bulidstatic",
                "webId": "{webId}",
                "tplSetId": "{tplSetId}",
                "pageType": "column",
                "tagId": "{tagId}",
                "editType": "null",
                "pageId": "{pageId}",
                "paramJson": '{"pageNo":{page},"pageSize":15}',
            },
            "html": "data.html",
            "assume_pages": 3,
        },
    ),
)
# Numbered pager links: index_2.html, list_yw_3.shtml, common_list_4.shtml, ?pageNum=5.
NUMBERED_LINK = re.compile(
    r"(?:^|/)(?P<stem>[A-Za-z][\w-]*?)_(?P<n>\d{1,4})\.(?P<ext>s?html?)(?:[?#]|$)|[?&](?P<key>pageNum|pageNo|page|pageIndex)=(?P<q>\d{1,4})"
)
# TRS article URLs (./202003/t20200323_770360.shtml) mark a TRS site even without a pager script.
TRS_ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$")
# Calls that fetch JSON in page scripts; the first argument (or the object's url) is the endpoint.
JSON_CALL = re.compile(
    r"(?:\$\.getJSON|\$\.get|\$\.post|\$\.ajax|jQuery\.ajax|fetch|axios(?:\.get|\.post)?)\s*\(", re.I
)
PAGE_VARIABLES = frozenset(
    {"page", "pageno", "pagenum", "pageindex", "currentpage", "curpage", "p", "pagenumber", "current", "pn"}
)
JS_STRING = re.compile(r"""^\s*(["'])(.*)\1\s*$""", re.DOTALL)
JS_IDENT = re.compile(r"^\s*([A-Za-z_$][\w$]*)\s*$")
JS_VAR = r"\b(?:var|let|const)\s+{name}\s*=\s*(?:([\"'])(?P<text>[^\"']*)\1|(?P<number>\d+))"
PAGE_QUERY = re.compile(r"(?P<key>[?&](?:page|pageNo|pageNum|pageIndex|currentPage|curPage|p)=)(?P<n>\d+)")
# JSON field names, best first, for each role.
URL_KEYS = ("url", "link", "href", "pageUrl", "docUrl", "linkUrl", "art_url", "visitUrl")
TITLE_KEYS = ("title", "docTitle", "name", "titleName", "articleTitle", "showTitle")
DATE_HINT = re.compile(r"time|date|publish|pub", re.I)
TOTAL_KEYS = ("total", "totalCount", "totalRecord", "recordCount", "totalElements", "count", "total_count")
PAGES_KEYS = ("pages", "totalPage", "totalPages", "pageCount", "page_count", "totalpage")
# Row tags whose own classes change from row to row (odd/even striping), so selectors name their parent.
ROW_TAGS = ("li", "tr", "dd", "dl", "p")
STRIPE_CLASS = re.compile(
    r"^(?:odd|even|alt|on|active|first|last|cur|current|hover|.*[-_](?:odd|even|on|cur))$", re.I
)
# Metas a CMS writes on article pages only (TRS WCM, Hanweb, most provincial templates).
ARTICLE_METAS = ("ArticleTitle", "PubDate", "ContentSource")
# A known article container holding this much text is an article's body, not a list's.
ARTICLE_BODY_CHARS = 300
# Body methods of the extractor that are not a container a seed could name.
GUESSED_METHODS = ("density", "trafilatura", "")


@dataclass(frozen=True)
class Fetched:
    """One answer the driver got for a requested URL (status 0: not fetched, with `error`)."""

    url: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class DraftOptions:
    """What the user said: the seed id, organisation and name (else guessed), and how deep to page."""

    source_id: str | None = None
    org: str | None = None
    name: str | None = None
    max_pages: int = DEFAULT_MAX_PAGES


@dataclass
class Draft:
    """A drafted seed (None when the page could not be read) and what was found, guessed and went wrong."""

    listing_url: str
    cms: str = "unknown"
    seed: dict[str, Any] | None = None
    found: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    further_pages: list[str] = field(default_factory=list)
    article: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "listing_url": self.listing_url,
            "cms": self.cms,
            "seed": self.seed,
            "found": self.found,
            "guessed": self.guessed,
            "problems": self.problems,
            "entries": self.entries,
            "further_pages": self.further_pages,
            "article": self.article,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        return cls(**data)


# --------------------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class RowGroup:
    """Repeated list rows that link to articles: the CSS selecting them, their date element, their count."""

    item_css: str
    date_css: str | None
    rows: int
    dated: int


def _classes(el: etree._Element) -> list[str]:
    return [c for c in (el.get("class") or "").split() if re.match(r"^[A-Za-z_][\w-]*$", c)]


def _describe(el: etree._Element, *, row: bool = False) -> str:
    """A CSS step for an element: tag#id, else tag.class; rows keep only classes that do not stripe."""
    tag = el.tag if isinstance(el.tag, str) else "*"
    element_id = el.get("id")
    if element_id and re.match(r"^[A-Za-z][\w-]*$", element_id) and not row:
        return f"{tag}#{element_id}"
    classes = _classes(el)
    if row:
        classes = [c for c in classes if not STRIPE_CLASS.search(c)]
    return tag + (f".{classes[0]}" if classes else "")


def _row_css(row: etree._Element) -> str | None:
    """The selector of a row's kind: `ul.cjcx_list > li`, `div.newslist ul > li`, `table#list tr`."""
    parent = row.getparent()
    if parent is None or not isinstance(parent.tag, str):
        return None
    step = _describe(row, row=True)
    if parent.get("id") or _classes(parent):
        return f"{_describe(parent)} > {step}"
    grand = parent.getparent()
    if grand is not None and isinstance(grand.tag, str) and (grand.get("id") or _classes(grand)):
        return f"{_describe(grand)} {parent.tag} > {step}"
    if parent.tag in ("tbody",) and grand is not None:
        return f"{_describe(grand)} {step}"
    if _classes(row) and step != row.tag:
        return step  # rows named by their own class (div.lis) in an anonymous container
    return None


def _repeats(el: etree._Element) -> bool:
    """True when the element's parent holds at least two elements of its tag and class: a list unit."""
    parent = el.getparent()
    if parent is None:
        return False
    return (
        sum(1 for sibling in parent if sibling.tag == el.tag and sibling.get("class") == el.get("class")) >= 2
    )


def _row_of(anchor: etree._Element) -> etree._Element:
    """The list row around a link: its li/tr/dd/dl/p ancestor, else the nearest ancestor that repeats
    among its siblings (`div.lis` rows of divs), else its parent."""
    for ancestor in anchor.iterancestors():
        if ancestor.tag in ROW_TAGS:
            return ancestor
    node = anchor
    for _ in range(3):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        node = parent
        if _repeats(node):
            return node
    parent = anchor.getparent()
    return parent if parent is not None else anchor


def _own_date(el: etree._Element, year: int | None) -> date | None:
    return date_in_text(" ".join(el.itertext()), year)


def _date_css(rows: list[etree._Element], year_of: dict[etree._Element, int | None]) -> str | None:
    """The element holding the date in most rows (`span.date`), outside the title link."""
    votes: Counter[str] = Counter()
    for row in rows:
        for el in row.iter():
            if not isinstance(el.tag, str) or el is row or el.tag == "a" or el.find(".//a") is not None:
                continue
            if any(a.tag == "a" for a in el.iterancestors()):
                continue
            if _own_date(el, year_of.get(row)):
                votes[_describe(el, row=True)] += 1
                break
    if not votes:
        return None
    css, count = votes.most_common(1)[0]
    return css if count * 2 >= len(rows) else None


def find_rows(text: str, page_url: str) -> RowGroup | None:
    """The largest group of alike rows whose links look like articles or carry a date; None when none."""
    try:
        tree = lxml.html.document_fromstring(text.replace("\x00", ""))
    except (etree.ParserError, ValueError):
        return None
    against = base_url(Selector(root=tree, type="html"), page_url)
    groups: dict[str, list[etree._Element]] = {}
    scores: Counter[str] = Counter()
    year_of: dict[etree._Element, int | None] = {}
    for anchor in tree.iter("a"):
        url = resolve(anchor.get("href") or "", against)
        if url is None or not "".join(anchor.itertext()).strip() and not anchor.get("title"):
            continue
        row = _row_of(anchor)
        css = _row_css(row)
        if css is None or row in groups.get(css, []):
            continue
        year_of[row] = year_from_url(url)
        title_text = " ".join(anchor.itertext())
        rest = " ".join(row.itertext()).replace(title_text, " ") if title_text.strip() else ""
        dated = bool(date_in_text(rest, year_of[row]))
        if not (looks_like_article(url) or dated):
            continue
        groups.setdefault(css, []).append(row)
        scores[css] += 2 if dated else 1
    if not groups:
        return None
    best = max(groups, key=lambda css: (len(groups[css]) >= 2, scores[css], len(groups[css])))
    rows = groups[best]
    date_css = _date_css(rows, year_of)
    dated = sum(1 for row in rows if _own_date(row, year_of.get(row)))
    return RowGroup(_narrowed(tree, best, rows), date_css, len(rows), dated)


def _strays(tree: etree._Element, css: str, rows: list[etree._Element]) -> list[etree._Element] | None:
    """Elements the selector matches outside the rows' own containers (None: it misses a row or is invalid)."""
    try:
        matched = tree.cssselect(css)
    except (etree.XPathError, ValueError, SelectorError):
        return None
    if not set(rows) <= set(matched):
        return None
    parents = {row.getparent() for row in rows}
    return [el for el in matched if el.getparent() not in parents]


def _narrowed(tree: etree._Element, css: str, rows: list[etree._Element]) -> str:
    """The row selector limited to the list's own container when it also matches rows elsewhere, such as a
    tab bar (定期公告 | 临时公告) above the list in the same box: the crawl would read the tabs as items."""
    if not _strays(tree, css, rows):
        return css
    container = Counter(row.getparent() for row in rows).most_common(1)[0][0]
    step = _describe(rows[0], row=True)
    inner = _describe(container) if container.get("id") or _classes(container) else container.tag
    candidates = [f"{inner} > {step}"] if inner != container.tag else []
    for ancestor in container.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        if ancestor.get("id") or _classes(ancestor):
            candidates.append(f"{_describe(ancestor)} {inner} > {step}")
    holder = container.getparent()
    if holder is not None and (holder.get("id") or _classes(holder)):
        # Alike unnamed lists side by side: name the list by its position among its siblings.
        position = 1 + sum(1 for sibling in container.itersiblings(preceding=True) if sibling.tag == container.tag)
        candidates.append(f"{_describe(holder)} > {container.tag}:nth-of-type({position}) > {step}")
    for candidate in candidates:
        if _strays(tree, candidate, rows) == []:
            return candidate
    return css


# ---------------------------------------------------------------------------------------------- scripts


def _js_value(text: str, name: str) -> str | None:
    match = re.search(JS_VAR.format(name=re.escape(name)), text)
    if not match:
        return None
    return match["text"] if match["text"] is not None else match["number"]


def _split_top(expression: str, separator: str) -> list[str]:
    """Split a JS expression on `separator` outside quotes and brackets."""
    parts, depth, quote, current = [], 0, "", []
    for char in expression:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _first_argument(text: str, start: int) -> str:
    """The first argument of the call whose '(' ends at `start`."""
    depth, quote = 0, ""
    for index in range(start, min(len(text), start + 2000)):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return text[start:index]
            depth -= 1
        elif char == "," and depth == 0:
            return text[start:index]
    return ""


@dataclass(frozen=True)
class Endpoint:
    """A JSON endpoint a page's script calls: URL template with `{page}`, method and form fields."""

    template: str
    method: str = "GET"
    form: dict[str, str] = field(default_factory=dict)
    page_size: int | None = None


def _template(expression: str, text: str, *, paged: bool = True) -> tuple[str, int | None] | None:
    """A URL template from `'/common/search/' + channelId + '&page=' + page`; page variables → {page}.

    With `paged` the URL must carry the page (a POST carries it in its form instead)."""
    out: list[str] = []
    page_size: int | None = None
    for part in _split_top(expression, "+"):
        if match := JS_STRING.match(part):
            out.append(match[2])
            continue
        ident = JS_IDENT.match(part)
        if not ident:
            return None
        name = ident[1]
        if name.lower() in PAGE_VARIABLES:
            out.append("{page}")
            continue
        value = _js_value(text, name)
        if value is None:
            return None
        if "size" in name.lower() and value.isdigit():  # pageSize: records per page
            page_size = int(value)
        out.append(value)
    url = "".join(out)
    if "{page}" not in url and paged:
        if not PAGE_QUERY.search(url):
            return None
        url = PAGE_QUERY.sub(lambda m: m["key"] + "{page}", url, count=1)
    return url, page_size


def _object_fields(expression: str, text: str) -> dict[str, str]:
    body = expression.strip()
    if not (body.startswith("{") and body.endswith("}")):
        return {}
    fields: dict[str, str] = {}
    for part in _split_top(body[1:-1], ","):
        if ":" not in part:
            continue
        key, value = part.split(":", 1)
        key = key.strip().strip("\"'")
        fields[key] = value.strip()
    return fields


def _form_value(value: str, text: str) -> str | None:
    """A form field's value in a script's `data: {…}`: a literal, a page variable ({page}) or a var's value."""
    if literal := JS_STRING.match(value):
        return literal[2]
    if value.isdigit():
        return value
    ident = JS_IDENT.match(value)
    if ident and ident[1].lower() in PAGE_VARIABLES:
        return "{page}"
    made = _template(value, text) if "+" in value else None
    if made is not None:
        return made[0]
    return _js_value(text, ident[1]) if ident else None


def json_endpoints(text: str, page_url: str) -> list[Endpoint]:
    """JSON endpoints the page's scripts call with a page number, resolved against the page URL."""
    found: list[Endpoint] = []
    for match in JSON_CALL.finditer(text):
        argument = _first_argument(text, match.end()).strip()
        method = "POST" if match.group(0).lower().endswith("post(") else "GET"
        form: dict[str, str] = {}
        if argument.startswith("{"):
            options = _object_fields(argument, text)
            argument = options.get("url", "")
            if "post" in options.get("type", options.get("method", "")).lower():
                method = "POST"
            for key, value in _object_fields(options.get("data", ""), text).items():
                if (filled := _form_value(value, text)) is not None:
                    form[key] = filled
        paged_form = method == "POST" and "{page}" in form.values()
        made = _template(argument, text, paged=not paged_form) if argument else None
        if made is None:
            continue
        url, page_size = made
        found.append(Endpoint(urljoin(page_url, url), method, form, page_size))
    return found


# ------------------------------------------------------------------------------------------------- JSON


def _lists_of_dicts(data: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    found: list[tuple[str, list[Any]]] = []
    if isinstance(data, list):
        if data and sum(isinstance(item, dict) for item in data) * 2 >= len(data):
            found.append((path, data))
        for index, item in enumerate(data[:1]):
            found.extend(_lists_of_dicts(item, f"{path}.{index}" if path else str(index)))
    elif isinstance(data, dict):
        for key, value in data.items():
            found.extend(_lists_of_dicts(value, f"{path}.{key}" if path else str(key)))
    return found


def _urlish(value: Any) -> bool:
    return isinstance(value, str) and bool(
        re.match(r"^(?:https?://|/|\./|\.\./)\S+$", value) or re.search(r"\.s?html?(?:[?#]|$)", value)
    )


def _pick_key(items: list[dict[str, Any]], preferred: tuple[str, ...], test: Any) -> str | None:
    keys = [key for key in items[0] if sum(1 for item in items if test(item.get(key))) * 2 >= len(items)]
    for name in preferred:
        if name in keys:
            return name
    return keys[0] if keys else None


def _cjk_title(value: Any) -> bool:
    return isinstance(value, str) and len(re.findall(r"[\u4e00-\u9fff]", value)) >= 4


def _count_key(data: Any, path: str, names: tuple[str, ...]) -> str | None:
    """A count field next to the results list or above it (`data.total`)."""
    parts = path.split(".")
    for depth in range(len(parts) - 1, -1, -1):
        node = data
        for part in parts[:depth]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        for name in names:
            value = node.get(name)
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                return ".".join([*parts[:depth], name])
    return None


def json_fields(data: Any) -> dict[str, Any] | None:
    """json_api params for an answer: the results path and the url/title/date fields, total or pages."""
    best: tuple[str, list[Any]] | None = None
    for path, items in _lists_of_dicts(data):
        dicts = [item for item in items if isinstance(item, dict)]
        if (
            dicts
            and any(_urlish(v) for v in dicts[0].values())
            and (best is None or len(dicts) > len(best[1]))
        ):
            best = (path, dicts)
    if best is None:
        return None
    path, items = best
    url_key = _pick_key(items, URL_KEYS, _urlish)
    title_key = _pick_key(items, TITLE_KEYS, _cjk_title)
    if url_key is None or title_key is None:
        return None
    dated = [
        k for k in items[0] if parse_date_value(items[0].get(k)) and not isinstance(items[0].get(k), bool)
    ]
    date_key = next((k for k in dated if DATE_HINT.search(k)), dated[0] if dated else None)
    params: dict[str, Any] = {"results": path, "title": title_key, "url": url_key}
    if date_key:
        params["date"] = date_key
    if pages := _count_key(data, path, PAGES_KEYS):
        params["pages"] = pages
    elif total := _count_key(data, path, TOTAL_KEYS):
        params["total"] = total
    return params


# ---------------------------------------------------------------------------------------------- article


def _container_css(container: Container) -> str | None:
    if container.element_id:
        return f"#{container.element_id}"
    if container.css_class:
        return f".{container.css_class}"
    return None  # an XPath-only container: the extractor finds it without a seed selector


def _smallest_holder(body: bytes, headers: dict[str, str], text: str) -> str | None:
    """The innermost element with an id or class whose text holds the article's first and last lines,
    named by a selector that matches only it."""
    lines = [line for line in text.splitlines() if line.strip()]
    first, last = lines[0][:30], lines[-1][-30:]
    tree = lxml.html.document_fromstring(decode_html(body, headers)[0])
    best: str | None = None
    for el in tree.iter():
        if not isinstance(el.tag, str) or not (el.get("id") or _classes(el)):
            continue
        own = re.sub(r"\\s+", "", "".join(el.itertext()))
        if re.sub(r"\\s+", "", first) in own and re.sub(r"\\s+", "", last) in own:
            css = _describe(el)
            if len(tree.cssselect(css)) == 1:
                best = css  # document order: a later holder is inside the earlier one
    return best


def body_container(body: bytes, url: str, headers: dict[str, str]) -> tuple[str | None, str, Any]:
    """(CSS of the article body, how it was chosen, the extraction) for one article page."""
    extraction = extract(body, url=url, headers=headers)
    known = next((c for c in CONTAINERS if c.name == extraction.method), None)
    if known is not None:
        return _container_css(known), f"known container {known.name}", extraction
    if extraction.method in GUESSED_METHODS and extraction.text:
        css = _smallest_holder(body, headers, extraction.text)
        if css:
            return css, "the smallest named block holding the text (guessed)", extraction
    return None, f"no container ({extraction.method or 'nothing'})", extraction


# ------------------------------------------------------------------------------------------------ seeds

SLUG_DROP = frozenset({"www", "gov", "cn", "com", "org", "net", "index", "html", "shtml", "htm"})


def slug_for(url: str) -> str:
    """A seed id from a listing URL: `https://www.mee.gov.cn/ywdt/hjywnews/` → `mee-hjywnews`."""
    parts = urlsplit(url)
    host = [p for p in (parts.hostname or "").split(".") if p and p not in SLUG_DROP and not p.isdigit()]
    path = [p for p in re.split(r"[/._]", parts.path) if p and p.lower() not in SLUG_DROP]
    words = list(reversed(host))[:2] + path[-1:]
    if not host:
        words = [(parts.hostname or "site").replace(".", "-"), *path[-1:]]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    if len(slug) < 2:
        slug = f"source-{slug}".strip("-")
    return slug[:63].strip("-")


SELF_URL_XPATHS: tuple[str, ...] = (
    "//meta[translate(@name, 'URL', 'url')='url']/@content",
    "//link[@rel='canonical']/@href",
    "//meta[@property='og:url']/@content",
)


def page_url_of(body: bytes) -> str | None:
    """The URL a saved page states for itself (TRS `<meta name="Url">`, canonical link, og:url)."""
    selector = html_selector(decode_html(body, {})[0])
    for xpath in SELF_URL_XPATHS:
        for value in selector.xpath(xpath).getall():
            if re.match(r"^https?://", value.strip()):
                return value.strip()
    return None


def _page_meta(text: str) -> dict[str, str]:
    selector = html_selector(text)
    meta = {
        (node.attrib.get("name") or "").lower(): node.attrib.get("content", "").strip()
        for node in selector.css("meta[name]")
    }
    title = " ".join(selector.css("title::text").getall()).strip()
    meta["<title>"] = re.sub(r"\s+", " ", title)
    return meta


def _names(meta: dict[str, str], options: DraftOptions) -> tuple[str, str, list[str]]:
    """(name, org, guesses): from the options, else SiteName/ColumnName meta, else the page title."""
    guessed: list[str] = []
    site = meta.get("sitename") or ""
    column = meta.get("columnname") or ""
    title = meta.get("<title>") or ""
    org = options.org or site or re.split(r"[-_|—]", title)[-1].strip() or "unknown"
    if not options.org:
        guessed.append(f"org {org!r} (from the page's {'SiteName' if site else 'title'}; set --org)")
    name = options.name or (f"{org} · {column}" if column else title or org)
    if not options.name:
        guessed.append(f"name {name!r} (from the page; edit it in the seed)")
    return name, org, guessed


def _entry_dict(entry: ListingEntry) -> dict[str, Any]:
    return {
        "url": entry.url,
        "title": entry.title,
        "published": entry.published.isoformat() if entry.published else None,
    }


# ------------------------------------------------------------------------------------------------- main


def article_evidence(fetched: Fetched, text: str) -> list[str]:
    """What shows that a page is one article rather than a list: the CMS's article metas, a known article
    container holding a long text. Empty when there is none."""
    meta = _page_meta(text)
    evidence = [f"{name} meta" for name in ARTICLE_METAS if meta.get(name.lower())]
    try:
        extraction = extract(fetched.body, url=fetched.url, headers=fetched.headers)
    except ExtractionError:
        return evidence
    known = next((c for c in CONTAINERS if c.name == extraction.method), None)
    if known is not None and len(extraction.text) >= ARTICLE_BODY_CHARS:
        evidence.append(f"an article body ({known.name}, {len(extraction.text)} characters)")
    return evidence


def _decoded(fetched: Fetched) -> str:
    return decode_html(fetched.body, fetched.headers)[0]


def _problem_of(fetched: Fetched) -> str | None:
    if fetched.status == 0:
        return f"{fetched.url}: not fetched: {fetched.error or 'no answer'}"
    challenge = detect_challenge(fetched.status, fetched.body, fetched.headers)
    if challenge is not None:
        return f"{fetched.url}: blocked: {challenge.reason}"
    if fetched.status != 200:
        return f"{fetched.url}: HTTP {fetched.status}"
    return None


def numbered_pager(text: str) -> str | None:
    """How the page's numbered pager links read (`index_N.html, N = 2…60`), or None without one."""
    numbers: dict[str, set[int]] = {}
    for href in html_selector(text).xpath("//a/@href").getall():
        match = NUMBERED_LINK.search(href.strip())
        if not match or TRS_ARTICLE.search(href):
            continue
        if match["stem"]:
            form, number = f"{match['stem']}_N.{match['ext']}", int(match["n"])
        else:
            form, number = f"?{match['key']}=N", int(match["q"])
        numbers.setdefault(form, set()).add(number)
    if not numbers:
        return None
    form = max(numbers, key=lambda key: len(numbers[key]))
    return f"{form}, N = {min(numbers[form])}…{max(numbers[form])}"


def _detect_cms(text: str, page_url: str) -> tuple[str, str]:
    for cms, label, pattern in CMS_MARKERS:
        if pattern.search(text):
            return cms, label
    hrefs = html_selector(text).xpath("//a/@href").getall()
    if sum(1 for href in hrefs if TRS_ARTICLE.search(href.strip())) >= 2:
        return "trs", "TRS WCM article URLs (tYYYYMMDD_id)"
    return "html", "a plain HTML list"


def first_on_site(entries: list[ListingEntry], listing_url: str) -> ListingEntry:
    """The first entry on the listing's own site (rows linking to WeChat or news.cn show another template)."""
    host = urlsplit(listing_url).hostname
    return next((entry for entry in entries if urlsplit(entry.url).hostname == host), entries[0])


def _key(request: PageRequest) -> tuple[str, str, str]:
    return (request.method.upper(), request.url, repr(sorted((request.formdata or {}).items())))


def _fetch_once(
    request: PageRequest, cache: dict[tuple[str, str, str], Fetched]
) -> Generator[PageRequest, Fetched, Fetched]:
    """Ask the driver for a request unless it was answered already (a site is never asked twice)."""
    key = _key(request)
    if key not in cache:
        cache[key] = yield request
    return cache[key]


def _read_first_page(
    listing: dict[str, Any], cache: dict[tuple[str, str, str], Fetched], max_pages: int
) -> Generator[PageRequest, Fetched, tuple[ListingPage, str | None]]:
    """Page 1 of a drafted listing read with its profile, as the crawl reads it (a shell page first)."""
    model = Listing.model_validate(listing)
    profile = get_profile(model.profile)
    request = profile.first_requests(model)[0]
    for _ in range(2):  # at most a shell page, then page 1
        answer = yield from _fetch_once(request, cache)
        if problem := _problem_of(answer):
            return ListingPage(), problem
        page = profile.parse(model, request, answer.body, _decoded(answer), max_pages)
        if not (request.page == 0 and page.next_requests and not page.entries):
            return page, None
        request = page.next_requests[0]
    return ListingPage(), f"{listing['url']}: the shell page led to another shell page"


def _platform_listing(text: str, listing_url: str) -> tuple[Platform, dict[str, Any]] | None:
    """A listing for a known JSON platform whose column page shows its marker."""
    parts = urlsplit(listing_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    for platform in PLATFORMS:
        if re.search(platform.marker, text):
            params = json.loads(json.dumps(platform.params).replace("{origin}", origin))
            return platform, {"url": listing_url, "profile": "json_api", "params": params}
    return None


def discover(listing_url: str, options: DraftOptions | None = None) -> Generator[PageRequest, Fetched, Draft]:
    """Fetch (through the driver) and read a listing, then one article; return the draft seed."""
    options = options or DraftOptions()
    draft = Draft(listing_url=listing_url)
    cache: dict[tuple[str, str, str], Fetched] = {}
    page = yield from _fetch_once(PageRequest(url=listing_url), cache)
    if problem := _problem_of(page):
        draft.problems.append(problem)
        return draft
    text = _decoded(page)
    if (data := _json_of(text)) is not None:
        # The listing URL is a JSON list itself (an API found in the browser's network panel).
        template = PAGE_QUERY.sub(lambda m: m["key"] + "{page}", listing_url, count=1)
        draft.cms = "json_api"
        draft.found.append(f"the URL answers a JSON list: {template}")
        if "{page}" not in template:
            draft.guessed.append("no page parameter in the URL: only this one page will be read")
        api_listing = _json_listing(template.replace("{page}", "1"), Endpoint(template), data, draft)
        if api_listing is None:
            return draft
        listing, text = api_listing, ""
        result, problem = yield from _read_first_page(listing, cache, options.max_pages)
        return (yield from _finish(draft, listing, result, problem, text, listing_url, options, cache))
    cms, label = _detect_cms(text, listing_url)
    draft.cms = cms
    draft.found.append(f"CMS: {label}")
    listing: dict[str, Any] = {"url": listing_url, "profile": "html"}
    endpoints = json_endpoints(text, listing_url)
    rows = find_rows(text, listing_url)
    # A page with its own rows is a plain list, whatever its scripts also fetch.
    shell = rows is None or rows.rows < 2
    endpoints = endpoints if shell else []
    platform = _platform_listing(text, listing_url) if shell and not endpoints else None
    if cms == "hanweb":
        listing["profile"] = "hanweb"
        draft.found.append("listing: jpage <datastore> records; further records from dataproxy.jsp")
    elif platform is not None:
        known, listing = platform
        draft.cms = "json_api"
        draft.found.append(f"platform: {known.name} (its JSON list endpoint, with ids read from the page)")
        draft.guessed.append(f"the {known.name} endpoint and fields are the platform's usual ones")
    elif endpoints:
        endpoint = endpoints[0]
        draft.cms = "json_api"
        draft.found.append(f"JSON endpoint in the page's script: {endpoint.method} {endpoint.template}")
        request = PageRequest(
            url=endpoint.template.replace("{page}", "1"),
            method=endpoint.method,
            formdata={k: v.replace("{page}", "1") for k, v in endpoint.form.items()} or None,
        )
        answer = yield from _fetch_once(request, cache)
        if problem := _problem_of(answer):
            draft.problems.append(problem)
            return draft
        try:
            data = json.loads(_decoded(answer))
        except ValueError:
            draft.problems.append(f"{request.url}: the endpoint did not answer JSON")
            return draft
        listing = _json_listing(listing_url, endpoint, data, draft)
        if listing is None:
            return draft
    else:
        if cms == "jpaas":
            draft.problems.append("Hanweb jpaas markers, but no jpaas column ids (queryData) on the page")
            return draft
        listing["profile"] = "trs" if cms == "trs" else "html"
        if rows is None:
            draft.problems.append("no rows linking to articles found on the listing page")
            return draft
        if rows.dated == 0 and (evidence := article_evidence(page, text)):
            # Its rows are the page's menus (友情链接, related links): drafting them would crawl the chrome.
            draft.problems.append(
                f"{listing_url}: this looks like an article, not a listing ({'; '.join(evidence)}; "
                f"none of its {rows.rows} link rows carries a date): give the URL of the column's list page"
            )
            return draft
        listing["selectors"] = {"item": rows.item_css, **({"date": rows.date_css} if rows.date_css else {})}
        draft.found.append(
            f"item rows: {rows.item_css} ({rows.rows} rows, {rows.dated} dated"
            + (f", date in {rows.date_css})" if rows.date_css else ")")
        )
        if not rows.date_css:
            draft.guessed.append("no date element in the rows: dates come from the row text or the URL")
    result, problem = yield from _read_first_page(listing, cache, options.max_pages)
    return (yield from _finish(draft, listing, result, problem, text, listing_url, options, cache))


def _json_of(text: str) -> Any:
    """The JSON a listing URL answered, or None for a page."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _json_listing(listing_url: str, endpoint: Endpoint, data: Any, draft: Draft) -> dict[str, Any] | None:
    """A json_api listing for an endpoint and its first answer; None (with the problem) when no list is found."""
    fields = json_fields(data)
    if fields is None:
        draft.problems.append(f"{endpoint.template}: no list of articles found in the JSON answer")
        return None
    params: dict[str, Any] = {"api": endpoint.template, **fields}
    if endpoint.method == "POST":
        params["method"] = "POST"
        params["form"] = endpoint.form
    if "total" in fields:
        results = dotted(data, fields["results"])
        params["per_page"] = endpoint.page_size or (len(results) if isinstance(results, list) else 20)
        draft.guessed.append(f"per_page {params['per_page']} (page size of the script or first answer)")
    draft.found.append("JSON fields: " + ", ".join(f"{k}={v}" for k, v in fields.items()))
    return {"url": listing_url, "profile": "json_api", "params": params}


def _finish(
    draft: Draft,
    listing: dict[str, Any],
    result: ListingPage,
    problem: str | None,
    text: str,
    listing_url: str,
    options: DraftOptions,
    cache: dict[tuple[str, str, str], Fetched],
) -> Generator[PageRequest, Fetched, Draft]:
    """Report page 1, name the source, read one article and write the seed."""
    if problem:
        draft.problems.append(problem)
        return draft
    draft.entries = [_entry_dict(entry) for entry in result.entries]
    draft.further_pages = [request.url for request in result.next_requests]
    for error in result.errors:
        draft.problems.append(error)
    if result.total_pages:
        draft.found.append(f"pager: {result.total_pages} page(s); up to {options.max_pages} read per run")
    elif draft.further_pages:
        draft.found.append(f"pager: a next page ({draft.further_pages[0]})")
    elif text and (numbered := numbered_pager(text)):
        draft.found.append(f"pager: numbered links {numbered}")
        draft.problems.append("the profile does not follow these numbered links: only page 1 will be read")
    else:
        draft.guessed.append("no pager found: only the first listing page will be read")
    meta = _page_meta(text) if text else {}
    name, org, guesses = _names(meta, options)
    draft.guessed.extend(guesses)
    source_id = options.source_id or slug_for(listing_url)
    if not options.source_id:
        draft.guessed.append(f"id {source_id!r} (from the URL; set --id)")
    article: dict[str, Any] = {}
    if result.entries:
        entry = first_on_site(result.entries, listing_url)
        fetched = yield from _fetch_once(PageRequest(url=entry.url), cache)
        if problem := _problem_of(fetched):
            draft.problems.append(f"article {problem}")
        else:
            try:
                css, how, extraction = body_container(fetched.body, fetched.url, fetched.headers)
            except ExtractionError as exc:
                draft.problems.append(f"article {entry.url}: {exc}")
            else:
                if css:
                    article["body"] = css
                draft.found.append(f"article body: {css or '(left to the extractor)'} — {how}")
                if css and not how.startswith("known"):
                    draft.guessed.append(f"article body {css} (no known CMS container; check it)")
                check = extraction
                if css:
                    check = extract(
                        fetched.body,
                        url=fetched.url,
                        headers=fetched.headers,
                        options=ExtractOptions(body_selector=css),
                    )
                lines = check.text.splitlines()
                draft.article = {
                    "url": entry.url,
                    "title": check.title,
                    "published": check.published.isoformat() if check.published else None,
                    "source": check.source,
                    "body_chars": len(check.text),
                    "first_line": lines[0] if lines else None,
                    "method": check.method,
                }
    draft.seed = {
        "id": source_id,
        "name": name,
        "org": org,
        "listings": [listing],
        "max_pages": options.max_pages,
        **({"article": article} if article else {}),
        "verified": False,
        "tags": ["draft", draft.cms],
        "notes": "drafted by govwatch add: " + "; ".join(draft.found),
    }
    return draft


def run_discovery(
    steps: Generator[PageRequest, Fetched, Draft], fetch: Callable[[PageRequest], Fetched]
) -> Draft:
    """Drive a discovery with a synchronous fetch (saved files, tests); the spider drives it asynchronously."""
    request = next(steps)
    while True:
        try:
            request = steps.send(fetch(request))
        except StopIteration as done:
            return done.value
