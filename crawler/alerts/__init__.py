"""Alerts: subscriptions (`alerts.yaml`), the outbox, and delivery by email and webhook.

The crawl calls three functions: `change_listeners()` when it opens the store (the outbox listener queues
alerts inside each storing transaction), `health_changed(store, change)` after each finished run (admin
mail on a bad streak and on recovery), and `deliver_due(store)` after the run (sends what is due).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.alerts.config import AlertsConfig
    from crawler.store import ChangeListener, HealthChange, Store


def change_listeners(config: AlertsConfig | None = None) -> list[ChangeListener]:
    """Listeners the store calls inside each storing transaction (queue alerts in the outbox)."""
    from crawler.alerts.config import load_alerts
    from crawler.alerts.outbox import OutboxListener

    # A broken alerts.yaml raises here: a crawl that silently alerts nobody is worse than a failed one.
    config = config if config is not None else load_alerts()
    if not any(sub.enabled for sub in config.subscriptions):
        return []
    return [OutboxListener(config)]


def health_changed(store: Store, change: HealthChange, **options: Any) -> None:
    """Called after each finished run with the source's new health (admin email on a bad streak)."""
    from crawler.alerts.health import health_changed as queue_health_mail

    queue_health_mail(store, change, **options)


def deliver_due(store: Store, **options: Any) -> int:
    """Send what is due in the outbox; returns how many messages were delivered."""
    from crawler.alerts.deliver import deliver_due as deliver

    return deliver(store, **options)
