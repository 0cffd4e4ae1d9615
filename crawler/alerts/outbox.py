"""The change listener that queues alerts in the outbox inside the transaction that stores the version."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from crawler import clock
from crawler.alerts.config import AlertsConfig, Subscription
from crawler.db import insert_ignore
from crawler.diffing import changed_lines
from crawler.export import meeting_record, record_of_event
from crawler.extract.meetings import watched_changes
from crawler.models import Outbox, SourceRow
from crawler.store import ChangeNotice
from crawler.vocabulary import PENDING

# The email shows the first paragraphs only; the webhook gets the whole clean text.
EXCERPT_PARAGRAPHS = 3
EXCERPT_CHARS = 1200
DIFF_LINES = 8
# What an alert carries beyond the export record, under names the record does not use.
ALERT_EXTRAS = ("source_name", "excerpt", "diff", "meeting_changes")


def insert_outbox(session: Session, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING; True when the row is new (never queued twice)."""
    return insert_ignore(session, Outbox, values, ["dedupe_key"]) == 1


def excerpt(text: str, paragraphs: int = EXCERPT_PARAGRAPHS, limit: int = EXCERPT_CHARS) -> str:
    """The first non-empty paragraphs of a clean text, cut at `limit` characters."""
    kept = [line.strip() for line in text.splitlines() if line.strip()][:paragraphs]
    joined = "\n".join(kept)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def meeting_of(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The meeting facts the extractor put in a version's meta (crawler/extract/meetings.py), if any."""
    return meeting_record(meta.get("meeting"))


def stage_of(notice: ChangeNotice) -> str | None:
    """The meeting stage of the version an event is about (announced | held), None for other kinds."""
    shown = notice.version or notice.previous
    facts = meeting_of(shown.meta if shown is not None else {})
    return facts["stage"] if facts and notice.item.kind == "meeting" else None


def event_payload(session: Session, notice: ChangeNotice) -> dict[str, Any]:
    """What the email and the webhook carry: the event's export record plus the alert-only extras.

    The shared part is built by the export itself (docs/EXPORT.md), so a key means the same thing in a
    webhook body and in an export; the extras have names the record does not use (ALERT_EXTRAS).
    """
    version, previous, event = notice.version, notice.previous, notice.event
    record = record_of_event(session, event.id or 0)
    if record is None:  # the listener runs after the event was flushed in this very transaction
        raise LookupError(f"change event {event.id} is not in the change log")
    diff: list[str] = []
    meeting_changes: list[dict[str, Any]] = []
    if event.change == "edited" and version is not None and previous is not None:
        diff = changed_lines(previous.text, version.text, limit=DIFF_LINES)
        # An announcement whose time, place or status changed: the mail says so before anything else.
        meeting_changes = watched_changes(meeting_of(previous.meta), meeting_of(version.meta))
    source = session.get(SourceRow, notice.item.source_id)
    return {
        **record,
        "source_name": source.name if source is not None else notice.item.source_id,
        "excerpt": excerpt(record["text"] or ""),
        "diff": diff,
        "meeting_changes": meeting_changes,
    }


def current_payload(session: Session, event: dict[str, Any]) -> dict[str, Any]:
    """An event payload in today's shape; one queued before webhooks carried the export record is rebuilt.

    Those older payloads (no `schema_version`) used `url` for the last fetched URL and `printed_source` for
    the printed 来源: sending them as they are would give a receiver one key with two meanings.
    """
    if "schema_version" in event:
        return event
    record = record_of_event(session, int(event.get("event_id") or 0))
    if record is None:
        raise LookupError(f"change event {event.get('event_id')} of a queued alert is not in the change log")
    # The extras were computed when the alert was queued (the diff against the version before it): keep them.
    # An old payload's `meeting` extra gives way to the record's: the record now carries the meeting facts.
    return {**record, **{key: event.get(key) for key in ALERT_EXTRAS}}


def matches(subscription: Subscription, notice: ChangeNotice) -> bool:
    """Whether this change event passes every filter of the subscription."""
    filters, item, event = subscription.filters, notice.item, notice.event
    if filters.sources and item.source_id not in filters.sources:
        return False
    if item.kind not in filters.kinds or event.change not in filters.changes:
        return False
    stage = stage_of(notice)
    if stage is not None and stage not in filters.stages:
        return False
    if not filters.keywords and filters.regex is None:
        return True
    shown = notice.version or notice.previous
    haystack = "\n".join(
        part
        for part in (
            (item.title or "") if "title" in filters.match_in else "",
            (shown.text if shown is not None else "") if "text" in filters.match_in else "",
            notice.attachments_text if "attachments" in filters.match_in else "",
        )
        if part
    )
    if filters.keywords and not any(word.casefold() in haystack.casefold() for word in filters.keywords):
        return False
    return filters.regex is None or re.search(filters.regex, haystack) is not None


class OutboxListener:
    """Queues one outbox row per matching subscription and channel; the store calls it inside its transaction."""

    def __init__(self, config: AlertsConfig) -> None:
        self.config = config

    def __call__(self, session: Session, notice: ChangeNotice) -> None:
        wanted = [
            sub
            for sub in self.config.subscriptions
            if sub.enabled and (sub.include_baseline or not notice.baseline) and matches(sub, notice)
        ]
        if not wanted:
            return
        now = clock.now()
        event = event_payload(session, notice)
        for sub in wanted:
            due = sub.next_digest_time(now) if sub.mode == "digest" else now
            channels: list[tuple[str, str]] = []
            if sub.recipients:
                channels.append(("email", ", ".join(sub.recipients)))
            if sub.webhook is not None:
                channels.append(("webhook", sub.webhook.url))
            for channel, target in channels:
                body = dict(event)
                if channel == "email":
                    body.pop("text")  # the email shows the excerpt; no need to keep the whole text twice
                insert_outbox(
                    session,
                    {
                        "channel": channel,
                        "subscription": sub.name,
                        "target": target,
                        # One row per subscription, channel and event: a re-run of the same store call can
                        # never queue the same alert twice.
                        "dedupe_key": f"{channel}:{sub.name}:event:{notice.event.id}",
                        "payload": {"mode": sub.mode, "event": body},
                        "status": PENDING,
                        "attempts": 0,
                        "next_attempt_at": due,
                        "created_at": now,
                    },
                )
