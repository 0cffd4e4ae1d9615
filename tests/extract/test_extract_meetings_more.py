"""Meeting pages we wrote with varied wording (延期, 改期, 地点变更, 视频会议, 报名回执, 报到, 中文数字, 取消, a report):
each whole page through `extract`, its kind, stage, status, time, place and deadline checked against a table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from extract_helpers import PAGES

from crawler.extract import extract
from crawler.extract.classify import kind_and_stage
from crawler.extract.dates import SHANGHAI
from crawler.extract.meetings import arabic_dates, labelled_facts, meeting_facts

MEETING_PAGES = PAGES / "meetings"
URL = "http://www.example.gov.cn/tzgg/202612/t20261201_1.shtml"
FACTS = ("status", "start", "end", "place", "deadline", "video", "original_start")


def at(day: str, clock: str | None = None) -> str:
    """An expected moment as the extractor prints it: a date, or a Shanghai date and time."""
    return f"{day}T{clock}:00+08:00" if clock else day


# file → (kind, stage, facts). Decisions the table documents:
# - 延期/推迟/改期/时间调整 keep stage `announced` with status `postponed`; start/place are the NEW ones
#   when printed ("原定于…" clauses are the old arrangement and never read as the meeting's time or place).
# - postponed with 另行通知 and no new date: start, end and date are None (the old day is no longer true).
# - original_start is the time 原定于… names, for a meeting moved in time; a move to an earlier time than
#   that is `brought_forward` (提前), not `postponed`.
# - 地点变更 with the time unchanged is still `scheduled`, with the new place and the unchanged time.
# - 取消: stage `announced`, status `cancelled`, start/place of the meeting that is cancelled (the calendar
#   shows it struck through on that day).
# - an online meeting without a physical venue: place is the platform named (腾讯会议) or "视频会议".
EXPECTED: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "postponed_new_date.html": ("meeting", "announced", {
        "status": "postponed", "start": at("2026-12-22", "09:00"), "end": None, "original_start": "2026-12-08",
        "place": "示范市迎宾馆（示范市中山路88号）", "deadline": "2026-12-15", "video": False}),
    "brought_forward.html": ("meeting", "announced", {
        "status": "brought_forward", "start": at("2026-12-11", "09:00"), "end": None, "original_start": "2026-12-18",
        "place": "示范市湘江宾馆二楼会议厅（示范市五一大道12号）", "deadline": "2026-12-08", "video": False}),
    "postponed_undated.html": ("meeting", "announced", {
        "status": "postponed", "start": None, "end": None, "place": None, "deadline": None, "video": False}),
    "rescheduled_date_place.html": ("meeting", "announced", {
        "status": "postponed", "start": "2026-12-17", "end": "2026-12-18", "original_start": "2026-12-08",
        "place": "示范市国际会议中心（示范市湘江北路1号）", "deadline": "2026-12-10", "video": False}),
    "venue_changed.html": ("meeting", "announced", {
        "status": "scheduled", "start": "2026-12-10", "end": "2026-12-11",
        "place": "示范市生态环境干部学校（示范市岳麓大道66号）", "deadline": None, "video": False}),
    "time_adjusted.html": ("meeting", "announced", {
        "status": "postponed", "start": at("2026-12-18", "09:30"), "end": None, "original_start": None,
        "place": "省生态环境厅五楼会议室", "deadline": None, "video": False}),
    "video_tencent.html": ("meeting", "announced", {
        "status": "scheduled", "start": at("2026-12-09", "15:00"), "end": None,
        "place": "腾讯会议", "deadline": at("2026-12-08", "12:00"), "video": True}),
    "registration_receipt.html": ("meeting", "announced", {
        "status": "scheduled", "start": "2026-12-16", "end": "2026-12-17",
        "place": "示范市湘江宾馆", "deadline": at("2026-12-05", "17:00"), "video": False}),
    "training_checkin.html": ("meeting", "announced", {
        "status": "scheduled", "start": "2026-12-14", "end": "2026-12-16",
        "place": "示范市会展酒店三楼多功能厅（示范市梅溪湖路8号）", "deadline": "2026-12-07", "video": False}),
    "symposium_cjk_numerals.html": ("meeting", "announced", {
        "status": "scheduled", "start": at("2026-12-10", "09:30"), "end": None,
        "place": "省生态环境厅五楼会议室", "deadline": "2026-12-03", "video": False}),
    "date_range.html": ("meeting", "announced", {
        "status": "scheduled", "start": "2026-12-10", "end": "2026-12-11",
        "place": "示范市华天大酒店（示范市解放东路300号）", "deadline": "2026-12-04", "video": False}),
    "held_report.html": ("meeting", "held", {
        "status": None, "start": None, "end": None, "place": "示范市", "deadline": None, "video": False}),
    "cancelled.html": ("meeting", "announced", {
        "status": "cancelled", "start": "2026-12-15", "end": "2026-12-17", "original_start": None,
        "place": "示范市", "deadline": None, "video": False}),
    "plain_title_branch_venues.html": ("meeting", "announced", {
        "status": "scheduled", "start": at("2026-12-11", "08:30"), "end": None,
        "place": "市生态环境局三楼会议室", "deadline": None, "video": True}),
}


def _run(name: str):  # type: ignore[no-untyped-def]
    return extract((MEETING_PAGES / name).read_bytes(), url=URL)


def _mismatches(name: str) -> list[str]:
    """What differs between the page's extraction and the table (empty when the page passes)."""
    kind, stage, facts = EXPECTED[name]
    result = _run(name)
    meeting = result.meeting or {}
    wrong = [f"kind {result.kind!r}"] if result.kind != kind else []
    if meeting.get("stage") != stage:
        wrong.append(f"stage {meeting.get('stage')!r}")
    wrong += [f"{key} {meeting.get(key)!r} ≠ {value!r}" for key, value in facts.items() if meeting.get(key) != value]
    return wrong


