"""A site redesigned overnight: day 1 serves one template, from day 2 new class names the old seed misses.

Column `news` changes its listing (the rows move to new classes, so the seed's item selector finds
nothing); column `notice` keeps its listing but changes its article page (the seed's `article.body`
container is gone). Everything else (articles, dates, edits) follows the world as on any site.
"""

from __future__ import annotations

import html
from typing import Any

from crawler.simulator import templates as t
from crawler.simulator.server import Request, Response
from crawler.simulator.sites import BaseSite, article_path, not_found, text_response, today_line
from crawler.simulator.world import Column, SiteSpec

CHANGE_DAY = 2  # the first day of the new template
LISTING_CHANGES = "listing"  # Column.layout of a column whose listing template changes
ARTICLE_CHANGES = "article"  # Column.layout of a column whose article template changes

# (old, new) templates; {{…}} as in crawler/simulator/templates.py.
LISTING = (
    '<div class="news-box"><h2>{{column}}</h2><ul class="news-list">\n{{rows}}\n</ul></div>',
    '<section class="xw-wrap"><h2>{{column}}</h2><div class="xw-items">\n{{rows}}\n</div></section>',
)
ROW = (
    '<li><a href="{{href}}" target="_blank">{{title}}</a><span class="pub-date">{{date}}</span></li>',
    '<div class="xw-item"><a href="{{href}}" target="_blank">{{title}}</a><em class="xw-time">{{date}}</em></div>',
)
ARTICLE = (
    '<div class="art-head"><h1>{{title}}</h1><p class="art-info">发布时间：{{pubdate}}　来源：{{source}}</p></div>\n'
    '<div class="art-body">\n{{body}}\n</div>',
    '<div class="xq-head"><h1 class="xq-title">{{title}}</h1><p class="xq-info">发布时间：{{pubdate}}　来源：{{source}}</p>'
    '</div>\n<div class="xq-content">\n{{body}}\n</div>',
)
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{title}}_{{site}}</title>
<meta name="SiteName" content="{{site}}"><meta name="ColumnName" content="{{column}}"></head>
<body><div class="top">今天是：{{today}}　<a href="/">首页</a></div>
<div class="main">
{{main}}
</div>
<div class="foot">版权所有：{{site}}</div></body></html>
"""

DRIFT_SPEC = SiteSpec(
    key="drift",
    cms="drift",
    name="南屿省生态环境厅",
    org="南屿省生态环境厅",
    abbr="南环",
    site_code="sim4600000021",
    columns=(
        Column("news", "工作动态", "/gzdt/", ("news", "meeting"), 6, 20, layout=LISTING_CHANGES),
        Column("notice", "通知公告", "/tzgg/", ("notice",), 4, 20, layout=ARTICLE_CHANGES),
    ),
)


class DriftSite(BaseSite):
    """One plain-HTML site whose templates change on CHANGE_DAY (see the module docstring)."""

    def new_template(self, column: Column, part: str, day: int) -> bool:
        return day >= CHANGE_DAY and column.layout == part

    def respond(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return text_response(t.ROBOTS)
        day = self.world.day
        for column in self.spec.columns:
            if request.path in (column.path, column.path + "index.html"):
                return self._listing(column, day)
        article = self.find_article(request.path, day)
        if article is None:
            return not_found()
        column = self.spec.column(article.column)
        which = int(self.new_template(column, ARTICLE_CHANGES, day))
        main = t.render(
            ARTICLE[which],
            title=html.escape(article.title),
            pubdate=f"{article.published:%Y-%m-%d %H:%M}",
            source=html.escape(article.source),
            body="\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs(day)),
        )
        return self._page(article.title, column.name, main, day)

    def _listing(self, column: Column, day: int) -> Response:
        which = int(self.new_template(column, LISTING_CHANGES, day))
        rows = "\n".join(
            t.render(
                ROW[which],
                href=article_path(self.spec, column, a),
                title=html.escape(a.title),
                date=f"{a.published:%Y-%m-%d}",
            )
            for a in self.listed(column, day)[: column.page_size]
        )
        return self._page(
            column.name, column.name, t.render(LISTING[which], column=column.name, rows=rows), day
        )

    def _page(self, title: str, column: str, main: str, day: int) -> Response:
        page = t.render(
            PAGE,
            title=html.escape(title),
            site=self.spec.name,
            column=column,
            today=today_line(self.world.date_of(day)),
            main=main,
        )
        return Response(200, page.encode("utf-8"), "text/html; charset=utf-8")


def drift_seeds(base: str, spec: SiteSpec, seed: Any, source_id: Any) -> list[dict[str, Any]]:
    """The hand-written seeds of the day-1 templates, one per column (`seed` builds the common keys)."""
    return [
        seed(
            source_id(spec.key, column.key),
            f"{spec.name} {column.name}",
            spec.org,
            [
                {
                    "url": base + column.path,
                    "profile": "html",
                    "params": {},
                    "selectors": {"item": "ul.news-list li", "date": "span.pub-date"},
                }
            ],
            2,
            article={"body": "div.art-body"},
            tags=["simulated", "drift"],
        )
        for column in spec.columns
    ]
