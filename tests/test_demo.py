"""`govwatch demo --json`, end to end: the numbers the README promises, and alerts only for meetings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.browser import configured_executable, unavailable_reason
from crawler.simulator import SimulatedWeb
from crawler.simulator.web import DEFAULT_SITES

pytestmark = pytest.mark.slow


def test_demo_json(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main_entry", "demo", "--json", "--workdir", str(tmp_path / "demo")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert Path(report["db"]).is_file()
    day1, day2 = report["days"]
    # With Debian's chromium the two sites behind JavaScript challenges are read through it, and only the
    # site that refuses every client stays blocked; without it they are blocked too (and their items missed).
    browser = unavailable_reason(configured_executable()) is None
    gated = sum(1 for spec in DEFAULT_SITES if spec.gate)
    blocked, through_browser = (1, gated) if browser else (1 + gated, 0)
    assert day1["day"] == 1 and day1["new"] >= 20 and day1["edited"] == 0 and day1["blocked"] == blocked
    assert day1["browser"] == day2["browser"] == through_browser and day2["blocked"] == blocked
    assert report["false_edits"] == 0
    if browser:
        assert day2["new"] >= 3 and day2["edited"] >= 1 and day2["deleted"] >= 1 and report["missed"] == 0
    else:  # what the gated sites changed is missed, the rest is found
        assert day2["new"] >= 1 and report["missed"] > 0
    # Day 2 replaces one notice's attachment under the same URL: the item is edited, with the attachment's diff.
    (edit,) = [edit for edit in report["attachment_edits"] if edit["day"] == 2]
    (change,) = edit["changes"]
    assert change["op"] == "changed" and "+根据各地反馈意见" in change["diff"]
    alerts = report["alerts"]
    # The baseline day alerts nothing; day 2's meeting changes each come once, and nothing else is mailed.
    assert alerts and all(alert["day"] == 2 for alert in alerts)
    assert all(alert["kinds"] == ["meeting"] for alert in alerts)
    item_ids = [item_id for alert in alerts for item_id in alert["item_ids"]]
    assert len(item_ids) == len(set(item_ids))
    assert all(alert["to"] == ["policy-team@example.org"] for alert in alerts)
    # Every meeting that day 2 brought, moved or withdrawn (the crawl's clock is fixed, so day 2's events
    # share the latest timestamp) was alerted, and only those.
    import sqlite3

    with sqlite3.connect(report["db"]) as connection:
        day2_meetings = dict(
            connection.execute(
                "SELECT item.id, change_event.change FROM change_event JOIN item ON item.id = change_event.item_id "
                "WHERE item.kind = 'meeting' "
                "AND change_event.created_at = (SELECT MAX(created_at) FROM change_event)"
            ).fetchall()
        )
    assert day2_meetings and set(item_ids) == set(day2_meetings)
    # What the simulator did on day 2: it announced a meeting and moved the date of one announced earlier.
    world = SimulatedWeb().world
    world.advance_to(2)
    events = world.events[2]
    announced = [uid for uid in events.new if world.articles[uid].stage == "announced"]
    # (other edits of the day, e.g. an attachment replaced, are not meetings)
    (moved,) = [uid for uid in events.edited if world.articles[uid].stage == "announced"]
    assert announced and world.articles[moved].stage == "announced"
    by_title = {alert["subject"].split("：", 1)[1]: alert for alert in alerts}
    for uid in announced:  # mailed with its time and place, in the subject and first in the body
        title = world.articles[uid].title
        alert = next(alert for subject, alert in by_title.items() if subject.startswith(title))
        assert alert["subject"].startswith("[govwatch] 新发布会议通知：")
        labels = [line.split(":", 1)[0] for line in alert["lead"]]
        assert labels[:2] == ["会议时间", "会议地点"] and "报名/回执截止" in labels
    edited = by_title[world.articles[moved].title]
    assert edited["subject"].startswith("[govwatch] 会议变更（会议时间）：")
    assert edited["lead"][0].startswith("变更: 会议时间: ") and "→" in edited["lead"][0]
    assert day2_meetings[edited["item_ids"][0]] == "edited"
