"""Change-event exports (JSON Lines, CSV, Atom) read from the append-only change log, streamed in batches."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import XMLGenerator

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from crawler import clock
from crawler.clock import iso
from crawler.db import UnsupportedDatabase, insert_ignore
from crawler.extract.meetings import FIELDS as MEETING_FIELDS
from crawler.models import ChangeEvent, Consumer, Item, ItemVersion
from crawler.textsafe import clean, clean_optional, clean_value
from crawler.vocabulary import DELETED, EDITED, RESTORED

# Bumped only for an incompatible change (a field removed, renamed or re-typed); new fields keep the version.
SCHEMA_VERSION = 1
FORMATS = ("jsonl", "csv", "atom")
# The field order of every record (and the CSV header); docs/EXPORT.md describes each one.
FIELDS = (
    "schema_version",
    "event_id",
    "change",
    "created_at",
    "item_id",
    "url",
    "source_id",
    "title",
    "published",
    "published_guessed",
    "source",
    "organ",
    "doc_number",
    "kind",
    "status",
    "version",
    "content_hash",
    "fetched_at",
    "text",
    "meeting",
    "attachments",
)
DEFAULT_BATCH = 2000  # rows per query: past ~2,000 the per-query cost is noise, and memory stays a few MB
# Atom entry ids: item + version, so an edit is a new entry that feed readers show again.
TAG_PREFIX = "tag:govwatch,2026:"
ATOM_NS = "http://www.w3.org/2005/Atom"


class ExportError(RuntimeError):
    """A request the export cannot honour (unknown consumer race, bad options)."""


@dataclass(frozen=True)
class ExportOptions:
    """What to export: the format, and where to start (an event id or a named consumer's position)."""

    format: str = "jsonl"
    since_id: int | None = None
    consumer: str | None = None
    batch_size: int = DEFAULT_BATCH
    feed_title: str = "govwatch: change events"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: how many events, the id range, and the consumer's position afterwards."""

    count: int
    since_id: int
    last_id: int  # the id of the last event written (since_id when nothing was written)
    consumer: str | None = None
    position: int | None = None


def entry_id(item_id: int, version: int, change: str = "new") -> str:
    """The Atom entry id of an item at a version; a deletion and a restoration get their own entries."""
    base = f"{TAG_PREFIX}item/{item_id}/v{version}"
    # A restored item usually keeps its version: without the suffix a reader would take it as already read.
    return f"{base}/{change}" if change in (DELETED, RESTORED) else base


# --- reading ------------------------------------------------------------------------------------------


def event_query(after_id: int = 0, until_id: int | None = None, limit: int | None = None):  # type: ignore[no-untyped-def]
    """Change events joined with their item and version (the export record's columns), oldest first."""
    # A deletion has no version row of its own: it carries the item's last version (the text that vanished).
    version_id = func.coalesce(
        ChangeEvent.version_id,
        select(ItemVersion.id)
        .where(and_(ItemVersion.item_id == ChangeEvent.item_id, ItemVersion.version == Item.version_count))
        .correlate(ChangeEvent, Item)
        .scalar_subquery(),
    )
    query = (
        select(
            ChangeEvent.id.label("event_id"),
            ChangeEvent.change,
            ChangeEvent.created_at,
            ChangeEvent.item_id,
            Item.canonical_url,
            Item.source_id,
            Item.title.label("item_title"),
            Item.published.label("item_published"),
            Item.published_guessed,
            Item.source_name,
            Item.organ,
            Item.doc_number,
            Item.kind,
            Item.status,
            ItemVersion.version,
            ItemVersion.content_hash,
            ItemVersion.title.label("version_title"),
            ItemVersion.published.label("version_published"),
            ItemVersion.fetched_at,
            ItemVersion.text,
            # Only the meeting facts of the version's metadata (crawler/extract/meetings.py), read in SQL.
            ItemVersion.meta["meeting"].label("meeting"),
        )
        .select_from(ChangeEvent)
        .join(Item, Item.id == ChangeEvent.item_id)
        .outerjoin(ItemVersion, ItemVersion.id == version_id)
        .where(ChangeEvent.id > after_id)
        .order_by(ChangeEvent.id)
    )
    if until_id is not None:
        query = query.where(ChangeEvent.id <= until_id)
    return query.limit(limit) if limit is not None else query


def record_from_row(row: Any) -> dict[str, Any]:
    """One export record (FIELDS order) from a joined event/item/version row."""
    m = row._mapping
    # Texts are cleaned again on the way out (crawler/textsafe.py): a row stored before extraction removed
    # control characters must not make a feed, a CSV or a mail unreadable.
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": m["event_id"],
        "change": m["change"],
        "created_at": iso(m["created_at"]),
        "item_id": m["item_id"],
        "url": m["canonical_url"],
        "source_id": m["source_id"],
        # The version's own title and date when it has them: an edit may have changed them.
        "title": clean_optional(m["version_title"] if m["version_title"] is not None else m["item_title"]),
        "published": iso(m["version_published"] or m["item_published"]),
        "published_guessed": bool(m["published_guessed"]),
        "source": clean_optional(m["source_name"]),
        "organ": clean_optional(m["organ"]),
        "doc_number": clean_optional(m["doc_number"]),
        "kind": m["kind"],
        "status": m["status"],
        "version": m["version"],
        "content_hash": m["content_hash"],
        "fetched_at": iso(m["fetched_at"]),
        "text": clean_optional(m["text"]),
        "meeting": meeting_record(m["meeting"]),
        "attachments": [],  # filled by with_attachments (one query per batch)
    }


