"""The read side, shared by the CLI and the web: items (keyset pages or by change), versions, diffs, sources
with health, feed entries. One row format, one date format (`clock.iso`), texts cleaned on the way out."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from crawler.clock import iso
from crawler.config import SeedSet
from crawler.diffing import side_by_side, unified_diff
from crawler.export import event_query, meeting_record, record_from_row
from crawler.models import ChangeEvent, CrawlRun, Item, ItemVersion, SourceRow
from crawler.textsafe import clean_value
from crawler.vocabulary import CHANGES, DELETED, EDITED, NEW, UNKNOWN

PAGE_DEFAULT = 50
PAGE_MAX = 200
# Ids a search (`q`) reads per request at most; a page may then hold fewer matches and still have a next cursor.
SEARCH_WINDOW = 20_000
FEED_SIZE = 50


class BadRequest(ValueError):
    """A filter or cursor the caller got wrong (answered with 400)."""


# --- cursors ------------------------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    """An opaque cursor: the id of the last row served (the list is ordered by id, newest first)."""
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        if prefix != "v1":
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest("invalid cursor: pass back the next_cursor of a previous page") from exc


# --- items --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemQuery:
    """Filters of the items list; empty fields do not filter. Same meaning as `govwatch items`."""

    source: str | None = None
    kind: str | None = None
    change: str | None = None  # items with at least one event of this change (since `since`, if given)
    since: datetime | None = None  # with change: events since; alone: items first seen since
    q: str | None = None  # a substring of the title or document number
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


def _derived_change(status: str, versions: int) -> str:
    """The item's latest change, as a badge: deleted, edited (more than one version) or new."""
    if status == DELETED:
        return DELETED
    return EDITED if versions > 1 else NEW


def item_summary(row: Any) -> dict[str, Any]:
    m = row._mapping
    return clean_value({
        "id": m["id"],
        "url": m["canonical_url"],
        "source_id": m["source_id"],
        "title": m["title"],
        "published": iso(m["published"]),
        "source": m["source_name"],
        "organ": m["organ"],
        "doc_number": m["doc_number"],
        "kind": m["kind"],
        "status": m["status"],
        "change": _derived_change(m["status"], m["version_count"]),
        "version": m["version_count"],
        "content_hash": m["content_hash"],
        "first_seen": iso(m["first_seen"]),
        "last_changed": iso(m["last_changed"]),
    })


