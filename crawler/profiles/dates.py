"""Dates as printed in listings (2024-05-06, 2024/5/6, 2024.05.06, 2024年5月6日, [05-06]) and in article URLs."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

# Full dates in listing rows; named groups y, m, d. Tried in order, first valid one wins.
FULL_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
)
# A month and day only ([05-06], 05-06, 5月6日); the year comes from the URL.
SHORT_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\d-])(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
)
# Dates carried by article URLs: TRS t20200323_…, dated folders /202003/ or /20200323/, Hanweb /art/2020/3/4/.
URL_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/t(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})_\d+"),
    re.compile(r"/art/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})-(?P<d>\d{2})/"),  # Henan: /2023/11-20/2850423.html
)
URL_YEAR_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?:0[1-9]|1[0-2])/"),  # /202003/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/"),
    re.compile(r"[/_t](?P<y>(?:19|20)\d{2})(?:0[1-9]|1[0-2])\d{2}"),
)


def _make(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None


def date_from_url(url: str | None) -> date | None:
    """The publication date an article URL carries, if any."""
    for pattern in URL_DATE_PATTERNS:
        for match in pattern.finditer(url or ""):
            found = _make(match["y"], match["m"], match["d"])
            if found:
                return found
    return None


def year_from_url(url: str | None) -> int | None:
    """The year an article URL carries, for short [MM-DD] listing dates."""
    for pattern in URL_YEAR_PATTERNS:
        match = pattern.search(url or "")
        if match:
            return int(match["y"])
    return None


def date_in_text(text: str | None, year: int | None = None) -> date | None:
    """A date printed in `text`; month-day-only forms need `year` (usually taken from the URL)."""
    text = text or ""
    for pattern in FULL_DATE_PATTERNS:
        for match in pattern.finditer(text):
            found = _make(match["y"], match["m"], match["d"])
            if found:
                return found
    if year:
        for pattern in SHORT_DATE_PATTERNS:
            for match in pattern.finditer(text):
                found = _make(year, match["m"], match["d"])
                if found:
                    return found
    return None


def listing_date(text: str | None, url: str | None = None) -> date | None:
    """The date printed in a listing row, else the one in the article URL; None when neither has one."""
    return date_in_text(text, year_from_url(url)) or date_from_url(url)


def parse_date_value(value: object) -> date | None:
    """A date from a JSON field: a date string, or epoch seconds/milliseconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone(timedelta(hours=8))).date()
        except (OverflowError, OSError, ValueError):
            return None
    return listing_date(str(value))
