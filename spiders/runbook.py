"""The crawl's run bookkeeping as a Scrapy extension: crawl_run rows, health, and alert delivery at close.

The spider asks it for a run id per source when it starts (`begin`) and tells it when a source has
nothing left to do (`finish`); at `spider_closed` every run still open is closed with its counts
(Scrapy's stats, spiders/stats.py), the pure health rule (crawler/run_status.py) and the health alerts,
then the outbox is delivered. The Store it opens is the spider's too (`RunBook.store`).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterable
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlmodel import col, select
from twisted.internet import task

from crawler import alerts
from crawler.config import SeedError
from crawler.models import CrawlRun
from crawler.run_status import classify
from crawler.runner import PARENT_ENV
from crawler.store import Store
from spiders import stats as runstats

log = logging.getLogger(__name__)


class RunBook:
    """Opens one crawl_run per source and closes each exactly once, with its counts, health and alerts."""

    def __init__(self, stats: StatsCollector, store: Store) -> None:
        self.stats = stats
        self.store = store
        self.runs: dict[str, int] = {}  # source id → crawl_run id, while open
        self.closed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunBook:
        # Opened here: an unreachable database or a broken alerts.yaml then fails the crawl's start-up
        # (exit status 1) instead of giving a crawl that silently stores or alerts nothing.
        book = cls(crawler.stats, Store(listeners=alerts.change_listeners()))
        crawler.signals.connect(book.spider_closed, signal=signals.spider_closed)
        return book

    @staticmethod
    def of(crawler: Crawler) -> RunBook:
        """The crawl's RunBook (settings EXTENSIONS must enable it)."""
        book = crawler.get_extension(RunBook)
        if book is None:
            raise RuntimeError("spiders.runbook.RunBook is not enabled in EXTENSIONS (crawler/settings.py)")
        return book

    def begin(self, source_id: str) -> int:
        """Open the source's run (runs of it left 'running' by a dead process become 'crashed')."""
        run_id = self.store.begin_run(source_id, pid=os.getpid())
        self.runs[source_id] = run_id
        return run_id

    def previous_status(self, source_id: str) -> str | None:
        """The status of the source's run before this one (None for a first crawl)."""
        run_id = self.runs.get(source_id, 1 << 62)
        with self.store.session() as session:
            return session.exec(
                select(CrawlRun.status)
                .where(CrawlRun.source_id == source_id, col(CrawlRun.id) < run_id)
                .order_by(col(CrawlRun.id).desc())
                .limit(1)
            ).first()

    def record_broken_seeds(self, errors: Iterable[SeedError], wanted: set[str] | None) -> None:
        """A requested source whose seed file is broken gets a failing run naming the file and key."""
        for error in errors:
            source_id = error.path.stem
            if wanted is not None and source_id not in wanted:
                continue
            if not source_id or any(char not in "abcdefghijklmnopqrstuvwxyz0123456789-" for char in source_id):
                continue
            run_id = self.store.begin_run(source_id, pid=os.getpid())
            change = self.store.finish_run(run_id, "failing", {}, [f"seed file not loaded: {error}"])
            self._health_alert(source_id, change)

    def finish(self, source_id: str, reason: str = "finished") -> None:
        """Close the source's run with its counts and health (once; later calls do nothing)."""
        run_id = self.runs.get(source_id)
        if run_id is None or source_id in self.closed:
            return
        self.closed.add(source_id)
        counts = runstats.run_counts(self.stats, source_id)
        errors = runstats.errors_of(self.stats, source_id)
        status = classify(counts, runstats.value(self.stats, source_id, "article_attempts"))
        if reason != "finished":
            errors.append(f"crawl stopped early: {reason}")
        change = self.store.finish_run(run_id, status, counts.as_dict(), errors)
        log.info("[%s] %s: %s", source_id, status, ", ".join(f"{k}={v}" for k, v in counts.as_dict().items() if v))
        self._health_alert(source_id, change)

    def spider_closed(self, spider: Any, reason: str) -> None:
        for source_id in list(self.runs):
            self.finish(source_id, reason)
        try:
            delivered = alerts.deliver_due(self.store)
            if delivered:
                log.info("delivered %d alert message(s)", delivered)
        except Exception:  # noqa: BLE001 - delivery is retried by the next crawl or the service
            log.exception("alert delivery failed")

    def _health_alert(self, source_id: str, change: Any) -> None:
        try:
            alerts.health_changed(self.store, change)
        except Exception:  # noqa: BLE001 - an alert failure must not lose the other sources' runs
            log.exception("health alert for %s failed", source_id)


class ParentWatch:
    """Stops the crawl gracefully (as SIGTERM does) when the process that started it is gone.

    The runner starts the crawl in its own session, so nothing else would end it when the CLI or the
    service dies without a chance to stop it (SIGKILL, out of memory).
    """

    CHECK_SECONDS = 1.0
    FORCE_AFTER_SECONDS = 10.0  # then a second SIGTERM: Scrapy's unclean shutdown (in-flight downloads dropped)

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.loop: task.LoopingCall | None = None
        self.orphaned_at: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParentWatch:
        parent = os.environ.get(PARENT_ENV)
        if not parent or not parent.isdigit():
            raise NotConfigured("not started by crawler.runner")
        watch = cls(int(parent))
        crawler.signals.connect(watch.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(watch.spider_closed, signal=signals.spider_closed)
        return watch

    def spider_opened(self, spider: Any) -> None:
        self.loop = task.LoopingCall(self.check)
        self.loop.start(self.CHECK_SECONDS, now=True)

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        if os.getppid() == self.parent:
            return
        now = time.monotonic()
        if self.orphaned_at is None:
            log.warning("the process that started this crawl (%d) is gone: stopping", self.parent)
            self.orphaned_at = now
            os.kill(os.getpid(), signal.SIGTERM)  # Scrapy's graceful shutdown: runs closed with their counts
        elif now - self.orphaned_at > self.FORCE_AFTER_SECONDS:
            self.spider_closed(None)
            os.kill(os.getpid(), signal.SIGTERM)  # the second one forces the shutdown
