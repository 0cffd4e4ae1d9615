"""Read-side queries shared by the CLI: items by change, one item with its versions, sources with health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crawler.clock import to_shanghai
from crawler.config import SeedSet
from crawler.models import ChangeEvent, Item, ItemVersion, SourceRow


@dataclass(frozen=True)
class ItemFilter:
    """What `govwatch items` asks for; empty fields do not filter."""

    changes: tuple[str, ...] = ()  # items with at least one event of these kinds
    since: datetime | None = None  # …created at or after this moment (all items: first seen since)
    source: str | None = None
    kind: str | None = None
    limit: int = 50


def iso(moment: datetime | None) -> str | None:
    """Aware Asia/Shanghai ISO 8601, the form every listing prints."""
    shown = to_shanghai(moment)
    return shown.isoformat() if shown else None


def item_summary(item: Item, change: str | None = None) -> dict[str, Any]:
    return {
        "id": item.id,
        "url": item.canonical_url,
        "source_id": item.source_id,
        "title": item.title,
        "published": iso(item.published),
        "source": item.source_name,
        "doc_number": item.doc_number,
        "kind": item.kind,
        "status": item.status,
        "versions": item.version_count,
        "first_seen": iso(item.first_seen),
        "last_changed": iso(item.last_changed),
        **({"change": change} if change else {}),
    }


def list_items(session: Session, wanted: ItemFilter) -> list[dict[str, Any]]:
    """Newest first: items with a matching change event, or all items when no change is asked for."""
    if wanted.changes:
        latest = (
            select(ChangeEvent.item_id, func.max(ChangeEvent.id).label("event_id"))
            .where(col(ChangeEvent.change).in_(wanted.changes))
            .group_by(col(ChangeEvent.item_id))
        )
        if wanted.since is not None:
            latest = latest.where(ChangeEvent.created_at >= wanted.since)
        matched = latest.subquery()
        query = (
            select(Item, ChangeEvent.change)
            .join(matched, col(matched.c.item_id) == col(Item.id))
            .join(ChangeEvent, col(ChangeEvent.id) == col(matched.c.event_id))
            .order_by(col(matched.c.event_id).desc())
        )
    else:
        query = select(Item, Item.status).order_by(col(Item.id).desc())
        if wanted.since is not None:
            query = query.where(Item.first_seen >= wanted.since)
    if wanted.source:
        query = query.where(Item.source_id == wanted.source)
    if wanted.kind:
        query = query.where(Item.kind == wanted.kind)
    rows = session.exec(query.limit(wanted.limit)).all()
    return [item_summary(item, change if wanted.changes else None) for item, change in rows]


def get_item(session: Session, item_id: int) -> tuple[Item, list[ItemVersion]]:
    """An item and its versions, oldest first; KeyError when there is no such item."""
    item = session.get(Item, item_id)
    if item is None:
        raise KeyError(f"no item {item_id}")
    versions = session.exec(
        select(ItemVersion).where(ItemVersion.item_id == item_id).order_by(col(ItemVersion.version))
    ).all()
    return item, list(versions)


def pick_versions(versions: Sequence[ItemVersion], old: int | None, new: int | None) -> tuple[ItemVersion, ItemVersion]:
    """The two versions to compare: the named ones, or the last two; clear errors otherwise."""
    by_number = {version.version: version for version in versions}
    if old is None and new is None:
        if len(versions) < 2:
            raise ValueError("this item has only one version: nothing to compare")
        return versions[-2], versions[-1]
    if old is None or new is None:
        raise ValueError("name both versions, or neither")
    missing = [number for number in (old, new) if number not in by_number]
    if missing:
        raise ValueError(f"no version {missing[0]} (this item has versions 1..{len(versions)})")
    return by_number[old], by_number[new]


def sources_with_health(session: Session, seeds: SeedSet) -> list[dict[str, Any]]:
    """Each seed's source with the health the store recorded (unknown before its first run)."""
    rows = {row.id: row for row in session.exec(select(SourceRow)).all()}
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
                "health": row.health if row else "unknown",
                "consecutive_bad_runs": row.consecutive_bad_runs if row else 0,
                "last_run_at": iso(row.last_run_at) if row else None,
                "last_new_at": iso(row.last_new_at) if row else None,
            }
        )
    return out
