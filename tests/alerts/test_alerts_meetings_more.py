"""Our meeting pages (tests/extract/pages/meetings) extracted, stored and mailed through a real SMTP server:
a postponement with a new date says where it moved to, one without a date says only that it is postponed,
an online meeting names its platform as the place."""

from __future__ import annotations

from pathlib import Path

from alerts_helpers import Site

from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.deliver import deliver
from crawler.extract import extract

PAGES = Path(__file__).parents[1] / "extract" / "pages" / "meetings"
SUBSCRIPTION = {
    "name": "meetings",
    "recipients": ["ops@example.org"],
    "filters": {"kinds": ["meeting"], "changes": ["new", "edited"], "stages": ["announced"]},
}


def publish_page(site: Site, name: str):  # type: ignore[no-untyped-def]
    """Extract one of our pages and store it as the crawl would: text, kind and the `meeting` facts."""
    result = extract((PAGES / name).read_bytes(), url=f"http://www.example.gov.cn/tzgg/{name}")
    assert result.title and result.meeting is not None
    return site.publish(name.removesuffix(".html"), result.title, result.text, kind=result.kind,
                        meta={"meeting": result.meeting})


def test_postponed_and_online_announcements_are_mailed_with_their_new_facts(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"subscriptions": [SUBSCRIPTION]}))
    site.finish_baseline()
    names = ["postponed_new_date.html", "postponed_undated.html", "brought_forward.html", "video_tencent.html",
             "held_report.html"]
    outcomes = {name: publish_page(site, name) for name in names}
    assert deliver(site.store, config=site.config).messages_sent == 4  # the report is not an announcement
    mails = {mail.item_ids[0]: mail for mail in smtp.wait_for(4)}
    assert outcomes["held_report.html"].item_id not in mails

    moved = mails[outcomes["postponed_new_date.html"].item_id]
    assert moved.subject == (
        "[govwatch] 会议延期：关于全省生态环境执法工作会议延期举办的通知（改至2026-12-22 09:00，示范市迎宾馆（示范市中山路88号））")
    assert moved.text is not None
    assert moved.text.splitlines()[1:5] == [
        "状态: 延期", "会议时间: 2026-12-22 09:00", "原定时间: 2026-12-08", "会议地点: 示范市迎宾馆（示范市中山路88号）"]

    earlier = mails[outcomes["brought_forward.html"].item_id]
    assert earlier.subject == (
        "[govwatch] 会议提前：关于提前召开全省危险废物规范化管理工作会议的通知"
        "（改至2026-12-11 09:00，示范市湘江宾馆二楼会议厅（示范市五一大道12号））")
    assert earlier.text is not None
    assert earlier.text.splitlines()[1:4] == ["状态: 提前", "会议时间: 2026-12-11 09:00", "原定时间: 2026-12-18"]

    undated = mails[outcomes["postponed_undated.html"].item_id]
    assert undated.subject == "[govwatch] 会议延期：关于推迟举办2026年全省固体废物管理培训班的通知"
    assert undated.text is not None and "会议时间:" not in undated.text.split("来源:")[0]

    online = mails[outcomes["video_tencent.html"].item_id]
    assert online.subject == "[govwatch] 新发布会议通知：关于召开全省秋冬季大气污染防治视频调度会的通知（2026-12-09 15:00，腾讯会议）"
    assert online.text is not None and "会议地点: 腾讯会议" in online.text.splitlines()
