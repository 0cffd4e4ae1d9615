"""Webhooks into a real http.server on loopback: JSON events, HMAC-SHA256 verified, retried, delivered once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from alerts_helpers import T0

from crawler.alerts.deliver import deliver
from crawler.alerts.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, sign, verify

SECRET = "s3cret-密钥"


class Receiver(ThreadingHTTPServer):
    """A webhook receiver that checks signatures like a real one and can answer 503 for a while."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.accepted: list[dict] = []
        self.deliveries: list[str] = []
        self.rejected_signatures = 0
        self.fail_next = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/govwatch"


class ReceiverHandler(BaseHTTPRequestHandler):
    """Verifies the signature, records the delivery id, answers 204 (or 503 while told to fail)."""

    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not verify(SECRET, body, self.headers.get(SIGNATURE_HEADER)):
            self.server.rejected_signatures += 1
            self._answer(401)
            return
        self.server.deliveries.append(self.headers[DELIVERY_HEADER])
        if self.server.fail_next:
            self.server.fail_next -= 1
            self._answer(503)
            return
        self.server.accepted.append(json.loads(body))
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_signed_events_retried_then_delivered_once(
    site_factory, write_alerts, receiver: Receiver, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    config = write_alerts(
        {
            "subscriptions": [
                {
                    "name": "warehouse",
                    "webhook": {"url": receiver.url, "secret": SECRET},
                    "filters": {"kinds": ["meeting", "notice"], "changes": ["new", "edited"]},
                }
            ]
        }
    )
    site = site_factory(config)
    site.finish_baseline()
    receiver.fail_next = 1  # the receiver is briefly unavailable
    new = site.publish("m1", "部常务会议", "第一段。\n第二段。")

    assert deliver(site.store, config=config, now=T0).rows_retrying == 1
    assert receiver.accepted == []
    report = deliver(site.store, config=config, now=T0 + timedelta(minutes=2))
    assert report.messages_sent == 1
    assert deliver(site.store, config=config, now=T0 + timedelta(hours=2)).messages_sent == 0

    (document,) = receiver.accepted
    assert receiver.rejected_signatures == 0
    assert len(set(receiver.deliveries)) == 1  # the retry carried the same delivery id
    assert document["subscription"] == "warehouse" and document["schema"] == 1
    (event,) = document["events"]
    assert event["item_id"] == new.item_id and event["change"] == "new" and event["kind"] == "meeting"
    assert event["text"] == "第一段。\n第二段。" and event["source_id"] == "sim-mee"
    assert event["url"] == "http://127.0.0.2/sim-mee/m1.html" and event["version"] == 1


def test_a_wrong_secret_is_refused_by_the_receiver() -> None:
    body = b'{"events":[]}'
    assert verify(SECRET, body, sign(SECRET, body))
    assert not verify(SECRET, body, sign("another", body))
    assert not verify(SECRET, body + b" ", sign(SECRET, body))
    assert sign(SECRET, body).startswith("sha256=") and len(sign(SECRET, body)) == 7 + 64
