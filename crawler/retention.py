"""Housekeeping for years of unattended running: old crawl logs and delivered outbox rows are removed.

What is kept forever is the product: items, their versions and change events, crawl_run rows. What grows
without bound and serves nobody after a while is pruned: the per-run Scrapy log files (one or more a day
per cron group) and the outbox rows that were sent or gave up (each carries the alert's full text).
Pending outbox rows are never touched: they are work still to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, delete, func, or_, select
from sqlmodel import col

from crawler import clock
from crawler.models import Outbox
from crawler.vocabulary import FAILED, SENT

LOGS_ENV = "GOVWATCH_LOGS"
DEFAULT_LOGS_DIR = Path("var") / "logs"
KEEP_LOGS_ENV = "GOVWATCH_KEEP_LOGS_DAYS"
KEEP_OUTBOX_ENV = "GOVWATCH_KEEP_OUTBOX_DAYS"
DEFAULT_KEEP_LOGS_DAYS = 30  # long enough to read back a month of crawls when a source misbehaves
DEFAULT_KEEP_OUTBOX_DAYS = 90
# Outbox states that are finished: sent, or given up after the last retry.
FINISHED_OUTBOX = (SENT, FAILED)
LOG_SUFFIX = ".log"


def logs_dir() -> Path:
    """Where crawl logs go: $GOVWATCH_LOGS, or var/logs under the working directory."""
    return Path(os.environ.get(LOGS_ENV) or DEFAULT_LOGS_DIR)


def days_from_env(name: str, default: int) -> int:
    """A retention period in days from the environment; 0 keeps everything. A bad value is an error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a whole number of days (0 keeps everything)") from None
    if days < 0:
        raise ValueError(f"{name}={raw!r}: expected 0 or more days")
    return days


@dataclass(frozen=True)
class RetentionPolicy:
    """How many days of crawl logs and finished outbox rows to keep (0: keep everything)."""

    keep_logs_days: int = DEFAULT_KEEP_LOGS_DAYS
    keep_outbox_days: int = DEFAULT_KEEP_OUTBOX_DAYS

    @classmethod
    def from_env(cls) -> RetentionPolicy:
        return cls(
            keep_logs_days=days_from_env(KEEP_LOGS_ENV, DEFAULT_KEEP_LOGS_DAYS),
            keep_outbox_days=days_from_env(KEEP_OUTBOX_ENV, DEFAULT_KEEP_OUTBOX_DAYS),
        )


@dataclass
class PruneReport:
    """What one pass removed (or, in a dry run, would remove)."""

    log_files: list[str] = field(default_factory=list)
    log_bytes: int = 0
    outbox_rows: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "log_files": len(self.log_files),
            "log_bytes": self.log_bytes,
            "outbox_rows": self.outbox_rows,
            "dry_run": self.dry_run,
        }


def prune_logs(folder: Path, keep_days: int, now: datetime, report: PruneReport) -> None:
    """Remove `*.log` files directly in `folder` last written more than keep_days ago."""
    if keep_days <= 0 or not folder.is_dir():
        return
    cutoff = (now - timedelta(days=keep_days)).timestamp()
    for path in sorted(folder.iterdir()):
        # Only our own kind of file, never folders: the logs folder may be shared with other things.
        if path.suffix != LOG_SUFFIX or not path.is_file():
            continue
        try:
            status = path.stat()
            if status.st_mtime >= cutoff:
                continue
            if not report.dry_run:
                path.unlink()
        except FileNotFoundError:
            continue  # removed meanwhile (another pass, an operator): nothing to do
        report.log_files.append(str(path))
        report.log_bytes += status.st_size


def prune_outbox(engine: Engine, keep_days: int, now: datetime, report: PruneReport) -> None:
    """Delete outbox rows sent or failed more than keep_days ago; pending rows are never touched."""
    if keep_days <= 0:
        return
    cutoff = now - timedelta(days=keep_days)
    finished_before = and_(
        col(Outbox.status).in_(FINISHED_OUTBOX),
        or_(
            col(Outbox.sent_at) < cutoff,
            # A failed row has no sent_at: its last attempt is the time it was leased until.
            and_(col(Outbox.sent_at).is_(None), col(Outbox.next_attempt_at) < cutoff),
        ),
    )
    with engine.begin() as connection:
        if report.dry_run:
            counted = select(func.count()).select_from(Outbox).where(finished_before)
            report.outbox_rows = int(connection.execute(counted).scalar_one())
        else:
            report.outbox_rows = connection.execute(delete(Outbox).where(finished_before)).rowcount or 0


def prune(
    engine: Engine, policy: RetentionPolicy, folder: Path | None = None, dry_run: bool = False
) -> PruneReport:
    """One housekeeping pass over the crawl logs and the outbox."""
    now = clock.now()
    report = PruneReport(dry_run=dry_run)
    prune_logs(folder if folder is not None else logs_dir(), policy.keep_logs_days, now, report)
    prune_outbox(engine, policy.keep_outbox_days, now, report)
    return report
