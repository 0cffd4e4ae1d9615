"""Content fingerprints: normalize what a reader sees, drop what changes by itself, hash the rest."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.chinese import to_simplified
from crawler.textsafe import clean

# Lines that change on their own (counters, today's date, clocks, rotating blocks' headers). Matched on the
# NFKC-normalized, simplified line; a line is dropped only when the whole line is such a part, so a real
# sentence that mentions a date or a count still counts.
VOLATILE_LINE_PATTERNS: dict[str, re.Pattern[str]] = {
    "visit_counter": re.compile(r"^(?:浏览|访问|阅读|点击)(?:次数|量|数)?[:：]?\s*\d+\s*次?$"),
    "counter_bracket": re.compile(r"^[\[【(（]?(?:浏览|访问|阅读|点击)(?:次数|量)?[:：]?\s*\d+\s*次?[\]】)）]?$"),
    "today": re.compile(r"^(?:今天是|今日是?|当前时间|现在时间)[:：]?\s*\d{4}年\d{1,2}月\d{1,2}日"),
    "clock": re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(?:星期|周)[一二三四五六日天]"),
    "weekday": re.compile(r"^(?:星期|周)[一二三四五六日天]$"),
}
# Parts of a line that change on their own: a counter printed beside the date and source keeps the rest of
# the line (which does matter) but loses its number.
VOLATILE_INLINE_PATTERNS: dict[str, re.Pattern[str]] = {
    "counter_value": re.compile(r"((?:浏览|访问|阅读|点击)(?:次数|量|数|率)?\s*[:：]\s*)\d+(\s*次)?"),
    "visits_phrase": re.compile(r"(已有|共有)\d+(人|次)(浏览|阅读|访问|点击)"),
}
WHITESPACE = re.compile(r"\s+")
SPACES_BUT_TABS = re.compile(r"[^\S\t]+")  # a tab parts two cells of a row: not a space that may move


@dataclass(frozen=True)
class FingerprintOptions:
    """What normalization removes; the defaults are the project's definition of 'the same content'."""

    volatile_patterns: tuple[re.Pattern[str], ...] = tuple(VOLATILE_LINE_PATTERNS.values())
    volatile_inline: tuple[re.Pattern[str], ...] = tuple(VOLATILE_INLINE_PATTERNS.values())
    fold_script: bool = True  # traditional and simplified copies of one text hash the same


def normalize_lines(text: str, options: FingerprintOptions | None = None) -> list[str]:
    """NFKC, traditional→simplified, whitespace folded, empty and volatile lines dropped."""
    return _normalize(text, options, WHITESPACE)


def _normalize(text: str, options: FingerprintOptions | None, whitespace: re.Pattern[str]) -> list[str]:
    options = options or FingerprintOptions()
    # Controls are invisible: a text stored with one hashes as the same text without it (crawler/textsafe.py).
    text = unicodedata.normalize("NFKC", clean(text or ""))
    if options.fold_script:
        text = to_simplified(text)
    lines: list[str] = []
    for raw_line in text.splitlines():
        line = whitespace.sub(" ", raw_line).strip()
        if not line or any(pattern.match(line) for pattern in options.volatile_patterns):
            continue
        for pattern in options.volatile_inline:
            line = pattern.sub(_blank_digits, line)
        lines.append(line)
    return lines


def _blank_digits(match: re.Match[str]) -> str:
    return re.sub(r"\d+", "#", match.group(0))


def content_hash(title: str | None, text: str, options: FingerprintOptions | None = None) -> str:
    """sha256 over the normalized title and text: equal exactly when a reader would see the same content."""
    digest = hashlib.sha256()
    for line in _hash_lines(title, text, options):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def same_but_spacing(
    title_a: str | None, text_a: str, title_b: str | None, text_b: str, options: FingerprintOptions | None = None
) -> bool:
    """True when two contents normalize to the same lines once the spaces inside lines are ignored.

    The hash keeps spaces (a space between two Latin words is a word break), so a newer extractor that stops
    splitting a table cell's runs (王利 钿 → 王利钿, 罚款 56 万元 → 罚款56万元) gives a page a new hash
    without a new word. The store asks this before it calls such a change an edit.
    """
    return _unspaced(title_a, text_a, options) == _unspaced(title_b, text_b, options)


def _unspaced(title: str | None, text: str, options: FingerprintOptions | None) -> list[str]:
    lines = [*_normalize(title or "", options, SPACES_BUT_TABS), "\x00", *_normalize(text, options, SPACES_BUT_TABS)]
    return [line.replace(" ", "") for line in lines]


def _hash_lines(title: str | None, text: str, options: FingerprintOptions | None) -> Iterable[str]:
    yield from normalize_lines(title or "", options)
    yield "\x00"  # keeps a title line from being confused with a first body line
    yield from normalize_lines(text, options)
