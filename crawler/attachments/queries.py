"""Reading stored attachments for show, diff, the API, the item page and the exports (database, no Scrapy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

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


def attachments_by_version(session: Session, item_id: int, versions: Iterable[int]) -> dict[int, list[AttachmentView]]:
    """The attachments of these versions of an item, in page order."""
    wanted = list(versions)
    out: dict[int, list[AttachmentView]] = {version: [] for version in wanted}
    if not wanted:
        return out
    rows = session.exec(
        select(ItemAttachment, AttachmentFile)
        .join(AttachmentFile, col(AttachmentFile.sha256) == col(ItemAttachment.sha256), isouter=True)
        .where(ItemAttachment.item_id == item_id, col(ItemAttachment.version).in_(wanted))
        .order_by(col(ItemAttachment.version), col(ItemAttachment.position))
    ).all()
    for link, file in rows:
        error = file.error if file is not None else (f"not fetched: {link.fetch_error}" if link.fetch_error else "not fetched yet")
        out[link.version].append(
            AttachmentView(
                version=link.version,
                position=link.position,
                name=link.name,
                url=link.url,
                file_type=file.file_type if file else None,
                size=file.size if file else None,
                sha256=link.sha256,
                text=file.text if file else "",
                error=error,
            )
        )
    return out
