"""All database tables (SQLModel). Datetimes are timezone-aware and stored as UTC (see crawler/clock.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Column, Index, Text, UniqueConstraint, event
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
    # The seed's tags, so feeds and the meeting calendar can be filtered by tag (migration 0006).
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
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


class AttachmentFile(SQLModel, table=True):
    """One attachment file's content, stored once however many notices link it: keyed by its bytes' sha256."""

    __tablename__ = "attachment_file"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    file_type: str = Field(max_length=16)  # pdf | docx | xlsx | xls | doc | wps | ofd | zip | unknown
    content_type: str | None = None  # as the server sent it
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    error: str | None = None  # why there is no (or only partial) text: "no text layer", "unsupported format", …
    first_seen: datetime


class ItemAttachment(SQLModel, table=True):
    """An attachment link of one item version, with the file it pointed to then (None: never fetched yet)."""

    __tablename__ = "item_attachment"
    __table_args__ = (
        UniqueConstraint("item_id", "version", "position", name="uq_item_attachment"),
        Index("ix_item_attachment_sha256", "sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    version: int  # the item_version.version this list belongs to
    position: int
    name: str
    url: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str | None = Field(default=None, foreign_key="attachment_file.sha256", max_length=64)
    fingerprint: str | None = Field(default=None, max_length=80)  # what enters the item's hash (state.py)
    fetch_error: str | None = None  # the last fetch's problem (the file as last seen is kept)
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None


# Full-text search over item and attachment text (crawler/search.py). Not ORM tables: SQLite keeps them as
# FTS5 virtual tables — trigram for terms of three characters or more, and a contentless bigram index for
# two-character terms (FTS5's trigram tokenizer cannot match shorter strings) — and PostgreSQL as a plain
# table with a pg_trgm GIN index. Created with the schema and by migration 0007.
SEARCH_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_doc USING fts5("
        "item_id UNINDEXED, name UNINDEXED, url UNINDEXED, body, tokenize='trigram')",
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_bigram USING fts5("
        "body, content='', detail='none', tokenize='unicode61')",
    ),
    "postgresql": (
        "CREATE TABLE IF NOT EXISTS search_doc (id BIGSERIAL PRIMARY KEY, "
        "item_id INTEGER NOT NULL REFERENCES item(id), name TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_item ON search_doc (item_id)",
    ),
}
# pg_trgm may need rights the database user lacks: search still works without the index, only slower.
SEARCH_DDL_OPTIONAL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_trgm ON search_doc USING gin (body gin_trgm_ops)",
    ),
}


def not_search_table(name: str | None, type_: str, _parent: Any) -> bool:
    """For alembic's comparisons: the search tables (and FTS5's shadow tables) are managed by hand above."""
    return not (type_ == "table" and (name or "").startswith("search_"))


def create_search_tables(connection: Any) -> None:
    """The search tables of the connection's dialect (idempotent)."""
    dialect = connection.dialect.name
    for statement in SEARCH_DDL.get(dialect, ()):
        connection.execute(DDL(statement))
    for statement in SEARCH_DDL_OPTIONAL.get(dialect, ()):
        try:
            with connection.begin_nested():
                connection.execute(DDL(statement))
        except Exception:  # noqa: BLE001 - e.g. no right to create the extension: search falls back to scans
            pass


event.listen(SQLModel.metadata, "after_create", lambda target, connection, **kw: create_search_tables(connection))
