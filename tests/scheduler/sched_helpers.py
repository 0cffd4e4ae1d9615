"""Scheduler test helpers: APScheduler on the project clock ($GOVWATCH_NOW), a service driven through days."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)
from apscheduler.schedulers.blocking import BlockingScheduler

from crawler import clock
from crawler.runner import CrawlResult
from crawler.store import Store
from scheduler.service import CRAWL_JOB_PREFIX, Service

# Every call of the recording runner: (time it ran, the sources of that one subprocess-equivalent).
CALLS: list[tuple[datetime, tuple[str, ...]]] = []


class VirtualDatetime(datetime):
    """datetime whose now() is crawler.clock.now(): APScheduler then lives in $GOVWATCH_NOW time."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


def use_virtual_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point APScheduler's notion of now at the project clock (scheduler loop, misfire check, intervals)."""
    import apscheduler.executors.base
    import apscheduler.schedulers.base
    import apscheduler.triggers.interval

    for module in (apscheduler.schedulers.base, apscheduler.executors.base, apscheduler.triggers.interval):
        monkeypatch.setattr(module, "datetime", VirtualDatetime)


def recording_run_crawl(
    source_ids: list[str],
    *,
    db_url: str | None = None,
    seeds: Any = None,
    log_file: Any = None,
    timeout: float | None = None,
    env: Any = None,
    settings: Any = None,
) -> CrawlResult:
    """run_crawl's signature, recording the call and a finished 'ok' run per source instead of crawling."""
    CALLS.append((clock.now(), tuple(source_ids)))
    store = Store(db_url)
    runs = []
    for source_id in source_ids:
        run_id = store.begin_run(source_id)
        store.finish_run(run_id, "ok", {"listing_pages": 1, "listing_items": 1}, [])
        runs.append(run_id)
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        Path(log_file).write_text(f"recorded crawl of {','.join(source_ids)} at {clock.now().isoformat()}\n")
    from crawler.models import CrawlRun

    with store.session() as session:
        rows = [session.get(CrawlRun, run_id) for run_id in runs]
    return CrawlResult(
        returncode=0, timed_out=False, runs=[row for row in rows if row is not None], log_file=log_file
    )


def write_seed(
    folder: Path, source_id: str, schedule: str, enabled: bool = True, url: str = "http://127.0.0.2:9/list/"
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    seed = {
        "id": source_id,
        "name": f"测试来源 {source_id}",
        "org": "测试",
        "listings": [{"url": url, "profile": "html"}],
        "schedule": schedule,
        "enabled": enabled,
    }
    (folder / f"{source_id}.yaml").write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")


class CountingScheduler(BlockingScheduler):
    """The real BlockingScheduler, counting its passes and its jobs in flight so a test knows when it is idle."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.passes = 0
        self.in_flight = 0
        self.executed: list[str] = []
        self.missed: list[str] = []
        self._counter = threading.Condition()
        self.add_listener(
            self._count, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        )

    def _count(self, event: Any) -> None:
        with self._counter:
            if event.code == EVENT_JOB_SUBMITTED:
                self.in_flight += 1
            else:
                self.in_flight -= 1
                (self.missed if event.code == EVENT_JOB_MISSED else self.executed).append(event.job_id)
            self._counter.notify_all()

    def _process_jobs(self) -> float | None:
        wait = super()._process_jobs()
        with self._counter:
            self.passes += 1
            self._counter.notify_all()
        return wait

    def settle(self, timeout: float = 60.0) -> None:
        """Wake the loop, wait for one full pass over the job stores and for every job it started to end."""
        deadline = time.monotonic() + timeout
        with self._counter:
            before = self.passes
        self.wakeup()
        with self._counter:
            while self.passes <= before or self.in_flight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the scheduler did not settle")
                self._counter.wait(remaining)


class Driver:
    """Runs a Service in a thread and moves its clock ($GOVWATCH_NOW) fire time by fire time."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.thread = threading.Thread(target=service.run, kwargs={"install_signals": False}, daemon=True)

    @property
    def scheduler(self) -> CountingScheduler:
        assert isinstance(self.service.scheduler, CountingScheduler)
        return self.service.scheduler

    def start(self) -> Driver:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not (self.service.scheduler is not None and self.service.scheduler.running):
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.01)
        self.scheduler.settle()
        return self

    def set_now(self, moment: datetime) -> None:
        os.environ[clock.NOW_ENV] = moment.isoformat()

    def next_crawl_time(self) -> datetime | None:
        times = [
            job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith(CRAWL_JOB_PREFIX) and job.next_run_time is not None
        ]
        return min(times) if times else None

    def advance_to(self, target: datetime) -> None:
        """Live through every fire time up to `target`, as a service running continuously would."""
        while True:
            upcoming = self.next_crawl_time()
            if upcoming is None or upcoming > target:
                break
            self.set_now(upcoming)
            self.scheduler.settle()
        self.set_now(target)
        self.scheduler.settle()

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
