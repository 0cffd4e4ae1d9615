"""Outbox delivery: claim due rows under a lease, send, mark sent; back off and retry on failure.

Delivery is at-least-once, with the duplicate window made as small as we can: a row is first claimed
(status 'sending', a lease until now + lease_seconds, attempts + 1) in its own commit, then sent, then
marked 'sent' in another commit. Two deliverers cannot both claim a row (the claim is an UPDATE guarded by
status and due time). Only a crash — or a lost database — between the server accepting the message and the
'sent' commit resends it, once the lease expires; each retry carries the same Message-ID (email) or
X-Govwatch-Delivery id (webhook) so the receiver can drop it.
"""

from __future__ import annotations

import hashlib
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from crawler import clock
from crawler.alerts import email as mail
from crawler.alerts import webhook
from crawler.alerts.config import AlertsConfig, load_alerts
from crawler.alerts.outbox import current_payload
from crawler.alerts.smtp import PartialDelivery, SmtpSettings, send_message, settings_from_env
from crawler.models import Outbox
from crawler.store import Store
from crawler.vocabulary import FAILED, PENDING, SENDING, SENT

log = logging.getLogger("govwatch.alerts")
ERROR_CHARS = 500


@dataclass
class DeliveryReport:
    """What one deliver pass did."""

    messages_sent: int = 0
    rows_sent: int = 0
    rows_retrying: int = 0
    rows_failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Group:
    """Outbox rows that go out as one message: one immediate row, or all due digest rows of a subscription."""

    channel: str
    subscription: str
    target: str
    digest: bool
    rows: tuple[Outbox, ...]


def _group(rows: Sequence[Outbox]) -> list[_Group]:
    groups: list[_Group] = []
    digests: dict[tuple[str, str, str], list[Outbox]] = {}
    for row in rows:
        if row.payload.get("mode") == "digest" and "event" in row.payload:
            digests.setdefault((row.channel, row.subscription, row.target), []).append(row)
        else:
            groups.append(_Group(row.channel, row.subscription, row.target, False, (row,)))
    for (channel, subscription, target), members in digests.items():
        groups.append(_Group(channel, subscription, target, True, tuple(members)))
    return sorted(groups, key=lambda group: group.rows[0].id or 0)


def _delivery_id(rows: Sequence[Outbox]) -> str:
    """Stable across retries of the same rows: lets receivers recognise a resend."""
    keys = "|".join(sorted(row.dedupe_key for row in rows))
    return hashlib.sha256(keys.encode("utf-8")).hexdigest()[:32]


def _claim(store: Store, rows: Sequence[Outbox], now: datetime, lease: timedelta) -> list[Outbox]:
    """Mark rows 'sending' under a lease, each guarded so that a concurrent deliverer cannot also take it."""
    claimed: list[Outbox] = []
    with store.session() as session:
        for row in rows:
            result = session.execute(
                update(Outbox)
                .where(
                    col(Outbox.id) == row.id,
                    col(Outbox.status).in_((PENDING, SENDING)),
                    col(Outbox.next_attempt_at) <= now,
                )
                .values(status=SENDING, attempts=Outbox.attempts + 1, next_attempt_at=now + lease)
            )
            if result.rowcount == 1:
                claimed.append(row)
        session.commit()
    return claimed


def _finish(
    store: Store, rows: Sequence[Outbox], now: datetime, config: AlertsConfig, error: str | None
) -> tuple[int, int, int]:
    """Record the outcome of one send for its rows: sent, or back to pending with backoff, or failed."""
    sent = retrying = failed = 0
    ids = [row.id for row in rows]
    with store.session() as session:
        current = session.exec(
            select(Outbox).where(col(Outbox.id).in_(ids), Outbox.status == SENDING)
        ).all()
        for row in current:
            if error is None:
                row.status, row.sent_at, row.last_error = SENT, now, None
                sent += 1
            elif row.attempts >= config.delivery.max_attempts:
                row.status, row.last_error = FAILED, error[:ERROR_CHARS]
                failed += 1
            else:
                row.status, row.last_error = PENDING, error[:ERROR_CHARS]
                row.next_attempt_at = now + config.delivery.backoff(row.attempts)
                retrying += 1
            session.add(row)
        session.commit()
    return sent, retrying, failed


def _mark_sent_with_note(store: Store, rows: Sequence[Outbox], now: datetime, note: str) -> None:
    with store.session() as session:
        session.execute(
            update(Outbox)
            .where(col(Outbox.id).in_([row.id for row in rows]), Outbox.status == SENDING)
            .values(status=SENT, sent_at=now, last_error=note[:ERROR_CHARS])
        )
        session.commit()


