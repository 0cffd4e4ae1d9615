"""Alerts test helpers: a store with two sources and the outbox listener, publishing at a controlled clock."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest

from crawler.alerts import change_listeners
from crawler.alerts.config import AlertsConfig
from crawler.config import Source
from crawler.store import Content, Outcome, Store

SOURCE_ID = "sim-mee"
OTHER_SOURCE_ID = "sim-hb"
T0 = datetime.fromisoformat("2026-11-02T09:00:00+08:00")


def make_source(source_id: str, name: str) -> Source:
    return Source.model_validate(
        {
            "id": source_id,
            "name": name,
            "org": name,
            "listings": [{"url": "http://127.0.0.2/list/", "profile": "html"}],
        }
    )


class Site:
    """A store with two sources and helpers to publish and edit items, at a controlled clock."""

    def __init__(self, url: str, config: AlertsConfig, monkeypatch: pytest.MonkeyPatch) -> None:
        self.config = config
        self.monkeypatch = monkeypatch
        self.store = Store(url, change_listeners(config))
        self.store.sync_sources(
            [make_source(SOURCE_ID, "模拟生态环境部"), make_source(OTHER_SOURCE_ID, "模拟河北省生态环境厅")]
        )
        self.set_time(T0)

    def set_time(self, moment: datetime) -> None:
        self.monkeypatch.setenv("GOVWATCH_NOW", moment.isoformat())

    def finish_baseline(self, source_id: str = SOURCE_ID) -> None:
        """A first successful run: what was stored before it was the baseline."""
        run = self.store.begin_run(source_id)
        self.store.finish_run(run, "ok", {}, [])

    def publish(
        self,
        slug: str,
        title: str,
        text: str,
        kind: str = "meeting",
        source_id: str = SOURCE_ID,
        meta: dict[str, Any] | None = None,
    ) -> Outcome:
        url = f"http://127.0.0.2/{source_id}/{slug}.html"
        content = Content(
            text=text,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            title=title,
            published=datetime.fromisoformat("2026-11-02T00:00:00+08:00"),
            kind=kind,
            meta=meta if meta is not None else {},
        )
        return self.store.record_content(source_id=source_id, canonical_url=url, url=url, content=content)
