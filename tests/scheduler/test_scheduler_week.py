"""The real scheduler (persisted APScheduler jobs) on a controlled clock: a week of cron fire times in seconds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sched_helpers
from sched_helpers import CountingScheduler, Driver, use_virtual_clock, write_seed
from sqlmodel import select

from crawler import clock
from crawler.models import CrawlRun
from crawler.store import Store
from scheduler.lock import LockHeld, RunLock
from scheduler.service import Service, ServiceOptions, cron_trigger

SH = clock.SHANGHAI
START = datetime(2026, 11, 1, 0, 0, tzinfo=SH)  # a Sunday


@pytest.fixture
def world(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceOptions]:
    use_virtual_clock(monkeypatch)
    monkeypatch.setenv(clock.NOW_ENV, START.isoformat())
    monkeypatch.setenv("GOVWATCH_ALERTS", str(tmp_path / "no-alerts.yaml"))
    seeds = tmp_path / "seeds"
    write_seed(seeds, "daily-a", "0 8 * * *")
    write_seed(seeds, "daily-b", "0  8 * * *")  # same cron, other spacing: the same group
    write_seed(seeds, "evening-d", "0 20 * * *")
    write_seed(seeds, "monday-c", "30 9 * * 1")  # crontab Monday (APScheduler 3 would read 1 as Tuesday)
    write_seed(seeds, "off-e", "0 8 * * *", enabled=False)
    sched_helpers.CALLS.clear()
    yield ServiceOptions(
        db_url=sqlite_url,
        seeds=str(seeds),
        logs_dir=str(tmp_path / "logs"),
        jitter=0,
        runner="sched_helpers:recording_run_crawl",
        deliver_every=3600,
    )


def calls_between(start: datetime, end: datetime) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (moment.astimezone(SH).strftime("%a %d %H:%M"), sources)
        for moment, sources in sched_helpers.CALLS
        if start <= moment < end
    ]


def test_a_week_of_per_source_crons_then_downtime_caught_up_once(
    world: ServiceOptions, tmp_path: Path
) -> None:
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    week_end = START + timedelta(days=7)
    driver.advance_to(week_end)
    driver.stop()

    expected = []
    for day in range(7):
        date = START + timedelta(days=day)
        expected.append((date.replace(hour=8).strftime("%a %d %H:%M"), ("daily-a", "daily-b")))
        if date.weekday() == 0:
            expected.append((date.replace(hour=9, minute=30).strftime("%a %d %H:%M"), ("monday-c",)))
        expected.append((date.replace(hour=20).strftime("%a %d %H:%M"), ("evening-d",)))
    assert calls_between(START, week_end) == expected
    assert ("Mon 02 09:30", ("monday-c",)) in expected
    # One crawl_run per source per fire, a log file per subprocess; the disabled source never ran.
    with Store(world.db_url).session() as session:
        runs = session.exec(select(CrawlRun)).all()
    assert len(runs) == 7 * 2 + 7 + 1 and "off-e" not in {run.source_id for run in runs}
    assert len(list((tmp_path / "logs").glob("*.log"))) == len(expected)

    # Down for two and a half days (Sun 08 00:00 → Tue 10 12:00): 3 daily, 2 evening and 1 Monday fire missed.
    back = START + timedelta(days=9, hours=12)
    driver.set_now(back)
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    caught_up = calls_between(week_end, back + timedelta(seconds=1))
    assert sorted(caught_up) == sorted(
        [
            ("Tue 10 12:00", ("daily-a", "daily-b")),
            ("Tue 10 12:00", ("evening-d",)),
            ("Tue 10 12:00", ("monday-c",)),
        ]
    )  # each missed job once, not once per missed fire
    driver.advance_to(back + timedelta(days=1))
    driver.stop()
    after = calls_between(back + timedelta(seconds=1), back + timedelta(days=1))
    assert after == [("Tue 10 20:00", ("evening-d",)), ("Wed 11 08:00", ("daily-a", "daily-b"))]

    # Exactly one day down (Wed 11 12:00 → Thu 12 12:00): the 20:00 and the 08:00 job each run once at start.
    down, up = back + timedelta(days=1), back + timedelta(days=2)
    driver.set_now(up)
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    driver.stop()
    assert sorted(calls_between(down + timedelta(seconds=1), up + timedelta(seconds=1))) == [
        ("Thu 12 12:00", ("daily-a", "daily-b")),
        ("Thu 12 12:00", ("evening-d",)),
    ]


def test_changed_schedule_replaces_the_job(world: ServiceOptions) -> None:
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    driver.advance_to(START + timedelta(hours=12))
    driver.stop()
    write_seed(Path(world.seeds or ""), "evening-d", "0 21 * * *")
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    ids = sorted(job.id for job in driver.scheduler.get_jobs())
    assert ids == ["crawl:0 21 * * *", "crawl:0 8 * * *", "crawl:30 9 * * 1", "deliver", "housekeeping"]
    driver.advance_to(START + timedelta(days=1))
    driver.stop()
    assert calls_between(START + timedelta(hours=12), START + timedelta(days=1)) == [
        ("Sun 01 21:00", ("evening-d",))
    ]


def test_a_second_service_on_the_same_database_is_refused(world: ServiceOptions) -> None:
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    try:
        with pytest.raises(LockHeld, match="already running"):
            Service(world, scheduler_class=CountingScheduler).run(install_signals=False)
    finally:
        driver.stop()
    # Released on stop: the next one starts.
    with RunLock(Store(world.db_url).engine):
        pass


def test_crontab_weekdays_mean_what_crontab_says() -> None:
    sunday = datetime(2026, 11, 1, 0, 0, tzinfo=SH)
    for expression, weekday in (
        ("0 9 * * 1", 0),
        ("0 9 * * 0", 6),
        ("0 9 * * 7", 6),
        ("0 9 * * 5", 4),
        ("0 9 * * sat", 5),
    ):
        fire = cron_trigger(expression).get_next_fire_time(None, sunday)
        assert fire is not None and fire.weekday() == weekday, expression
    weekdays = cron_trigger("0 9 * * 1-5")
    fires, moment = [], sunday
    for _ in range(6):
        moment = weekdays.get_next_fire_time(None, moment + timedelta(minutes=1))
        fires.append(moment.weekday())
    assert fires == [0, 1, 2, 3, 4, 0]


def test_run_once_crawls_every_enabled_source_now_grouped_by_cron(world: ServiceOptions) -> None:
    from scheduler.service import run_once

    outcomes = run_once(world)
    assert sorted(sources for _, sources in sched_helpers.CALLS) == [
        ("daily-a", "daily-b"),
        ("evening-d",),
        ("monday-c",),
    ]
    assert {moment for moment, _ in sched_helpers.CALLS} == {START}
    assert {
        source: status for outcome in outcomes.values() for source, status in outcome.statuses.items()
    } == {
        "daily-a": "ok",
        "daily-b": "ok",
        "evening-d": "ok",
        "monday-c": "ok",
    }
    # It held the lock while running and gave it back.
    with RunLock(Store(world.db_url).engine):
        pass


def test_run_once_is_refused_while_the_service_runs(world: ServiceOptions) -> None:
    from scheduler.service import run_once

    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    try:
        with pytest.raises(LockHeld):
            run_once(world)
    finally:
        driver.stop()
    assert sched_helpers.CALLS == []


def test_a_broken_seed_is_still_scheduled_so_that_its_failure_is_reported(tmp_path: Path) -> None:
    from crawler.config import load_seeds
    from scheduler.service import crawl_groups

    seeds = tmp_path / "seeds"
    write_seed(seeds, "fine", "0 8 * * *")
    (seeds / "typo-source.yaml").write_text(
        "id: typo-source\nname: x\norg: x\nlistings: []\nshedule: '0 8 * * *'\n"
    )
    groups = crawl_groups(load_seeds(seeds))
    assert groups == {"0 7 * * *": ["typo-source"], "0 8 * * *": ["fine"]}


@pytest.mark.postgres
def test_on_postgresql_jobs_persist_and_downtime_is_caught_up_once(
    world: ServiceOptions, postgres_url: str
) -> None:
    from dataclasses import replace

    options = replace(world, db_url=postgres_url)
    driver = Driver(Service(options, scheduler_class=CountingScheduler)).start()
    driver.advance_to(START + timedelta(days=1))
    driver.stop()
    assert calls_between(START, START + timedelta(days=1)) == [
        ("Sun 01 08:00", ("daily-a", "daily-b")),
        ("Sun 01 20:00", ("evening-d",)),
    ]
    up = START + timedelta(days=2, hours=12)  # down a day and a half
    driver.set_now(up)
    driver = Driver(Service(options, scheduler_class=CountingScheduler)).start()
    with pytest.raises(LockHeld):
        RunLock(Store(postgres_url).engine).acquire()
    driver.stop()
    assert sorted(calls_between(START + timedelta(days=1), up + timedelta(seconds=1))) == [
        ("Tue 03 12:00", ("daily-a", "daily-b")),
        ("Tue 03 12:00", ("evening-d",)),
        ("Tue 03 12:00", ("monday-c",)),
    ]


def test_housekeeping_runs_daily_at_a_quiet_hour(world: ServiceOptions) -> None:
    driver = Driver(Service(world, scheduler_class=CountingScheduler)).start()
    try:
        job = driver.scheduler.get_job("housekeeping")
        assert job is not None
        assert job.next_run_time.astimezone(SH).strftime("%Y-%m-%d %H:%M") == "2026-11-01 04:17"
    finally:
        driver.stop()
