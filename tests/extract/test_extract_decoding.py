"""Bytes → text: BOM, header, meta, detection, gb2312/gbk read as gb18030, and headers that lie."""

from __future__ import annotations

import codecs

import pytest

from crawler.extract import decode_html
from crawler.extract.decoding import header_charset, meta_charset, normalize_encoding

TEXT = "示范省生态环境厅召开会议，朱镕一、王喆出席会议。会议强调，要坚持精准治污、科学治污、依法治污。"


def page(charset: str | None, text: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>测试</title></head><body><p>{text}</p></body></html>"


def test_meta_gb2312_is_read_as_gb18030_so_rare_characters_survive() -> None:
    raw = page("gb2312").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")  # a strict gb2312 codec fails on 镕 and 喆
    text, encoding = decode_html(raw)
    assert encoding == "gb18030" and TEXT in text


def test_header_charset_wins_when_plausible() -> None:
    raw = page(None).encode("gb18030")
    text, encoding = decode_html(raw, {"Content-Type": "text/html; charset=GBK"})
    assert encoding == "gb18030" and TEXT in text


def test_header_claiming_utf8_on_gbk_bytes_is_caught() -> None:
    raw = page("gbk").encode("gb18030")
    text, encoding = decode_html(raw, {"content-type": "text/html; charset=utf-8"})
    assert encoding == "gb18030" and TEXT in text


def test_meta_claiming_gbk_on_utf8_bytes_is_caught() -> None:
    raw = page("gb2312").encode("utf-8")
    text, encoding = decode_html(raw)
    assert encoding == "utf-8" and TEXT in text


def test_no_charset_anywhere_gbk_bytes_detected() -> None:
    raw = page(None).encode("gb18030")
    text, encoding = decode_html(raw, {"Content-Type": "text/html"})
    assert encoding == "gb18030" and TEXT in text


def test_latin1_server_default_is_not_believed_for_chinese_bytes() -> None:
    raw = page(None).encode("utf-8")
    text, encoding = decode_html(raw, {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert encoding == "utf-8" and TEXT in text


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_bom_decides(bom: bytes, codec: str) -> None:
    raw = bom + page("gb2312").encode(codec)
    text, encoding = decode_html(raw, {"Content-Type": "text/html; charset=gbk"})
    assert encoding == codec and TEXT in text and not text.startswith("\ufeff")


def test_forced_encoding_overrides_everything() -> None:
    raw = page("utf-8").encode("big5hkscs", errors="replace")
    _, encoding = decode_html(raw, forced="big5")
    assert encoding == "big5hkscs"


@pytest.mark.parametrize(
    ("declared", "codec"),
    [
        ("GB2312", "gb18030"), ("gbk", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"), ("EUC-CN", "gb18030"),
        ("big5", "big5hkscs"), ("x-big5", "big5hkscs"), ("hz-gb-2312", "hz"),  # HZ is 7-bit, not GB18030
        ("UTF8", "utf-8"), ("'utf-8'", "utf-8"), ("iso-8859-1", "cp1252"), ("ascii", "cp1252"),
        ("no-such-codec", None), ("", None),
    ],
)
def test_charset_names_resolve_as_browsers_do(declared: str, codec: str | None) -> None:
    assert normalize_encoding(declared) == codec


def test_helpers() -> None:
    assert header_charset({"Content-Type": 'text/html; charset="gbk"'}) == "gbk"
    assert header_charset({b"Content-Type": [b"text/html;charset=utf-8"]}) == "utf-8"
    assert meta_charset(b'<meta charset="GB2312">') == "gb2312"
    assert meta_charset(b'<?xml version="1.0" encoding="GBK"?><html>') == "gbk"
    assert meta_charset('<meta name="keywords" content="charset 不是声明">'.encode()) is None


def test_meta_charset_found_after_a_long_head() -> None:
    # Site headers often carry kilobytes of comments and scripts before the charset meta.
    head = b"<html><head><!--" + b"x" * 5000 + b'--><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    assert meta_charset(head) == "gbk"
    body = "<p>生态环境部召开部常务会议，审议并原则通过有关文件。</p>".encode("gbk") * 3
    text, encoding = decode_html(head + b"</head><body>" + body + b"</body></html>")
    assert encoding == "gb18030" and "部常务会议" in text


def test_broken_bytes_never_raise() -> None:
    text, encoding = decode_html(b"\xff\xfe\xfa<html>\x80\x81\x82</html>" * 3)
    assert isinstance(text, str) and encoding


def test_undeclared_big5_is_not_read_as_gb() -> None:
    text = "示範省生態環境廳召開廳黨組會議，傳達學習有關會議精神，研究部署近期疫情應對和生態環境保護重點工作。" * 2
    raw = f"<html><head><title>測試</title></head><body><p>{text}</p></body></html>".encode("big5hkscs")
    decoded, encoding = decode_html(raw)
    assert encoding == "big5hkscs" and text in decoded