def _fail_abandoned(store: Store, now: datetime, config: AlertsConfig) -> int:
    """Rows whose lease expired on their last allowed attempt (a deliverer died each time) become failed."""
    with store.session() as session:
        result = session.execute(
            update(Outbox)
            .where(
                col(Outbox.status) == SENDING,
                col(Outbox.next_attempt_at) <= now,
                col(Outbox.attempts) >= config.delivery.max_attempts,
            )
            .values(status=FAILED, last_error="the deliverer stopped during every attempt (lease expired)")
        )
        session.commit()
        return result.rowcount or 0


def _send_email(group: _Group, smtp: SmtpSettings | None) -> None:
    if smtp is None:
        smtp = settings_from_env()  # raises SmtpNotConfigured, recorded as the row's error
    to = [address.strip() for address in group.target.split(",") if address.strip()]
    message_id = f"<govwatch.{_delivery_id(group.rows)}@{_domain(smtp.mail_from)}>"
    first = group.rows[0].payload
    if "health" in first:
        health = first["health"]
        message = mail.health_message(to=to, sender=smtp.mail_from, message_id=message_id, **health)
    else:
        events = [row.payload["event"] for row in group.rows]
        message = mail.change_message(
            events,
            to=to,
            sender=smtp.mail_from,
            subscription=group.subscription,
            digest=group.digest,
            message_id=message_id,
        )
    send_message(smtp, message)


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else socket.getfqdn()


def _send_webhook(group: _Group, config: AlertsConfig, store: Store) -> None:
    subscription = config.subscription(group.subscription)
    if subscription is None or subscription.webhook is None:
        raise LookupError(f"subscription {group.subscription!r} has no webhook in the alerts file any more")
    # Rows queued by an older govwatch hold the old event shape: rebuilt, a receiver sees one schema only.
    # (Emails need no such step: the renderer reads every field with a fallback, and both shapes agree on
    # the keys it shows.)
    with store.session() as session:
        events = [current_payload(session, row.payload["event"]) for row in group.rows]
    delivery_id = _delivery_id(group.rows)
    body = webhook.body_of(events, group.subscription, delivery_id)
    webhook.post(
        group.target,
        subscription.webhook.resolved_secret(),
        body,
        delivery_id=delivery_id,
        event_ids=[int(event.get("event_id") or 0) for event in events],
        timeout=subscription.webhook.timeout,
    )


def deliver(
    store: Store,
    *,
    config: AlertsConfig | None = None,
    smtp: SmtpSettings | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """One delivery pass over everything due now; safe to run from several processes at once."""
    config = config if config is not None else load_alerts()
    now = now or clock.now()
    lease = timedelta(seconds=config.delivery.lease_seconds)
    report = DeliveryReport()
    report.rows_failed += _fail_abandoned(store, now, config)
    with store.session() as session:
        due = session.exec(
            select(Outbox)
            .where(
                or_(
                    and_(col(Outbox.status) == PENDING, col(Outbox.next_attempt_at) <= now),
                    # A 'sending' row whose lease ran out belonged to a deliverer that died mid-send.
                    and_(col(Outbox.status) == SENDING, col(Outbox.next_attempt_at) <= now),
                )
            )
            .order_by(col(Outbox.id))
            .limit(config.delivery.batch)
        ).all()
    for group in _group(due):
        rows = _claim(store, group.rows, now, lease)
        if not rows:
            continue
        group = _Group(group.channel, group.subscription, group.target, group.digest, tuple(rows))
        error: str | None = None
        try:
            if group.channel == "email":
                _send_email(group, smtp)
            elif group.channel == "webhook":
                _send_webhook(group, config, store)
            else:
                raise ValueError(f"unknown outbox channel {group.channel!r}")
        except PartialDelivery as exc:
            # Retrying would resend to those who already have it: record the refusal and stop.
            _mark_sent_with_note(store, rows, now, str(exc))
            report.messages_sent += 1
            report.rows_sent += len(rows)
            report.errors.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001  (any failure to hand over is retried, never lost)
            error = f"{type(exc).__name__}: {exc}"
            log.warning(
                "outbox: %s to %s failed (attempt %d): %s",
                group.channel,
                group.target,
                rows[0].attempts + 1,
                error,
            )
            report.errors.append(error)
        sent, retrying, failed = _finish(store, rows, now, config, error)
        report.rows_sent += sent
        report.rows_retrying += retrying
        report.rows_failed += failed
        if error is None:
            report.messages_sent += 1
        if failed:
            log.error(
                "outbox: %d message(s) to %s failed for good after %d attempts: %s",
                failed,
                group.target,
                config.delivery.max_attempts,
                error,
            )
    return report


def deliver_due(store: Store, **options: Any) -> int:
    """Send what is due in the outbox; returns how many messages were delivered."""
    return deliver(store, **options).messages_sent
