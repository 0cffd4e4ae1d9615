"""The extractor against the simulated government web's ground truth: every live article of day 3, exactly."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from crawler.chinese import to_simplified
from crawler.extract import Extraction, extract
from crawler.simulator import SimulatedWeb
from crawler.simulator.web import DEFAULT_SITES, ArticleTruth

DAY = 3
FETCH_THREADS = 8
FETCH_TIMEOUT = 10.0
MIRROR = "mee-big5"
WHITESPACE = re.compile(r"\s+")
# Site chrome of the simulated CMSs (and of the real ones they imitate): a line carrying one of these
# markers is a leak unless the article's own text says the same words.
CHROME_MARKER = re.compile(
    r"今天是|当前位置|當前位置|您现在的位置|您現在的位置|首[页頁]\s*[>＞]|手[机機]版|[电電]腦版|电脑版|分享[到：:]|"
    r"[\[【]打印|[\[【]列印|打印本[页頁]|[关關]闭窗口|[关關]閉窗口|字[号號]\s*[:：]|[浏瀏][览覽](?:次[数數]|量)|[点點]击数|點擊數|"
    r"版[权權]所有|ICP[备備]|网站标识码|網站標識碼|公网安备|公網安備|相[关關]文章|相[关關]阅读|相關閱讀|发布时间|發佈時間|"
    r"[来來]源\s*[:：]|网站地图|網站地圖|联系我们|聯繫我們|技术支持|技術支持"
)


@dataclass(frozen=True)
class Fetched:
    """One article page as served over loopback, with what the extractor made of it."""

    truth: ArticleTruth
    url: str
    mirror: bool  # the big5 mirror's copy of a simplified original
    result: Extraction


def _normalize(text: str) -> str:
    return WHITESPACE.sub("", text or "")


def _fetch(url: str) -> tuple[bytes, dict[str, str]]:
    # No proxy: the simulated web lives on loopback, and nothing here may reach beyond it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=FETCH_TIMEOUT) as response:
        return response.read(), dict(response.headers.items())


@pytest.fixture(scope="module")
def pages() -> list[Fetched]:
    """Every live article of day 3 and its big5 mirror copy (where its site has one), extracted."""
    # Sites behind JavaScript challenges serve the same pages as their open twins, to browsers only
    # (tests/crawl/test_browser_crawl.py); plain urllib reads the open ones.
    with SimulatedWeb(sites=[spec.key for spec in DEFAULT_SITES if not spec.gate]) as web:
        web.advance_to(DAY)
        truths = web.articles(DAY)
        mirrored = {spec.mirror_of for spec in web.specs if spec.cms == "mirror"}
        jobs = [(truth, truth.url, False) for truth in truths]
        jobs += [(truth, web.mirror_url(truth.url, MIRROR), True) for truth in truths if truth.site in mirrored]
        with ThreadPoolExecutor(FETCH_THREADS) as pool:
            responses = list(pool.map(lambda job: _fetch(job[1]), jobs))
    return [
        Fetched(truth, url, mirror, extract(body, url=url, headers=headers))
        for (truth, url, mirror), (body, headers) in zip(jobs, responses, strict=True)
    ]


def _mismatches(pages: list[Fetched], check: Callable[[Fetched], str | None]) -> list[str]:
    out = []
    for page in pages:
        problem = check(page)
        if problem:
            out.append(f"{page.url} [{page.truth.kind}] {problem}")
    return out


def _simplified(value: str | None, page: Fetched) -> str | None:
    """Metadata of a mirror page is printed in traditional script; compare it in simplified form."""
    return to_simplified(value) if page.mirror and value else value


def test_the_day_covers_every_site_kind_and_the_mirror(pages: list[Fetched]) -> None:
    assert {p.truth.site for p in pages} >= {"mee", "hanweb", "jsonapi", "gbk"}
    assert {p.truth.kind for p in pages} == {"meeting", "notice", "speech", "policy", "news"}
    assert any(p.mirror for p in pages) and len(pages) >= 80


def test_titles(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        title = _simplified(p.result.title, p)
        return None if title == p.truth.title else f"title {title!r} != {p.truth.title!r}"

    assert _mismatches(pages, check) == []


def test_publication_days(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        got = p.result.published.date() if p.result.published else None
        ok = got == p.truth.published.date() and not p.result.published_guessed
        return None if ok else f"published {p.result.published} (guessed={p.result.published_guessed}) != {p.truth.published}"

    assert _mismatches(pages, check) == []


def test_kinds(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        return None if p.result.kind == p.truth.kind else f"kind {p.result.kind} != {p.truth.kind}: {p.truth.title}"

    assert _mismatches(pages, check) == []


def test_meeting_stages_precision_and_recall(pages: list[Fetched]) -> None:
    """Announced and held meetings told apart on every live page of the day, mirror copies included."""
    assert {p.truth.stage for p in pages} == {"announced", "held", None}
    for stage in ("announced", "held"):
        found = {p.url for p in pages if p.result.meeting and p.result.meeting["stage"] == stage}
        truth = {p.url for p in pages if p.truth.stage == stage}
        precision = len(found & truth) / len(found) if found else 1.0
        recall = len(found & truth) / len(truth)
        print(f"simulator day {DAY} {stage}: precision {precision:.3f} recall {recall:.3f} ({len(truth)} pages)")
        assert (precision, recall) == (1.0, 1.0), sorted(found ^ truth)


def test_announced_meeting_facts(pages: list[Fetched]) -> None:
    """Each announcement's time, place and reply deadline are read as the page prints them."""

    def check(p: Fetched) -> str | None:
        if p.truth.stage != "announced":
            return None
        meeting = p.result.meeting or {}
        lines = [_simplified(line, p) or line for line in p.truth.paragraphs]
        when, place = lines[lines.index("一、会议时间") + 1], lines[lines.index("二、会议地点") + 1]
        start = meeting.get("start") or ""
        day = f"{int(start[5:7])}月{int(start[8:10])}日" if start else "?"
        if not when.startswith(day) or meeting.get("place") != place or not meeting.get("deadline"):
            return f"meeting {meeting} != {when} / {place}"
        return None

    assert _mismatches(pages, check) == []


