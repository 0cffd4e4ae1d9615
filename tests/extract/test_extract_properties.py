"""Property tests: arbitrary bytes or HTML never crash `extract`; they give a result or ExtractionError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import Extraction, ExtractionError, decode_html, extract

TAGS = ["p", "div", "span", "table", "tr", "td", "br", "a", "h1", "h2", "script", "style", "title", "meta", "li"]
FRAGMENTS = st.one_of(
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(["当前位置：首页 > 新闻", "2020-03-23 来源:生态环境部", "分享到:", "手机版", "<meta charset=gbk>",
                     "……(省略653字,正式会员可完整阅读)……", "******", "会议指出，要抓好落实。", "<?xml version='1.0'?>",
                     "<a href='x.pdf'>附件.pdf</a>", "二〇二〇年二月一日", "01.09.2016 23:06", "<!-- c -->", "&nbsp;", "\x00"]),
    st.text(max_size=40),
)


def _check(result: object) -> None:
    assert isinstance(result, Extraction)
    assert isinstance(result.text, str) and result.kind in {"meeting", "notice", "speech", "policy", "news"}
    assert result.script in {"simplified", "traditional"}
    result.to_dict()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(raw: bytes) -> None:
    try:
        _check(extract(raw, url="http://example.gov.cn/a/t20240101_1.html"))
    except ExtractionError as err:
        assert str(err)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=60).map("".join), st.sampled_from([None, "text/html", "text/html; charset=gbk"]))
def test_arbitrary_html(html: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    for content in (html, html.encode("utf-8", "surrogatepass")):
        try:
            _check(extract(content, headers=headers))
        except ExtractionError as err:
            assert str(err)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "gbk", "big5", "latin-1", "bogus"]))
def test_decode_never_raises(raw: bytes, charset: str | None) -> None:
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else None
    text, encoding = decode_html(raw, headers)
    assert isinstance(text, str) and encoding


def test_clear_errors() -> None:
    for content, message in [(b"", "empty"), (b"%PDF-1.4 binary", "not HTML"), (b"just some text", "not HTML")]:
        try:
            extract(content)
        except ExtractionError as err:
            assert message in str(err)
        else:  # pragma: no cover - the assertion below reports it
            raise AssertionError(f"{content!r} gave a result")
