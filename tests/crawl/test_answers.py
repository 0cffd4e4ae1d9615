"""crawler.answers: one verdict per answer (soft 404s, redirects, statuses), on pages written for the tests."""

from __future__ import annotations

import pytest

from crawler.answers import (
    Answer,
    AnswerContext,
    Scope,
    check_redirect,
    classify_answer,
    collapsed,
    page_fingerprint,
    page_text,
    same_page,
)

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
    assert verdict.error == "not_html"
    assert verdict.message(LISTED) == f"{LISTED}: not an article: non-HTML content (application/pdf, 8 bytes)"


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
