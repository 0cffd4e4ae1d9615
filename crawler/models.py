"""All database tables (SQLModel). Datetimes are timezone-aware and stored as UTC (see crawler/clock.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# The values of the string columns (kinds, changes, statuses) are in crawler/vocabulary.py.


class SourceRow(SQLModel, table=True):
    """A watched source as last loaded from its seed, with its health."""

    __tablename__ = "source"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    org: str
    profile: str = Field(max_length=16)
    listing_urls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    schedule: str = Field(max_length=64)
    enabled: bool = True
    health: str = Field(default="unknown", max_length=16)
    health_since: datetime | None = None
    consecutive_bad_runs: int = 0
    health_alerted: bool = False  # an admin email went out for the current bad streak
    baseline_done: bool = False  # the first crawl sets the baseline and alerts nothing
    last_run_at: datetime | None = None
    last_new_at: datetime | None = None


class Item(SQLModel, table=True):
    """One article, identified by its canonical URL, with its current metadata."""

    __table_args__ = (
        Index("ix_item_source_id_id", "source_id", "id"),
        Index("ix_item_kind_id", "kind", "id"),
        Index("ix_item_next_revisit", "source_id", "status", "next_revisit_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    canonical_url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    url: str = Field(sa_column=Column(Text, nullable=False))  # the URL last fetched
    source_id: str = Field(foreign_key="source.id", max_length=64)
    title: str | None = None
    published: datetime | None = None
    published_guessed: bool = False
    source_name: str | None = None  # 来源 printed on the page
    organ: str | None = None
    doc_number: str | None = None
    kind: str = Field(default="news", max_length=16)
    status: str = Field(default="active", max_length=16)
    first_seen: datetime
    last_seen: datetime  # last time the page answered with content
    last_checked: datetime
    last_changed: datetime
    version_count: int = 0
    content_hash: str = Field(default="", max_length=64)
    etag: str | None = None
    last_modified: str | None = None
    gone_count: int = 0  # consecutive 404/410 answers
    revisits_done: int = 0
    next_revisit_at: datetime | None = None


class ItemVersion(SQLModel, table=True):
    """One distinct content of an item: a row per content-hash change."""

    __tablename__ = "item_version"
    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_item_version"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    version: int
    change: str = Field(max_length=16)  # new | edited
    content_hash: str = Field(max_length=64)
    title: str | None = None
    published: datetime | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fetched_at: datetime
    crawl_run_id: int | None = Field(default=None, foreign_key="crawl_run.id")


class ChangeEvent(SQLModel, table=True):
    """An append-only log of new / edited / deleted / restored items: the cursor for exports, feeds and webhooks."""

    __tablename__ = "change_event"
    __table_args__ = (
        Index("ix_change_event_item", "item_id", "id"),
        Index("ix_change_event_change_id", "change", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    version_id: int | None = Field(default=None, foreign_key="item_version.id")
    change: str = Field(max_length=16)
    source_id: str = Field(max_length=64, index=True)
    created_at: datetime = Field(index=True)
    crawl_run_id: int | None = Field(default=None, foreign_key="crawl_run.id")


class CrawlRun(SQLModel, table=True):
    """One crawl of one source: times, counts, outcome and errors."""

    __tablename__ = "crawl_run"
    __table_args__ = (Index("ix_crawl_run_source_started", "source_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=64)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)
    pid: int | None = None
    pages_fetched: int = 0
    listing_pages: int = 0
    listing_items: int = 0
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    not_modified: int = 0
    deleted: int = 0
    restored: int = 0
    failed: int = 0
    blocked: int = 0
    revisited: int = 0
    bytes_received: int = 0
    errors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Outbox(SQLModel, table=True):
    """A message to deliver (email or webhook), queued with the change that caused it, sent after commit."""

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)  # email | webhook
    subscription: str = Field(max_length=128)
    target: str = Field(sa_column=Column(Text, nullable=False))  # address list or URL
    dedupe_key: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None


class Consumer(SQLModel, table=True):
    """A named export consumer and the last change-event id it has fully received."""

    name: str = Field(primary_key=True, max_length=128)
    position: int = 0
    updated_at: datetime


class ServiceLock(SQLModel, table=True):
    """Who holds the `govwatch run` lock (the lock itself is an advisory or file lock, scheduler/lock.py)."""

    __tablename__ = "service_lock"

    name: str = Field(primary_key=True, max_length=64)
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
