"""Meeting alerts into a real SMTP server: announcements lead with when/where/who/deadline, edits say what
changed, cancellations and deletions are mailed, and a filter picks one stage."""

from __future__ import annotations

from datetime import datetime

from alerts_helpers import Site

from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.deliver import deliver
from crawler.extract.dates import SHANGHAI
from crawler.extract.meetings import meeting_facts

PUBLISHED = datetime(2026, 11, 2, tzinfo=SHANGHAI)
SUBSCRIPTION = {
    "name": "meetings",
    "recipients": ["ops@example.org"],
    "filters": {"kinds": ["meeting"], "changes": ["new", "edited", "deleted"]},
}


def notice_text(day: str, place: str = "示范市迎宾馆") -> str:
    return (
        f"定于{day}上午9:00在{place}召开全省生态环境执法工作会议。\n"
        f"会议地点：{place}\n参会人员：各市局分管负责同志1名。\n"
        "请于11月20日前将参会回执报送省厅，联系人：张示范，电话：0731-85698123。\n"
        "会议期间请遵守会场纪律，会议材料由会务组统一发放，会后收回。"
    )


def announce(site: Site, slug: str, title: str, text: str):  # type: ignore[no-untyped-def]
    meta = {"meeting": meeting_facts("announced", title, text, PUBLISHED, "示范省生态环境厅")}
    return site.publish(slug, title, text, meta=meta)


def report(site: Site, slug: str, text: str):  # type: ignore[no-untyped-def]
    return site.publish(slug, "省生态环境厅召开党组会议", text, meta={"meeting": meeting_facts("held", None, text, PUBLISHED)})


def test_announcement_mail_leads_with_when_where_who_and_deadline(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [SUBSCRIPTION]}))
    site.finish_baseline()
    title = "关于召开全省生态环境执法工作会议的通知"
    outcome = announce(site, "a1", title, notice_text("11月26日"))
    assert deliver(site.store, config=site.config).messages_sent == 1
    (mail,) = smtp.wait_for(1)
    assert mail.item_ids == [outcome.item_id]
    assert mail.subject == f"[govwatch] 新发布会议通知：{title}（2026-11-26 09:00，示范市迎宾馆）"
    assert mail.text is not None and mail.html is not None
    lines = mail.text.splitlines()
    assert lines[:6] == [
        title,
        "会议时间: 2026-11-26 09:00",
        "会议地点: 示范市迎宾馆",
        "参会人员: 各市局分管负责同志1名",
        "报名/回执截止: 2026-11-20",
        "主办: 示范省生态环境厅",
    ]
    # The facts come before the excerpt of the notice.
    assert mail.text.index("会议时间") < mail.text.index("来源:") < mail.text.index("定于11月26日")
    assert "张示范 0731-85698123" in mail.text and "2026-11-26 09:00" in mail.html


def test_edited_date_gets_its_own_mail_saying_what_changed(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [SUBSCRIPTION]}))
    site.finish_baseline()
    title = "关于召开全省生态环境执法工作会议的通知"
    announce(site, "a1", title, notice_text("11月26日"))
    edited = announce(site, "a1", title, notice_text("11月27日", "省厅三楼会议室"))
    assert edited.changes == ("edited",)
    assert deliver(site.store, config=site.config).messages_sent == 2
    first, second = smtp.wait_for(2)
    assert second.subject == f"[govwatch] 会议变更（会议时间、会议地点）：{title}"
    assert second.text is not None
    lines = second.text.splitlines()
    assert lines[1:3] == [
        "变更: 会议时间: 2026-11-26 09:00 → 2026-11-27 09:00",
        "变更: 会议地点: 示范市迎宾馆 → 省厅三楼会议室",
    ]
    assert "会议变更" not in first.subject


def test_cancelled_and_deleted_announcements_are_mailed(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [SUBSCRIPTION]}))
    site.finish_baseline()
    title = "关于召开全省生态环境执法工作会议的通知"
    outcome = announce(site, "a1", title, notice_text("11月26日"))
    cancel_title = "关于取消全省生态环境执法工作会议的通知"
    announce(site, "c1", cancel_title, "原定于11月26日召开的全省生态环境执法工作会议取消。")
    assert site.store.record_gone(outcome.item_id) is False
    assert site.store.record_gone(outcome.item_id) is True
    assert deliver(site.store, config=site.config).messages_sent == 3
    subjects = [mail.subject for mail in smtp.wait_for(3)]
    assert subjects[1] == f"[govwatch] 会议已取消：{cancel_title}"
    assert subjects[2] == f"[govwatch] 会议通知已删除：{title}"


def test_an_edit_that_cancels_the_meeting_says_so(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [SUBSCRIPTION]}))
    site.finish_baseline()
    title = "关于召开全省生态环境执法工作会议的通知"
    announce(site, "a1", title, notice_text("11月26日"))
    announce(site, "a1", title, notice_text("11月26日") + "\n因工作调整，本次会议取消。")
    assert deliver(site.store, config=site.config).messages_sent == 2
    _, edit = smtp.wait_for(2)
    assert edit.subject == f"[govwatch] 会议已取消：{title}"
    assert edit.text is not None and "变更: 状态: 正常 → 已取消" in edit.text.splitlines()[1:3]


def test_a_filter_picks_one_stage(site_factory, write_alerts, smtp: LoopbackSMTP) -> None:  # type: ignore[no-untyped-def]
    announced_only = {**SUBSCRIPTION, "name": "upcoming", "filters": {**SUBSCRIPTION["filters"], "stages": ["announced"]}}
    held_only = {**SUBSCRIPTION, "name": "reports", "recipients": ["news@example.org"],
                 "filters": {**SUBSCRIPTION["filters"], "stages": ["held"]}}
    both = {**SUBSCRIPTION, "name": "all-meetings", "recipients": ["all@example.org"]}
    site = site_factory(write_alerts({"subscriptions": [announced_only, held_only, both]}))
    site.finish_baseline()
    notice = announce(site, "a1", "关于召开全省生态环境执法工作会议的通知", notice_text("11月26日"))
    held = report(site, "h1", "11月1日，厅长王示范主持召开厅党组会议。")
    assert deliver(site.store, config=site.config).messages_sent == 4
    by_subscription: dict[str, list[int]] = {}
    for mail in smtp.wait_for(4):
        by_subscription.setdefault(mail.subscription, []).extend(mail.item_ids)
    assert by_subscription == {
        "upcoming": [notice.item_id],
        "reports": [held.item_id],
        "all-meetings": [notice.item_id, held.item_id],
    }
