"""The simulated government web over real loopback HTTP: structures, paging, encodings, validators, days."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.simulator import SimulatedWeb
from crawler.simulator.files import CONTENT_TYPES


@dataclass
class Fetched:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Fetched:
    assert urlsplit(url).hostname.startswith("127."), url  # never leave loopback
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Fetched(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


@pytest.fixture(scope="module")
def web() -> Iterator[SimulatedWeb]:
    with SimulatedWeb() as running:
        yield running


@pytest.fixture
def fresh_web() -> Iterator[SimulatedWeb]:
    """A private web for tests that move time forward."""
    with SimulatedWeb() as running:
        yield running


ITEM = re.compile(r'<a href="(?P<href>[^"]+)" target="_blank" class="cjcx_biaob">(?P<title>[^<]+)</a>')


def trs_items(web: SimulatedWeb, listing_url: str) -> list[str]:
    """Every article URL of a TRS column, following index_N.shtml pages as countPage says."""
    first = fetch(listing_url)
    assert first.status == 200
    count = int(re.search(r"var countPage = (\d+) //共多少页", first.text).group(1))
    urls = []
    for page in range(count):
        url = listing_url if page == 0 else urljoin(listing_url, f"index_{page}.shtml")
        answer = fetch(url)
        assert answer.status == 200
        urls += [urljoin(url, m.group("href")) for m in ITEM.finditer(answer.text)]
    assert fetch(urljoin(listing_url, f"index_{count}.shtml")).status == 404
    return urls


def test_sites_bind_distinct_loopback_addresses(web: SimulatedWeb) -> None:
    hosts = [
        urlsplit(web.url(key)).hostname for key in ("mee", "mee-big5", "hanweb", "jsonapi", "gbk", "blocked")
    ]
    assert len(set(hosts)) == 6
    assert all(host.startswith("127.0.0.") and host != "127.0.0.1" for host in hosts)


def test_robots_txt_allows_the_crawl(web: SimulatedWeb) -> None:
    for key in ("mee", "hanweb", "jsonapi", "gbk", "blocked", "mee-big5"):
        robots = fetch(web.url(key, "/robots.txt"))
        assert robots.status == 200
        assert "Disallow: /admin/" in robots.body.decode("ascii")


def test_trs_listing_paginates_with_relative_links(web: SimulatedWeb) -> None:
    listing = web.url("mee", "/ywdt/hjywnews/")
    urls = trs_items(web, listing)
    truth = {a.url for a in web.articles() if a.source_id == "sim-mee-hjywnews"}
    assert len(urls) > 6  # more than one page
    assert set(urls) == truth
    assert len(urls) == len(set(urls))
    first = fetch(listing).text
    assert 'href="./2026' in first or 'href="./2026'.replace("2026", "2025") in first


def test_trs_article_structure(web: SimulatedWeb) -> None:
    article = next(a for a in web.articles() if a.source_id == "sim-mee-hjywnews" and a.kind == "meeting")
    page = fetch(article.url).text
    assert f'<meta name="ArticleTitle" content="{article.title}"' in page
    assert f'<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}' in page
    assert f'<h2 class="neiright_Title">{article.title}</h2>' in page
    # The date/source line is printed twice (mobile and PC copies).
    assert page.count(f"{article.published:%Y-%m-%d}</span>") >= 2
    assert page.count(f"来源：{article.source}") == 2
    for chrome in (
        "分享到：",
        "[打印]",
        "字号：",
        "版权所有",
        "ICP备案",
        "网站标识码",
        "公网安备",
        "手机版",
        "电脑版",
        "相关阅读推荐",
    ):
        assert chrome in page, chrome
    body = page.split('<div class="Custom_UnionStyle">', 1)[1].split("</div></div>", 1)[0]
    for paragraph in article.paragraphs:
        assert paragraph in body
    assert "主持召开" in body and "列席会议" in body


def test_other_trs_pagination_form_and_policy_layout(web: SimulatedWeb) -> None:
    gsgg = fetch(web.url("mee", "/ywdt/gsgg/")).text
    assert re.search(r'createPageHTML\(2, 0, "index", "shtml"\);', gsgg)
    bwj = fetch(web.url("mee", "/zcwj/bwj/index_1.shtml")).text
    assert re.search(r'createPageHTML\(2, 1, "index", "shtml", "black2", \d+\);', bwj)
    policy = next(a for a in web.articles() if a.source_id == "sim-mee-bwj" and a.doc_number)
    page = fetch(policy.url).text
    assert re.search(r"〔2026〕\d+号", policy.doc_number)
    assert f"<h1>{policy.title}</h1>" in page and 'class="content_body_box"' in page
    assert policy.doc_number in page


def test_big5_mirror_serves_traditional_and_stays_on_mirror(web: SimulatedWeb) -> None:
    listing = web.mirror_url(web.url("mee", "/ywdt/hjywnews/"))
    page = fetch(listing).text
    assert "環境要聞" in page and "环境要闻" not in page
    mirror_items = [urljoin(listing, m.group("href")) for m in ITEM.finditer(page)]
    mirror_host = urlsplit(web.url("mee-big5")).netloc
    assert mirror_items and all(urlsplit(u).netloc == mirror_host for u in mirror_items)
    assert not re.search(r'(?:href|src)="/(?!gate/big5/)', page)
    # Canonical rule: http://<mirror>/gate/big5/<host:port>/<path> → http://<host:port>/<path>
    original_host = urlsplit(web.url("mee")).netloc
    canonical = {re.sub(rf"^http://{mirror_host}/gate/big5/", "http://", u) for u in mirror_items}
    direct = {a.url for a in web.articles() if a.source_id == "sim-mee-hjywnews"}
    assert canonical <= direct and all(original_host in u for u in canonical)
    article = fetch(mirror_items[0]).text
    assert "來源：" in article and "分享到：" in article


def test_hanweb_datastore_and_dataproxy_paging(web: SimulatedWeb) -> None:
    page = fetch(web.url("hanweb", "/col/col1234/index.html")).text
    datastore = re.search(r'<script type="text/xml"><datastore>(.*?)</datastore></script>', page, re.S).group(
        1
    )
    assert "<nextgroup>" in datastore
    first = re.findall(r"<record><!\[CDATA\[<li><a href=\"([^\"]+)\"", datastore)
    total = int(re.search(r"totalRecord: (\d+)", page).group(1))
    assert 0 < len(first) < total
    form = "col=1&appid=1&webid=1&path=/&columnid=1234&unitid=5678&sourceContentType=1&permissiontype=0"
    proxy = web.url(
        "hanweb", f"/module/web/jpage/dataproxy.jsp?startrecord={len(first) + 1}&endrecord=45&perpage=5"
    )
    answer = fetch(proxy, data=form.encode())
    assert answer.status == 200 and "xml" in answer.headers["content-type"]
    assert int(re.search(r"<totalrecord>(\d+)</totalrecord>", answer.text).group(1)) == total
    assert int(re.search(r"<totalpage>(\d+)</totalpage>", answer.text).group(1)) == -(-total // 5)
    rest = re.findall(r"<record><!\[CDATA\[<li><a href=\"([^\"]+)\"", answer.text)
    links = {urljoin(web.url("hanweb"), href) for href in first + rest}
    truth = {a.url for a in web.articles() if a.site == "hanweb" and a.column == "gzdt"}
    assert links == truth
    assert fetch(web.url("hanweb", "/col/col1234/index_1.html")).status == 404
    article = fetch(sorted(truth)[0]).text
    assert re.search(r"<!--ContentStart--><div id=\"zoom\">.+</div><!--ContentEnd-->", article, re.S)


def test_json_api_paging(web: SimulatedWeb) -> None:
    shell = fetch(web.url("jsonapi", "/sthj/c100233/list.shtml")).text
    channel = re.search(r"var channelId = '(\w+)'", shell).group(1)
    api = web.url(
        "jsonapi", f"/common/search/{channel}?_isAgg=true&_isJson=true&_pageSize=20&_template=index&page="
    )
    one = json.loads(fetch(api + "1").body)["data"]
    two = json.loads(fetch(api + "2").body)["data"]
    assert one["rows"] == 20 and len(one["results"]) == 20
    assert one["total"] == 20 + len(two["results"])
    assert json.loads(fetch(api + "3").body)["data"]["results"] == []
    urls = {r["url"] for r in one["results"] + two["results"]}
    assert urls == {a.url for a in web.articles() if a.site == "jsonapi"}
    item = one["results"][0]
    page = fetch(item["url"]).text
    assert f"<h1>{item['title']}</h1>" in page
    assert f'<span class="date">发布时间：<b>{item["publishedTimeStr"]}</b></span>' in page
    assert '<span class="ly">来源：<b>' in page


def test_gbk_site_sends_gbk_bytes_without_charset(web: SimulatedWeb) -> None:
    listing = fetch(web.url("gbk", "/news/"))
    assert listing.headers["content-type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        listing.body.decode("utf-8")
    text = listing.body.decode("gb18030")
    assert "下一页" in text and "工作动态" in text
    next_href = re.search(r'<a href="([^"]+)">下一页</a>', text).group(1)
    second = fetch(urljoin(web.url("gbk", "/news/"), next_href))
    assert second.status == 200
    hrefs = re.findall(r'<li><a href="([^"]+)"', text) + re.findall(
        r'<li><a href="([^"]+)"', second.body.decode("gbk")
    )
    urls = {urljoin(web.url("gbk", "/news/"), h) for h in hrefs}
    assert urls == {a.url for a in web.articles() if a.site == "gbk"}
    without_meta = [u for u in urls if int(u.rsplit("/", 1)[1].split(".")[0]) % 2 == 1]
    page = fetch(without_meta[0]).body
    assert b"charset" not in page.lower()


def test_blocked_source_answers_challenges(web: SimulatedWeb) -> None:
    challenge = fetch(web.url("blocked", "/xxgk/tzgg/index.html"))
    assert challenge.status == 412
    assert re.search(r'<meta content="\{qt[^"]{400,}" r=\'m\'>', challenge.text)
    assert "$_ts" in challenge.text and re.search(
        r'<script type="text/javascript" charset="iso-8859-1" src="/', challenge.text
    )
    assert "set-cookie" in challenge.headers
    jsl = fetch(web.url("blocked", "/zwdt/index.html"))
    assert jsl.status == 521
    # The cookie name is spelled out one character at a time, as the real script does.
    assert "".join(re.findall(r"\('(.)'\)", jsl.text)).startswith("__jsl_clearance=")
    assert "__jsluid" in jsl.headers["set-cookie"]


def test_static_pages_answer_304_to_matching_validators(web: SimulatedWeb) -> None:
    article = web.articles()[0].url
    first = fetch(article)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert fetch(article).body == first.body  # the same day: byte-identical
    assert fetch(article, headers={"If-None-Match": etag}).status == 304
    assert fetch(article, headers={"If-Modified-Since": modified}).status == 304
    assert fetch(article, headers={"If-None-Match": '"other"'}).status == 200
    listing = fetch(web.url("mee", "/ywdt/hjywnews/"))
    assert (
        fetch(web.url("mee", "/ywdt/hjywnews/"), headers={"If-None-Match": listing.headers["etag"]}).status
        == 304
    )
    mirror = fetch(web.mirror_url(article))
    assert fetch(web.mirror_url(article), headers={"If-None-Match": mirror.headers["etag"]}).status == 304


def test_dynamic_pages_change_on_every_request(web: SimulatedWeb) -> None:
    for site in ("hanweb", "jsonapi", "gbk"):
        url = next(a.url for a in web.articles() if a.site == site)
        one, two = fetch(url), fetch(url)
        assert one.status == two.status == 200
        assert one.body != two.body, site
        assert "etag" not in one.headers and "last-modified" not in one.headers


def test_days_advance_with_truth(fresh_web: SimulatedWeb) -> None:
    web = fresh_web
    day_one = web.truth(1)
    assert day_one.new == {a.url for a in web.articles()}
    assert not day_one.edited and not day_one.deleted
    before = {a.url: a for a in web.articles()}
    old_page = {url: fetch(url).body for url in before}
    web.advance_to(2)
    truth = web.truth(2)
    # One sentence rewritten, and (day 2 only) one attachment replaced under the same URL.
    replaced = {web.article_url(a) for a in web.world.articles.values() if a.file_edits}
    assert len(truth.new) >= 3 and len(truth.edited) == 2 and len(truth.deleted) == 1 and replaced < truth.edited
    now = {a.url: a for a in web.articles()}
    assert set(now) == set(before) - truth.deleted | truth.new
    assert any(now[u].kind == "meeting" for u in truth.new)
    (file_edit,) = replaced
    assert before[file_edit].paragraphs == now[file_edit].paragraphs  # the page says the same
    (edited,) = truth.edited - replaced
    changed = set(before[edited].paragraphs) ^ set(now[edited].paragraphs)
    assert len(changed) == 2  # one sentence replaced by another
    assert any(p in fetch(edited).text for p in set(now[edited].paragraphs) - set(before[edited].paragraphs))
    (deleted,) = truth.deleted
    assert fetch(deleted).status == 404
    # Static pages were regenerated for the new day: old validators no longer match.
    unchanged = next(u for u in before if u not in truth.edited | truth.deleted and "127.0.0.2" in u)
    assert fetch(unchanged).body != old_page[unchanged]
    assert web.truth(2) == truth  # deterministic and repeatable


def test_days_are_deterministic_across_instances() -> None:
    one, two = SimulatedWeb(), SimulatedWeb()
    one.advance_to(4)
    two.advance_to(4)
    with one, two:
        paths = [
            {urlsplit(u).path for u in getattr(web.truth(day), kind)}
            for web in (one, two)
            for day in (2, 3, 4)
            for kind in ("new", "edited", "deleted")
        ]
    assert paths[:9] == paths[9:]


def test_deleted_articles_leave_listings(fresh_web: SimulatedWeb) -> None:
    web = fresh_web
    for day in (2, 3, 4):
        web.advance_to(day)
        (deleted,) = web.truth(day).deleted
        assert fetch(deleted).status == 404
        assert deleted not in {a.url for a in web.articles()}


def test_request_log_and_concurrency(fresh_web: SimulatedWeb) -> None:
    web = fresh_web
    fetch(web.url("mee", "/robots.txt"))
    fetch(web.url("mee", "/ywdt/hjywnews/"), headers={"If-None-Match": '"x"'})
    log = web.requests("mee")
    assert [entry.path for entry in log] == ["/robots.txt", "/ywdt/hjywnews/"]
    assert log[1].headers["if-none-match"] == '"x"' and log[1].status == 200 and log[1].bytes > 1000
    assert web.max_concurrency("mee") == 1, web.overlaps()


def test_write_seeds_validate_with_the_config_schema(web: SimulatedWeb, tmp_path: Path) -> None:
    from crawler.config import load_seeds

    written = web.write_seeds(tmp_path)
    loaded = load_seeds(tmp_path)
    assert not loaded.errors
    assert set(loaded.sources) == {p.stem for p in written}
    assert {
        "sim-mee-hjywnews",
        "sim-mee-big5-hjywnews",
        "sim-hanweb",
        "sim-jsonapi",
        "sim-gbk",
        "sim-blocked",
    } <= set(loaded.sources)
    for source in loaded.sources.values():
        for listing in source.listings:
            assert urlsplit(listing.url).hostname.startswith("127.0.0.")
    mirror = loaded.sources["sim-mee-big5-hjywnews"].listings[0].url
    assert "/gate/big5/" in mirror


def test_weekly_digest_links_out_to_full_items(fresh_web: SimulatedWeb) -> None:
    web = fresh_web
    (digest,) = [a for a in web.articles() if "一周要闻" in a.title]
    assert digest.title.endswith("（10.25-10.31）")
    page = fetch(digest.url).text
    links = re.findall(r'&gt;&gt;&gt;<a href="([^"]+)">更多内容，点击阅读</a>', page)
    assert len(links) == len(digest.paragraphs) // 2 >= 3
    live = {a.url for a in web.articles()}
    assert set(links) <= live
    web.advance_to(8)  # the next Sunday brings the next digest
    assert any("一周要闻（11.1-11.7）" in a.title for a in web.articles() if a.url in web.truth(8).new)


def test_notices_link_attachments_next_to_the_article(web: SimulatedWeb) -> None:
    notice = next(a for a in web.articles() if a.site == "mee" and a.kind == "notice")
    page = fetch(notice.url).text
    files = re.findall(r'<a href="(\./W0\d+_\d\.(?:pdf|docx|xlsx|xls|zip))" oldsrc="W0\d+_\d\.\w+">', page)
    assert files
    attachment = fetch(urljoin(notice.url, files[0]))
    assert attachment.status == 200 and attachment.headers["content-type"] == CONTENT_TYPES[files[0].rsplit(".", 1)[1]]
    assert attachment.body.startswith((b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
    mirrored = fetch(web.mirror_url(urljoin(notice.url, files[0])))
    assert mirrored.body == attachment.body and mirrored.headers["content-type"] == attachment.headers["content-type"]
    assert fetch(urljoin(notice.url, "./W0999_1.pdf")).status == 404


def test_stale_listings_hide_new_items_but_not_the_articles(fresh_web: SimulatedWeb) -> None:
    web = fresh_web
    web.advance_to(2)
    new_on_mee = {u for u in web.truth(2).new if "/ywdt/hjywnews/" in u}
    assert new_on_mee
    web.serve_stale_listings("mee", 1)
    stale = set(trs_items(web, web.url("mee", "/ywdt/hjywnews/")))
    assert not stale & new_on_mee
    assert all(fetch(u).status == 200 for u in new_on_mee)
    web.serve_stale_listings("mee", None)
    assert new_on_mee <= set(trs_items(web, web.url("mee", "/ywdt/hjywnews/")))


def test_hanweb_dataproxy_wants_the_right_unit(web: SimulatedWeb) -> None:
    proxy = web.url("hanweb", "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=5")
    good = fetch(proxy, data=b"columnid=1234&unitid=5678&webid=1")
    wrong = fetch(proxy, data=b"columnid=1234&unitid=9999&webid=1")
    assert "<record>" in good.text and "<record>" not in wrong.text
    by_get = fetch(proxy + "&columnid=1234&unitid=5678&webid=1")
    assert by_get.text == good.text


def test_gbk_site_sometimes_claims_utf8_for_gbk_bytes(web: SimulatedWeb) -> None:
    pages = [fetch(a.url) for a in web.articles() if a.site == "gbk"]
    lying = [p for p in pages if p.headers["content-type"] == "text/html; charset=utf-8"]
    honest = [p for p in pages if p.headers["content-type"] == "text/html"]
    assert lying and honest and len(lying) + len(honest) == len(pages)
    for page in lying:
        with pytest.raises(UnicodeDecodeError):
            page.body.decode("utf-8")
        assert "来源：" in page.body.decode("gb18030")
