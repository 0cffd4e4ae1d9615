"""Crontab lines mean what crontab says, the same in seed validation and in the scheduler (crawler/cron.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crawler.config import Source
from crawler.cron import CronError, cron_trigger, crontab_weekdays
from crawler.vocabulary import SHANGHAI
from scheduler.service import cron_trigger as scheduler_trigger

# Sunday 2026-11-01 00:00 in Shanghai: a week of fires from here names each weekday once.
SUNDAY = datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)
SUN, MON, TUE, WED, THU, FRI, SAT = 6, 0, 1, 2, 3, 4, 5  # Python's weekday() numbers

# expression → the weekdays (Python numbering) it fires on during one week
WEEKLY = [
    ("0 9 * * 0", {SUN}),
    ("0 9 * * 7", {SUN}),
    ("0 9 * * sun", {SUN}),
    ("0 9 * * SUN", {SUN}),
    ("0 9 * * 1", {MON}),
    ("0 9 * * mon", {MON}),
    ("0 9 * * 5", {FRI}),
    ("0 9 * * sat", {SAT}),
    ("0 9 * * 1-5", {MON, TUE, WED, THU, FRI}),
    ("0 9 * * mon-fri", {MON, TUE, WED, THU, FRI}),
    ("0 9 * * 0-6", {SUN, MON, TUE, WED, THU, FRI, SAT}),
    ("0 9 * * 0-7", {SUN, MON, TUE, WED, THU, FRI, SAT}),
    ("0 9 * * *", {SUN, MON, TUE, WED, THU, FRI, SAT}),
    ("0 9 * * 5-7", {FRI, SAT, SUN}),
    ("0 9 * * fri-sun", {FRI, SAT, SUN}),
    ("0 9 * * sun-wed", {SUN, MON, TUE, WED}),
    ("0 9 * * 0,3", {SUN, WED}),
    ("0 9 * * sat,sun", {SAT, SUN}),
    ("0 9 * * 6,7", {SAT, SUN}),
    ("0 9 * * */2", {SUN, TUE, THU, SAT}),
    ("0 9 * * 1-5/2", {MON, WED, FRI}),
    ("0 9 * * 1/2", {MON, WED, FRI}),
]


def fire_days(trigger, start: datetime = SUNDAY, days: int = 7) -> list[datetime]:  # type: ignore[no-untyped-def]
    fires: list[datetime] = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment < start + timedelta(days=days):
        fires.append(moment)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(minutes=1))
    return fires


@pytest.mark.parametrize(("expression", "weekdays"), WEEKLY, ids=[e for e, _ in WEEKLY])
def test_weekday_lines_load_and_fire_on_crontab_days(expression: str, weekdays: set[int]) -> None:
    # The seed loads (validation) and the scheduler's trigger fires exactly on those days, at 09:00 Shanghai.
    source = Source(id="cron-case", name="n", org="o", listings=[{"url": "http://127.0.0.1/", "profile": "html"}],
                    schedule=expression)
    assert source.schedule == expression
    fires = fire_days(scheduler_trigger(expression))
    assert {moment.weekday() for moment in fires} == weekdays
    assert len(fires) == len(weekdays)
    assert all((moment.hour, moment.minute) == (9, 0) for moment in fires)
    assert fire_days(cron_trigger(expression)) == fires  # one translation for both


@pytest.mark.parametrize(
    "expression",
    ["0 9 * * 8", "0 9 * * funday", "0 9 * * 5-1", "0 9 * * 1-", "0 9 * *", "61 9 * * *", "0 9 * * 1/0"],
)
def test_invalid_lines_are_rejected_with_the_line_named(expression: str) -> None:
    with pytest.raises(CronError) as caught:
        cron_trigger(expression)
    assert repr(expression) in str(caught.value) or "5-field" in str(caught.value)
    with pytest.raises(ValueError, match="schedule"):
        Source(id="cron-case", name="n", org="o", listings=[{"url": "http://127.0.0.1/", "profile": "html"}],
               schedule=expression)


def test_day_of_month_and_weekday_both_set_fire_on_either() -> None:
    # Crontab: `0 9 10 * 5` fires on the 10th (a Tuesday in Nov 2026) AND every Friday; APScheduler alone
    # would wait for a Friday the 10th.
    fires = fire_days(cron_trigger("0 9 10 * 5"), SUNDAY, 30)
    assert [moment.day for moment in fires if moment.weekday() != FRI] == [10]
    assert [moment.day for moment in fires if moment.weekday() == FRI] == [6, 13, 20, 27]


def test_weekday_sets_use_crontab_numbering() -> None:
    assert crontab_weekdays("0") == crontab_weekdays("7") == {0}
    assert crontab_weekdays("mon-fri") == crontab_weekdays("1-5") == {1, 2, 3, 4, 5}
