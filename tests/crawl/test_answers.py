"""crawler.answers: challenge pages, non-HTML answers, on small pages written for the tests."""

from __future__ import annotations

import pytest

from crawler.answers import (
    Answer,
    AnswerContext,
    Scope,
    check_redirect,
    classify_answer,
    collapsed,
    detect_challenge,
    not_html,
    page_fingerprint,
    page_text,
    same_page,
    visible_cjk_count,
)

ARTICLE = (
    "<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='生态环境部召开部党组会议'></head>"
    "<body><h2>生态环境部召开部党组会议</h2><div class='TRS_Editor'>"
    + "<p>11月20日，生态环境部召开部党组会议，传达学习重要讲话精神，研究部署下一步工作。</p>" * 8
    + "</div></body></html>"
).encode()
TOKEN = "qt" + "A9x" * 80  # an opaque first-stage key, like Ruishu's
RUISHU_SHELL = (
    f"<html><head><meta content='{TOKEN}'><script type='text/javascript' r='m'>"
    "$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;</script>"
    "<script src='/aBcD/e.js' r='m'></script></head><body></body></html>"
).encode()
TOKEN_ONLY = f"<html><head><meta content='{TOKEN}'></head><body><div>请稍候</div></body></html>".encode()
JSL = b"<html><script>document.cookie='__jsl_clearance=1700000000.1|0|abc';location.reload()</script></html>"


@pytest.mark.parametrize("status", [403, 405, 412, 521])
def test_blocking_statuses_are_challenges(status: int) -> None:
    found = detect_challenge(status, b"<html>whatever</html>")
    assert found is not None and str(status) in found.reason


@pytest.mark.parametrize(("body", "marker"), [(RUISHU_SHELL, "ruishu"), (JSL, "jsl_clearance")])
def test_challenge_bodies_with_200(body: bytes, marker: str) -> None:
    found = detect_challenge(200, body)
    assert found is not None and marker in found.reason


def test_token_meta_without_text_is_a_challenge() -> None:
    assert detect_challenge(200, TOKEN_ONLY) is not None


def test_token_meta_on_a_real_article_is_not() -> None:
    page = ARTICLE.replace(b"<head>", f"<head><meta content='{TOKEN}'>".encode())
    assert visible_cjk_count(page) >= 200
    assert detect_challenge(200, page) is None


def test_challenge_cookie_header() -> None:
    assert detect_challenge(200, ARTICLE, {"Set-Cookie": "__jsl_clearance=1; path=/"}) is not None


@pytest.mark.parametrize("status", [200, 304, 404, 500])
def test_ordinary_answers_are_not_challenges(status: int) -> None:
    assert detect_challenge(status, ARTICLE) is None


@pytest.mark.parametrize(
    ("content_type", "body", "ok"),
    [
        ("text/html; charset=utf-8", ARTICLE, True),
        ("text/html", b"\xd6\xd0\xce\xc4", True),  # GBK page without charset: still HTML
        (None, b"<!DOCTYPE html><html></html>", True),
        ("application/octet-stream", b"<html><body>x</body></html>", True),
        ("application/pdf", b"%PDF-1.4", False),
        ("image/png", b"\x89PNG", False),
        ("application/json", b'{"a": 1}', False),
        (None, b"%PDF-1.4", False),
    ],
)
def test_not_html(content_type: str | None, body: bytes, ok: bool) -> None:
    problem = not_html(content_type, body)
    assert (problem is None) is ok
    if not ok:
        assert "bytes" in problem


# --- classify_answer: one verdict per answer ----------------------------------------------------------------

SCOPE = Scope(frozenset({"sthjt.example.gov.cn", "moved.example.gov.cn"}), ("http://sthjt.example.gov.cn/news/index.html",))
LISTED = "http://sthjt.example.gov.cn/news/202611/t20261120_1.html"
KNOWN = AnswerContext(LISTED, SCOPE, known=True, conditional=True)
NEW = AnswerContext(LISTED, SCOPE)
CHROME = "<div>网站首页 机构概况 政务公开 工作动态 通知公告 政策法规 互动交流</div>" * 3


