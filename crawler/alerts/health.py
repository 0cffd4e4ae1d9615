"""Source health mails: one to the admins after N bad runs in a row, one when the source works again."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import col, select

from crawler import clock
from crawler.alerts.config import AlertsConfig, load_alerts
from crawler.alerts.outbox import insert_outbox
from crawler.models import CrawlRun, SourceRow
from crawler.store import HealthChange, Store
from crawler.vocabulary import BAD_HEALTH, PENDING

log = logging.getLogger("govwatch.alerts")
ADMIN_SUBSCRIPTION = "admin:health"


def health_changed(store: Store, change: HealthChange, *, config: AlertsConfig | None = None) -> None:
    """Queue the admin email a bad streak or a recovery deserves, never one per run."""
    config = config if config is not None else load_alerts()
    admin = config.admin
    now = clock.now()
    broken = change.health in BAD_HEALTH and change.consecutive_bad_runs >= admin.bad_runs_before_alert
    if not broken and change.notify != "recovered":
        return
    with store.session() as session:
        if broken:
            # The flag and the queued mail commit together, and the guard makes a second caller a no-op:
            # exactly one mail per streak even if two processes report the same run.
            claimed = session.execute(
                update(SourceRow)
                .where(col(SourceRow.id) == change.source_id, col(SourceRow.health_alerted).is_(False))
                .values(health_alerted=True)
            ).rowcount
            if claimed != 1:
                return
        row = session.get(SourceRow, change.source_id)
        name = row.name if row is not None else change.source_id
        since = clock.to_shanghai(row.health_since) if row is not None else None
        last_run = session.exec(
            select(CrawlRun)
            .where(CrawlRun.source_id == change.source_id)
            .order_by(col(CrawlRun.id).desc())
            .limit(1)
        ).first()
        if not admin.recipients:
            log.warning(
                "source %s is %s but alerts.yaml has no admin recipients to tell",
                change.source_id,
                change.health,
            )
            session.commit()
            return
        # Stable per streak (broken: the run that crossed N; recovered: the moment health turned good).
        marker = (
            f"run{last_run.id}"
            if broken and last_run is not None
            else (since.isoformat() if since else now.isoformat())
        )
        kind = "broken" if broken else "recovered"
        insert_outbox(
            session,
            {
                "channel": "email",
                "subscription": ADMIN_SUBSCRIPTION,
                "target": ", ".join(admin.recipients),
                "dedupe_key": f"health:{change.source_id}:{kind}:{marker}",
                "payload": {
                    "mode": "immediate",
                    "health": {
                        "source_id": change.source_id,
                        "source_name": name,
                        "state": change.health,
                        "consecutive_bad_runs": change.consecutive_bad_runs,
                        "errors": list(last_run.errors[:10]) if last_run is not None else [],
                        "since": since.isoformat() if since else None,
                        "recovered": not broken,
                    },
                },
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        session.commit()
