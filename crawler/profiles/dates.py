"""Dates in listing rows: full dates via the extraction date module, plus the listing-only short forms
([05-06], 5月6日) whose year comes from the article URL."""

from __future__ import annotations

import re
from datetime import date, datetime

from crawler.extract.dates import find_dates, url_date
from crawler.vocabulary import SHANGHAI

# Full-date formats that make sense in a listing row (no bare 8-digit numbers: they are ids there).
LISTING_FORMATS: tuple[str, ...] = ("cjk", "ymd", "dmy", "mdy")
# A month and day only ([05-06], 05-06, 5月6日); the year comes from the URL.
SHORT_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\d-])(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
)
URL_YEAR_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?:0[1-9]|1[0-2])/"),  # /202003/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/"),  # /art/2023/…, /2023/11-20/
    re.compile(r"[/_t](?P<y>(?:19|20)\d{2})(?:0[1-9]|1[0-2])\d{2}"),  # t20200323_
)


def _make(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None


def date_from_url(url: str | None) -> date | None:
    """The publication date an article URL carries (t20200323_…, /art/2020/3/4/, /20220426/, /2023/11-20/)."""
    found = url_date(url)
    return found.date() if found else None


def year_from_url(url: str | None) -> int | None:
    """The year an article URL carries, for short [MM-DD] listing dates."""
    for pattern in URL_YEAR_PATTERNS:
        match = pattern.search(url or "")
        if match:
            return int(match["y"])
    return None


def date_in_text(text: str | None, year: int | None = None) -> date | None:
    """A date printed in `text`; month-day-only forms need `year` (usually taken from the URL)."""
    found = find_dates(text or "", LISTING_FORMATS)
    if found:
        return found[0].value.date()
    if year:
        for pattern in SHORT_DATE_PATTERNS:
            for match in pattern.finditer(text or ""):
                short = _make(year, match["m"], match["d"])
                if short:
                    return short
    return None


def listing_date(text: str | None, url: str | None = None) -> date | None:
    """The date printed in a listing row, else the one in the article URL; None when neither has one."""
    return date_in_text(text, year_from_url(url)) or date_from_url(url)


def parse_date_value(value: object) -> date | None:
    """A date from a JSON field: a date string, or epoch seconds/milliseconds (read in China time)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, tz=SHANGHAI).date()
        except (OverflowError, OSError, ValueError):
            return None
    return listing_date(str(value))
