"""Alerts: subscriptions, the outbox, and delivery by email and webhook (being built; see issue 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.store import ChangeListener, HealthChange, Store


def change_listeners() -> list[ChangeListener]:
    """Listeners the store calls inside each storing transaction (queue alerts in the outbox)."""
    return []


def health_changed(store: Store, change: HealthChange) -> None:
    """Called after each finished run with the source's new health (admin email on a bad streak)."""
    return None


def deliver_due(store: Store) -> int:
    """Send what is due in the outbox; returns how many messages were delivered."""
    return 0