def test_every_page_is_in_the_table() -> None:
    assert sorted(p.name for p in MEETING_PAGES.glob("*.html")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 10


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_meeting_page(name: str) -> None:
    assert _mismatches(name) == [], name


def test_date_follows_start() -> None:
    for name, (_, stage, facts) in EXPECTED.items():
        meeting = _run(name).meeting
        assert meeting is not None
        if stage == "announced":
            assert meeting["date"] == (facts["start"][:10] if facts["start"] else None), name


def test_score_on_the_pages() -> None:
    """Prints the count measured (issue #18); every page must pass."""
    failing = {name: wrong for name in sorted(EXPECTED) if (wrong := _mismatches(name))}
    print(f"meeting pages: {len(EXPECTED) - len(failing)}/{len(EXPECTED)} right; wrong: {failing}")
    assert failing == {}


PUBLISHED = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("printed", "digits"),
    [
        ("定于二〇二六年十二月十日上午九时三十分召开", "定于2026年12月10日上午9时30分召开"),
        ("二零二七年一月八日至九日", "2027年1月8日至9日"),
        ("十二月三十一日下午三点半", "12月31日下午3点半"),
        ("十一月二十日前报送", "11月20日前报送"),
        ("第三会议室，三日内报送，五楼", "第三会议室，三日内报送，五楼"),  # no date: unchanged
    ],
)
def test_arabic_dates(printed: str, digits: str) -> None:
    assert arabic_dates(printed) == digits


@pytest.mark.parametrize(
    ("body", "status", "start", "place"),
    [
        # An edit appends a postponement to the original notice: the old day is no longer the meeting's.
        ("定于12月8日上午9:00在示范市迎宾馆召开全省执法工作会议。\n会议地点：示范市迎宾馆\n因工作需要，本次会议延期召开，具体时间另行通知。",
         "postponed", None, "示范市迎宾馆"),
        ("原定于12月8日召开的会议延期至12月20日上午9:00召开，地点改在省厅三楼会议室召开。",
         "postponed", at("2026-12-20", "09:00"), "省厅三楼会议室"),
        ("原会议时间为12月8日，现调整为12月9日下午2:30。", "postponed", at("2026-12-09", "14:30"), None),
        # Moved earlier: the same day earlier in the hour, or an earlier day.
        ("原会议时间为12月8日下午2:30，现调整为12月8日上午9:00。", "brought_forward", at("2026-12-08", "09:00"), None),
        ("原定于12月18日召开的会议提前至12月11日召开，地点不变，仍为省厅三楼会议室。", "brought_forward", "2026-12-11",
         "省厅三楼会议室"),
        # 提前 that moves nothing: arrive early, hand in early.
        ("定于12月8日上午9:00在省厅召开会议。请参会人员提前到达会场，提前至11月30日报送回执。", "scheduled",
         at("2026-12-08", "09:00"), "省厅"),
        ("会议地点调整为省厅五楼会议室，会议时间不变。会议时间：12月8日上午9:00", "scheduled", at("2026-12-08", "09:00"),
         "省厅五楼会议室"),
        ("经研究，决定取消召开本次会议。原定于12月8日在省厅召开。", "cancelled", "2026-12-08", "省厅"),
        # A contact's address is no venue, and no rearrangement.
        ("定于12月8日在省厅召开会议。联系地址为示范市韶山北路1号。", "scheduled", "2026-12-08", "省厅"),
    ],
)
def test_changed_arrangements(body: str, status: str, start: str | None, place: str | None) -> None:
    facts = meeting_facts("announced", "关于召开全省执法工作会议的通知", body, PUBLISHED)
    assert (facts["status"], facts["start"], facts["place"]) == (status, start, place)


