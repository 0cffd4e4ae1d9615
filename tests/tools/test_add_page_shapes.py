"""`govwatch add` on page shapes a new user meets: a listing of a Ruishu-protected site (not blocked), an
article given instead of a listing (refused), a tab bar above the list (not read as items). Pages written
for the tests (tests/tools/pages/), served from disk through the pure discovery; no network."""

from __future__ import annotations

from pathlib import Path

from crawler.config import Listing, Source
from crawler.discover import Draft, DraftOptions, Fetched, discover, find_rows, run_discovery
from crawler.extract.decoding import decode_html
from crawler.profiles import PageRequest, get_profile

PAGES = Path(__file__).resolve().parent / "pages"
TABS = ("定期公告", "临时公告", "其他公告")


def draft_of(url: str, files: dict[str, str]) -> Draft:
    """The draft for `url` when the site holds exactly `files` (URL → page file); the rest answers 404."""

    def fetch(request: PageRequest) -> Fetched:
        name = files.get(request.url)
        if name is None:
            return Fetched(request.url, 404, b"<html><body>404 Not Found</body></html>")
        return Fetched(request.url, 200, (PAGES / name).read_bytes())

    return run_discovery(discover(url, DraftOptions(source_id="t-draft", org="北原省")), fetch)


def first_page_titles(listing: Listing, name: str) -> list[str | None]:
    """The titles the crawl's profile reads on page 1 of `listing` when it is the file `name`."""
    body = (PAGES / name).read_bytes()
    request = get_profile(listing.profile).first_requests(listing)[0]
    page = get_profile(listing.profile).parse(listing, request, body, decode_html(body, {})[0], 5)
    return [entry.title for entry in page.entries]


def test_a_listing_with_r_m_in_an_ie_comment_is_drafted_not_blocked() -> None:
    url = "https://sthjt.beiyuan.example.cn/xwzx/hjyw/"
    article = "https://sthjt.beiyuan.example.cn/xwzx/hjyw/202611/t20261102_4410235.html"
    draft = draft_of(url, {url: "ruishu_listing_ie.html", article: "ruishu_article_gbk.html"})
    assert draft.problems == [] and draft.seed is not None
    assert draft.cms == "trs"
    assert draft.seed["listings"][0]["selectors"]["item"] == "ul.list-ul > li"
    assert len(draft.entries) == 12 and all(entry["published"] for entry in draft.entries)
    assert draft.article is not None and draft.article["url"] == article


def test_a_listing_with_the_whole_ruishu_injection_in_gbk_is_drafted() -> None:
    url = "https://sthjj.nanchuan.example.cn/col/col104/index.html"
    article = "https://sthjj.nanchuan.example.cn/art/2026/11/2/art_104_88231.html"
    draft = draft_of(url, {url: "ruishu_listing_injected_gbk.html", article: "ruishu_article_gbk.html"})
    assert draft.problems == [] and draft.seed is not None
    Source.model_validate(draft.seed)
    assert [entry["published"] for entry in draft.entries][:2] == ["2026-11-02", "2026-10-30"]
    assert len(draft.entries) == 8
    assert draft.article is not None
    assert draft.article["title"] == "关于开展2026年度重点排污单位自行监测质量抽查的通知"


def test_an_article_page_is_refused_as_not_a_listing() -> None:
    url = "https://sthjt.beiyuan.example.cn/xwzx/tndt/202611/t20261103_4410260.html"
    draft = draft_of(url, {url: "article_friendly_links.html"})
    assert draft.seed is None
    (problem,) = draft.problems
    assert "this looks like an article, not a listing" in problem
    assert "ArticleTitle meta" in problem and "article body (trs_editor" in problem
    # What the draft would have crawled: the 友情链接 menu, not one of them dated.
    rows = find_rows(decode_html((PAGES / "article_friendly_links.html").read_bytes(), {})[0], url)
    assert rows is not None and rows.item_css == "ul.yqlj > li" and rows.dated == 0


def test_undated_rows_without_article_evidence_are_still_drafted() -> None:
    page = """<html><head><meta charset="utf-8"><title>专题专栏</title></head><body><div class="zt-list"><ul>
    <li><a href="./202611/t20261101_1.html">蓝天保卫战专题</a></li>
    <li><a href="./202610/t20261002_2.html">碧水保卫战专题</a></li>
    <li><a href="./202609/t20260903_3.html">净土保卫战专题</a></li></ul></div></body></html>"""
    url = "https://sthjt.beiyuan.example.cn/ztzl/"
    draft = run_discovery(
        discover(url, DraftOptions(source_id="t-zt", org="北原省")),
        lambda request: Fetched(request.url, 200, page.encode()) if request.url == url else Fetched(request.url, 404),
    )
    assert draft.seed is not None
    assert not any("not a listing" in problem for problem in draft.problems)


def test_a_tab_bar_above_the_list_is_not_read_as_items() -> None:
    url = "https://sthjt.beiyuan.example.cn/zwgk/dqgg/"
    article = "https://sthjt.beiyuan.example.cn/zwgk/dqgg/202611/t20261103_4410288.html"
    draft = draft_of(url, {url: "tabbed_listing.html", article: "ruishu_article_gbk.html"})
    assert draft.seed is not None and draft.problems == []
    item = draft.seed["listings"][0]["selectors"]["item"]
    assert item == "div.tab-bd ul.clearfix > li"
    titles = [entry["title"] for entry in draft.entries]
    assert len(titles) == 6 and not set(TABS) & set(titles)
    # The crawl reads the drafted listing the same way: the list's six rows, no tab.
    listing = Listing.model_validate(draft.seed["listings"][0])
    assert first_page_titles(listing, "tabbed_listing.html") == titles
    assert draft.article is not None and draft.article["url"] == article  # not the "定期公告" tab (./)


def test_alike_unnamed_lists_side_by_side_are_told_apart_by_position() -> None:
    page = """<html><body><div class="gkgg">
    <ul><li class="on"><a href="./">定期公告</a></li><li><a href="../lsgg/">临时公告</a></li></ul>
    <ul>
      <li><a href="./202611/t20261101_1.html">第一号公告</a><span>2026-11-01</span></li>
      <li><a href="./202610/t20261030_2.html">第二号公告</a><span>2026-10-30</span></li>
      <li><a href="./202610/t20261029_3.html">第三号公告</a><span>2026-10-29</span></li>
    </ul></div></body></html>"""
    rows = find_rows(page, "https://sthjt.beiyuan.example.cn/zwgk/dqgg/")
    assert rows is not None and rows.rows == 3
    assert rows.item_css == "div.gkgg > ul:nth-of-type(2) > li"
    listing = Listing(url="https://sthjt.beiyuan.example.cn/zwgk/dqgg/", profile="html", selectors={"item": rows.item_css})
    request = get_profile("html").first_requests(listing)[0]
    entries = get_profile("html").parse(listing, request, page.encode(), page, 1).entries
    assert [entry.title for entry in entries] == ["第一号公告", "第二号公告", "第三号公告"]
