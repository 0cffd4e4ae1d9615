"""Alerts end to end into a real SMTP server on loopback: rendering, filters, baseline, digests, retries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alerts_helpers import OTHER_SOURCE_ID, T0, Site
from sqlmodel import select

from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.deliver import _claim, deliver
from crawler.models import Outbox

MEETING = {"name": "meetings", "recipients": ["ops@example.org", "li.lei@example.org"]}
MEETING_TEXT = (
    "11月2日上午，部长主持召开部常务会议。\n会议强调 <重点> & 要求。\n第三段。\n第四段不进入邮件摘要。"
)
MEETING_META = {"meeting": {"date": "2026-11-02", "host": "部长", "attendees": ["副部长出席会议"]}}


def outbox_rows(site) -> list[Outbox]:  # type: ignore[no-untyped-def]
    with site.store.session() as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)).all())


def test_new_meeting_notice_is_mailed_once_with_both_parts_escaped(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [MEETING]}))
    site.publish("old", "旧的会议", "基线时已有的会议。")  # the source's first crawl: baseline, no alert
    site.finish_baseline()
    assert outbox_rows(site) == []

    meeting = site.publish("m1", "部常务会议 <审议> “大气”", MEETING_TEXT, meta=MEETING_META)
    site.publish("n1", "关于印发某办法的通知", "一个通知。", kind="notice")  # not a meeting: no alert
    assert deliver(site.store, config=site.config).messages_sent == 1

    (mail,) = smtp.wait_for(1)
    assert sorted(mail.to) == sorted(MEETING["recipients"])
    assert mail.subject == "[govwatch] 新发布会议：部常务会议 <审议> “大气”"
    assert (
        "=?utf-8?" in mail.raw.decode("ascii").split("\r\n\r\n", 1)[0].lower()
    )  # 7-bit clean, RFC 2047 UTF-8
    assert mail.item_ids == [meeting.item_id] and mail.kinds == ["meeting"]
    assert mail.text is not None and mail.html is not None
    for part in (mail.text, mail.html):
        assert (
            "模拟生态环境部" in part and "2026-11-02" in part and "http://127.0.0.2/sim-mee/m1.html" in part
        )
        assert "部长" in part and "副部长出席会议" in part
        assert "第三段" in part and "第四段" not in part  # the first paragraphs only
    assert "会议强调 <重点> & 要求。" in mail.text
    assert "会议强调 &lt;重点&gt; &amp; 要求。" in mail.html and "<重点>" not in mail.html
    assert "部常务会议 &lt;审议&gt;" in mail.html

    # Delivered exactly once: a second pass finds nothing due, the row is marked sent.
    assert deliver(site.store, config=site.config).messages_sent == 0
    assert [(row.status, row.attempts) for row in outbox_rows(site)] == [("sent", 1)]
    assert len(smtp.messages) == 1


def test_edit_mail_carries_a_short_diff(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [{**MEETING, "filters": {"changes": ["edited"]}}]}))
    site.finish_baseline()
    site.publish("m1", "部常务会议", "第一段。\n会议地点在北京。")
    site.publish("m1", "部常务会议", "第一段。\n会议地点改在天津。")
    deliver(site.store, config=site.config)
    (mail,) = smtp.wait_for(1)
    assert mail.subject.startswith("[govwatch] 已修改会议")
    assert "- 会议地点在北京。" in (mail.text or "") and "+ 会议地点改在天津。" in (mail.text or "")
    assert "- 会议地点在北京。" in (mail.html or "")


def test_filters_sources_keywords_regex(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    config = write_alerts(
        {
            "subscriptions": [
                {
                    "name": "hebei-air",
                    "recipients": ["a@example.org"],
                    "filters": {"sources": [OTHER_SOURCE_ID], "keywords": ["大气"]},
                },
                {
                    "name": "regex-title",
                    "recipients": ["b@example.org"],
                    "filters": {"kinds": ["notice"], "regex": r"第\d+号", "match_in": ["title"]},
                },
            ]
        }
    )
    site = site_factory(config)
    site.finish_baseline()
    site.finish_baseline(OTHER_SOURCE_ID)
    site.publish("a", "大气污染防治会议", "内容。")  # wrong source for hebei-air
    hit = site.publish("b", "专题会议", "研究大气治理。", source_id=OTHER_SOURCE_ID)  # keyword in the text
    site.publish("c", "水环境会议", "研究水治理。", source_id=OTHER_SOURCE_ID)
    notice = site.publish("d", "公告第12号", "正文第34号。", kind="notice")
    site.publish("e", "公告", "正文第34号。", kind="notice")  # regex only in the text, title asked
    deliver(site.store, config=site.config)
    mails = {mail.subscription: mail for mail in smtp.wait_for(2)}
    assert mails["hebei-air"].item_ids == [hit.item_id]
    assert mails["regex-title"].item_ids == [notice.item_id]
    assert len(smtp.messages) == 2


def test_a_restored_item_alerts_only_who_asked_for_it(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    restored = {"name": "comebacks", "recipients": ["c@example.org"], "filters": {"changes": ["restored"]}}
    site = site_factory(write_alerts({"subscriptions": [MEETING, restored]}))
    site.finish_baseline()
    first = site.publish("m1", "部常务会议", "第一段。")
    for _ in range(2):  # two 404 answers on separate requests: deleted
        site.store.record_gone(first.item_id)
    deliver(site.store, config=site.config)
    smtp.clear()
    again = site.publish("m1", "部常务会议", "第一段。")
    assert again.change == "restored" and again.item_id == first.item_id
    assert deliver(site.store, config=site.config).messages_sent == 1  # the default [new, edited] stays quiet
    (mail,) = smtp.wait_for(1)
    assert mail.subscription == "comebacks" and mail.item_ids == [first.item_id]
    assert mail.subject == "[govwatch] 已恢复会议：部常务会议"
    assert "变化: 已恢复" in (mail.text or "")


def test_baseline_is_silent_unless_asked(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    config = write_alerts(
        {
            "subscriptions": [
                MEETING,
                {
                    "name": "everything-from-day-one",
                    "recipients": ["c@example.org"],
                    "include_baseline": True,
                },
            ]
        }
    )
    site = site_factory(config)
    first = [site.publish(f"b{index}", f"基线会议{index}", "内容。") for index in range(3)]
    deliver(site.store, config=site.config)
    mails = smtp.wait_for(3)
    assert {mail.subscription for mail in mails} == {"everything-from-day-one"}
    assert sorted(item for mail in mails for item in mail.item_ids) == sorted(o.item_id for o in first)


def test_digest_groups_items_and_waits_for_its_time(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    config = write_alerts(
        {
            "subscriptions": [
                {
                    "name": "morning",
                    "recipients": ["d@example.org"],
                    "mode": "digest",
                    "digest_at": "08:00",
                    "filters": {"kinds": ["meeting", "notice"]},
                }
            ]
        }
    )
    site = site_factory(config)
    site.finish_baseline()
    site.finish_baseline(OTHER_SOURCE_ID)
    published = []
    for hour, (slug, kind, source) in enumerate(
        [("x", "meeting", "sim-mee"), ("y", "notice", OTHER_SOURCE_ID), ("z", "meeting", "sim-mee")]
    ):
        site.set_time(T0 + timedelta(hours=hour))
        published.append(site.publish(slug, f"条目<{slug}>", f"正文{slug}。", kind=kind, source_id=source))
    site.publish("w", "新闻", "不在订阅里。", kind="news")

    before = T0.replace(hour=7, minute=59) + timedelta(days=1)
    assert deliver(site.store, config=site.config, now=before).messages_sent == 0
    assert smtp.messages == []
    assert deliver(site.store, config=site.config, now=before + timedelta(minutes=1)).messages_sent == 1
    (mail,) = smtp.wait_for(1)
    assert mail.type == "digest" and "3 条更新" in mail.subject
    assert sorted(mail.item_ids) == sorted(o.item_id for o in published)
    assert mail.kinds == ["meeting", "notice"]
    for slug in "xyz":
        assert f"条目<{slug}>" in (mail.text or "") and f"条目&lt;{slug}&gt;" in (mail.html or "")
    assert deliver(site.store, config=site.config, now=before + timedelta(hours=1)).messages_sent == 0


def test_smtp_down_then_up_is_retried_with_backoff_and_delivered_once(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(
        write_alerts(
            {"subscriptions": [MEETING], "delivery": {"backoff_seconds": 60, "backoff_cap_seconds": 200}}
        )
    )
    site.finish_baseline()
    meeting = site.publish("m1", "部常务会议", "内容。")
    smtp.stop()  # the mail server is down

    now = T0
    delays = []
    for _ in range(4):
        report = deliver(site.store, config=site.config, now=now)
        assert report.messages_sent == 0 and report.rows_retrying == 1
        (row,) = outbox_rows(site)
        assert row.status == "pending" and "Connection refused" in (row.last_error or "")
        delays.append((row.next_attempt_at - now).total_seconds())
        # Not due again before its backoff has passed.
        assert (
            deliver(
                site.store, config=site.config, now=row.next_attempt_at - timedelta(seconds=1)
            ).rows_retrying
            == 0
        )
        now = row.next_attempt_at
    assert delays == [60, 120, 200, 200]  # exponential, capped

    smtp.start()  # back up, on the same port
    smtp.refuse(1)  # and first answers a temporary 451
    assert deliver(site.store, config=site.config, now=now).rows_retrying == 1
    (row,) = outbox_rows(site)
    assert "451" in (row.last_error or "") and row.attempts == 5
    assert deliver(site.store, config=site.config, now=row.next_attempt_at).messages_sent == 1
    assert (
        deliver(site.store, config=site.config, now=row.next_attempt_at + timedelta(days=1)).messages_sent
        == 0
    )
    (mail,) = smtp.wait_for(1)
    assert mail.item_ids == [meeting.item_id]
    (row,) = outbox_rows(site)
    assert (row.status, row.attempts, row.last_error) == ("sent", 6, None)


def test_max_attempts_end_in_failed_and_visible(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from crawler.cli import app

    site = site_factory(write_alerts({"subscriptions": [MEETING], "delivery": {"max_attempts": 2}}))
    site.finish_baseline()
    site.publish("m1", "部常务会议", "内容。")
    smtp.stop()
    report = deliver(site.store, config=site.config, now=T0)
    report = deliver(site.store, config=site.config, now=T0 + timedelta(hours=1))
    assert report.rows_failed == 1
    (row,) = outbox_rows(site)
    assert row.status == "failed" and row.attempts == 2
    smtp.start()
    assert (
        deliver(site.store, config=site.config, now=T0 + timedelta(days=3)).messages_sent == 0
    )  # failed stays failed

    result = CliRunner().invoke(app, ["alerts", "list", "--json", "--db", str(site.store.engine.url)])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert listing["counts"] == {"failed": 1}
    assert listing["rows"][0]["status"] == "failed" and "refused" in listing["rows"][0]["last_error"]


def test_two_deliverers_never_send_the_same_row_twice(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [MEETING]}))
    site.finish_baseline()
    items = {site.publish(f"m{index}", f"会议{index}", f"内容{index}。").item_id for index in range(12)}
    barrier = threading.Barrier(3)
    sent: list[int] = []

    def worker() -> None:
        barrier.wait()
        sent.append(deliver(site.store, config=site.config, now=T0).messages_sent)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mails = smtp.wait_for(12)
    assert sum(sent) == 12
    assert sorted(item for mail in mails for item in mail.item_ids) == sorted(items)  # each exactly once
    assert len({mail.headers["Message-ID"] for mail in mails}) == 12


def test_a_deliverer_that_died_mid_send_is_retried_after_its_lease(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [MEETING], "delivery": {"lease_seconds": 300}}))
    site.finish_baseline()
    site.publish("m1", "部常务会议", "内容。")
    (row,) = outbox_rows(site)
    # A deliverer claims the row and dies before sending or marking it.
    assert len(_claim(site.store, [row], T0, timedelta(seconds=300))) == 1
    assert deliver(site.store, config=site.config, now=T0 + timedelta(seconds=299)).messages_sent == 0
    assert smtp.messages == []
    assert deliver(site.store, config=site.config, now=T0 + timedelta(seconds=301)).messages_sent == 1
    (mail,) = smtp.wait_for(1)
    (row,) = outbox_rows(site)
    assert (row.status, row.attempts) == ("sent", 2)


def test_alerts_test_command_sends_through_the_environment_settings(smtp: LoopbackSMTP) -> None:
    from typer.testing import CliRunner

    from crawler.cli import app

    result = CliRunner().invoke(app, ["alerts", "test", "--to", "admin@example.org"])
    assert result.exit_code == 0, result.output
    (mail,) = smtp.wait_for(1)
    assert mail.to == ("admin@example.org",) and "测试邮件" in mail.subject
    assert "&lt;escaped&gt;" in (mail.html or "") and "测试邮件" in (mail.text or "")


def test_alerts_test_command_without_smtp_settings_says_so(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from crawler.cli import app

    for name in ("GOVWATCH_SMTP_URL", "GOVWATCH_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["alerts", "test", "--to", "admin@example.org"])
    assert result.exit_code == 2
    assert "GOVWATCH_SMTP_URL" in result.output


@pytest.mark.postgres
def test_outbox_on_postgresql_queues_once_and_delivers_once(
    postgres_url: str, write_alerts, smtp: LoopbackSMTP, monkeypatch
) -> None:  # type: ignore[no-untyped-def]

    site = Site(postgres_url, write_alerts({"subscriptions": [MEETING]}), monkeypatch)
    site.finish_baseline()
    items = {site.publish(f"m{index}", f"会议{index}", f"内容{index}。").item_id for index in range(6)}
    site.publish("m0", "会议0", "内容0。")  # unchanged: nothing queued
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        barrier.wait()
        sent.append(deliver(site.store, config=site.config, now=T0).messages_sent)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mails = smtp.wait_for(6)
    assert sum(sent) == 6 and len(mails) == 6
    assert sorted(item for mail in mails for item in mail.item_ids) == sorted(items)
    assert {row.status for row in outbox_rows(site)} == {"sent"}
