"""The calendar of announced meetings (iCalendar, written with the `icalendar` package): one VEVENT per item.

Read by `/feeds/meetings.ics` and `govwatch export --format ics`. An event's UID is derived from the item's
canonical URL, so it stays the same for ever; SEQUENCE counts the item's changes after the first (an edit,
a deletion, a restoration each bump it), so a subscribed calendar replaces the old copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event, Timezone
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from crawler import clock
from crawler.export import meeting_record
from crawler.extract.meetings import ANNOUNCED, BROUGHT_FORWARD, CANCELLED, MOVED
from crawler.models import ChangeEvent, Item, ItemVersion, SourceRow

PRODID = "-//govwatch//meetings//ZH"
CALENDAR_NAME = "govwatch: 会议通知 (announced meetings)"
UID_DOMAIN = "govwatch"
# Meeting items read per calendar, newest first: a few years of announcements from every source.
SCAN_LIMIT = 5000
ALARM_HOUR = 9  # the reminder of a reply deadline: 09:00 Shanghai time the day before


class CalendarError(ValueError):
    """A filter the calendar cannot honour (an unknown source or tag)."""


@dataclass(frozen=True)
class CalendarFilter:
    """Which announced meetings: of one source and/or of sources carrying a tag; empty fields do not filter."""

    source: str | None = None
    tag: str | None = None
    limit: int = SCAN_LIMIT


def uid_of(canonical_url: str) -> str:
    """A stable UID per item: the same canonical URL always gives the same event."""
    return f"meeting-{hashlib.sha256(canonical_url.encode('utf-8')).hexdigest()[:24]}@{UID_DOMAIN}"


def _sources_with_tag(connection: Connection, tag: str) -> list[str]:
    rows = connection.execute(select(SourceRow.id, SourceRow.tags)).all()
    return [row.id for row in rows if tag in (row.tags or [])]


def meeting_entries(connection: Connection, wanted: CalendarFilter = CalendarFilter()) -> Iterator[dict[str, Any]]:
    """Announced meetings (latest version's facts) with their item's status and change count, newest first."""
    changes = (
        select(func.count(ChangeEvent.id)).where(ChangeEvent.item_id == Item.id).correlate(Item).scalar_subquery()
    )
    changed_at = (
        select(func.max(ChangeEvent.created_at)).where(ChangeEvent.item_id == Item.id).correlate(Item).scalar_subquery()
    )
    query = (
        select(
            Item.id, Item.canonical_url, Item.source_id, Item.title, Item.status, Item.first_seen,
            ItemVersion.meta["meeting"].label("meeting"),
            changes.label("changes"), changed_at.label("changed_at"),
        )
        .join(ItemVersion, and_(ItemVersion.item_id == Item.id, ItemVersion.version == Item.version_count))
        .where(Item.kind == "meeting")
        .order_by(Item.id.desc())
        .limit(wanted.limit)
    )
    if wanted.source:
        query = query.where(Item.source_id == wanted.source)
    if wanted.tag:
        query = query.where(Item.source_id.in_(_sources_with_tag(connection, wanted.tag)))
    for row in connection.execute(query):
        facts = meeting_record(row.meeting)
        if facts is None or facts["stage"] != ANNOUNCED:
            continue
        yield {
            "item_id": row.id,
            "url": row.canonical_url,
            "source_id": row.source_id,
            "title": row.title,
            "item_status": row.status,
            "first_seen": _utc(row.first_seen),
            "changed_at": _utc(row.changed_at) or _utc(row.first_seen),
            "sequence": max(int(row.changes or 1) - 1, 0),
            "meeting": facts,
        }


def _utc(moment: datetime | None) -> datetime | None:
    """A stored datetime (naive ones are UTC, as the store writes them) as aware UTC."""
    shown = clock.to_shanghai(moment)
    return shown.astimezone(UTC) if shown else None


def _moment(value: str) -> date | datetime:
    """An ISO date ('2026-12-08') or datetime with offset, as the date or an Asia/Shanghai datetime."""
    if "T" not in value:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value).astimezone(clock.SHANGHAI)


def _span(meeting: dict[str, Any]) -> tuple[date | datetime, date | datetime | None] | None:
    if not meeting.get("start"):
        return None
    start = _moment(meeting["start"])
    end = _moment(meeting["end"]) if meeting.get("end") else None
    if isinstance(start, datetime):
        if end is not None and not isinstance(end, datetime):
            end = datetime.combine(end, time(23, 59), clock.SHANGHAI)
        return start, end
    # An all-day meeting: DTEND is the day after the last one (exclusive, RFC 5545).
    last = end.date() if isinstance(end, datetime) else end
    return start, (last or start) + timedelta(days=1)


def _description(entry: dict[str, Any]) -> str:
    meeting = entry["meeting"]
    lines = []
    if meeting.get("status") == CANCELLED or entry["item_status"] == "deleted":
        lines.append("此会议已取消或通知已删除 (cancelled or withdrawn)")
    elif meeting.get("status") in MOVED:
        words = "此会议提前 (brought forward)" if meeting["status"] == BROUGHT_FORWARD else "此会议延期 (postponed)"
        original = meeting.get("original_start")
        lines.append(words + (f"，原定 (was) {original.replace('T', ' ')[:16]}" if original else ""))
    if meeting.get("attendees"):
        lines.append("参会人员: " + "；".join(meeting["attendees"]))
    if meeting.get("deadline"):
        lines.append("报名/回执截止 (reply by): " + meeting["deadline"].replace("T", " ")[:16])
    for label, key in (("主办", "organizer"), ("联系人", "contact"), ("电话", "phone")):
        if meeting.get(key):
            lines.append(f"{label}: {meeting[key]}")
    if meeting.get("video"):
        lines.append("视频会议 (video conference)")
    lines.append(f"通知原文 (notice): {entry['url']}")
    return "\n".join(lines)


def _alarm(deadline: str) -> Alarm:
    """A reminder the day before the reply deadline (at its hour, else at 09:00)."""
    moment = _moment(deadline)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(ALARM_HOUR), clock.SHANGHAI)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"报名/回执截止 (reply deadline): {deadline.replace('T', ' ')[:16]}")
    alarm.add("trigger", (moment - timedelta(days=1)).astimezone(UTC))
    return alarm


def event_of(entry: dict[str, Any]) -> Event | None:
    """The VEVENT of one announced meeting, or None when the notice prints no date to place it on."""
    meeting = entry["meeting"]
    span = _span(meeting)
    if span is None:
        return None
    event = Event()
    event.add("uid", uid_of(entry["url"]))
    event.add("sequence", entry["sequence"])
    event.add("dtstamp", entry["changed_at"])
    event.add("last-modified", entry["changed_at"])
    if entry["first_seen"] is not None:
        event.add("created", entry["first_seen"])
    event.add("summary", entry["title"] or entry["url"])
    event.add("dtstart", span[0])
    if span[1] is not None:
        event.add("dtend", span[1])
    cancelled = meeting.get("status") == CANCELLED or entry["item_status"] == "deleted"
    event.add("status", "CANCELLED" if cancelled else "TENTATIVE" if meeting.get("status") in MOVED else "CONFIRMED")
    if meeting.get("place"):
        event.add("location", meeting["place"])
    event.add("url", entry["url"])
    event.add("description", _description(entry))
    event.add("categories", ["会议", entry["source_id"]])
    if meeting.get("deadline") and not cancelled:
        event.add_component(_alarm(meeting["deadline"]))
    return event


def build_calendar(entries: Iterable[dict[str, Any]], name: str = CALENDAR_NAME) -> tuple[bytes, int]:
    """The iCalendar document (with the Asia/Shanghai VTIMEZONE) and how many events it holds."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    # The Asia/Shanghai VTIMEZONE (from the zone database) that every timed event's TZID refers to; given
    # even when every meeting is all-day, so subscribers show the calendar in the regulators' zone.
    calendar.add_component(Timezone.from_tzid("Asia/Shanghai"))
    count = 0
    for entry in entries:
        event = event_of(entry)
        if event is not None:
            calendar.add_component(event)
            count += 1
    return calendar.to_ical(), count


def calendar_bytes(connection: Connection, wanted: CalendarFilter = CalendarFilter()) -> tuple[bytes, int]:
    """The calendar of the announced meetings matching the filter; an unknown source or tag is an error."""
    if wanted.source and connection.execute(select(SourceRow.id).where(SourceRow.id == wanted.source)).first() is None:
        raise CalendarError(f"no source {wanted.source!r}")
    if wanted.tag and not _sources_with_tag(connection, wanted.tag):
        raise CalendarError(f"no source has the tag {wanted.tag!r}")
    suffix = " · ".join(part for part in (wanted.source, wanted.tag and f"#{wanted.tag}") if part)
    return build_calendar(meeting_entries(connection, wanted), CALENDAR_NAME + (f" · {suffix}" if suffix else ""))
