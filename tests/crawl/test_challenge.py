"""crawler.challenge: challenge pages and non-HTML answers, on small pages written for the tests."""

from __future__ import annotations

import pytest

from crawler.challenge import detect_challenge, not_html, visible_cjk_count

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
        assert "non-HTML" in problem
