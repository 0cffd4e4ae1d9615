"""End to end on loopback: a column whose pager has only numbered links is read past page 1, and a POST JSON
list with fixed filter fields is paged with its form (the Hunan shape), each item fetched and stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from crawler.db import dispose_engines, init_db
from crawler.models import Item
from crawler.runner import run_crawl
from tests.crawl.helpers import FAST
from tests.crawl.minisite import MiniSite, Page, article_html

pytestmark = pytest.mark.slow

PARAGRAPHS = ["11月20日，临湖市生态环境局召开局务会议，研究部署冬季大气污染防治工作。", "会议要求压实责任。"]


def _numbered_listing(page: int, last: int) -> bytes:
    """Two dated rows and a pager of numbered links only (index.html, index_1.html … as TRS numbers them)."""
    rows = "".join(
        f"<li><a href='./202611/t202611{20 - page}_{page}{n}.html'>第{page}页第{n}条</a><span>2026-11-{20 - page}</span></li>"
        for n in (1, 2)
    )
    links = "".join(
        f"<a href='{'index.html' if k == 0 else f'index_{k}.html'}'>{k + 1}</a>" for k in range(last)
    )
    return f"<html><head><meta charset='utf-8'></head><body><ul>{rows}</ul><div class='page'>{links}</div></body></html>".encode()


def _api_answer(form: dict[str, str]) -> Page | None:
    if form.get("datas[0][key]") != "status" or form.get("datas[0][value]") != "4":
        return Page(b'{"data": {"total": 0, "results": []}}', content_type="application/json")
    page = int(form.get("page", "0"))
    results = [{"title": f"通知{page}-{n}", "url": f"/tzgg/202611/t2026111{page}_{n}.html", "publishedTimeStr": f"2026-11-1{page}"} for n in (1, 2)]
    body = json.dumps({"data": {"total": 4, "results": results}}, ensure_ascii=False).encode()
    return Page(body, content_type="application/json; charset=utf-8")


def test_numbered_pages_and_a_post_json_list_are_crawled_past_page_one(tmp_path: Path) -> None:
    pages: dict[str, Page] = {"/news/index.html": Page(_numbered_listing(0, 4))}
    for k in (1, 2, 3):
        pages[f"/news/index_{k}.html"] = Page(_numbered_listing(k, 4))
    for k in range(4):
        for n in (1, 2):
            pages[f"/news/202611/t202611{20 - k}_{k}{n}.html"] = Page(article_html(f"第{k}页第{n}条", PARAGRAPHS))
    for page in (1, 2):
        for n in (1, 2):
            pages[f"/tzgg/202611/t2026111{page}_{n}.html"] = Page(article_html(f"通知{page}-{n}", PARAGRAPHS))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with MiniSite(pages, post=lambda path, form: _api_answer(form) if path == "/search/97434" else None) as site:
        (seeds / "numbered.yaml").write_text(
            f"id: numbered\nname: n\norg: 测试\nmax_pages: 3\nlistings:\n  - url: {site.base}/news/index.html\n"
            "    profile: html\npoliteness: {download_delay: 0}\n",
            encoding="utf-8",
        )
        (seeds / "api.yaml").write_text(
            f"id: api\nname: a\norg: 测试\nmax_pages: 5\nlistings:\n  - url: {site.base}/tzgg/list.html\n"
            "    profile: json_api\n    params:\n"
            f"      api: '{site.base}/search/{{channel_id}}'\n      channel_id: '97434'\n      method: POST\n"
            "      form: {'datas[0][key]': status, 'datas[0][value]': '4', page: '{page}', _pageSize: '2'}\n"
            "      total: data.total\n      per_page: 2\npoliteness: {download_delay: 0}\n",
            encoding="utf-8",
        )
        db_url = f"sqlite:///{tmp_path / 'govwatch.db'}"
        result = run_crawl([], db_url=db_url, seeds=seeds, log_file=tmp_path / "crawl.log", timeout=120, settings=FAST)
        requested = site.paths()
        forms = site.forms
    assert result.returncode == 0 and not result.timed_out
    runs = {run.source_id: run for run in result.runs}
    assert runs["numbered"].status == "ok" and runs["numbered"].new == 6, runs["numbered"].errors
    # Pages 2 and 3 (index_1, index_2) were read; page 4 lies beyond max_pages.
    assert {"/news/index_1.html", "/news/index_2.html"} <= set(requested)
    assert "/news/index_3.html" not in requested
    assert runs["api"].status == "ok" and runs["api"].new == 4, runs["api"].errors
    assert sorted(form["page"] for _path, form in forms) == ["1", "2"]
    assert all(form["datas[0][key]"] == "status" and form["_pageSize"] == "2" for _path, form in forms)
    with Session(init_db(db_url)) as session:
        titles = sorted(item.title for item in session.exec(select(Item)).all())
    assert titles == sorted([f"第{k}页第{n}条" for k in range(3) for n in (1, 2)] + [f"通知{p}-{n}" for p in (1, 2) for n in (1, 2)])
    dispose_engines()
