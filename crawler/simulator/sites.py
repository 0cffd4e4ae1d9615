"""The simulated sites: each turns a request into the page its CMS would serve on the world's current day."""

from __future__ import annotations

import html
import itertools
import json
import random
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Protocol

from crawler.simulator import files
from crawler.simulator import templates as t
from crawler.simulator.phrases import WEEKDAYS
from crawler.simulator.server import Request, Response
from crawler.simulator.world import Article, Column, SiteSpec, World
from crawler.vocabulary import SHANGHAI as CHINA

RELATED_COUNT = 4
PAGE_CACHE_SIZE = 64  # rendered static pages kept (bounded: the scaled world has thousands of pages)


class SiteContext(Protocol):
    """What a site needs from the web it belongs to."""

    world: World

    def base_url(self, site_key: str) -> str: ...


def article_path(spec: SiteSpec, column: Column, article: Article) -> str:
    """The article's path on its site, in the URL style of the site's CMS (computed once per article)."""
    if article.path is None:
        article.path = _article_path(spec, column, article)
    return article.path


def _article_path(spec: SiteSpec, column: Column, article: Article) -> str:
    p = article.published
    if spec.cms == "trs":
        return f"{column.path}{p:%Y%m}/t{p:%Y%m%d}_{article.uid}.shtml"
    if spec.cms == "hanweb":
        return f"/art/{p.year}/{p.month}/{p.day}/art_{column.code}_{article.uid}.html"
    if spec.cms == "jsonapi":
        return f"/sthj/c{column.code}/{p:%Y%m}/c00_{article.uid}.shtml"
    if spec.cms == "gbk":
        return f"{column.path}{p:%Y%m}/{article.uid}.htm"
    raise ValueError(f"{spec.key} ({spec.cms}) has no articles of its own")


def today_line(day: date, clock: str | None = None) -> str:
    text = f"{day.year}年{day.month}月{day.day}日 {WEEKDAYS[day.weekday()]}"
    return f"{text} {clock}" if clock else text


def clock_of(serial: int) -> str:
    """A time of day that moves on with every request (dynamic pages print it)."""
    seconds = (8 * 3600 + serial * 7) % 86400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


REGENERATED = time(18, 0)  # after the day's last publication (17:30 at the latest), before web.now() (20:00)


def regenerated_at(world: World, day: int) -> datetime:
    """When a static site republished its pages for `day` (their Last-Modified)."""
    return datetime.combine(world.date_of(day), REGENERATED, CHINA)


