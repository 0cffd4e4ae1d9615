"""/feeds/meetings.ics and `govwatch export --format ics`, parsed with icalendar: subscribe, edit, subscribe."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from typer.testing import CliRunner

from crawler import clock
from crawler.cli import app
from crawler.config import Source
from crawler.extract.dates import SHANGHAI
from crawler.extract.meetings import meeting_facts
from crawler.store import Content, Store
from crawler.web import create_app

PUBLISHED = datetime(2026, 11, 18, 9, 30, tzinfo=SHANGHAI)
TITLE = "关于召开全省生态环境执法工作会议的通知"
URL = "http://sthjt.hunan.gov.cn/xxgk/tzgg/202611/t20261118_010.html"
TRAINING_URL = "http://www.mee.gov.cn/xxgk/tz/202611/t20261118_011.html"


def notice(day: str, place: str = "长沙市迎宾馆") -> str:
    return (
        f"定于{day}上午9:00在{place}召开全省生态环境执法工作会议。\n会议地点：{place}\n"
        "参会人员：各市州生态环境局分管负责同志。\n请于11月25日前将参会回执报送，联系人：李示范，电话：0731-85698123。"
    )


def source(source_id: str, tags: list[str]) -> Source:
    return Source.model_validate(
        {"id": source_id, "name": source_id, "org": "示范", "tags": tags,
         "listings": [{"url": "http://127.0.0.2/list/", "profile": "html"}]}
    )


def store_meeting(store: Store, source_id: str, url: str, title: str, text: str, stage: str = "announced") -> None:
    meta = {"meeting": meeting_facts(stage, title, text, PUBLISHED, "示范省生态环境厅")}
    content = Content(
        text=text, content_hash=hashlib.sha256(text.encode()).hexdigest(), title=title,
        published=clock.as_utc(PUBLISHED), kind="meeting", meta=meta,
    )
    store.record_content(source_id=source_id, canonical_url=url, url=url, content=content)


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The calendar reads JSON inside the version's metadata: both databases."""
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv(clock.NOW_ENV, "2026-11-18T10:00:00+08:00")
    store = Store(db_url)
    store.sync_sources([source("hunan", ["province", "hunan"]), source("mee", ["mee", "national"])])
    store_meeting(store, "hunan", URL, TITLE, notice("11月26日"))
    store_meeting(store, "mee", TRAINING_URL, "关于举办排污许可管理培训班的通知",
                  "定于12月8日至10日在北京市举办培训班。\n参加人员：各省级生态环境部门业务骨干。")
    # A report of a meeting held is not on the calendar, nor an announcement without a date.
    store_meeting(store, "mee", "http://www.mee.gov.cn/ywdt/t1.shtml", "生态环境部召开部常务会议",
                  "11月17日，部长主持召开部常务会议。", stage="held")
    store_meeting(store, "mee", "http://www.mee.gov.cn/xxgk/tz/t2.shtml", "关于召开全国生态环境宣传工作会议的预通知",
                  "会议拟于明年年初召开，具体时间另行通知。")
    return store


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    assert calendar.get("version") == "2.0" and calendar.get("prodid")
    zones = [zone.get("tzid") for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Asia/Shanghai"]
    found = {}
    for event in calendar.walk("VEVENT"):
        assert str(event.get("summary"))
        found[str(event.get("url"))] = event
    return found


def test_the_calendar_holds_the_announced_meetings(store: Store, db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        response = client.get("/feeds/meetings.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    found = events(response.content)
    assert set(found) == {URL, TRAINING_URL}
    meeting = found[URL]
    start = meeting.decoded("dtstart")
    assert start == datetime(2026, 11, 26, 9, 0, tzinfo=start.tzinfo) and start.utcoffset() == timedelta(hours=8)
    assert meeting["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert str(meeting["location"]) == "长沙市迎宾馆" and str(meeting["status"]) == "CONFIRMED"
    assert int(meeting["sequence"]) == 0 and str(meeting["uid"]).endswith("@govwatch")
    description = str(meeting["description"])
    assert "报名/回执截止 (reply by): 2026-11-25" in description and URL in description
    assert "各市州生态环境局分管负责同志" in description and "李示范" in description
    (alarm,) = meeting.walk("VALARM")
    assert alarm.decoded("trigger") == datetime(2026, 11, 24, 1, 0, tzinfo=alarm.decoded("trigger").tzinfo)
    training = found[TRAINING_URL]  # all-day, three days: DTEND is the day after the last
    assert training.decoded("dtstart") == date(2026, 12, 8) and training.decoded("dtend") == date(2026, 12, 11)


def test_subscribe_twice_across_an_edit_then_a_deletion(store: Store, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app(db_url)) as client:
        before = events(client.get("/feeds/meetings.ics").content)[URL]
        monkeypatch.setenv(clock.NOW_ENV, "2026-11-19T10:00:00+08:00")
        store_meeting(store, "hunan", URL, TITLE, notice("11月27日"))  # the date moved
        after = events(client.get("/feeds/meetings.ics").content)[URL]
        assert str(after["uid"]) == str(before["uid"])
        assert int(after["sequence"]) == 1 and int(before["sequence"]) == 0
        assert after.decoded("dtstart").date() == date(2026, 11, 27)
        assert after.decoded("dtstamp") > before.decoded("dtstamp")
        store.record_gone(_item_id(store, URL))
        assert store.record_gone(_item_id(store, URL)) is True
        gone = events(client.get("/feeds/meetings.ics").content)[URL]
        assert str(gone["status"]) == "CANCELLED" and int(gone["sequence"]) == 2 and str(gone["uid"]) == str(before["uid"])


def test_a_cancellation_notice_is_cancelled_on_the_calendar(store: Store, db_url: str) -> None:
    cancel = "http://sthjt.hunan.gov.cn/xxgk/tzgg/202611/t20261118_012.html"
    store_meeting(store, "hunan", cancel, "关于取消全省环评培训班的通知", "原定于11月28日举办的培训班取消。")
    with TestClient(create_app(db_url)) as client:
        found = events(client.get("/feeds/meetings.ics").content)
    assert str(found[cancel]["status"]) == "CANCELLED"


def test_a_moved_meeting_is_tentative_on_its_new_day_and_says_when_it_was(store: Store, db_url: str) -> None:
    later = "http://sthjt.hunan.gov.cn/xxgk/tzgg/202611/t20261118_013.html"
    earlier = "http://sthjt.hunan.gov.cn/xxgk/tzgg/202611/t20261118_014.html"
    store_meeting(store, "hunan", later, "关于全省执法工作会议延期举办的通知",
                  "原定于11月28日召开的全省执法工作会议延期至12月5日上午9:00召开。")
    store_meeting(store, "hunan", earlier, "关于提前召开全省监测工作会议的通知",
                  "原定于12月10日召开的全省监测工作会议提前至12月3日召开。")
    with TestClient(create_app(db_url)) as client:
        found = events(client.get("/feeds/meetings.ics").content)
    assert found[later].decoded("dtstart").date() == date(2026, 12, 5) and str(found[later]["status"]) == "TENTATIVE"
    assert "此会议延期 (postponed)，原定 (was) 2026-11-28" in str(found[later]["description"])
    assert found[earlier].decoded("dtstart") == date(2026, 12, 3) and str(found[earlier]["status"]) == "TENTATIVE"
    assert "此会议提前 (brought forward)，原定 (was) 2026-12-10" in str(found[earlier]["description"])


def test_filters_by_source_and_tag(store: Store, db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        assert set(events(client.get("/feeds/meetings.ics", params={"source": "hunan"}).content)) == {URL}
        assert set(events(client.get("/feeds/meetings.ics", params={"tag": "national"}).content)) == {TRAINING_URL}
        assert client.get("/feeds/meetings.ics", params={"tag": "nowhere"}).status_code == 404
        assert client.get("/feeds/meetings.ics", params={"source": "nobody"}).status_code == 404


def test_export_format_ics(store: Store, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "meetings.ics"
    result = runner.invoke(app, ["export", "--format", "ics", "--tag", "hunan", "-o", str(target), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert set(events(target.read_bytes())) == {URL}
    refused = runner.invoke(app, ["export", "--format", "ics", "--consumer", "x", "--db", db_url])
    assert refused.exit_code != 0
    wrong = runner.invoke(app, ["export", "--format", "jsonl", "--tag", "hunan", "--db", db_url])
    assert wrong.exit_code != 0


def _item_id(store: Store, url: str) -> int:
    from sqlmodel import Session, select

    from crawler.models import Item

    with Session(store.engine) as session:
        item = session.exec(select(Item).where(Item.canonical_url == url)).one()
        assert item.id is not None
        return item.id


def test_meeting_facts_in_the_api_the_item_page_and_show(store: Store, db_url: str) -> None:
    item_id = _item_id(store, URL)
    with TestClient(create_app(db_url)) as client:
        item = client.get(f"/api/items/{item_id}").json()
        page = client.get(f"/items/{item_id}").text
    meeting = item["meeting"]
    assert meeting["stage"] == "announced" and meeting["start"] == "2026-11-26T09:00:00+08:00"
    assert meeting["place"] == "长沙市迎宾馆" and meeting["deadline"] == "2026-11-25"
    assert (meeting["contact"], meeting["phone"]) == ("李示范", "0731-85698123")
    assert 'id="meeting" data-stage="announced"' in page and "2026-11-26 09:00" in page and "长沙市迎宾馆" in page
    shown = CliRunner().invoke(app, ["show", str(item_id), "--db", db_url])
    assert shown.exit_code == 0, shown.output
    assert "meeting: announced" in shown.output and "会议时间: 2026-11-26 09:00" in shown.output
    assert "报名/回执截止: 2026-11-25" in shown.output
    as_json = CliRunner().invoke(app, ["show", str(item_id), "--db", db_url, "--json"])
    assert '"stage": "announced"' in as_json.output


def test_jsonl_and_csv_records_carry_the_meeting(store: Store, db_url: str) -> None:
    import csv
    import io
    import json

    runner = CliRunner()
    lines = runner.invoke(app, ["export", "--jsonl", "-q", "--db", db_url]).output.splitlines()
    records = {record["url"]: record for record in map(json.loads, lines)}
    assert records[URL]["schema_version"] == 1 and records[URL]["meeting"]["place"] == "长沙市迎宾馆"
    assert records["http://www.mee.gov.cn/ywdt/t1.shtml"]["meeting"]["stage"] == "held"
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["export", "-f", "csv", "-q", "--db", db_url]).output)))
    cell = next(row["meeting"] for row in rows if row["url"] == URL)
    assert json.loads(cell) == records[URL]["meeting"]


def test_the_meetings_atom_feed_shows_the_facts(store: Store, db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        body = client.get("/feeds/meetings.atom").text
    assert "会议时间" in body and "2026-11-26 09:00" in body and "长沙市迎宾馆" in body
