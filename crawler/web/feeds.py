"""Atom feeds built with feedgen; an entry per change event whose id is item + version, so edits resurface."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.engine import Connection

from crawler import clock
from crawler.diffing import changed_lines
from crawler.export import TAG_PREFIX, entry_id, entry_title
from crawler.extract.meetings import labelled_facts
from crawler.models import ItemVersion
from crawler.queries import FEED_SIZE, feed_records
from crawler.textsafe import clean


def _html_content(record: dict[str, Any], changes: list[str], page: str) -> str:
    parts: list[str] = []
    if record["change"] == "deleted":
        parts.append("<p><strong>此条目已从原网站删除。</strong> (deleted from the source site)</p>")
    if record["change"] == "restored":
        parts.append("<p><strong>此条目已在原网站恢复。</strong> (back on the source site after a deletion)</p>")
    if changes:
        parts.append("<p><strong>修改内容 (changes):</strong></p><pre>" + escape("\n".join(changes)) + "</pre>")
    if record.get("meeting"):  # a meeting's time, place, attendees and deadline before its text
        rows = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                       for label, value in labelled_facts(record["meeting"]))
        parts.append(f"<table>{rows}</table>" if rows else "")
    meta = [(label, record.get(key)) for label, key in (("来源", "source"), ("文号", "doc_number"), ("发布", "published"))]
    shown = [f"{label}: {escape(str(value))}" for label, value in meta if value]
    if shown:
        parts.append("<p>" + " · ".join(shown) + "</p>")
    parts.extend(f"<p>{escape(line)}</p>" for line in (record.get("text") or "").splitlines() if line.strip())
    parts.append(f'<p><a href="{escape(page)}">govwatch: 版本与对比 (versions and diff)</a></p>')
    # lxml (under feedgen) refuses control characters outright: an older stored version may still hold one.
    return clean("\n".join(parts))


def _previous_text(connection: Connection, record: dict[str, Any]) -> str | None:
    if record["change"] != "edited" or not record["version"]:
        return None
    return connection.execute(
        select(ItemVersion.text).where(
            ItemVersion.item_id == record["item_id"], ItemVersion.version == record["version"] - 1
        )
    ).scalar()


def build_feed(
    connection: Connection,
    *,
    key: str,
    title: str,
    self_url: str,
    site_url: str,
    source: str | None = None,
    kind: str | None = None,
    limit: int = FEED_SIZE,
) -> bytes:
    """An Atom document of the newest change events (new, edited, deleted, restored) matching the filters."""
    records = feed_records(connection, source=source, kind=kind, limit=limit)
    feed = FeedGenerator()
    feed.id(f"{TAG_PREFIX}feed/{key}")
    feed.title(clean(title))
    feed.author({"name": "govwatch"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.generator("govwatch")
    feed.language("zh-CN")
    newest: datetime | None = None
    for record in records:  # newest first; feedgen's order="append" keeps that order in the document
        entry = feed.add_entry(order="append")
        entry.id(entry_id(record["item_id"], record["version"] or 0, record["change"]))
        entry.title(entry_title(record))
        updated = datetime.fromisoformat(record["created_at"])
        newest = max(newest, updated) if newest else updated
        entry.updated(updated)
        if record["published"]:
            entry.published(datetime.fromisoformat(record["published"]))
        if record["url"]:
            entry.link(href=record["url"], rel="alternate")
        entry.category(term=record["change"])
        if record["kind"]:
            entry.category(term=record["kind"])
        previous = _previous_text(connection, record)
        changes = changed_lines(previous, record["text"] or "", limit=8) if previous is not None else []
        # feedgen 1.0 drops the rel of entry links, so a second (related) link would read as a second
        # alternate; the dashboard page with the diff is linked from the content instead.
        page = f"{site_url.rstrip('/')}/items/{record['item_id']}"
        entry.content(_html_content(record, changes, page), type="html")
    feed.updated(newest or clock.to_shanghai(clock.now()))
    return feed.atom_str(pretty=True)