def text_response(body: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(status, body.encode("utf-8"), content_type)


def not_found() -> Response:
    return Response(404, t.NOT_FOUND.encode("utf-8"))


# Pagination form → (file stem of the pages, number of the first numbered file): index_1 is the second
# page of an index column; createPageHTML('page_div', …) columns go list_yw.shtml, list_yw_2.shtml, …
PAGE_FILES = {
    "countpage": ("index", 1),
    "createpage4": ("index", 1),
    "createpage6": ("index", 1),
    "pagecontrol": ("index", 1),
    "pagediv": ("list_yw", 2),
}
LYING_CONTENT_TYPE = "text/html; charset=utf-8"  # sent by the GBK site on some pages that are GBK bytes
ATTACHMENT = re.compile(r"/W0(?P<uid>\d+)_(?P<n>\d)\.(?P<ext>pdf|docx|xlsx|xls|zip)$")
ARTICLE_UID = re.compile(r"_(\d+)\.s?html?$|/(\d+)\.htm$")


class BaseSite:
    """Shared parts: robots.txt, article lookup, volatile blocks."""

    def __init__(self, spec: SiteSpec, context: SiteContext) -> None:
        self.spec = spec
        self.context = context
        self.world = context.world

    # Set to an earlier day to make listings come from a stale cache (articles stay current), as some
    # sites' CDNs do now and then: a listing of only older items must not read as deletions.
    stale_listing_day: int | None = None

    def listed(self, column: Column, day: int) -> list[Article]:
        """What the column's listing shows on `day` (or on the stale day, while one is set)."""
        shown = day if self.stale_listing_day is None else min(day, self.stale_listing_day)
        return self.world.listing(self.spec.key, column.key, shown)

    @property
    def base_url(self) -> str:
        return self.context.base_url(self.spec.key)

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]

    def url_of(self, article: Article) -> str:
        return self.base_url + article_path(self.spec, self.spec.column(article.column), article)

    def find_article(self, path: str, day: int) -> Article | None:
        match = ARTICLE_UID.search(path)
        if not match:
            return None
        article = self.world.get(int(match.group(1) or match.group(2)))
        if article is None or article.site != self.spec.key or not article.live_on(day):
            return None
        if article_path(self.spec, self.spec.column(article.column), article) != path:
            return None
        return article

    def related(self, article: Article, day: int, turn: int) -> list[Article]:
        """A rotating 相关文章 list: other live items of the site, a different slice every `turn`."""
        everything = (
            a for column in self.spec.columns for a in self.world.listing(self.spec.key, column.key, day)
        )
        pool = list(itertools.islice((a for a in everything if a.uid != article.uid), 60))
        if not pool:
            return []
        start = (turn * 3 + article.uid) % len(pool)
        rotated = pool[start:] + pool[:start]
        return rotated[: min(RELATED_COUNT, len(pool))]

    def related_items(self, article: Article, day: int, turn: int, template: str) -> str:
        return "\n".join(
            render_item(template, href=article_path(self.spec, self.spec.column(a.column), a), article=a)
            for a in self.related(article, day, turn)
        )


def render_item(template: str, href: str, article: Article) -> str:
    return t.render(
        template,
        href=href,
        title=html.escape(article.title),
        date=f"{article.published:%Y-%m-%d}",
        doc=article.doc_number or "",
    )


RELATED_LI = '<li><a href="{{href}}" target="_blank">{{title}}</a><span>{{date}}</span></li>'


class PageCache:
    """A small LRU of rendered static pages keyed by (path, day): pages are pure functions of both."""

    def __init__(self, size: int = PAGE_CACHE_SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[object, ...], Response] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], make: Callable[[], Response]) -> Response:
        with self._lock:
            cached = self._pages.get(key)
            if cached is not None:
                self._pages.move_to_end(key)
        if cached is None:
            cached = make()
            with self._lock:
                self._pages[key] = cached
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        # Each caller gets its own headers dict: conditional() adds validators to it.
        return Response(
            cached.status,
            cached.body,
            cached.content_type,
            dict(cached.headers),
            cached.cacheable,
            cached.last_modified,
        )