ITEM_COLUMNS = (
    Item.id,
    Item.canonical_url,
    Item.source_id,
    Item.title,
    Item.published,
    Item.source_name,
    Item.organ,
    Item.doc_number,
    Item.kind,
    Item.status,
    Item.version_count,
    Item.content_hash,
    Item.first_seen,
    Item.last_changed,
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_items(connection: Connection, wanted: ItemQuery) -> tuple[list[dict[str, Any]], str | None]:
    """One page of items, newest first (by id), and the cursor of the next page (None on the last).

    Keyset pagination (`id < cursor`) walks the primary key or the (source_id, id) / (kind, id) indexes,
    so a deep page costs what the first one does; OFFSET would scan every skipped row.
    """
    if wanted.change is not None and wanted.change not in CHANGES:
        raise BadRequest(f"change must be one of {', '.join(CHANGES)}")
    limit = max(1, min(wanted.limit, PAGE_MAX))
    query = select(*ITEM_COLUMNS)
    before = decode_cursor(wanted.cursor) if wanted.cursor else None
    if before is not None:
        query = query.where(Item.id < before)
    if wanted.source:
        query = query.where(Item.source_id == wanted.source)
    if wanted.kind:
        query = query.where(Item.kind == wanted.kind)
    change = wanted.change or ("new" if wanted.since is not None else None)
    if change == "edited" and wanted.since is None:
        query = query.where(Item.version_count > 1)  # the same set, without touching the event log
    elif change is not None and not (change == "new" and wanted.since is None):  # every item has its "new"
        # The matching events are few next to the items (ix_change_event_change_id, ix_change_event_created_at):
        # select their item ids once rather than probe the log for every item walked.
        events = select(ChangeEvent.item_id).where(ChangeEvent.change == change)
        if wanted.since is not None:
            events = events.where(ChangeEvent.created_at >= wanted.since)
        query = query.where(Item.id.in_(events))
    window_floor = None
    if wanted.q:
        pattern = f"%{_escape_like(wanted.q.strip())}%"
        query = query.where(
            or_(Item.title.like(pattern, escape="\\"), Item.doc_number.like(pattern, escape="\\"))
        )
        # A substring has no index: read at most SEARCH_WINDOW ids per request, so that a rare or absent
        # term costs the same bounded scan on every page instead of the whole table at once.
        top = before if before is not None else (connection.execute(select(func.max(Item.id))).scalar() or 0) + 1
        window_floor = max(top - SEARCH_WINDOW, 0)
        query = query.where(Item.id >= window_floor)
    rows = connection.execute(query.order_by(Item.id.desc()).limit(limit + 1)).all()
    items = [item_summary(row) for row in rows[:limit]]
    if len(rows) > limit:
        next_cursor: str | None = encode_cursor(items[-1]["id"])
    elif window_floor is not None and window_floor > 1:  # the window ended first: older items remain to search
        next_cursor = encode_cursor(window_floor)
    else:
        next_cursor = None
    return items, next_cursor


def get_item(connection: Connection, item_id: int) -> dict[str, Any] | None:
    row = connection.execute(select(*ITEM_COLUMNS, Item.url).where(Item.id == item_id)).first()
    if row is None:
        return None
    summary = item_summary(row)
    summary["last_url"] = row._mapping["url"]
    return summary


def list_versions(connection: Connection, item_id: int, with_text: bool = True) -> list[dict[str, Any]]:
    columns = [
        ItemVersion.version,
        ItemVersion.change,
        ItemVersion.content_hash,
        ItemVersion.title,
        ItemVersion.published,
        ItemVersion.fetched_at,
        func.length(ItemVersion.text).label("length"),
    ]
    if with_text:
        columns.append(ItemVersion.text)
    rows = connection.execute(
        select(*columns).where(ItemVersion.item_id == item_id).order_by(ItemVersion.version)
    ).all()
    out = []
    for row in rows:
        m = row._mapping
        version = {
            "version": m["version"],
            "change": m["change"],
            "content_hash": m["content_hash"],
            "title": m["title"],
            "published": iso(m["published"]),
            "fetched_at": iso(m["fetched_at"]),
            "length": m["length"],
        }
        if with_text:
            version["text"] = m["text"]
        out.append(clean_value(version))
    return out


def pick_pair(count: int, old: int | None, new: int | None) -> tuple[int, int]:
    """The versions to compare: as asked, with the defaults 'the one before `to`' and 'the last'."""
    if count < 1:
        raise BadRequest("this item has no stored version")
    new = count if new is None else new
    old = max(1, new - 1) if old is None else old
    for number in (old, new):
        if not 1 <= number <= count:
            raise BadRequest(f"no version {number} (this item has versions 1..{count})")
    return old, new


def version_texts(connection: Connection, item_id: int, numbers: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Title, text, hash and meta of the named versions of an item, by version number."""
    rows = connection.execute(
        select(
            ItemVersion.version, ItemVersion.title, ItemVersion.text, ItemVersion.content_hash, ItemVersion.meta
        ).where(
            ItemVersion.item_id == item_id, ItemVersion.version.in_(list(numbers))
        )
    ).all()
    return {row.version: clean_value(dict(row._mapping)) for row in rows}


def version_meeting(connection: Connection, item_id: int, version: int) -> dict[str, Any] | None:
    """The meeting facts of one version (docs/EXPORT.md `meeting`), None for items that are not meetings."""
    found = connection.execute(
        select(ItemVersion.meta["meeting"]).where(ItemVersion.item_id == item_id, ItemVersion.version == version)
    ).scalar()
    return meeting_record(found)


def diff(connection: Connection, item_id: int, count: int, old: int | None, new: int | None) -> dict[str, Any]:
    """Unified text plus side-by-side rows with character segments between two versions."""
    old, new = pick_pair(count, old, new)
    texts = version_texts(connection, item_id, (old, new))
    before, after = texts[old], texts[new]
    rows = side_by_side(before["text"], after["text"])
    return {
        "item_id": item_id,
        "from": old,
        "to": new,
        "title_changed": before["title"] != after["title"],
        "from_title": before["title"],
        "to_title": after["title"],
        "unified": unified_diff(before["text"], after["text"], f"v{old}", f"v{new}"),
        "changed_rows": sum(1 for row in rows if row.op != "equal"),
        "rows": [
            {
                "op": row.op,
                "old": row.old,
                "new": row.new,
                "old_segments": [{"op": s.op, "text": s.text} for s in row.old_segments],
                "new_segments": [{"op": s.op, "text": s.text} for s in row.new_segments],
            }
            for row in rows
        ],
    }


def recent_changes(connection: Connection, limit: int = 8) -> list[dict[str, Any]]:
    """The newest change events, light (no text): what the items page shows above the list."""
    rows = connection.execute(
        select(
            ChangeEvent.id, ChangeEvent.change, ChangeEvent.created_at, ChangeEvent.item_id, ChangeEvent.source_id,
            Item.title, Item.kind, Item.version_count, ItemVersion.version,
        )
        .join(Item, Item.id == ChangeEvent.item_id)
        .outerjoin(ItemVersion, ItemVersion.id == ChangeEvent.version_id)
        .order_by(ChangeEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        clean_value({
            "event_id": row.id,
            "change": row.change,
            "created_at": iso(row.created_at),
            "item_id": row.item_id,
            "source_id": row.source_id,
            "title": row.title,
            "kind": row.kind,
            "version": row.version if row.version is not None else row.version_count,
        })
        for row in rows
    ]


# --- sources ------------------------------------------------------------------------------------------


def sources_health(connection: Connection) -> list[dict[str, Any]]:
    """Every source row with its health, its last run and its newest item (a few grouped queries)."""
    sources = connection.execute(select(SourceRow).order_by(SourceRow.id)).all()
    last_runs = select(func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source_id).subquery()
    runs = {
        run.source_id: run
        for run in connection.execute(select(CrawlRun).join(last_runs, last_runs.c.id == CrawlRun.id)).all()
    }
    newest = select(func.max(Item.id).label("id")).group_by(Item.source_id).subquery()
    newest_items = {
        row.source_id: row
        for row in connection.execute(
            select(Item.id, Item.source_id, Item.title, Item.first_seen).join(newest, newest.c.id == Item.id)
        ).all()
    }
    counts = dict(
        connection.execute(select(Item.source_id, func.count()).group_by(Item.source_id)).all()  # type: ignore[arg-type]
    )
    out: list[dict[str, Any]] = []
    for source in sources:
        run = runs.get(source.id)
        item = newest_items.get(source.id)
        out.append(
            {
                "id": source.id,
                "name": source.name,
                "org": source.org,
                "profile": source.profile,
                "listing_urls": list(source.listing_urls or []),
                "schedule": source.schedule,
                "enabled": source.enabled,
                "health": source.health,
                "health_since": iso(source.health_since),
                "consecutive_bad_runs": source.consecutive_bad_runs,
                "last_run_at": iso(source.last_run_at),
                "last_new_at": iso(source.last_new_at),
                "items": int(counts.get(source.id, 0)),
                "last_run": None
                if run is None
                else {
                    "id": run.id,
                    "status": run.status,
                    "started_at": iso(run.started_at),
                    "finished_at": iso(run.finished_at),
                    "pages_fetched": run.pages_fetched,
                    "new": run.new,
                    "edited": run.edited,
                    "unchanged": run.unchanged,
                    "deleted": run.deleted,
                    "failed": run.failed,
                    "blocked": run.blocked,
                    "errors": list(run.errors or [])[:5],
                },
                "last_new_item": None
                if item is None
                else {"id": item.id, "title": item.title, "first_seen": iso(item.first_seen)},
            }
        )
    return clean_value(out)


def source_ids(connection: Connection) -> list[str]:
    return list(connection.execute(select(SourceRow.id).order_by(SourceRow.id)).scalars())




# --- feeds --------------------------------------------------------------------------------------------


def feed_records(
    connection: Connection, *, source: str | None = None, kind: str | None = None, limit: int = FEED_SIZE
) -> list[dict[str, Any]]:
    """The newest change events (export records, newest first), optionally of one source or one kind."""
    # The same joined row as the export, so a feed entry and an export record always agree.
    query = event_query(limit=limit).order_by(None).order_by(ChangeEvent.id.desc())
    if source:
        query = query.where(ChangeEvent.source_id == source)
    if kind:
        query = query.where(Item.kind == kind)
    return [record_from_row(row) for row in connection.execute(query).all()]


# --- the CLI's views ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilter:
    """What `govwatch items` asks for; empty fields do not filter."""

    changes: tuple[str, ...] = ()  # items with at least one event of these kinds
    since: datetime | None = None  # …created at or after this moment (all items: first seen since)
    source: str | None = None
    kind: str | None = None
    limit: int = 50


def items_by_change(connection: Connection, wanted: ItemFilter) -> list[dict[str, Any]]:
    """Newest first: items with a matching change event (its change shown), or all items when none is asked."""
    if not wanted.changes:
        query = select(*ITEM_COLUMNS).order_by(Item.id.desc())
        if wanted.since is not None:
            query = query.where(Item.first_seen >= wanted.since)
    else:
        latest = (
            select(ChangeEvent.item_id, func.max(ChangeEvent.id).label("event_id"))
            .where(ChangeEvent.change.in_(wanted.changes))
            .group_by(ChangeEvent.item_id)
        )
        if wanted.since is not None:
            latest = latest.where(ChangeEvent.created_at >= wanted.since)
        matched = latest.subquery()
        query = (
            select(*ITEM_COLUMNS, ChangeEvent.change.label("matched_change"))
            .join(matched, matched.c.item_id == Item.id)
            .join(ChangeEvent, ChangeEvent.id == matched.c.event_id)
            .order_by(matched.c.event_id.desc())
        )
    if wanted.source:
        query = query.where(Item.source_id == wanted.source)
    if wanted.kind:
        query = query.where(Item.kind == wanted.kind)
    out = []
    for row in connection.execute(query.limit(wanted.limit)).all():
        summary = item_summary(row)
        if wanted.changes:
            summary["change"] = row._mapping["matched_change"]  # the item's latest matching event
        out.append(summary)
    return out


def sources_with_health(connection: Connection, seeds: SeedSet) -> list[dict[str, Any]]:
    """Each seed's source with the health the store recorded (unknown before its first run)."""
    rows = {row.id: row for row in connection.execute(select(SourceRow)).all()}
    out: list[dict[str, Any]] = []
    for source in seeds.sources.values():
        row = rows.get(source.id)
        out.append(
            {
                "id": source.id,
                "name": source.name,
                "org": source.org,
                "listing_urls": [listing.url for listing in source.listings],
                "profile": ",".join(sorted({listing.profile for listing in source.listings})),
                "schedule": source.schedule,
                "enabled": source.enabled,
                "verified": source.verified,
                "tags": list(source.tags),
                "health": row.health if row else UNKNOWN,
                "consecutive_bad_runs": row.consecutive_bad_runs if row else 0,
                "last_run_at": iso(row.last_run_at) if row else None,
                "last_new_at": iso(row.last_new_at) if row else None,
            }
        )
    return clean_value(out)
