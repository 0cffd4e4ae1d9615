"""Meeting stages (announced / held) on a table of titles and bodies we wrote, with near misses; the facts."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract import extract
from crawler.extract.classify import kind_and_stage
from crawler.extract.dates import SHANGHAI
from crawler.extract.meetings import STAGE_RULES, meeting_facts, read_span, watched_changes

A, H, N = "announced", "held", None
SETS = "定于12月8日上午9:00在示范市召开会议。"
HELD_BODY = "3月23日，示范省生态环境厅党组书记、厅长王示范主持召开厅党组会议。会议指出，要抓好重点工作。副厅长李一出席会议。"
NOTICE_BODY = "各市生态环境局：\n现将有关事项通知如下。\n请于12月5日前将工作总结报送我厅，联系人：张一，电话：0731-85698123。"

# (title, body, expected stage). Stage None: not a meeting of either stage (a notice, news, a speech…).
TABLE: list[tuple[str, str, str | None]] = [
    # --- announcements: 召开…会议的通知, 预通知, 补充通知
    ("关于召开2026年全国生态环境保护工作会议的通知", SETS, A),
    ("关于召开全省生态环境执法工作会议的通知", HELD_BODY, A),
    ("关于召开排污许可条例实施情况座谈会的预通知", "", A),
    ("关于召开全国固体废物管理工作会议的补充通知", "", A),
    ("关于组织召开2026年度生态环境统计工作会议的通知", "", A),
    ("关于召开长江流域水生态保护推进会的通知", "", A),
    ("关于召开第二届生态环境科技论坛的通知", "", A),
    ("关于召开秋冬季大气污染防治调度会的通知", "", A),
    ("关于召开全省核与辐射安全监管视频会议的通知", "", A),
    ("关于召开土壤污染防治研讨会的通知", "", A),
    ("關於召開全省生態環境保護工作會議的通知", "", A),
    ("关于召开2027年全省生态环境工作会议的通知（第二轮）", "", A),
    ("关于召开学习贯彻全国生态环境保护大会精神座谈会的通知", "", A),
    ("关于参加全国生态环境监测工作会议的通知", "", A),
    ("关于全国生态环境宣传工作会议有关事项的通知", "", A),
    # --- training classes, seminars
    ("关于举办排污许可管理培训班的通知", "", A),
    ("关于举办2026年第二期环境影响评价技术培训班的通知", "", A),
    ("关于举办生态环境损害赔偿制度研讨会的通知", "", A),
    ("关于举行新污染物治理专题座谈会的通知", "", A),
    ("关于举办生态环境执法大练兵现场观摩会的通知", "", A),
    ("关于举办全省环境监测人员培训的通知", "", A),
    # --- registration and reply requests tied to a meeting
    ("关于报送全国生态环境工作会议参会回执的通知", "", A),
    ("关于排污许可培训班报名的通知", "", A),
    ("关于报送参训人员名单的通知", "", A),
    ("2026年全省环评审批培训报名回执", "", A),
    ("关于生态环境统计培训班有关事项的补充通知", "", A),
    # --- cancelled or postponed announcements are still announcements (mailed, cancelled on the calendar)
    ("关于全省生态环境执法工作会议延期召开的通知", "", A),
    ("关于取消排污许可管理培训班的通知", "", A),
    ("关于调整全国土壤污染防治工作会议时间的通知", "原定于12月8日召开的会议改期举行。", A),
    # --- previews and plain notice titles whose body sets a meeting
    ("全国生态环境保护工作会议将于1月8日在京召开", "", A),
    ("关于做好有关工作的通知", "兹定于12月10日在省厅召开全省生态环境统计工作会议。", A),
    ("通知", "会议时间：2026年12月10日上午9:00\n会议地点：省厅三楼会议室", A),
    # --- held: reports of meetings that took place
    ("生态环境部召开部常务会议", "", H),
    ("示范省生态环境厅召开厅党组（扩大）会议", "", H),
    ("省厅党组召开第21次会议", "", H),
    ("市环保局召开党组扩大会安排部署下半年重点工作", "", H),
    ("示范省生态环境厅工作动态", HELD_BODY, H),
    ("示范省召开秋冬季大气污染防治调度会", "", H),
    ("全省生态环境执法工作视频会议召开", "", H),
    ("生态环境部召开排污许可条例实施情况座谈会", "", H),
    ("示范省生态环境厅召开党组（扩大）会议 传达学习全国生态环境保护大会精神", "", H),
    ("生态环境部党组召开会议传达学习中央经济工作会议精神", "", H),
    ("生態環境部召開部常務會議", "", H),
    ("示范市召开2026年第3次主任办公会议", "", H),
    ("省生态环境厅召开专题会议研究部署入河排污口整治", "", H),
    ("全省生态环境系统安全生产工作会议在示范市召开", "", H),
    # --- near misses: a past meeting mentioned by a notice, a speech, a digest, unrelated notices
    ("关于印发全省生态环境工作会议纪要的通知", "", N),
    ("关于印发《2026年第3次厅务会议纪要》的通知", "", N),
    ("关于认真学习贯彻全国生态环境保护大会精神的通知", "", N),
    ("关于传达学习中央经济工作会议精神的通知", "", N),
    ("关于落实全省生态环境工作会议部署的通知", "", N),
    ("关于全国生态环境保护工作会议议定事项落实情况的通报", "", N),
    ("在全区生态环境保护工作推进会议上的讲话", HELD_BODY, N),
    ("示范省生态环境厅一周要闻（4.10-4.16）", HELD_BODY, N),
    ("关于开展2026年大气污染防治专项检查的通知", NOTICE_BODY, N),
    ("关于做好排污许可管理有关工作的通知", NOTICE_BODY, N),
    ("关于公布2026年第3批生态环境科普基地名单的公告", "", N),
    ("关于征求《噪声污染防治技术指南（征求意见稿）》意见的函", "", N),
    ("关于国庆节放假期间值班安排的公告", "", N),
    ("示范市完成清溪河入河排污口排查整治", "", N),
    ("关于报送2026年生态环境统计报表的通知", "请于12月5日前报送。", N),
    ("关于进一步加强生态环境执法工作的实施意见", "", N),
    ("关于印发《生态环境培训管理办法》的通知", "", N),
    ("关于公布2026年环评工程师培训考核结果的公告", "", N),
    ("关于做好2026年环境影响评价工程师职业资格考试报名工作的通知", "", N),
    ("关于做好全国两会期间生态环境安全保障工作的通知", "全国两会将于3月5日在北京召开，现将有关事项通知如下。", N),
]


@pytest.mark.parametrize(("title", "body", "stage"), TABLE)
def test_stage_table(title: str, body: str, stage: str | None) -> None:
    kind, found = kind_and_stage(title, body)
    assert found == stage, (title, kind, found)
    assert (kind == "meeting") == (stage is not None)


def _precision_recall(stage: str) -> tuple[float, float]:
    found = {index for index, (title, body, _) in enumerate(TABLE) if kind_and_stage(title, body)[1] == stage}
    truth = {index for index, (_, _, expected) in enumerate(TABLE) if expected == stage}
    tp = len(found & truth)
    return (tp / len(found) if found else 1.0), (tp / len(truth) if truth else 1.0)


def test_table_size_and_precision_recall_per_stage() -> None:
    assert len(TABLE) >= 60
    counts = {stage: sum(1 for *_, s in TABLE if s == stage) for stage in (A, H, N)}
    assert counts[A] >= 25 and counts[H] >= 12 and counts[N] >= 15
    for stage in (A, H):
        precision, recall = _precision_recall(stage)
        print(f"table {stage}: precision {precision:.3f} recall {recall:.3f} ({counts[stage]} cases)")
        assert precision == 1.0 and recall == 1.0


def test_rules_are_named_data() -> None:
    assert len({rule.name for rule in STAGE_RULES}) == len(STAGE_RULES)


PUBLISHED = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
DECEMBER = datetime(2026, 12, 18, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("printed", "published", "start", "end"),
    [
        ("1月8日上午9:00", DECEMBER, "2027-01-08T09:00:00+08:00", None),  # a December notice: next January
        ("12月28日下午2:30", DECEMBER, "2026-12-28T14:30:00+08:00", None),
        ("3月12日至14日", datetime(2026, 3, 1, tzinfo=SHANGHAI), "2026-03-12", "2026-03-14"),
        ("3月12-14日", datetime(2026, 3, 1, tzinfo=SHANGHAI), "2026-03-12", "2026-03-14"),
        ("12月30日至1月2日", DECEMBER, "2026-12-30", "2027-01-02"),
        ("12月8日（星期二）14:30—17:00", PUBLISHED, "2026-12-08T14:30:00+08:00", "2026-12-08T17:00:00+08:00"),
        ("2027年2月3日9时30分", PUBLISHED, "2027-02-03T09:30:00+08:00", None),
        ("12月9日下午3点", PUBLISHED, "2026-12-09T15:00:00+08:00", None),
        ("11月25日", PUBLISHED, "2026-11-25", None),
        ("会议时间另行通知", PUBLISHED, None, None),
    ],
)
def test_read_span(printed: str, published: datetime, start: str | None, end: str | None) -> None:
    assert read_span(printed, published) == (start, end)


ANNOUNCEMENT = """各省、自治区、直辖市生态环境厅（局）：
为推进排污许可制度改革，经研究，定于2026年12月8日至10日在示范市举办全国排污许可管理培训班。现将有关事项通知如下。
一、会议时间
12月8日上午9:00报到，会期3天。
二、会议地点
示范市迎宾馆（示范市中山路88号）
三、参会人员
（一）各省级生态环境部门排污许可工作分管负责同志1名；
（二）各设区市生态环境局业务骨干1名。
四、其他事项
（一）主办单位：生态环境部环境影响评价与排放管理司
（二）请于11月30日前将参会回执报送会务组，联系人：张示范，电话：010-65646123。
（三）本次培训同时设视频分会场。
附件：参会回执.docx
生态环境部办公厅
2026年11月20日"""


def test_announced_facts_from_a_notice() -> None:
    facts = meeting_facts("announced", "关于举办全国排污许可管理培训班的通知", ANNOUNCEMENT, PUBLISHED, "生态环境部")
    assert facts["stage"] == "announced" and facts["status"] == "scheduled"
    assert facts["start"] == "2026-12-08T09:00:00+08:00" and facts["date"] == "2026-12-08"
    assert facts["end"] == "2026-12-10"
    assert facts["place"] == "示范市迎宾馆（示范市中山路88号）"
    assert facts["attendees"] == ["（一）各省级生态环境部门排污许可工作分管负责同志1名；", "（二）各设区市生态环境局业务骨干1名。"]
    assert facts["organizer"] == "生态环境部环境影响评价与排放管理司"
    assert facts["deadline"] == "2026-11-30"
    assert (facts["contact"], facts["phone"]) == ("张示范", "010-65646123")
    assert facts["video"] is True and facts["host"] is None


def test_announced_facts_inline_labels_and_setting_sentence() -> None:
    text = (
        "兹定于12月15日下午2:30在省厅四楼会议室召开全省生态环境统计工作会议。\n"
        "参会人员：各市局分管负责同志及统计科负责人。\n"
        "请各单位于12月10日17:00前将回执发至邮箱。联系人：李示范，联系电话：0731-85698123。"
    )
    facts = meeting_facts("announced", "关于召开全省生态环境统计工作会议的通知", text, PUBLISHED, "示范省生态环境厅")
    assert facts["start"] == "2026-12-15T14:30:00+08:00" and facts["end"] is None
    assert facts["place"] == "省厅四楼会议室"
    assert facts["attendees"] == ["各市局分管负责同志及统计科负责人"]
    assert facts["deadline"] == "2026-12-10T17:00:00+08:00"
    assert (facts["contact"], facts["phone"]) == ("李示范", "0731-85698123")
    assert facts["organizer"] == "示范省生态环境厅" and facts["video"] is False


def test_a_byline_date_is_not_the_meeting_time() -> None:
    text = "发布时间：2026年11月20日\n定于12月3日上午9:00召开会议。"
    assert meeting_facts("announced", "关于召开会议的通知", text, PUBLISHED)["start"] == "2026-12-03T09:00:00+08:00"


@pytest.mark.parametrize(
    ("title", "body", "status"),
    [
        ("关于取消排污许可管理培训班的通知", "原定举办的培训班取消。", "cancelled"),
        ("关于召开全省执法工作会议的通知", "经研究，决定取消召开本次会议。", "cancelled"),
        ("关于全省执法工作会议延期召开的通知", "会议延期举办，时间另行通知。", "postponed"),
        ("关于调整全国土壤污染防治工作会议时间的通知", "原定于12月8日召开的会议改期举行。", "postponed"),
        ("关于召开全国生态环境宣传工作会议的预通知", "会议拟于明年年初召开，具体时间另行通知。", "scheduled"),
        ("关于举办排污许可管理培训班的通知", "培训班学员如无故缺席将取消结业资格。", "scheduled"),
        ("关于召开取消行政许可事项专题座谈会的通知", "定于12月8日召开。", "scheduled"),
    ],
)
def test_cancelled_and_postponed_status(title: str, body: str, status: str) -> None:
    assert meeting_facts("announced", title, body, PUBLISHED)["status"] == status


def test_held_facts() -> None:
    facts = meeting_facts("held", "示范省生态环境厅召开厅党组会议", HELD_BODY, datetime(2024, 3, 24, tzinfo=SHANGHAI))
    assert facts["stage"] == "held" and facts["date"] == "2024-03-23"
    assert facts["host"] == "示范省生态环境厅党组书记、厅长王示范"
    assert facts["attendees"] == ["副厅长李一出席会议"] and facts["start"] is None
    in_town = meeting_facts("held", "", "5月6日，全省安全生产工作会议在示范市召开。", datetime(2024, 5, 7, tzinfo=SHANGHAI))
    assert in_town["place"] == "示范市" and in_town["date"] == "2024-05-06"


def test_held_date_before_publication_in_january() -> None:
    facts = meeting_facts("held", "", "12月30日，局长张示范主持召开局务会议。", datetime(2025, 1, 2, tzinfo=SHANGHAI))
    assert facts["date"] == "2024-12-30"


def test_garbled_held_day_read_against_publication() -> None:
    published = datetime(2024, 6, 3, tzinfo=SHANGHAI)
    assert meeting_facts("held", "", "61日下午，厅长王示范主持召开厅党组会议。", published)["date"] == "2024-06-01"
    assert meeting_facts("held", "", "61日下午，厅长王示范主持召开厅党组会议。", None)["date"] is None
    assert meeting_facts("held", "", "99日下午，厅长王示范主持召开厅党组会议。", published)["date"] is None


def test_watched_changes() -> None:
    before = meeting_facts("announced", "关于召开会议的通知", "会议时间：12月8日上午9:00\n会议地点：一楼会议室", PUBLISHED)
    after = meeting_facts("announced", "关于召开会议的通知", "会议时间：12月9日上午9:00\n会议地点：一楼会议室", PUBLISHED)
    assert watched_changes(before, after) == [
        {"field": "start", "before": "2026-12-08T09:00:00+08:00", "after": "2026-12-09T09:00:00+08:00"}
    ]
    assert watched_changes(before, before) == [] and watched_changes(None, {"stage": "held"}) == []


def test_extract_announcement_page() -> None:
    page = (
        "<html><head><title>关于举办全国排污许可管理培训班的通知</title>"
        '<meta name="PubDate" content="2026-11-20 10:00"></head><body>'
        '<div class="TRS_Editor">' + "".join(f"<p>{line}</p>" for line in ANNOUNCEMENT.splitlines()) + "</div></body></html>"
    )
    result = extract(page.encode(), url="http://www.example.gov.cn/xxgk/t20261120_1.shtml")
    assert result.kind == "meeting" and result.meeting is not None
    assert result.meeting["stage"] == "announced" and result.meeting["start"] == "2026-12-08T09:00:00+08:00"
    assert result.meeting["place"] == "示范市迎宾馆（示范市中山路88号）"


MEETING_BITS = st.one_of(
    st.sampled_from([
        "会议时间：", "会议地点：", "参会人员：", "定于", "召开", "12月", "8日", "至", "14日", "上午", "下午", "9:00", "—",
        "17:30", "请于", "前报送回执", "联系人：", "电话：", "\n", "二、参会人员", "（一）", "取消", "延期", "99月99日",
        "2月30日", "25:61", "（星期三）", "2027年", "视频会议",
    ]),
    st.text(max_size=12),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(MEETING_BITS, max_size=40), st.sampled_from(["announced", "held"]), st.booleans())
def test_meeting_facts_never_fail(parts: list[str], stage: str, dated: bool) -> None:
    text = "".join(parts)
    facts = meeting_facts(stage, text[:30], text, PUBLISHED if dated else None)
    assert set(facts) >= {"stage", "start", "end", "place", "attendees", "deadline"} and facts["stage"] == stage
    for key in ("start", "end", "deadline", "date"):
        if facts[key]:
            datetime.fromisoformat(facts[key])  # a real date, never 2月30日
    if facts["start"] and facts["end"]:
        assert facts["end"][:10] >= facts["start"][:10]