# ================================================================ TRS WCM: static pages regenerated daily
class TrsSite(BaseSite):
    """A ministry-like TRS WCM site: index.shtml/index_N.shtml listings, tYYYYMMDD_ID.shtml articles."""

    def __init__(self, spec: SiteSpec, context: SiteContext) -> None:
        super().__init__(spec, context)
        self.cache = PageCache()
        self._listing_paths: dict[str, tuple[Column, int]] = {}
        for column in spec.columns:
            stem, first_number = PAGE_FILES[column.pagination]
            self._listing_paths[column.path] = (column, 0)
            self._listing_paths[f"{column.path}{stem}.shtml"] = (column, 0)
        self._paged = re.compile(r"^(?P<col>/.*/)(?P<stem>index|list_yw)_(?P<number>\d+)\.shtml$")

    def page_index(self, path: str) -> tuple[Column, int] | None:
        """The column and 0-based page a listing path asks for (index_k is page k; list_yw_k is page k-1)."""
        target = self._listing_paths.get(path)
        if target is not None:
            return target
        paged = self._paged.match(path)
        if not paged:
            return None
        for column in self.spec.columns:
            stem, first_number = PAGE_FILES[column.pagination]
            number = int(paged.group("number"))
            if column.path == paged.group("col") and paged.group("stem") == stem and number >= first_number:
                return column, number - first_number + 1
        return None

    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(t.ROBOTS)
        if path.startswith("/images/"):
            kind = "text/css" if path.endswith(".css") else "application/javascript"
            return Response(200, b"/* simulated asset */\n", kind)
        day = self.world.day
        attachment = ATTACHMENT.search(path)
        if attachment:
            article = self.world.get(int(attachment.group("uid")))
            if article is not None and article.site == self.spec.key and article.live_on(day):
                if (
                    path.rsplit("/", 1)[0]
                    == article_path(self.spec, self.spec.column(article.column), article).rsplit("/", 1)[0]
                ):
                    served = files.serve(article, int(attachment.group("n")), attachment.group("ext"), self.world, day)
                    if served is not None:
                        data, content_type, modified = served
                        return Response(200, data, content_type, cacheable=True, last_modified=modified.replace(tzinfo=CHINA))
            return not_found()
        return self.cache.get((path, day, self.stale_listing_day), lambda: self.render(path, day))

    def render(self, path: str, day: int) -> Response:
        if path in ("/", "/index.shtml"):
            return self._static(self._home(day), day)
        target = self.page_index(path)
        if target is not None:
            page = self._listing(target[0], target[1], day)
            return self._static(page, day) if page is not None else not_found()
        article = self.find_article(path, day)
        if article is None:
            return not_found()
        return self._static(self._article(article, day), day)

    def _static(self, page: str, day: int) -> Response:
        return Response(
            200, page.encode("utf-8"), cacheable=True, last_modified=regenerated_at(self.world, day)
        )

    def _head(self, page_title: str, column: str, day: int, extra_meta: str = "") -> str:
        mirror = self._mirror_root()
        return t.render(
            t.TRS_HEAD,
            page_title=html.escape(page_title),
            site=self.spec.name,
            host=self.host,
            site_code=self.spec.site_code,
            column=column,
            extra_meta=extra_meta,
            today=today_line(self.world.date_of(day)),
            mirror_root=mirror,
            site_root=self.base_url + "/",
        )

    def _mirror_root(self) -> str:
        for key, spec in self.world.sites.items():
            if spec.cms == "mirror" and spec.mirror_of == self.spec.key:
                return f"{self.context.base_url(key)}/gate/big5/{self.host}/"
        return self.base_url + "/"

    def _footer(self) -> str:
        return t.render(t.TRS_FOOTER, site=self.spec.name, site_code=self.spec.site_code)

    def _home(self, day: int) -> str:
        columns = "\n".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in self.spec.columns)
        return (
            self._head("首页", "首页", day)
            + t.render(t.TRS_HOME, site=self.spec.name, columns=columns)
            + self._footer()
        )

    def _listing(self, column: Column, page: int, day: int) -> str | None:
        items = self.listed(column, day)
        count = max(1, -(-len(items) // column.page_size))
        if page >= count:
            return None
        chunk = items[page * column.page_size : (page + 1) * column.page_size]
        template = t.TRS_POLICY_ITEM if column.layout == "policy" else t.TRS_ITEM
        prefix = len(column.path)
        rows = "\n".join(
            render_item(template, href=article_path(self.spec, column, a)[prefix:], article=a) for a in chunk
        )
        pagination = t.render(
            t.TRS_PAGINATION[column.pagination],
            count=count,
            current=page + 1 if column.pagination == "pagediv" else page,
            total=len(items),
        )
        body = t.render(
            t.TRS_LISTING,
            parent=parent_name(column),
            column=column.name,
            list_class="zcwj_list" if column.layout == "policy" else "cjcx_list",
            items=rows,
            pagination=pagination,
        )
        return self._head(column.name, column.name, day) + body + self._footer()

    def _article(self, article: Article, day: int) -> str:
        column = self.spec.column(article.column)
        url = self.url_of(article)
        meta = t.render(
            t.TRS_ARTICLE_META,
            title=html.escape(article.title),
            pubdate=f"{article.published:%Y-%m-%d %H:%M:00}",
            source=html.escape(article.source),
            url=url,
            catalog=column.code,
            uid=article.uid,
            date=f"{article.published:%Y-%m-%d}",
        )
        paragraphs = article.paragraphs(day)
        # Related links are written relative to the article's folder, as TRS publishes them.
        related = "\n".join(
            render_item(
                RELATED_LI, href=url_from(article_path(self.spec, column, article), self, a), article=a
            )
            for a in self.related(article, day, day)
        )
        hidden = "\n".join(
            render_item(
                RELATED_LI, href=url_from(article_path(self.spec, column, article), self, a), article=a
            )
            for a in self.related(article, day, day + 1)
        )
        visits = 120 + (article.uid * 37 + day * 211) % 4000
        attachments = trs_attachments(article, self.world)
        if column.layout == "policy":
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + attachments
            main = t.render(
                t.TRS_POLICY,
                parent=parent_name(column),
                column=column.name,
                title=html.escape(article.title),
                index_no=f"{self.spec.site_code}/{article.published.year}-{article.uid % 100000:05d}",
                org=self.spec.org,
                date=f"{article.published:%Y-%m-%d}",
                doc=article.doc_number or "",
                visits=visits,
                body=body,
                related=related,
                site=self.spec.name,
            )
        else:
            if article.digest:
                body = self._digest_body(article)
            else:
                body = "\n".join(trs_paragraph(p, article) for p in paragraphs) + attachments
            main = t.render(
                t.TRS_ARTICLE,
                parent=parent_name(column),
                column=column.name,
                title=html.escape(article.title),
                date=f"{article.published:%Y-%m-%d}",
                source=html.escape(article.source),
                visits=visits,
                body=body,
                related=related,
                hidden_related=hidden,
            )
        return self._head(article.title, column.name, day, meta) + main + self._footer()

    def _digest_body(self, article: Article) -> str:
        """一周要闻: a bold heading per item, its lead sentence and an absolute link to the full item."""
        lines = []
        for heading, summary, uid in article.digest:
            target = self.world.get(uid)
            href = self.url_of(target) if target is not None else self.base_url + "/"
            lines.append(f"<div>　　<b>{html.escape(heading)}</b></div>")
            lines.append(
                f'<div>　　{html.escape(summary)}&gt;&gt;&gt;<a href="{href}">更多内容，点击阅读</a></div>'
            )
        return "\n".join(lines)


def trs_attachments(article: Article, world: World) -> str:
    """Notices and policy documents link their attachments as ./W0… files, with TRS's oldsrc attribute."""
    lines = []
    for sim_file in files.attachments_of(article, world):
        file = sim_file.filename.format(uid=article.uid)
        label = "附件：" if sim_file.n == 1 else "　　　"
        lines.append(f'<p>{label}<a href="./{file}" oldsrc="{file}">{html.escape(sim_file.label())}</a></p>')
    return "\n" + "\n".join(lines) if lines else ""


def trs_paragraph(text: str, article: Article) -> str:
    escaped = html.escape(text)
    if article.doc_number and text == article.doc_number:
        return f'<div style="text-align: center;">{escaped}</div>'
    return f"<div>　　{escaped}</div>"


def url_from(current_path: str, site: BaseSite, target: Article) -> str:
    """A link from one article page to another, relative like TRS writes it (../YYYYMM/t…shtml)."""
    target_path = article_path(site.spec, site.spec.column(target.column), target)
    here = current_path.rsplit("/", 2)[0] + "/"
    if target_path.startswith(here):
        return "../" + target_path[len(here) :]
    return target_path


def parent_name(column: Column) -> str:
    return "政策文件" if column.path.startswith("/zcwj/") else "要闻动态"


# ================================================================ big5 mirror of a TRS site
class MirrorSite(BaseSite):
    """big5.<site>/gate/big5/<host>/<path>: the original page converted to traditional characters."""

    def __init__(self, spec: SiteSpec, context: SiteContext, original: TrsSite) -> None:
        super().__init__(spec, context)
        import opencc

        self.original = original
        self.converter = opencc.OpenCC("s2t")
        self.cache = PageCache()
        self._convert_lock = threading.Lock()  # OpenCC's converter is not documented thread-safe
        self._chars: dict[str, str] = {}

    def respond(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return text_response(t.ROBOTS)
        prefix = f"/gate/big5/{self.original.host}"
        if request.path in ("/", "/gate/big5/"):
            return Response(
                200, f'<html><body><a href="{prefix}/">{self.spec.name}</a></body></html>'.encode()
            )
        if not request.path.startswith(prefix + "/"):
            return not_found()
        rest = request.path[len(prefix) :]
        inner = Request(request.method, rest, request.query, request.form, request.headers, request.serial)
        if rest.startswith("/images/"):
            return self.original.respond(inner)
        day = self.world.day
        return self.cache.get((rest, day, self.original.stale_listing_day), lambda: self._convert(inner))

    def _convert(self, inner: Request) -> Response:
        page = self.original.respond(inner)
        if page.status != 200 or not page.content_type.startswith("text/html"):
            return page  # errors and attachments pass through unconverted
        text = page.body.decode("utf-8")
        # A gateway like this maps character by character (no phrase dictionary: 澄江 stays 澄江, where
        # OpenCC's phrase rules would write the historical 澂江, which no t2s maps back).
        with self._convert_lock:
            for char in set(text) - self._chars.keys():
                self._chars[char] = self.converter.convert(char)
            text = "".join(self._chars[char] for char in text)
        text = self.rewrite_links(text)
        return Response(200, text.encode("utf-8"), cacheable=True, last_modified=page.last_modified)

    def rewrite_links(self, text: str) -> str:
        """Keep every link on the mirror: absolute and root-relative links go through the gateway."""
        host = self.original.host
        gateway = f"/gate/big5/{host}/"
        text = text.replace(f"http://{host}/", f"{self.base_url}{gateway}")
        return re.sub(r'((?:href|src)=["\'])/(?!gate/)', lambda m: m.group(1) + gateway, text)


# ================================================================ Hanweb JCMS: jpage datastore + dataproxy.jsp
class HanwebSite(BaseSite):
    """A Hanweb province: /col/colN/index.html with an XML datastore, more records from dataproxy.jsp."""

    PROXY = "/module/web/jpage/dataproxy.jsp"

    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(t.ROBOTS)
        day = self.world.day
        if path == self.PROXY:
            return self._proxy({**request.query, **request.form}, day)
        for column in self.spec.columns:
            if path == column.path:
                return self._page(column.name, self._listing(column, day), request.serial, day)
        if path in ("/", "/col/col1/index.html"):
            links = "\n".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in self.spec.columns)
            return self._page("首页", f"<ul class='lm'>{links}</ul>", request.serial, day)
        article = self.find_article(path, day)
        if article is None:
            return not_found()  # includes the static index_1.html pages Hanweb never publishes
        return self._page(
            article.title, self._article(article, day, request.serial), request.serial, day, article
        )

    def _page(self, title: str, main: str, serial: int, day: int, article: Article | None = None) -> Response:
        meta = ""
        if article is not None:
            meta = (
                f'<meta name="ArticleTitle" content="{html.escape(article.title)}">\n'
                f'<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">\n'
                f'<meta name="ContentSource" content="{html.escape(article.source)}">\n'
            )
        nav = "\n".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in self.spec.columns)
        page = t.render(
            t.HANWEB_PAGE,
            column=html.escape(title),
            site=self.spec.name,
            host=self.host,
            site_code=self.spec.site_code,
            extra_meta=meta,
            today=today_line(self.world.date_of(day), clock_of(serial)),
            nav=nav,
            main=main,
            address="江岭省临湖市滨江路88号",
            postcode="410000",
            icp="江ICP备00000000号",
        )
        return Response(200, page.encode("utf-8"))

    def _records(self, articles: list[Article], column: Column) -> str:
        return "\n".join(
            render_item(t.HANWEB_RECORD, href=article_path(self.spec, column, a), article=a) for a in articles
        )

    def _listing(self, column: Column, day: int) -> str:
        items = self.listed(column, day)
        return t.render(
            t.HANWEB_LISTING,
            code=column.code,
            column=column.name,
            div_id=f"{column.code + 300000}",
            web_id=self.spec.web_id,
            unit_id=self.spec.unit_id,
            webname=self.spec.name,
            site=self.spec.name,
            records=self._records(items[: column.page_size], column),
            perpage=column.page_size,
            total=len(items),
        )

    def _proxy(self, params: dict[str, str], day: int) -> Response:
        column = next((c for c in self.spec.columns if str(c.code) == params.get("columnid", "")), None)
        wrong_ids = any(
            params.get(name) not in (None, "", str(value))
            for name, value in (("unitid", self.spec.unit_id), ("webid", self.spec.web_id))
        )
        if column is None or wrong_ids:
            return Response(200, b'<?xml version="1.0" encoding="UTF-8"?><datastore></datastore>', "text/xml")
        items = self.listed(column, day)
        perpage = _int(params.get("perpage"), column.page_size, 1, 200)
        start = _int(params.get("startrecord"), 1, 1, 10**7)
        end = _int(params.get("endrecord"), start + perpage * 3 - 1, start, 10**7)
        chunk = items[start - 1 : end]
        body = t.render(
            t.HANWEB_PROXY,
            next=end // perpage + 1,
            web_id=self.spec.web_id,
            code=column.code,
            unit_id=self.spec.unit_id,
            total=len(items),
            pages=max(1, -(-len(items) // perpage)),
            records=self._records(chunk, column),
        )
        return Response(200, body.encode("utf-8"), "text/xml;charset=UTF-8")

    def _article(self, article: Article, day: int, serial: int) -> str:
        column = self.spec.column(article.column)
        return t.render(
            t.HANWEB_ARTICLE,
            code=column.code,
            column=column.name,
            title=html.escape(article.title),
            pubdate=f"{article.published:%Y-%m-%d %H:%M}",
            source=html.escape(article.source),
            visits=300 + serial,
            body="\n".join(f"<p>　　{html.escape(p)}</p>" for p in article.paragraphs(day)),
            related=self.related_items(article, day, serial, RELATED_LI),
        )


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        number = default
    return max(low, min(high, number))


# ================================================================ JSON-API province
class JsonApiSite(BaseSite):
    """A Heilongjiang-like site: column pages are JS shells; items come from /common/search/{channelId}."""

    SEARCH = re.compile(r"^/common/search/(?P<channel>[0-9a-f]+)$")

    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(t.ROBOTS)
        day = self.world.day
        search = self.SEARCH.match(path)
        if search:
            return self._search(search.group("channel"), request.query, day, request.serial)
        for column in self.spec.columns:
            if path == column.path:
                shell = t.render(t.JSON_SHELL, column=column.name, channel=column.channel)
                return self._page(column.name, column.name, shell, request.serial, day)
        if path in ("/", "/sthj/index.shtml"):
            links = "\n".join(f'<li><a href="{c.path}">{c.name}</a></li>' for c in self.spec.columns)
            return self._page("首页", "首页", f"<ul>{links}</ul>", request.serial, day)
        article = self.find_article(path, day)
        if article is None:
            return not_found()
        column = self.spec.column(article.column)
        main = t.render(
            t.JSON_ARTICLE,
            code=column.code,
            column=column.name,
            title=html.escape(article.title),
            pubdate=f"{article.published:%Y-%m-%d %H:%M:%S}",
            source=html.escape(article.source),
            visits=50 + request.serial,
            body="\n".join(
                f'<p style="text-indent: 2em;">{html.escape(p)}</p>' for p in article.paragraphs(day)
            ),
            related=self.related_items(article, day, request.serial, RELATED_LI),
        )
        meta = f'<meta name="ArticleTitle" content="{html.escape(article.title)}">\n'
        return self._page(article.title, column.name, main, request.serial, day, meta)

    def _page(self, title: str, column: str, main: str, serial: int, day: int, meta: str = "") -> Response:
        page = t.render(
            t.JSON_PAGE,
            page_title=html.escape(title),
            site=self.spec.name,
            column=column,
            extra_meta=meta,
            today=today_line(self.world.date_of(day), clock_of(serial)),
            main=main,
            site_code=self.spec.site_code,
            icp="北ICP备00000000号",
        )
        return Response(200, page.encode("utf-8"))

    def _search(self, channel: str, query: dict[str, str], day: int, serial: int) -> Response:
        column = next((c for c in self.spec.columns if c.channel == channel), None)
        if column is None:
            return Response(
                404, b'{"code": 404, "msg": "channel not found"}', "application/json;charset=UTF-8"
            )
        size = _int(query.get("_pageSize"), 20, 1, 100)
        page = _int(query.get("page"), 1, 1, 10**6)
        items = self.listed(column, day)
        chunk = items[(page - 1) * size : page * size]
        results = [
            {
                "title": a.title,
                "url": self.url_of(a),
                "publishedTimeStr": f"{a.published:%Y-%m-%d %H:%M:%S}",
                "source": a.source,
                "channelName": column.name,
            }
            for a in chunk
        ]
        payload = {
            "code": 200,
            "data": {"results": results, "total": len(items), "rows": size, "page": page},
            "took": serial % 17 + 3,  # the API's own timing field: differs on every call
        }
        return Response(
            200, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8"
        )


# ================================================================ old GBK site without a charset header
class GbkSite(BaseSite):
    """An old plain-HTML site: GBK bytes, `Content-Type: text/html` with no charset, a 下一页 link."""

    CONTENT_TYPE = "text/html"  # deliberately no charset: a naive client decodes this as ISO-8859-1

    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return Response(200, t.ROBOTS.encode("ascii"), "text/plain")
        day = self.world.day
        for column in self.spec.columns:
            page = self._page_number(column, path)
            if page is not None:
                return self._listing(column, page, day, request.serial)
        if path in ("/", "/index.htm"):
            links = "<br>".join(f'<a href="{c.path}">{c.name}</a>' for c in self.spec.columns)
            return self._encode("首页", links, day, request.serial, with_meta=True)
        article = self.find_article(path, day)
        if article is None:
            return Response(
                404, t.NOT_FOUND.replace('<meta charset="UTF-8">', "").encode("gbk"), self.CONTENT_TYPE
            )
        body = "\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{html.escape(p)}<br><br>" for p in article.paragraphs(day))
        related = "<br>\n".join(
            f'·<a href="{article_path(self.spec, self.spec.column(a.column), a)}">{html.escape(a.title)}</a>'
            for a in self.related(article, day, request.serial)
        )
        main = t.render(
            t.GBK_ARTICLE,
            title=html.escape(article.title),
            pubdate=f"{article.published:%Y-%m-%d %H:%M}",
            source=html.escape(article.source),
            visits=80 + request.serial,
            body=body,
            related=related,
        )
        # Half of the articles declare gb2312 in a meta tag, the other half declare nothing at all; and a
        # misconfigured server claims UTF-8 for every third one (headers can lie: check the bytes).
        page = self._encode(article.title, main, day, request.serial, with_meta=article.uid % 2 == 0)
        if article.uid % 3 == 0:
            page.content_type = LYING_CONTENT_TYPE
        return page

    @staticmethod
    def _page_number(column: Column, path: str) -> int | None:
        if path in (column.path, column.path + "index.htm"):
            return 1
        match = re.fullmatch(re.escape(column.path) + r"index_(\d+)\.htm", path)
        return int(match.group(1)) if match and int(match.group(1)) >= 2 else None

    def _listing(self, column: Column, page: int, day: int, serial: int) -> Response:
        items = self.listed(column, day)
        count = max(1, -(-len(items) // column.page_size))
        if page > count:
            return Response(404, b"<html><body>404 Not Found</body></html>", self.CONTENT_TYPE)
        chunk = items[(page - 1) * column.page_size : page * column.page_size]
        rows = "\n".join(
            render_item(t.GBK_ITEM, href=article_path(self.spec, column, a)[len(column.path) :], article=a)
            for a in chunk
        )
        pager = [f"共{len(items)}条 第{page}/{count}页", '<a href="index.htm">首页</a>']
        if page > 1:
            pager.append(f'<a href="{"index.htm" if page == 2 else f"index_{page - 1}.htm"}">上一页</a>')
        if page < count:
            pager.append(f'<a href="index_{page + 1}.htm">下一页</a>')
        pager.append(f'<a href="{"index.htm" if count == 1 else f"index_{count}.htm"}">尾页</a>')
        main = t.render(t.GBK_LISTING, column=column.name, items=rows, pager=" ".join(pager))
        return self._encode(column.name, main, day, serial, with_meta=True)

    def _encode(self, title: str, main: str, day: int, serial: int, with_meta: bool) -> Response:
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n' if with_meta else ""
        page = t.render(
            t.GBK_PAGE,
            charset_meta=meta,
            page_title=html.escape(title),
            site=self.spec.name,
            today=today_line(self.world.date_of(day), clock_of(serial)),
            main=main,
            address="临湖市人民路16号",
            icp="临ICP备00000000号",
        )
        return Response(200, page.encode("gbk", "xmlcharrefreplace"), self.CONTENT_TYPE)


# ================================================================ a source that only answers challenges
class BlockedSite(BaseSite):
    """Answers every page with a bot challenge: Ruishu-style HTTP 412, or 521 with a __jsl_clearance script."""

    JSL_PREFIX = "/zwdt/"
    SCRIPT = "/Rz7kYpQ2vWs/c.Lm3Xa9Qe.5b1f0c2.js"

    def respond(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return text_response(t.ROBOTS)
        rng = random.Random(f"{self.spec.key}:{request.serial}")
        if request.path == self.SCRIPT:
            return Response(
                200, b"var _$rs=function(){};/* simulated challenge script */", "application/javascript"
            )
        if request.path.startswith(self.JSL_PREFIX):
            clearance = f"{1790000000 + request.serial}.{rng.randint(100, 999)}|0|{_token(rng, 28)}"
            page = t.render(t.JSL_PAGE, clearance=clearance)
            return Response(
                521,
                page.encode("utf-8"),
                headers={
                    "Set-Cookie": f"__jsluid_h={_token(rng, 32).lower()}; max-age=31536000; path=/; HttpOnly"
                },
            )
        token = "{qt" + _token(rng, 560) + "}" + _token(rng, 140)
        table = ",".join(f"[{','.join(str(rng.randint(0, 95)) for _ in range(8))}]" for _ in range(6))
        page = t.render(
            t.RUISHU_PAGE,
            token=token,
            script_src=self.SCRIPT,
            table=table,
            nsd=rng.randint(10000, 99999),
            cd=_token(rng, 240),
        )
        return Response(
            412,
            page.encode("utf-8"),
            headers={"Set-Cookie": f"SIMrs80S={_token(rng, 48)}; Path=/; HttpOnly"},
        )


def _token(rng: random.Random, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
    return "".join(rng.choice(alphabet) for _ in range(length))
