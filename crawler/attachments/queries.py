"""Reading stored attachments for show, diff, the API, the item page and the exports (database, no Scrapy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crawler.models import AttachmentFile, ItemAttachment


@dataclass(frozen=True)
class AttachmentView:
    """One attachment of one item version, as people and consumers see it."""

    version: int
    position: int
    name: str
    url: str
    file_type: str | None
    size: int | None
    sha256: str | None
    text: str
    error: str | None  # why there is no text: the file's problem, or why it was never fetched

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "type": self.file_type,
            "size": self.size,
            "sha256": self.sha256,
            "text": self.text if self.sha256 else None,
            "error": self.error,
        }


def attachments_by_version(db: Any, item_id: int, versions: Iterable[int]) -> dict[int, list[AttachmentView]]:
    """The attachments of these versions of an item, in page order (db: a Session or a Connection)."""
    wanted = list(versions)
    found = attachments_by_items(db, {(item_id, version) for version in wanted})
    return {version: found.get((item_id, version), []) for version in wanted}


def attachments_by_items(db: Any, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[AttachmentView]]:
    """The attachments of many (item id, version) pairs at once, in page order."""
    out: dict[tuple[int, int], list[AttachmentView]] = {}
    if not pairs:
        return out
    link, file = ItemAttachment.__table__.c, AttachmentFile.__table__.c
    item_ids = sorted({item_id for item_id, _ in pairs})
    rows = db.execute(
        select(
            link.item_id, link.version, link.position, link.name, link.url, link.sha256, link.fetch_error,
            file.file_type, file.size, file.text, file.error,
        )
        .select_from(ItemAttachment.__table__.outerjoin(AttachmentFile.__table__, file.sha256 == link.sha256))
        .where(link.item_id.in_(item_ids), link.version.in_(sorted({version for _, version in pairs})))
        .order_by(link.item_id, link.version, link.position)
    ).all()
    for row in rows:
        if (row.item_id, row.version) not in pairs:
            continue
        known = row.file_type is not None
        error = row.error if known else (f"not fetched: {row.fetch_error}" if row.fetch_error else "not fetched yet")
        out.setdefault((row.item_id, row.version), []).append(
            AttachmentView(
                version=row.version,
                position=row.position,
                name=row.name,
                url=row.url,
                file_type=row.file_type,
                size=row.size,
                sha256=row.sha256,
                text=row.text or "",
                error=error,
            )
        )
    return out