def test_document_numbers(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        number = _simplified(p.result.doc_number, p)
        return None if number == p.truth.doc_number else f"文号 {number!r} != {p.truth.doc_number!r}"

    assert _mismatches(pages, check) == []


def test_sources(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        source = _simplified(p.result.source, p)
        return None if source == p.truth.source else f"来源 {source!r} != {p.truth.source!r}"

    assert _mismatches(pages, check) == []


def _missing_paragraphs(text: str, paragraphs: tuple[str, ...]) -> Iterator[str]:
    """True paragraphs that do not appear in `text`, in order, after whitespace is removed from both."""
    flat = _normalize(text)
    position = 0
    for paragraph in paragraphs:
        found = flat.find(_normalize(paragraph), position)
        if found < 0:
            yield paragraph
        else:
            position = found + len(_normalize(paragraph))


def test_every_true_paragraph_is_in_the_text_in_order(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        text = p.result.text_simplified if p.mirror else p.result.text
        missing = list(_missing_paragraphs(text, p.truth.paragraphs))
        return f"missing {missing}" if missing else None

    assert _mismatches(pages, check) == []


def test_no_chrome_line_leaks(pages: list[Fetched]) -> None:
    def check(p: Fetched) -> str | None:
        truth = _normalize("\n".join(p.truth.paragraphs))
        leaked = [
            line
            for line in p.result.text.splitlines()
            if (m := CHROME_MARKER.search(line)) and _normalize(to_simplified(m.group(0))) not in truth
        ]
        return f"chrome {leaked}" if leaked else None

    assert _mismatches(pages, check) == []


def test_the_chrome_check_can_fail() -> None:
    """The marker list catches the simulated sites' own chrome lines (else the leak test proves nothing)."""
    for line in ("今天是：2026年11月3日 星期二", "您现在的位置：首页 > 工作动态", "分享到：", "[打印]", "字号：大 中 小",
                 "浏览次数：1203", "版权所有：模拟生态环境部", "相关文章", "【关闭窗口】", "來源：模擬生態環境部"):
        assert CHROME_MARKER.search(line), line


def test_mirror_text_simplified_equals_the_original_text(pages: list[Fetched]) -> None:
    originals = {p.truth.url: p.result for p in pages if not p.mirror}
    mirrors = [p for p in pages if p.mirror]
    assert mirrors
    for page in mirrors:
        original = originals[page.truth.url]
        assert page.result.script == "traditional" and original.script == "simplified", page.url
        assert page.result.text_simplified == original.text, page.url