def meeting_record(found: Any) -> dict[str, Any] | None:
    """A version's meeting facts in the record's shape (every key of MEETING_FIELDS), or None."""
    if not isinstance(found, dict):
        return None
    facts = {key: found.get(key) for key in MEETING_FIELDS}
    # Versions stored before meetings had stages are reports of meetings held (the only kind recognized then).
    facts["stage"] = facts["stage"] or "held"
    facts["attendees"] = list(facts["attendees"] or [])
    facts["video"] = bool(facts["video"])
    return clean_value(facts)  # cleaned on the way out, like every text of the record


def with_attachments(connection: Connection | Session, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill each record's `attachments` with its version's attachments: one query for a whole batch."""
    from crawler.attachments.queries import attachments_by_items

    wanted = {(record["item_id"], record["version"]) for record in records if record["version"]}
    found = attachments_by_items(connection, wanted)
    for record in records:
        record["attachments"] = [a.to_dict() for a in found.get((record["item_id"], record["version"]), [])]
    return records


def record_of_event(connection: Connection | Session, event_id: int) -> dict[str, Any] | None:
    """The export record of one change event (the shared part of its webhook body); None if there is none."""
    # The same query and builder as the export, so a webhook and an export can never disagree on a field.
    row = connection.execute(event_query(event_id - 1, event_id)).first()
    return with_attachments(connection, [record_from_row(row)])[0] if row is not None else None


def last_event_id(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(ChangeEvent.id), 0))).scalar_one())


def iter_events(
    connection: Connection, since_id: int = 0, until_id: int | None = None, batch_size: int = DEFAULT_BATCH
) -> Iterator[dict[str, Any]]:
    """Records of the events with since_id < id <= until_id, oldest first, fetched in keyset batches.

    Only one batch is held at a time, so memory stays flat however long the log is.
    """
    if until_id is None:
        until_id = last_event_id(connection)
    after = since_id
    while after < until_id:
        rows = connection.execute(event_query(after, until_id, batch_size)).all()
        if not rows:
            return
        yield from with_attachments(connection, [record_from_row(row) for row in rows])
        after = rows[-1]._mapping["event_id"]


# --- writing ------------------------------------------------------------------------------------------


# JSON may carry U+2028/U+2029 raw, but many line readers (Python's str.splitlines, JavaScript before
# ES2019) break lines there: escaped, one record is always exactly one line.
_LINE_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def write_jsonl(records: Iterable[dict[str, Any]], stream: TextIO) -> tuple[int, int | None]:
    count, last = 0, None
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False).translate(_LINE_SEPARATORS) + "\n")
        count, last = count + 1, record["event_id"]
    return count, last


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):  # the meeting object: one JSON cell
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)  # attachments: one JSON array per cell
    return value


def write_csv(records: Iterable[dict[str, Any]], stream: TextIO) -> tuple[int, int | None]:
    # RFC 4180: a header row, CRLF line ends, fields with quotes or newlines quoted (texts span lines).
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(FIELDS)
    count, last = 0, None
    for record in records:
        writer.writerow([_csv_value(record[name]) for name in FIELDS])
        count, last = count + 1, record["event_id"]
    return count, last


def entry_title(record: dict[str, Any]) -> str:
    """What a feed reader shows: the title, marked when it is an edit, a deletion or a restoration."""
    title = record.get("title") or record.get("url") or f"item {record['item_id']}"
    if record["change"] == EDITED:
        return f"[已更新 v{record['version']}] {title}"
    if record["change"] == DELETED:
        return f"[已删除] {title}"
    if record["change"] == RESTORED:
        return f"[已恢复] {title}"
    return str(title)


def write_atom(
    records: Iterable[dict[str, Any]], stream: TextIO, title: str = "govwatch: change events", feed_key: str = "export"
) -> tuple[int, int | None]:
    """A streamed Atom document (entries oldest first); each event is an entry whose id is item + version."""
    xml = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)

    def element(name: str, text: str | None = None, **attrs: str) -> None:
        # XML 1.0 has no way to carry a control character, even escaped: whatever reaches here is cleaned.
        xml.startElement(name, {key: clean(value) for key, value in attrs.items()})
        if text is not None:
            xml.characters(clean(text))
        xml.endElement(name)

    xml.startDocument()
    xml.startElement("feed", {"xmlns": ATOM_NS})
    element("id", f"{TAG_PREFIX}{feed_key}")
    element("title", title)
    element("updated", iso(clock.now()) or "")
    xml.startElement("author", {})
    element("name", "govwatch")
    xml.endElement("author")
    element("generator", "govwatch export")
    count, last = 0, None
    for record in records:
        xml.startElement("entry", {})
        element("id", entry_id(record["item_id"], record["version"] or 0, record["change"]))
        element("title", entry_title(record))
        element("updated", record["created_at"] or "")
        if record["published"]:
            element("published", record["published"])
        if record["url"]:
            element("link", href=record["url"], rel="alternate")
        element("category", term=record["change"])
        element("category", term=record["kind"])
        element("content", record["text"] or "", type="text")
        xml.endElement("entry")
        count, last = count + 1, record["event_id"]
    xml.endElement("feed")
    xml.ignorableWhitespace("\n")
    return count, last


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "atom": write_atom}


# --- consumers ----------------------------------------------------------------------------------------


def consumer_position(connection: Connection, name: str) -> int:
    """The last event id the consumer fully received (0 for a consumer never seen)."""
    position = connection.execute(select(Consumer.position).where(Consumer.name == name)).scalar()
    return int(position or 0)


def _ensure_consumer(engine: Engine, name: str) -> None:
    with engine.begin() as connection:
        try:
            insert_ignore(connection, Consumer, {"name": name, "position": 0, "updated_at": clock.now()}, ["name"])
        except UnsupportedDatabase as exc:
            raise ExportError(str(exc)) from exc


def advance_consumer(engine: Engine, name: str, expected: int, position: int) -> None:
    """Move the consumer from `expected` to `position`; fails if another export moved it in between."""
    with engine.begin() as connection:
        moved = connection.execute(
            update(Consumer)
            .where(Consumer.name == name, Consumer.position == expected)
            .values(position=position, updated_at=clock.now())
        ).rowcount
    if moved != 1:
        raise ExportError(f"consumer {name!r} was moved by another export meanwhile; this export did not move it")


# --- the export ---------------------------------------------------------------------------------------


def export(engine: Engine, stream: TextIO, options: ExportOptions, finish: Any = None) -> ExportResult:
    """Write the events after the cursor to `stream`; a consumer advances only once the write is complete.

    `finish` (optional) is called after the last byte is written and before the consumer moves, e.g. to
    flush and rename a file: if it raises, the position stays where it was.
    """
    if options.format not in WRITERS:
        raise ExportError(f"unknown format {options.format!r}: choose one of {', '.join(FORMATS)}")
    if options.consumer is not None and options.since_id is not None:
        raise ExportError("give --since-id or --consumer, not both")
    if options.consumer is not None:
        _ensure_consumer(engine, options.consumer)
    # The export ends at the last event committed when it started (events arriving meanwhile go to the next
    # one); the log is append-only and read by id, so the batches can neither miss nor repeat an event.
    with engine.connect() as connection, connection.begin():
        since = consumer_position(connection, options.consumer) if options.consumer else (options.since_id or 0)
        until = last_event_id(connection)
        records = iter_events(connection, since, until, options.batch_size)
        if options.format == "atom":
            count, last = write_atom(records, stream, options.feed_title)
        else:
            count, last = WRITERS[options.format](records, stream)
    stream.flush()
    if finish is not None:
        finish()
    last_id = last if last is not None else since
    position = None
    if options.consumer is not None:
        if last_id != since:
            advance_consumer(engine, options.consumer, since, last_id)
        position = last_id
    return ExportResult(count, since, last_id, options.consumer, position)


def export_to_path(engine: Engine, path: str | os.PathLike[str], options: ExportOptions) -> ExportResult:
    """Export into a file atomically: written beside it, synced, renamed into place, then the consumer moves."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    stream = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def finish() -> None:
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        os.replace(temporary, target)

    try:
        return export(engine, stream, options, finish)
    finally:
        if not stream.closed:
            stream.close()
        if os.path.exists(temporary):
            os.unlink(temporary)
