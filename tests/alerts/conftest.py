"""Alerts fixtures: a store on tmp SQLite with the outbox listener, a loopback SMTP server, alerts.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alerts_helpers import Site

from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.config import AlertsConfig, load_alerts


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSMTP]:
    """A real aiosmtpd server on 127.0.0.1; the environment points govwatch at it."""
    with LoopbackSMTP() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        yield server


@pytest.fixture
def write_alerts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, Any]], AlertsConfig]:
    """Write alerts.yaml, point $GOVWATCH_ALERTS at it, return the loaded config."""

    def write(document: dict[str, Any]) -> AlertsConfig:
        path = tmp_path / "alerts.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("GOVWATCH_ALERTS", str(path))
        return load_alerts()

    return write


@pytest.fixture
def site_factory(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[AlertsConfig], Site]:
    return lambda config: Site(sqlite_url, config, monkeypatch)
