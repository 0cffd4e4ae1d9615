"""crawler.challenge on whole pages written for the tests: a challenge marker on a page with real content is
content (Ruishu injects its scripts into the pages it lets through), a thin page with one is a challenge,
and a 磐云-style browser check is recognised. The crawl's verdict (crawler.answers) follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.answers import Answer, AnswerContext, Scope, classify_answer
from crawler.challenge import detect_challenge, thin_page, visible_cjk_count
from crawler.simulator import challenges as gates
from crawler.simulator import templates as t

TESTS = Path(__file__).resolve().parent.parent
LISTINGS_AND_ARTICLES = TESTS / "tools" / "pages"
CHALLENGES = TESTS / "extract" / "pages" / "challenges"

# Real pages of Ruishu-protected sites: the listing only carries r='m' inside an IE conditional comment,
# the GBK listing and article carry the whole injection (token meta, external and inline $_ts scripts).
CONTENT_WITH_MARKERS = ("ruishu_listing_ie.html", "ruishu_listing_injected_gbk.html", "ruishu_article_gbk.html")
# A Ruishu page wrapped in the site's template (menus, friendly links, footer) with an empty article box,
# and a 磐云-style interstitial.
CHALLENGE_PAGES = ("ruishu_shell_template.html", "panyun_browser_check.html")


def _page(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


def _simulator_bodies() -> dict[str, bytes]:
    """The simulator's challenge pages (blocked site and gates), rendered with sample values."""
    token = "{qt" + "Ab3dE" * 100 + "}" + "x9Y" * 40
    table = ",".join("[1,2,3,4,5,6,7,8]" for _ in range(6))
    return {
        "site ruishu": t.render(
            t.RUISHU_PAGE, token=token, script_src="/aBcD/e.js", table=table, nsd=12345, cd="q" * 80
        ).encode(),
        "site jsl": t.render(t.JSL_PAGE, clearance="1790000001.123|0|abcdef").encode(),
        "gate ruishu": gates.t.render(
            gates.RUISHU_PAGE, token=token, script_src=gates.RuishuGate.SCRIPT_PATH, nsd=54321, cd="c" * 120
        ).encode(),
        "gate jsl": gates.t.render(gates.JSL_STAGE1, key=7, codes="1,2,3", stage2=gates.JslGate.STAGE2_PATH).encode(),
    }


@pytest.mark.parametrize("name", CONTENT_WITH_MARKERS)
def test_a_page_with_content_is_not_a_challenge_despite_its_markers(name: str) -> None:
    body = _page(LISTINGS_AND_ARTICLES, name)
    assert b"r='m'" in body  # the marker that used to make it "blocked"
    assert not thin_page(body)
    assert detect_challenge(200, body) is None


@pytest.mark.parametrize("name", CHALLENGE_PAGES)
def test_thin_pages_with_a_challenge_are_challenges(name: str) -> None:
    body = _page(CHALLENGES, name)
    assert thin_page(body)
    assert detect_challenge(200, body) is not None


def test_the_template_wrapped_ruishu_page_has_text_but_only_chrome() -> None:
    body = _page(CHALLENGES, "ruishu_shell_template.html")
    assert visible_cjk_count(body) >= 200  # menus, friendly links and footer: "text", but no content
    found = detect_challenge(200, body)
    assert found is not None and "ruishu" in found.reason


def test_the_panyun_interstitial_is_named() -> None:
    found = detect_challenge(200, _page(CHALLENGES, "panyun_browser_check.html"))
    assert found is not None and "panyun" in found.reason and "磐云" in found.reason


@pytest.mark.parametrize("name", ["site ruishu", "site jsl", "gate ruishu", "gate jsl"])
def test_the_simulator_s_challenges_stay_challenges(name: str) -> None:
    body = _simulator_bodies()[name]
    status = 412 if "ruishu" in name else 521
    assert detect_challenge(status, body) is not None
    assert detect_challenge(200, body) is not None, "a 200-status shell of the same page is still a challenge"


def test_a_marker_inside_a_comment_is_not_a_challenge_on_a_short_page() -> None:
    short = (
        "<html><head><meta charset='utf-8'><!--[if lt IE 9]><script r='m'>document.createElement('nav')"
        "</script><![endif]--></head><body><h1>停电通知</h1><p>因线路检修，11月5日机关大楼停电。</p></body></html>"
    ).encode()
    assert detect_challenge(200, short) is None
    assert detect_challenge(200, short.replace(b"<!--[if lt IE 9]>", b"").replace(b"<![endif]-->", b"")) is not None


@pytest.mark.parametrize(
    "page",
    [
        # The wording without the cookie-and-reload script: a page that loads its list by AJAX.
        "<html><head><meta charset='utf-8'><title>通知公告</title></head><body><div id='list'>加载中，请稍候…</div>"
        "<script>$.get('/api/list', function (d) { render(d); });</script></body></html>",
        # A cookie-and-reload script without the wording: a language switch.
        "<html><head><meta charset='utf-8'><title>English</title></head><body><a href='#' onclick=\"document.cookie="
        "'lang=en';location.reload()\">English</a></body></html>",
    ],
)
def test_half_an_interstitial_is_not_one(page: str) -> None:
    assert detect_challenge(200, page.encode()) is None


def test_a_gbk_page_is_counted_in_its_own_characters() -> None:
    body = _page(LISTINGS_AND_ARTICLES, "ruishu_article_gbk.html")
    assert visible_cjk_count(body) >= 300  # read as UTF-8 alone it counted almost none


# --- the crawl's verdict ------------------------------------------------------------------------------------

LISTED = "https://sthjj.nanchuan.example.cn/art/2026/11/2/art_104_88231.html"
CONTEXT = AnswerContext(LISTED, Scope(frozenset({"sthjj.nanchuan.example.cn"})))
HTML = {"Content-Type": "text/html; charset=gbk"}


def test_the_crawl_stores_a_ruishu_site_s_real_article() -> None:
    answer = Answer(200, LISTED, _page(LISTINGS_AND_ARTICLES, "ruishu_article_gbk.html"), HTML)
    assert classify_answer(answer, CONTEXT).kind == "content"


@pytest.mark.parametrize("name", CHALLENGE_PAGES)
def test_the_crawl_blocks_on_a_challenge_page(name: str) -> None:
    verdict = classify_answer(Answer(200, LISTED, _page(CHALLENGES, name), HTML), CONTEXT)
    assert verdict.kind == "blocked" and verdict.error == "challenge"
