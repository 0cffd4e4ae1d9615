"""Webhooks into a real http.server on loopback: JSON events, HMAC-SHA256 verified, retried, delivered once."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from alerts_helpers import SOURCE_ID, T0, Site
from sqlmodel import select

from crawler.alerts.deliver import deliver
from crawler.alerts.outbox import ALERT_EXTRAS
from crawler.alerts.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, sign, verify
from crawler.export import FIELDS, ExportOptions, export
from crawler.models import Outbox
from crawler.store import Content, Outcome

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
    assert document["subscription"] == "warehouse" and document["schema"] == 2
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


# The big5 gateway mirror the page was last fetched from, and the canonical URL the item is keyed by.
MIRROR = "http://127.0.0.2/gate/big5/www.mee.gov.cn/m2.html"
CANONICAL = "http://www.mee.gov.cn/m2.html"


def store_mirrored(site: Site, text: str) -> Outcome:
    """Store the canonical article as fetched from its big5 mirror, with a printed 来源 and a 文号."""
    content = Content(
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        title="关于召开座谈会的通知",
        source_name="生态环境部办公厅",  # the 来源 printed on the page, not the source's name
        doc_number="环办〔2026〕1号",
        kind="notice",
        meta={"meeting": {"date": "2026-11-05", "host": "司长"}},
    )
    return site.store.record_content(
        source_id=SOURCE_ID, canonical_url=CANONICAL, url=MIRROR, content=content
    )


def exported(site: Site) -> dict[int, dict[str, Any]]:
    stream = io.StringIO()
    export(site.store.engine, stream, ExportOptions(format="jsonl"))
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    return {record["event_id"]: record for record in records}


def webhook_subscription(receiver: Receiver) -> dict[str, Any]:
    return {
        "name": "warehouse",
        "webhook": {"url": receiver.url, "secret": SECRET},
        "filters": {"kinds": ["notice"], "changes": ["new", "edited", "deleted"]},
    }


def test_webhook_events_are_the_export_records_plus_extras(
    site_factory, write_alerts, receiver: Receiver, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    site = site_factory(write_alerts({"subscriptions": [webhook_subscription(receiver)]}))
    site.finish_baseline()
    store_mirrored(site, "第一段。\n会议地点在北京。")
    store_mirrored(site, "第一段。\n会议地点改在天津。")
    assert deliver(site.store, config=site.config, now=T0).messages_sent == 2
    # Compared before the deletion: the record's `status` is the item's status when it is read.
    records = exported(site)
    item_id = site.store.known([CANONICAL])[CANONICAL].id
    assert site.store.record_gone(item_id) is False
    assert site.store.record_gone(item_id) is True
    assert deliver(site.store, config=site.config, now=T0).messages_sent == 1
    after = exported(site)
    records[max(after)] = after[max(after)]  # the deletion's record

    events = [event for document in receiver.accepted for event in document["events"]]
    assert [event["change"] for event in events] == ["new", "edited", "deleted"]
    for event in events:
        assert set(event) == set(FIELDS) | set(ALERT_EXTRAS)  # no key outside the record and the extras
        assert {key: event[key] for key in FIELDS} == records[event["event_id"]]
        # Same names, same meanings: the canonical URL, the printed 来源; the source's own name is an extra.
        assert event["url"] == CANONICAL and event["source"] == "生态环境部办公厅"
        assert event["source_name"] == "模拟生态环境部" and event["doc_number"] == "环办〔2026〕1号"
        assert event["meeting"]["stage"] == "held"  # stored before meetings had stages: a report
        assert (event["meeting"]["date"], event["meeting"]["host"]) == ("2026-11-05", "司长")
    new, edited, deleted = events
    assert (new["version"], edited["version"], deleted["version"]) == (1, 2, 2)
    assert edited["diff"] == ["- 会议地点在北京。", "+ 会议地点改在天津。"] and new["diff"] == []
    assert deleted["status"] == "deleted" and deleted["text"] == "第一段。\n会议地点改在天津。"
    assert edited["excerpt"] == "第一段。\n会议地点改在天津。"


OLD_PAYLOAD_KEYS = ("canonical_url", "printed_source")


def test_alerts_queued_with_the_old_payload_are_still_delivered(
    site_factory, write_alerts, receiver: Receiver, smtp, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    subscription = {**webhook_subscription(receiver), "recipients": ["ops@example.org"]}
    site = site_factory(write_alerts({"subscriptions": [subscription]}))
    site.finish_baseline()
    outcome = store_mirrored(site, "第一段。\n第二段。")
    # Rewrite the queued rows into what an older govwatch queued: url = the fetched URL, and the
    # canonical URL and printed 来源 under their old names.
    with site.store.session() as session:
        for row in session.exec(select(Outbox)).all():
            event = row.payload["event"]
            old = {key: event[key] for key in ("event_id", "change", "item_id", "version", "title", "kind")}
            old.update(
                url=MIRROR,
                canonical_url=CANONICAL,
                printed_source="生态环境部办公厅",
                source_id=SOURCE_ID,
                source_name="模拟生态环境部",
                published=None,
                created_at="2026-11-02T09:00:00.123456+08:00",
                meeting={"host": "司长"},
                excerpt="第一段。",
                diff=[],
            )
            row.payload = {"mode": "immediate", "event": old}
            session.add(row)
        session.commit()

    assert deliver(site.store, config=site.config, now=T0).messages_sent == 2
    (document,) = receiver.accepted
    (event,) = document["events"]
    assert not set(OLD_PAYLOAD_KEYS) & set(event)
    assert {key: event[key] for key in FIELDS} == exported(site)[outcome.event_id]
    assert event["url"] == CANONICAL and event["source"] == "生态环境部办公厅"
    assert event["excerpt"] == "第一段。"  # the queued extras
    assert event["meeting"]["host"] == "司长" and event["meeting"]["stage"] == "held"  # the record's, rebuilt
    (mail,) = smtp.wait_for(1)
    assert mail.item_ids == [outcome.item_id] and "模拟生态环境部" in (mail.text or "")
    assert MIRROR in (mail.text or "")  # the old payload's link still renders


def test_webhook_body_carries_an_announced_meeting_and_what_an_edit_moved(
    site_factory, write_alerts, receiver: Receiver, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from crawler.extract.dates import SHANGHAI
    from crawler.extract.meetings import meeting_facts

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    site = site_factory(write_alerts({"subscriptions": [
        {"name": "warehouse", "webhook": {"url": receiver.url, "secret": SECRET}, "filters": {"stages": ["announced"]}}
    ]}))
    site.finish_baseline()
    title = "关于召开全省执法工作会议的通知"
    for day in ("11月26日", "11月27日"):
        text = f"会议时间：{day}上午9:00\n会议地点：省厅三楼会议室\n参会人员：各市局分管负责同志。\n请于11月20日前报送回执。"
        facts = meeting_facts("announced", title, text, datetime(2026, 11, 2, tzinfo=SHANGHAI))
        site.publish("a1", title, text, meta={"meeting": facts})
    site.publish("h1", "部常务会议", "11月1日，部长主持召开部常务会议。",
                 meta={"meeting": {"stage": "held", "date": "2026-11-01", "host": "部长"}})  # another stage
    assert deliver(site.store, config=site.config, now=T0).messages_sent == 2
    new, edited = (event for document in receiver.accepted for event in document["events"])
    assert new["meeting"]["stage"] == "announced" and new["meeting"]["start"] == "2026-11-26T09:00:00+08:00"
    assert new["meeting"]["place"] == "省厅三楼会议室" and new["meeting"]["deadline"] == "2026-11-20"
    assert new["meeting"]["attendees"] == ["各市局分管负责同志"] and new["meeting_changes"] == []
    assert edited["meeting_changes"] == [
        {"field": "start", "before": "2026-11-26T09:00:00+08:00", "after": "2026-11-27T09:00:00+08:00"}
    ]
