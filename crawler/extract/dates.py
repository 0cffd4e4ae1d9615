"""Dates as Chinese government and reposting pages print them, read in Asia/Shanghai."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from crawler.vocabulary import SHANGHAI

MIN_YEAR, MAX_YEAR = 1949, 2100

_TIME = r"(?:\s*(?:T|\s)?\s*(?P<h>\d{1,2})[:：时](?P<mi>\d{1,2})(?:[:：分](?P<s>\d{1,2}))?秒?)?"
# Named date formats, tried in order; each has groups y, m, d and optionally h, mi, s.
DATE_FORMATS: dict[str, re.Pattern[str]] = {
    # 2020年2月1日, 2020 年 2 月 1 日 14:30
    "cjk": re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME),
    # 2020-03-23, 2023/8/7 17:50:30, 2023.06.02, 2022-04-17T14:46:00
    "ymd": re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])" + _TIME),
    # 01.09.2016 23:06 — day.month.year as reposting portals print it
    "dmy": re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)" + _TIME),
    # 7/5/2005 9:23:57 PM — month/day/year as US-configured ASP sites print it
    "mdy": re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?!\d)" + _TIME + r"(?:\s*(?P<ampm>[AaPp][Mm]))?"),
    # 二〇二〇年二月一日 — the signature date of an official document
    "cjk_numerals": re.compile(
        r"(?P<y>[〇○零Ｏ0一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月\s*"
        r"(?P<d>[一二三四五六七八九十]{1,3})\s*日"
    ),
    # 20200323 as a bare compact date (only where a label says it is a date)
    "compact": re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)"),
}
# Dates carried by article URLs: TRS t20230602_123.shtml, /202003/, Hanweb /art/2020/3/4/.
URL_DATE_FORMATS: dict[str, re.Pattern[str]] = {
    "trs_t": re.compile(r"/t(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)_\d+"),
    "hanweb_art": re.compile(r"/art/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    "path_ymd": re.compile(r"/(?P<y>(?:19|20)\d{2})[-_/]?(?P<m>[01]\d)[-_/]?(?P<d>[0-3]\d)/"),
    "content_ymd": re.compile(r"[/_](?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)[/_.]"),
}
# Labels that introduce the publication date in a page.
DATE_LABEL = re.compile(
    r"(?:发布时间|發佈時間|發布時間|发表时间|發表時間|发布日期|發佈日期|發布日期|发文日期|成文日期|印发日期|"
    r"生成日期|公开日期|更新时间|更新日期|时间|時間|日期)\s*[:：]?\s*"
)
# Labels that say a date is when the article was published: such a visible date wins over a meta tag that
# disagrees. Not 更新时间 (an update), 成文日期/印发日期 (when the document was written or printed, legitimately
# earlier) nor 生成日期; a bare 时间/日期 counts only as a field of its own (line start, after a space or bracket).
PUBLICATION_LABEL = re.compile(
    r"(?:发布时间|發佈時間|發布時間|发表时间|發表時間|发布日期|發佈日期|發布日期|公开日期|公開日期|"
    r"(?:^|(?<=[\s|｜【\[(（]))(?:时间|時間|日期))\s*[:：]?\s*"
)
CJK_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class FoundDate:
    """A date read from text, with where it was and which format matched."""

    value: datetime
    start: int
    end: int
    fmt: str


def cjk_number(s: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23, 三十一 → 31."""
    if "十" in s:
        tens, _, units = s.partition("十")
        return (CJK_DIGITS.get(tens, 1) if tens else 1) * 10 + (CJK_DIGITS.get(units, 0) if units else 0)
    return CJK_DIGITS.get(s, -1)


def make_date(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime | None:
    """A Shanghai-time datetime, or None if the parts are not a real date in the plausible range."""
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    try:
        return datetime(y, m, d, h if h < 24 else 0, mi if mi < 60 else 0, s if s < 60 else 0, tzinfo=SHANGHAI)
    except ValueError:
        return None


def _from_match(m: re.Match[str], fmt: str) -> datetime | None:
    g = m.groupdict()
    if fmt == "cjk_numerals":
        y = int("".join(str(CJK_DIGITS.get(c, 0)) for c in g["y"]))
        return make_date(y, cjk_number(g["m"]), cjk_number(g["d"]))
    h = int(g["h"]) if g.get("h") else 0
    if g.get("ampm") and g["ampm"].lower() == "pm" and h < 12:
        h += 12
    mi = int(g["mi"]) if g.get("mi") else 0
    s = int(g["s"]) if g.get("s") else 0
    return make_date(int(g["y"]), int(g["m"]), int(g["d"]), h, mi, s)


def find_dates(
    text: str, formats: tuple[str, ...] = ("cjk", "ymd", "dmy", "mdy", "cjk_numerals")
) -> list[FoundDate]:
    """Every date in `text`, in order of position; overlapping matches keep the earliest format listed."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for fmt in formats:
        for m in DATE_FORMATS[fmt].finditer(text or ""):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value = _from_match(m, fmt)
            if value is not None:
                found.append(FoundDate(value, m.start(), m.end(), fmt))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def parse_date(text: str) -> datetime | None:
    """The first date in `text` in any known format (a bare 8-digit date counts here), else None."""
    text = (text or "").strip()
    found = find_dates(text)
    if found:
        return found[0].value
    m = DATE_FORMATS["compact"].search(text)
    return _from_match(m, "compact") if m else None


def labelled_date(text: str, label: re.Pattern[str] = DATE_LABEL) -> datetime | None:
    """The first date that follows a label such as 发布时间: or 发表时间: (within a few characters)."""
    for m in label.finditer(text or ""):
        found = find_dates(text[m.end() : m.end() + 40])
        if found and found[0].start <= 2:
            return found[0].value
    return None


def publication_date(text: str) -> datetime | None:
    """The first date right after a publication label (发布时间:, 发布日期:, 时间:, 日期: …), else None."""
    return labelled_date(text, PUBLICATION_LABEL)


def url_date(url: str | None) -> datetime | None:
    """The date an article URL carries (t20230602_…, /art/2020/3/4/, /202003/23/), else None."""
    if not url:
        return None
    for fmt, pattern in URL_DATE_FORMATS.items():
        m = pattern.search(url)
        if m:
            value = _from_match(m, fmt)
            if value is not None:
                return value
    return None
