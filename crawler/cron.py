"""Standard 5-field crontab lines as APScheduler 3 triggers: one translation for seed validation and the scheduler.

APScheduler 3's `day_of_week` counts from Monday = 0 and its names range Monday → Sunday, while crontab
counts from Sunday = 0 (7 is Sunday too) and its ranges run Sunday → Saturday. Read by APScheduler directly,
`0 9 * * 1` would fire on Tuesdays, `0 9 * * 7` would not load and `sun-wed` would be an empty range. So the
weekday field is parsed here with crontab's meaning and handed to APScheduler as an explicit list of names.
Crontab's other rule that APScheduler does not share: when both the day of the month and the day of the week
are restricted, a line fires on a day matching EITHER (`0 9 1 * mon`: the 1st, and every Monday).
"""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import Any

from crawler.vocabulary import SHANGHAI

# Crontab's weekday numbers (0 and 7 are Sunday) and names, and APScheduler 3's names in its own order.
CRON_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
APSCHEDULER_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(r"^(?P<range>\*|(?P<first>\w+)(?:-(?P<last>\w+))?)(?:/(?P<step>\d+))?$")


class CronError(ValueError):
    """A schedule that is not a valid standard 5-field crontab line."""


def _day_number(text: str, expression: str) -> int:
    lowered = text.lower()
    if lowered.isdigit() and int(lowered) <= 7:
        return int(lowered)
    if lowered in CRON_DAY_NAMES:
        return CRON_DAY_NAMES.index(lowered)
    raise CronError(f"{text!r} is not a day of the week (0-7 or sun-sat) in {expression!r}")


def crontab_weekdays(field: str, expression: str = "") -> frozenset[int]:
    """The weekdays (crontab numbering, Sunday = 0) that a crontab day-of-week field selects."""
    days: set[int] = set()
    for part in field.split(","):
        match = _PART.match(part.strip())
        if not match:
            raise CronError(f"{part!r} is not a day-of-week item in {expression or field!r}")
        step = int(match["step"]) if match["step"] else 1
        if step < 1:
            raise CronError(f"step 0 in {expression or field!r}")
        if match["range"] == "*":
            first, last = 0, 6
        else:
            first = _day_number(match["first"], expression or field)
            if match["last"]:
                last = _day_number(match["last"], expression or field)
                # `fri-sun`: Sunday closing a range is the week's end (7), as `5-7` says with numbers.
                if last == 0 and first > 0:
                    last = 7
            else:
                last = 6 if match["step"] else first  # `1/2`: from Monday to the end of the week
            if first > last:
                raise CronError(f"range {part!r} runs backwards in {expression or field!r}")
        days.update(day % 7 for day in range(first, last + 1, step))
    return frozenset(days)


def apscheduler_day_of_week(field: str, expression: str = "") -> str:
    """A crontab day-of-week field as APScheduler 3 reads the same days: `*` or a list of its names."""
    days = crontab_weekdays(field, expression)
    if len(days) == 7:
        return "*"
    return ",".join(APSCHEDULER_DAY_NAMES[(day - 1) % 7] for day in sorted(days, key=lambda d: (d - 1) % 7))


def cron_trigger(expression: str, *, timezone: tzinfo = SHANGHAI, jitter: int | None = None) -> Any:
    """The APScheduler 3 trigger that fires when the standard crontab line `expression` does.

    Raises CronError (a ValueError) with the reason when the line is not valid crontab.
    """
    # Imported here so that loading seeds does not pull the scheduler in before it is needed.
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    if len(fields) != 5:
        raise CronError(f"schedule must be a 5-field cron expression, got {expression!r}")
    minute, hour, day, month, weekday = fields
    day_of_week = apscheduler_day_of_week(weekday, expression)

    def trigger(day: str, day_of_week: str, jitter: int | None) -> CronTrigger:
        try:
            return CronTrigger(
                minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                timezone=timezone, jitter=jitter or None,
            )
        except ValueError as exc:
            raise CronError(f"{expression!r}: {exc}") from exc

    # Crontab (Vixie) applies the either-day rule when neither field starts with `*`.
    if not day.startswith("*") and not weekday.startswith("*"):
        return OrTrigger([trigger(day, "*", None), trigger("*", day_of_week, None)], jitter=jitter or None)
    return trigger(day, day_of_week, jitter)
