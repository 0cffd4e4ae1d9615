"""The scheduler running real crawl subprocesses on the simulated web, with alerts into loopback SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import yaml
from sched_helpers import CountingScheduler, Driver, use_virtual_clock, write_seed
from sqlmodel import col, select

from crawler import clock
from crawler.alerts.capture import LoopbackSMTP
from crawler.models import ChangeEvent, CrawlRun, Item, Outbox, SourceRow
from crawler.simulator import SimulatedWeb
from crawler.store import Store
from scheduler.service import Service, ServiceOptions

pytestmark = pytest.mark.slow
KEPT_SOURCES = ("sim-mee-szyw", "sim-mee-hjywnews")  # meetings, speeches and news; enough for two days


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSMTP]:
    with LoopbackSMTP() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        yield server


def alerts_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_runs: int = 3) -> None:
    document = {
        "subscriptions": [{"name": "meetings", "recipients": ["desk@example.org"]}],
        "admin": {"recipients": ["ops@example.org"], "bad_runs_before_alert": bad_runs},
    }
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("GOVWATCH_ALERTS", str(path))


def at(day_date: object, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day_date, time(hour, minute), tzinfo=clock.SHANGHAI)  # type: ignore[arg-type]


def test_two_days_of_real_crawls_alert_day_two_meetings_once(
    tmp_path: Path, sqlite_url: str, smtp: LoopbackSMTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_virtual_clock(monkeypatch)
    alerts_file(tmp_path, monkeypatch)
    with SimulatedWeb(sites=["mee"]) as web:
        seeds = tmp_path / "seeds"
        for path in web.write_seeds(seeds):
            if path.stem not in KEPT_SOURCES:
                path.unlink()
        monkeypatch.setenv(clock.NOW_ENV, at(web.date_of(1), 7).isoformat())
        options = ServiceOptions(
            db_url=sqlite_url, seeds=str(seeds), logs_dir=str(tmp_path / "logs"), jitter=0, crawl_timeout=120
        )
        driver = Driver(Service(options, scheduler_class=CountingScheduler)).start()
        try:
            driver.advance_to(at(web.date_of(1), 9))  # day 1, 08:00: the first crawl sets the baseline
            assert smtp.messages == []
            web.advance_to(2)
            driver.advance_to(at(web.date_of(2), 9))  # day 2, 08:00: new items, some of them meetings
        finally:
            driver.stop()

    store = Store(sqlite_url)
    with store.session() as session:
        runs = session.exec(select(CrawlRun).order_by(col(CrawlRun.id))).all()
        day_two = [run for run in runs if run.started_at >= at(web.date_of(2), 0)]
        meeting_events = session.exec(
            select(Item.id, ChangeEvent.change)
            .join(ChangeEvent, col(ChangeEvent.item_id) == col(Item.id))
            .where(Item.kind == "meeting", col(ChangeEvent.crawl_run_id).in_([run.id for run in day_two]))
        ).all()
        new_meetings = {item for item, change in meeting_events if change == "new"}
        alertable = sorted(item for item, change in meeting_events if change in ("new", "edited"))
        other_new = session.exec(
            select(Item.id)
            .join(ChangeEvent, col(ChangeEvent.item_id) == col(Item.id))
            .where(
                ChangeEvent.change == "new",
                Item.kind != "meeting",
                col(ChangeEvent.crawl_run_id).in_([r.id for r in day_two]),
            )
        ).all()
        outbox = session.exec(select(Outbox)).all()
    # Each day both sources were crawled together, by one subprocess, and finished ok.
    assert sorted((run.source_id, run.status) for run in runs) == sorted(
        [(s, "ok") for s in KEPT_SOURCES] * 2
    )
    assert (
        len(runs) == 4 and len({run.pid for run in runs[:2]}) == 1 and len({run.pid for run in runs[2:]}) == 1
    )
    assert len(list((tmp_path / "logs").glob("*.log"))) == 2

    assert new_meetings, "the simulated day 2 should publish at least one meeting"
    mails = smtp.wait_for(len(alertable))
    summaries = smtp.summaries()
    assert all(
        summary["kinds"] == ["meeting"] and summary["to"] == ["desk@example.org"] for summary in summaries
    )
    alerted = sorted(item for summary in summaries for item in summary["item_ids"])
    # Each day-2 meeting (new, or a real edit of a known one) exactly once; nothing from the day-1 baseline.
    assert alerted == alertable and new_meetings <= set(alerted)
    assert not set(alerted) & set(other_new)
    assert len(mails) == len(alertable)
    assert {row.status for row in outbox} == {"sent"}


def test_a_crashing_crawl_is_recorded_and_the_service_goes_on(
    tmp_path: Path, sqlite_url: str, smtp: LoopbackSMTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_virtual_clock(monkeypatch)
    alerts_file(tmp_path, monkeypatch, bad_runs=2)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "broken-source", "0 8 * * *")
    start = datetime(2026, 11, 1, 7, 0, tzinfo=clock.SHANGHAI)
    monkeypatch.setenv(clock.NOW_ENV, start.isoformat())
    options = ServiceOptions(
        db_url=sqlite_url,
        seeds=str(seeds),
        logs_dir=str(tmp_path / "logs"),
        jitter=0,
        crawl_timeout=60,
        crawl_settings={"SPIDER_MODULES": "no_such_module"},  # Scrapy dies at start-up: a real crash
    )
    driver = Driver(Service(options, scheduler_class=CountingScheduler)).start()
    try:
        driver.advance_to(start + timedelta(hours=2))
        driver.advance_to(start + timedelta(days=1, hours=2))
        assert driver.scheduler.running and driver.thread.is_alive()  # the service went on
        assert driver.scheduler.executed.count("crawl:0 8 * * *") == 2
    finally:
        driver.stop()

    store = Store(sqlite_url)
    with store.session() as session:
        runs = session.exec(select(CrawlRun).order_by(col(CrawlRun.id))).all()
        source = session.get(SourceRow, "broken-source")
    assert [run.status for run in runs] == ["crashed", "crashed"]
    assert all("exit status 1" in run.errors[0] and ".log" in run.errors[0] for run in runs)
    log_text = "\n".join(path.read_text() for path in (tmp_path / "logs").glob("*.log"))
    assert "no_such_module" in log_text
    assert source is not None and (source.health, source.consecutive_bad_runs, source.health_alerted) == (
        "failing",
        2,
        True,
    )
    (mail,) = smtp.wait_for(1)  # N = 2 bad runs: one admin mail, not one per run
    assert mail.type == "health" and mail.to == ("ops@example.org",) and "broken-source" in mail.subject


class HangingServer:
    """Accepts connections on loopback and never answers: a crawl against it runs until stopped."""

    def __init__(self) -> None:
        import socket
        import threading

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(50)
        self.port = self.socket.getsockname()[1]
        self.connections: list[object] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.socket.close()


def test_stopping_the_service_stops_a_running_crawl_and_releases_the_lock(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as clock_time

    from crawler.runner import live_crawls
    from scheduler.lock import RunLock

    use_virtual_clock(monkeypatch)
    monkeypatch.setenv("GOVWATCH_ALERTS", str(tmp_path / "none.yaml"))
    server = HangingServer()
    seeds = tmp_path / "seeds"
    write_seed(seeds, "hanging", "0 8 * * *", url=f"http://127.0.0.1:{server.port}/list/")
    start = datetime(2026, 11, 1, 7, 0, tzinfo=clock.SHANGHAI)
    monkeypatch.setenv(clock.NOW_ENV, start.isoformat())
    options = ServiceOptions(
        db_url=sqlite_url,
        seeds=str(seeds),
        logs_dir=str(tmp_path / "logs"),
        jitter=0,
        crawl_timeout=300,
        term_grace=2,
    )
    driver = Driver(Service(options, scheduler_class=CountingScheduler)).start()
    try:
        driver.set_now(start + timedelta(hours=1, minutes=1))
        driver.scheduler.wakeup()
        deadline = clock_time.monotonic() + 30
        while not (server.connections and live_crawls()):  # the crawl is running and waiting on the site
            assert clock_time.monotonic() < deadline, "the crawl did not start"
            clock_time.sleep(0.05)
        began = clock_time.monotonic()
        crawl_pids = [process.pid for process in live_crawls()]
    finally:
        driver.stop()  # what SIGTERM does
        server.close()
    assert (
        clock_time.monotonic() - began < 15
    )  # the crawl was stopped (SIGTERM, then SIGKILL), not waited for
    assert live_crawls() == []
    # The process table: neither the crawl nor anything of its process group survived.
    deadline = clock_time.monotonic() + 10
    while _group_members(crawl_pids) and clock_time.monotonic() < deadline:
        clock_time.sleep(0.1)
    assert _group_members(crawl_pids) == []
    with Store(sqlite_url).session() as session:
        (run,) = session.exec(select(CrawlRun)).all()
        source = session.get(SourceRow, "hanging")
    assert run.status == "crashed" and run.finished_at is not None  # closed by the runner, not left 'running'
    # Stopped by us, not broken: the source's health does not count it.
    assert source is not None and source.consecutive_bad_runs == 0
    with RunLock(Store(sqlite_url).engine):  # released
        pass


def _group_members(groups: list[int]) -> list[int]:
    """Live (not zombie) processes of these process groups, from the process table."""
    import os

    import psutil

    found = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) in groups and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (ProcessLookupError, PermissionError):
            continue
    return found
