"""The text-safety rule and the vocabulary's slug rule, on tables of cases."""

from __future__ import annotations

import pytest

from crawler.textsafe import clean, clean_html, clean_value, has_unsafe
from crawler.vocabulary import is_slug, slugify


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("正文\x1b[0m内容", "正文[0m内容"),  # ESC
        ("a\x00b\x07c\x7fd", "abcd"),  # NUL, BEL, DEL
        ("a\x85b\x9fc", "abc"),  # C1 controls
        ("tab\there\nnewline", "tab\there\nnewline"),  # tab and newline stay
        ("cr\r\nlf", "cr\nlf"),  # CR is a control too (pages get HTML's newline rule first: clean_html)
        ("x\ud800y\udfffz", "xyz"),  # lone surrogates
        ("x\ufffey\uffffz\ufdd0\U0010ffff", "xyz"),  # noncharacters
        ("\u200f\u200b\ufeff\ue000\U00020000\u0301", "\u200f\u200b\ufeff\ue000\U00020000\u0301"),  # visible or harmless
    ],
)
def test_clean_removes_exactly_the_unsafe_characters(raw: str, kept: str) -> None:
    assert clean(raw) == kept
    assert not has_unsafe(kept)


def test_clean_html_keeps_line_breaks_and_word_gaps() -> None:
    assert clean_html("<p>一\r\n二\r三\x0c四\x1b</p>") == "<p>一\n二\n三 四</p>"


def test_clean_value_walks_json_like_values() -> None:
    assert clean_value({"k\x1b": ["a\x00", 3, None, {"b": "c\x85"}]}) == {"k": ["a", 3, None, {"b": "c"}]}


@pytest.mark.parametrize(
    ("label", "slug"),
    [("mee-hjywnews", "mee-hjywnews"), ("daily-a,daily-b", "daily-a-daily-b"), ("Crawl: ALL", "crawl-all"),
     ("", "all"), (",,", "all"), ("x" * 100, "x" * 63)],
)
def test_slugify_makes_valid_slugs(label: str, slug: str) -> None:
    assert slugify(label) == slug
    assert is_slug(slug)