def _html(title: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{CHROME}{body}</body></html>".encode()


CMS_ERRORS = [
    _html("页面不存在", "<p>返回首页</p>"),
    _html("青川市生态环境局", "<p>您访问的页面不存在或已被删除！</p>"),
    _html("提示信息", "<p>该信息已删除</p>"),
    _html("提示", "<p>对不起，该稿件已撤稿。</p>"),
    _html("404 Not Found", "<h1>Not Found</h1>"),
    _html("错误", "<p>错误代码：404，找不到该页面</p>"),
]


@pytest.mark.parametrize("body", CMS_ERRORS)
def test_cms_error_pages_with_200_are_soft_404s(body: bytes) -> None:
    for context in (KNOWN, NEW):
        verdict = classify_answer(Answer(200, LISTED, body, {"Content-Type": "text/html"}), context)
        assert (verdict.kind, verdict.error) == ("soft_404", "soft_404"), verdict


@pytest.mark.parametrize(
    "title",
    ["关于印发《排污许可管理办法》的通知（环办〔2023〕404号）", "生态环境部：依法删除违法信息，不存在例外"],
)
def test_articles_mentioning_the_words_are_content(title: str) -> None:
    body = _html(title, f"<h2>{title}</h2>" + "<p>会议强调，要坚持精准治污、科学治污、依法治污，持续改善环境质量。</p>" * 10)
    assert classify_answer(Answer(200, LISTED, body, {"Content-Type": "text/html"}), KNOWN).kind == "content"


@pytest.mark.parametrize(
    ("final", "why"),
    [
        ("http://sthjt.example.gov.cn/", "home page"),
        ("http://sthjt.example.gov.cn/index.shtml", "home page"),
        ("http://sthjt.example.gov.cn/news/index.html", "column page"),
        ("http://sthjt.example.gov.cn/news/", "column page"),
        ("http://sthjt.example.gov.cn/login?returnUrl=/news/1.html", "login page"),
        ("http://sthjt.example.gov.cn/cas/login", "login page"),
    ],
)
def test_an_article_redirected_home_column_or_login_is_a_soft_404(final: str, why: str) -> None:
    answer = Answer(200, final, _html("青川市生态环境局", "<p>欢迎</p>" * 50), {}, redirects=(LISTED,))
    verdict = classify_answer(answer, KNOWN)
    assert verdict.kind == "soft_404" and why in verdict.reason


def test_a_redirect_to_another_article_page_is_content() -> None:
    final = "http://moved.example.gov.cn/xwzx/202611/t20261120_1.html"
    body = _html("青川市生态环境局召开局党组会议", "<p>会议强调，要坚持精准治污、科学治污、依法治污。</p>" * 10)
    assert classify_answer(Answer(200, final, body, {}, redirects=(LISTED,)), KNOWN).kind == "content"


@pytest.mark.parametrize(
    ("status", "context", "kind", "error"),
    [
        (304, KNOWN, "not_modified", None),
        (304, NEW, "error", "http"),
        (404, KNOWN, "gone", "gone"),
        (410, NEW, "gone", "gone"),
        (412, KNOWN, "blocked", "challenge"),
        (503, KNOWN, "error", "http"),
        (302, KNOWN, "error", "http"),  # a 3xx that reached the end: no usable Location
    ],
)
def test_statuses(status: int, context: AnswerContext, kind: str, error: str | None) -> None:
    verdict = classify_answer(Answer(status, LISTED, b"", {}), context)
    assert (verdict.kind, verdict.error) == (kind, error)
    assert verdict.message(LISTED).startswith(LISTED + ": ")


def test_non_html_is_a_named_error() -> None:
    verdict = classify_answer(Answer(200, LISTED, b"%PDF-1.4", {"Content-Type": "application/pdf"}), KNOWN)
    assert verdict.error == "not_html" and verdict.message(LISTED) == f"{LISTED}: non-HTML content: application/pdf, 8 bytes"


def test_the_sites_own_not_found_page_is_recognized_by_fingerprint() -> None:
    # The page for a random path echoes the path and the time: neither changes the fingerprint.
    probe = _html("青川市生态环境局", "<p>抱歉，暂时无法提供 /news/govwatch-probe-1a2b.html 的内容。10:01:02</p>")
    later = _html("青川市生态环境局", "<p>抱歉，暂时无法提供 /news/202611/t20261120_1.html 的内容。11:59:40</p>")
    learned = page_fingerprint(page_text(probe))
    assert same_page(page_fingerprint(page_text(later)), learned)
    context = AnswerContext(LISTED, SCOPE, known=True, not_found=learned)
    assert classify_answer(Answer(200, LISTED, later, {}), context).kind == "soft_404"
    article = _html("青川市生态环境局", "<p>会议强调，要坚持精准治污、科学治污、依法治污。</p>" * 4)
    assert classify_answer(Answer(200, LISTED, article, {}), context).kind == "content"


def test_redirects_off_the_domains_or_in_a_loop_are_stopped() -> None:
    off = check_redirect(LISTED, "http://127.0.0.72/moved/1.html", [], SCOPE)
    assert off is not None and off.error == "off_domain" and "127.0.0.72" in off.reason
    assert check_redirect(LISTED, "http://moved.example.gov.cn/a.html", [], SCOPE) is None  # allowed_domains
    assert check_redirect(LISTED, "http://www.moved.example.gov.cn/a.html", [], SCOPE) is None  # a subdomain
    assert check_redirect(LISTED, "/news/other.html", [], SCOPE) is None
    hop = "http://sthjt.example.gov.cn/news/202611/loop.html"
    loop = check_redirect(hop, LISTED, [LISTED], SCOPE)
    assert loop is not None and loop.error == "redirect_loop" and loop.reason == f"{LISTED} → {hop} → {LISTED}"
    assert check_redirect(LISTED, LISTED + "#top", [], SCOPE).error == "redirect_loop"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("previous", "text", "soft"),
    [(150, "内容调整中", True), (150, "会议强调" * 10, False), (None, "x", False), (40, "x", False)],
)
def test_a_collapse_against_the_stored_version(previous: int | None, text: str, soft: bool) -> None:
    verdict = collapsed(previous, text)
    assert (verdict is not None) is soft
    if verdict is not None:
        assert verdict.kind == "soft_404" and str(previous) in verdict.reason
