"""The one clock of the project: aware UTC datetimes everywhere, Asia/Shanghai for people, overridable for tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from crawler.vocabulary import SHANGHAI

__all__ = ["NOW_ENV", "SHANGHAI", "as_utc", "iso", "now", "to_shanghai"]
# A fixed "now" (ISO 8601; naive means Asia/Shanghai) lets the demo, the simulator and tests move through
# days in seconds; crawl subprocesses inherit it through the environment.
NOW_ENV = "GOVWATCH_NOW"


def as_utc(moment: datetime) -> datetime:
    """Aware, or naive read as Asia/Shanghai (the sites' own zone) → aware UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)


def to_shanghai(moment: datetime | None) -> datetime | None:
    """Any datetime → aware Asia/Shanghai, for display and export (naive values are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in Asia/Shanghai (+08:00), to the second: the one date format of every output."""
    shown = to_shanghai(moment)
    return shown.isoformat(timespec="seconds") if shown else None


def now() -> datetime:
    """Current time as aware UTC, or the fixed time in $GOVWATCH_NOW."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        return as_utc(datetime.fromisoformat(fixed))
    return datetime.now(UTC)