def test_online_place_is_not_doubled_in_mail_rows() -> None:
    rows = dict(labelled_facts(_run("video_tencent.html").meeting or {}))
    assert rows["会议地点"] == "腾讯会议" and rows["会议时间"] == "2026-12-09 15:00"
    branch = dict(labelled_facts(_run("plain_title_branch_venues.html").meeting or {}))
    assert branch["会议地点"] == "市生态环境局三楼会议室（含视频会议）"
    postponed = dict(labelled_facts(_run("postponed_new_date.html").meeting or {}))
    assert postponed["状态"] == "延期" and postponed["会议时间"] == "2026-12-22 09:00"
    assert postponed["原定时间"] == "2026-12-08"
    earlier = dict(labelled_facts(_run("brought_forward.html").meeting or {}))
    assert earlier["状态"] == "提前" and earlier["会议时间"] == "2026-12-11 09:00" and earlier["原定时间"] == "2026-12-18"
    assert "原定时间" not in dict(labelled_facts(_run("date_range.html").meeting or {}))



@pytest.mark.parametrize(
    ("title", "stage", "status"),
    [
        ("关于调整全省生态环境宣传工作会议时间的通知", "announced", "postponed"),
        ("关于全省排污许可培训班地点变更的通知", "announced", "scheduled"),
        ("关于2026年全省环境监测工作会议时间和地点调整的通知", "announced", "postponed"),
        ("关于变更全国固体废物管理培训班举办地点的通知", "announced", "scheduled"),
        ("关于全省生态环境执法工作会议延期举办的通知", "announced", "postponed"),
        # 提前 in a title moves a meeting only as 提前召开/举办 (the status needs both times to say earlier).
        ("关于提前召开全省危险废物规范化管理工作会议的通知", "announced", "postponed"),
        ("关于提前下达2027年中央生态环境资金预算的通知", None, None),
        ("关于提前做好冬季大气污染防治工作的通知", None, None),
        # near misses: 调整/变更 of something that is not a meeting's time or place
        ("关于调整厅领导班子成员分工的通知", None, None),
        ("关于调整国庆节期间值班时间的通知", None, None),
        ("关于调整2026年度环评工程师职业资格考试时间的通知", None, None),
        ("关于调整生态环境部机关会议费管理办法的通知", None, None),
        ("关于变更排污许可证登记事项的公告", None, None),
    ],
)
def test_rearranged_titles(title: str, stage: str | None, status: str | None) -> None:
    kind, found = kind_and_stage(title, "")
    assert found == stage and (kind == "meeting") == (stage is not None), (title, kind, found)
    if stage is not None:
        assert meeting_facts(stage, title, "", PUBLISHED)["status"] == status


@pytest.mark.parametrize(
    ("body", "attendees"),
    [
        ("参会人员：各市州生态环境局分管负责同志。", ["各市州生态环境局分管负责同志"]),
        ("参会人员为各市州生态环境局分管负责同志。", ["各市州生态环境局分管负责同志"]),
        ("二、参会人员\n各市州生态环境局分管负责同志\n三、会议地点：省厅", ["各市州生态环境局分管负责同志"]),
        # The words inside a sentence are no label: nobody is named.
        ("定于12月8日上午9:00在省厅召开会议。请参会人员提前到达会场。", []),
        ("三、参会人员不变。已报送参会回执的单位无需重新报送。", []),
    ],
)
def test_attendees_come_from_a_label_only(body: str, attendees: list[str]) -> None:
    assert meeting_facts("announced", "关于召开全省执法工作会议的通知", body, PUBLISHED)["attendees"] == attendees
