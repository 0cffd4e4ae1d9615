"""Meetings: whether a page announces a meeting still to come or reports one held, and the facts it prints.

An item of kind `meeting` has a stage: `announced` (召开…会议的通知, 预通知, 补充通知, training classes,
座谈会, 研讨会, 视频会议, 调度会, registration and reply requests tied to a meeting) or `held` (a report of a
meeting that took place). The stage rules and the field labels are data below; `stage_of` and
`meeting_facts` apply them. Dates without a year are read against the publication date: an announcement
looks ahead (a December notice for 1月8日 means next January), a report looks back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from crawler.extract.dates import CJK_DIGITS, SHANGHAI, cjk_number, make_date
from crawler.vocabulary import ANNOUNCED

SCHEDULED, CANCELLED, POSTPONED = "scheduled", "cancelled", "postponed"
# Moved to an earlier time than the one the notice says was planned (提前): a meeting moved in time is
# `postponed` unless the page shows both times and the new one is the earlier.
BROUGHT_FORWARD = "brought_forward"
MOVED = (POSTPONED, BROUGHT_FORWARD)
# Every key of `meeting` (docs/EXPORT.md), present for both stages so consumers see one shape.
# `original_start` is the time a rearranging notice says the meeting had (原定于…), else None.
FIELDS = (
    "stage", "status", "date", "start", "end", "place", "organizer", "host",
    "attendees", "deadline", "contact", "phone", "video", "original_start",
)
# The facts whose change makes an edited announcement worth its own mail (crawler/alerts).
WATCHED = ("start", "end", "place", "status")

_TAIL = r"[\s\"”’》」』]*(?:[(（][^()（）]{1,12}[)）])?\s*$"
_NOTICE_END = rf"(?:预通知|預通知|补充通知|補充通知|通知|通告|公告|邀请函|邀請函|函){_TAIL}"
_VERB = r"(?:组织召开|組織召開|召开|召開|举办|舉辦|举行|舉行|组织开展|組織開展|参加|參加|出席)"
# A gathering named as such (for registration requests, where 会 alone would be too loose).
_GATHERING = (
    r"(?:会议|會議|培训班|培訓班|培训|培訓|研讨会|研討會|座谈会|座談會|论坛|論壇|调度会|調度會|推进会|推進會|年会|年會|"
    r"视频会|視頻會)"
)
_NOUN = (
    r"(?:会议|會議|大会|大會|培训班|培訓班|培训会|培訓會|培训|培訓|研讨会|研討會|座谈会|座談會|论坛|論壇|"
    r"视频会|視頻會|调度会|調度會|推进会|推進會|交流会|交流會|年会|年會|现场会|現場會|观摩会|觀摩會|"
    r"发布会|發佈會|评审会|評審會|会|會|班)"
)
# The same without the bare 会/班, where a loose match would cost too much (调整值班时间, 调整领导班子分工).
_NAMED_NOUN = (
    r"(?:会议|會議|大会|大會|培训班|培訓班|培训会|培訓會|培训|培訓|研讨会|研討會|座谈会|座談會|论坛|論壇|"
    r"视频会|視頻會|调度会|調度會|推进会|推進會|交流会|交流會|年会|年會|现场会|現場會|观摩会|觀摩會|"
    r"发布会|發佈會|评审会|評審會)"
)
_ARRANGEMENT = r"(?:时间|時間|日期|会期|會期|地点|地點|会场|會場)"
_REARRANGE = r"(?:调整|調整|变更|變更|更改)"


@dataclass(frozen=True)
class StageRule:
    """A title (and optionally body) pattern that decides a meeting's stage; `None` vetoes an announcement."""

    name: str
    stage: str | None
    title: re.Pattern[str]
    body: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None  # the rule does not apply when the title also matches this


# Tried in order, first match wins. A veto (stage None) leaves the title to the ordinary kind rules: a notice
# that only mentions a past meeting (印发…会议纪要, 学习贯彻…会议精神) is a notice, not an announcement.
STAGE_RULES: tuple[StageRule, ...] = (
    StageRule(
        "past_meeting_notice", None,
        title=re.compile(
            r"(?:会议|會議|大会|大會|全会|全會|座谈会|座談會)(?:精神|纪要|紀要|议定事项|議定事項|部署|要求)"
            r"|(?:学习|學習|贯彻|貫徹|传达|傳達|落实|落實)[^。]{0,30}(?:会议|會議|大会|大會|全会|全會)"),
        unless=re.compile(rf"{_VERB}[^。]{{0,60}}?{_NOUN}的?(?:预通知|預通知|补充通知|補充通知|通知){_TAIL}")),
    StageRule(
        "cancel_or_postpone_title", ANNOUNCED,
        title=re.compile(
            rf"(?:取消|延期|推迟|推遲|暂停|暫停|改期)[^。]{{0,40}}{_NOUN}[^。]{{0,10}}{_NOUN}?.{{0,8}}{_NOTICE_END}"
            rf"|{_NOUN}(?:的)?(?:取消|延期|推迟|推遲|改期|时间调整|時間調整)[^。]{{0,10}}{_NOTICE_END}")),
    # A meeting whose time or place is moved: 关于调整…会议时间的通知, …培训班培训地点变更的通知.
    StageRule(
        "rearranged_title", ANNOUNCED,
        title=re.compile(
            rf"{_REARRANGE}[^。]{{0,40}}{_NAMED_NOUN}的?(?:召开|召開|举办|舉辦|举行|舉行)?{_ARRANGEMENT}"
            rf"(?:[和及、]{_ARRANGEMENT})?[^。]{{0,8}}{_NOTICE_END}"
            rf"|{_NAMED_NOUN}[^。]{{0,6}}{_ARRANGEMENT}(?:[和及、]{_ARRANGEMENT})?的?{_REARRANGE}[^。]{{0,6}}{_NOTICE_END}")),
    StageRule(
        "announce_title", ANNOUNCED,
        title=re.compile(rf"{_VERB}[^。]{{0,80}}?{_NOUN}(?:有关事项|有關事項|相关事项|相關事項|的)?.{{0,4}}{_NOTICE_END}")),
    StageRule(
        "meeting_notice_title", ANNOUNCED,
        title=re.compile(
            r"(?:会议|會議|培训班|培訓班|研讨会|研討會|座谈会|座談會|论坛|論壇|调度会|調度會|推进会|推進會|视频会|視頻會)"
            rf"(?:有关事项|有關事項|相关事项|相關事項|报名|報名|参会|參會)?的?{_NOTICE_END}")),
    # Registration and reply requests tied to a meeting (an exam's 报名 is not one).
    StageRule(
        "registration_title", ANNOUNCED,
        title=re.compile(
            r"(?:参会回执|參會回執|参会报名|參會報名|参会人员|參會人員|参训人员|參訓人員|参会名单|參會名單|参训报名|參訓報名)"
            rf"[^。]{{0,20}}{_NOTICE_END}"
            rf"|{_GATHERING}[^。]{{0,12}}(?:报名|報名|回执|回執)(?:[^。]{{0,12}}{_NOTICE_END}|(?:表|表格)?\s*$)")),
    StageRule(
        "preview_title", ANNOUNCED,
        title=re.compile(r"(?:将于|將於|定于|定於|拟于|擬於|即将|即將)[^。]{0,30}(?:召开|召開|举办|舉辦|举行|舉行)")),
    # A plain notice title whose body sets a meeting: 定于…召开, or the labelled 会议时间/会议地点 of a notice.
    StageRule(
        "announce_body", ANNOUNCED,
        title=re.compile(_NOTICE_END),
        body=re.compile(
            # 定于/拟于 set a meeting; 将于 may only report someone else's (全国两会将于3月5日召开).
            r"(?:兹定于|茲定於|定于|定於|拟于|擬於)[^。]{0,60}?(?:召开|召開|举办|舉辦|举行|舉行)"
            r"|(?:^|\n)[^\n]{0,8}(?:会议时间|會議時間|会议地点|會議地點|培训时间|培訓時間)\s*[：:]")),
)

# Cancellation and postponement: a title that starts with it or says it of the meeting, or a body sentence
# whose subject is the meeting (培训班学员…取消结业资格 cancels nothing; 具体时间另行通知 postpones nothing).
_EVENT = r"(?:会议|會議|培训班|培訓班|培训|培訓|座谈会|座談會|研讨会|研討會|论坛|論壇|活动|活動)"
CANCELLED_TITLE = re.compile(rf"^(?:关于|關於)?(?:取消|撤销|撤銷|停止举办|停止舉辦)|{_EVENT}的?(?:取消|撤销|撤銷)")
# Postponed means moved in time (延期, 推迟, 改期, 时间调整 — later or earlier); a new venue alone is not.
_TIME = r"(?:时间|時間|日期|会期|會期)"
# 提前 counts only where it moves the meeting (提前召开, 提前至12月…): 提前下达, 提前到达会场 move nothing.
_CONVENE = r"(?:召开|召開|举办|舉辦|举行|舉行)"
_EARLIER_TO = rf"提前(?:至|到)[^。，,；;\n]{{1,30}}?{_CONVENE}"
POSTPONED_TITLE = re.compile(
    rf"^(?:关于|關於)?(?:延期|推迟|推遲|暂停|暫停|改期|提前{_CONVENE})|^(?:关于|關於)?{_REARRANGE}[^。]{{0,40}}{_TIME}"
    rf"|{_EVENT}的?(?:延期|推迟|推遲|暂停|暫停|改期|提前{_CONVENE})"
    rf"|{_EVENT}的?{_TIME}(?:[和及、](?:地点|地點))?的?{_REARRANGE}")
CANCELLED_BODY = re.compile(rf"{_EVENT}(?:决定|現|现)?(?:取消|不再(?:召开|举办|舉辦))|(?:取消|暂停|暫停)(?:召开|召開|举办|舉辦|举行|舉行)")
POSTPONED_BODY = re.compile(
    rf"{_EVENT}(?:决定|现|現)?(?:延期|推迟|推遲|暂缓|暫緩|改期)|(?:延期|推迟|推遲|暂缓|改期)(?:召开|召開|举办|舉辦|举行|舉行)"
    rf"|{_TIME}(?:调整|調整|变更|變更|更改|推迟|推遲|延期|顺延|順延|提前)(?:为|為|至|到)"
    rf"|原(?:定|计划|計劃)?的?(?:会议|會議|培训|培訓|活动|活動)?{_TIME}[^。]{{0,30}}(?:调整|調整|变更|變更|更改|改|推迟|推遲|延期)"
    rf"|{_EARLIER_TO}|原(?:定|计划|計劃)[^。]{{0,80}}提前{_CONVENE}")

# A notice that moves a meeting names the old arrangement (原定于12月8日在…召开的会议) besides the new one:
# the old is cut out before the time and place are read, except for a cancellation, whose facts are the
# meeting that will not take place.
ORIGINAL = (
    re.compile(r"原(?:定|计划|計劃|拟|擬)(?:于|於|在)?[^。；;\n]{0,80}?(?:召开|召開|举办|舉辦|举行|舉行|开展|開展)"),
    re.compile(rf"原(?:定|通知)?的?(?:会议|會議|培训|培訓|活动|活動)?(?:{_TIME}|地点|地點)(?:为|為|是|[：:])?[^。；;\n，,]{{0,40}}"),
)
# The new time or place as such notices print them, tried in order.
NEW_TIME = (
    re.compile(rf"{_TIME}(?:调整|調整|变更|變更|更改|改|推迟|推遲|延期|顺延|順延|提前)(?:为|為|至|到|在|于|於)\s*(?P<v>[^。；;\n]{{2,60}})"),
    re.compile(r"(?:调整后|調整後)的?(?:会议|會議|培训|培訓)?(?:时间|時間)\s*(?:为|為|[：:])\s*(?P<v>[^。；;\n]{2,60})"),
    re.compile(r"(?:延期|推迟|推遲|顺延|順延|改期|调整|調整|变更|變更|改)(?:至|到|为|為|于|於|在)\s*(?P<v>[^。；;\n]{2,60})"),
    re.compile(rf"提前(?:至|到)\s*(?P<v>[^。；;\n，,]{{2,40}}?){_CONVENE}"),
    re.compile(rf"{_TIME}不变[，,（(：:]?\s*(?:仍为|仍為|仍定于|仍定於|仍于|仍於|仍在|为|為)?\s*(?P<v>[^。；;\n]{{2,60}})"),
)
_PLACE_END = r"(?=召开|召開|举办|舉辦|举行|舉行|[。；;\n，,]|$)"
NEW_PLACE = (
    re.compile(rf"(?:地点|地點|会场|會場)(?:调整|調整|变更|變更|更改|改)(?:为|為|至|到|在)\s*(?P<v>[^。；;\n，,]{{2,60}}?){_PLACE_END}"),
    re.compile(r"(?:地点|地點)不变[（(](?P<v>[^。；;\n)）]{2,60})[)）]"),
    re.compile(rf"(?:地点|地點)不变[，,：:]?\s*(?:仍为|仍為|仍在|为|為)\s*(?P<v>[^。；;\n，,]{{2,60}}?){_PLACE_END}"),
    re.compile(r"改(?:在|于|於)(?P<v>[^，,。；;\s]{2,40}?)(?:召开|召開|举办|舉辦|举行|舉行)"),
)
# Postponed without a new time: the meeting has no date until the next notice.
UNDATED = re.compile(
    r"(?:具体|具體)?(?:会议|會議|培训|培訓|举办|舉辦|召开|召開)?(?:时间|時間|日期)(?:另行通知|另行告知|另行安排|待定|另定)"
    r"|(?:延期|推迟|推遲|暂缓|暫緩|改期)[^。]{0,20}(?:另行通知|另行告知|另行安排)")

# Dates and hours written in Chinese numerals (二〇二六年十二月十日上午九时三十分), rewritten in digits
# before the time and deadline are read; each pattern names the groups it rewrites.
_CJK = "[〇○零一二三四五六七八九十]"
CJK_DATE_PARTS = (
    re.compile(r"(?P<n>[〇○零Ｏ一二三四五六七八九]{4})(?=\s*年)"),
    re.compile(rf"(?P<n>[一二三四五六七八九十]{{1,2}})(?=\s*月\s*{_CJK}{{1,3}}\s*[日号號])"),
    re.compile(r"(?<=月)(?P<n>\s*[一二三四五六七八九十]{1,3})(?=\s*[日号號])"),
    re.compile(r"(?<=[至到—－~～-])(?P<n>\s*[一二三四五六七八九十]{1,3})(?=\s*[日号號])"),
    re.compile(r"(?<=[午晚日)）])(?P<n>[一二三四五六七八九十]{1,3})(?=\s*[时点時點])"),
    re.compile(rf"(?<=[时点時點])(?P<n>{_CJK}{{1,3}})(?=\s*分)"),
)
# Online meetings without a venue: the platform named, else "视频会议".
VIDEO_PLATFORM = re.compile(
    r"腾讯会议|騰訊會議|钉钉|釘釘|飞书|飛書|Zoom|ZOOM|WeLink|云视讯|雲視訊|小鱼易连|小魚易連|视频会议系统|視頻會議系統")
ONLINE = re.compile(
    r"(?:以|采取|採取|采用|採用|通过|通過)[^。，,]{0,10}(?:视频|視頻|线上|線上|网络|網絡|远程|遠程)[^。，,]{0,8}"
    r"(?:形式|方式|召开|召開|举行|舉行|进行|進行)|视频会议|視頻會議|视频会|視頻會|线上会议|線上會議|网络会议|網絡會議|云会议|雲會議")
ONLINE_PLACE = "视频会议"

# Labelled facts, tried in order (the first label present wins).
# A bare 时间/地点 is a label only where a label starts (a line, an outline number, a sentence): 到会时间,
# 抵达时间, 报名截止时间 in a reply form and 回执报送地点, 住宿地点 are not the meeting's.
_LABEL_START = r"(?:^|(?<=[\n、.．)）。；;\s]))"
# What follows a label before its value: 为, a colon, or a line break (a heading over its value).
_LABEL_END = r"[ \t]*(?:为|為|[：:]|\n)\s*"
TIME_LABELS = re.compile(
    r"(?:(?<![报報]到)(?:会议时间|會議時間|培训时间|培訓時間|活动时间|活動時間|会期|會期)"
    rf"|{_LABEL_START}(?:时间|時間)){_LABEL_END}")
CHECKIN_TIME = re.compile(rf"(?:报到时间|報到時間){_LABEL_END}")
PLACE_LABELS = (
    re.compile(rf"(?:会议地点|會議地點|培训地点|培訓地點|活动地点|活動地點|会议地址|會議地址){_LABEL_END}"),
    re.compile(rf"{_LABEL_START}(?:地点|地點){_LABEL_END}"),
    re.compile(rf"(?:报到地点|報到地點){_LABEL_END}"),
)
ORGANIZER_LABELS = re.compile(
    r"(?:主办单位|主辦單位|主办方|主辦方|举办单位|舉辦單位|组织单位|組織單位|主办|主辦)\s*[：:]\s*(?P<v>[^。；;\n]{2,60})")
ATTENDEE_LABELS = re.compile(
    r"(?:参会人员|參會人員|参加人员|參加人員|参会范围|參會範圍|参加范围|參加範圍|参会对象|參會對象|参训人员|參訓人員|"
    r"参训对象|參訓對象|培训对象|培訓對象|出席人员|出席人員|与会人员|與會人員)(?:及名额|及名額|范围|範圍)?"
    # A label, not a word in a sentence: 参会人员：…, 参会人员为…, or a heading line (请参会人员提前到达会场 and
    # 参会人员不变 name nobody).
    r"(?=\s*(?:[：:]|为|為|$))")
# A labelled 截止 first (it often carries the hour), then 请…于…前…报送 (报到 is arrival, not a reply).
DEADLINE = (
    re.compile(r"(?<![数數据據计計])(?:报名截止|報名截止|截止)(?:时间|時間|日期)?\s*(?:为|為|[：:])\s*(?P<v>[^。\n]{3,40})"),
    re.compile(
        r"请[^。\n]{0,24}?于(?P<v>[^。\n]{3,40}?)(?:前|之前|以前)[^。\n]{0,60}?"
        r"(?:报送|報送|报名|報名|回执|回執|反馈|反饋|发送|發送|提交|报至|報至|传真|傳真|填报|填報|确认|確認|发至|發至|报(?!到)|報(?!到))"),
)
CONTACT = re.compile(r"联系人\s*(?:及电话|及電話)?\s*[：:]?\s*(?P<v>[\u4e00-\u9fff·]{2,4}?(?:[、和及][\u4e00-\u9fff·]{2,4}?)*)(?=[，,；;。\s（(：:]|电话|電話|$)")
PHONE = re.compile(r"(?:联系|聯繫)?(?:电话|電話|手机|手機)\s*[：:]?\s*(?P<v>[（(]?0?\d{2,4}[)）]?[-－—\s]?\d{7,8}(?:[-－]\d{1,5})?|1\d{10})")
VIDEO = re.compile(
    r"视频会议|視頻會議|视频形式|視頻形式|视频方式|視頻方式|视频连线|視頻連線|线上|線上|网络直播|網絡直播|"
    r"腾讯会议|騰訊會議|会议号|會議號|云会议|雲會議|分会场|分會場|网络会议|網絡會議")
SETTING = re.compile(
    r"(?:兹定于|茲定於|定于|定於|拟于|擬於|将于|將於|于|於)(?P<v>[^。]{2,80}?)(?:召开|召開|举办|舉辦|举行|舉行)")
PLACE_IN_SETTING = re.compile(r"在(?P<v>[^，,。；;\s]{2,40}?)(?:召开|召開|举办|舉辦|举行|舉行|开幕|開幕)")

# Held reports: who chaired, who attended (sentences), the day.
HOST = (
    re.compile(r"(?:会议|會議)由(?P<host>[^，,。；;]{2,60}?)主持"),
    re.compile(r"(?:^|[，,。；;：:\s])(?P<host>[^，,。；;：:\s]{2,80}?)(?:主持召开|主持召開|主持会议|主持會議|主持)"),
)
ATTENDED = re.compile(r"[^。；;\n]*?(?:出席会议|出席會議|列席会议|列席會議|出席|列席|参加会议|參加會議)[^。；;\n]*")
MEETING_DAY = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
# Reposts that lost the 月: "61日下午" for 6月1日. Read only at the start of a paragraph, and only when the
# result is a day shortly before publication.
GARBLED_DAY = re.compile(r"(?:^|\n)\s*(?P<md>\d{2,3})日")
GARBLED_DAY_MAX_DAYS = 31

# Date and time as notices print them: 1月8日上午9:00, 3月12日至14日, 12月30日（星期二）14:30—17:00.
_DAY = r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*(?:[日号號]|(?=[-—－~～至到]\s*\d{1,2}\s*[日号號]))"
_WEEKDAY = r"(?:\s*[（(]\s*(?:星期|周|週)[一二三四五六日天]\s*[)）])?"
_CLOCK = (
    r"(?:\s*(?P<ap>上午|下午|晚上|早上|中午|晚)?\s*(?:(?P<h>\d{1,2})\s*(?:[:：]\s*(?P<mi>\d{2})|[时点時點]"
    r"\s*(?:(?P<mi2>\d{1,2})\s*分|(?P<half>半))?))?)"
)
START = re.compile(_DAY + _WEEKDAY + _CLOCK)
_SEP = r"\s*(?:至|到|—{1,2}|-|－|~|～|–)\s*"
END_DAY = re.compile(
    _SEP + r"(?:(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*[日号號]" + _WEEKDAY + _CLOCK)
END_CLOCK = re.compile(_SEP + r"(?P<ap>上午|下午|晚上|中午)?\s*(?P<h>\d{1,2})\s*[:：]\s*(?P<mi>\d{2})")
# An announcement's meeting lies ahead of its notice; a date this far before publication is next year's.
AHEAD_GRACE_DAYS = 45
HEAD_CHARS = 6000
ATTENDEE_LINES = 8


def stage_of(title: str | None, text: str) -> str | None:
    """`announced` when the title (or a notice's body) sets a meeting still to come, else None."""
    title = (title or "").strip()
    if not title:
        return None
    head = text[:3000]
    for rule in STAGE_RULES:
        if not rule.title.search(title):
            continue
        if rule.unless is not None and rule.unless.search(title):
            continue
        if rule.body is not None and not rule.body.search(head):
            continue
        return rule.stage
    return None


def _hour(ap: str | None, h: int) -> int:
    """上午/下午 on a 12-hour clock: 下午3:00 is 15:00, 下午12:30 stays 12:30."""
    if ap in ("下午", "晚上", "晚") and h < 12:
        return h + 12
    if ap == "中午" and h < 11:
        return h + 12
    return h


def _clock(groups: dict[str, str | None]) -> tuple[int, int] | None:
    if not groups.get("h"):
        return None
    h = _hour(groups.get("ap"), int(groups["h"] or 0))
    mi = groups.get("mi") or groups.get("mi2")
    minutes = 30 if groups.get("half") else int(mi) if mi else 0
    return (h, minutes) if h < 24 and minutes < 60 else None


def resolve_day(year: int | None, month: int, day: int, published: datetime | None, ahead: bool) -> date | None:
    """A month and day (maybe with a year) as a date: after the notice when `ahead`, else on or before it."""
    if year is not None:
        found = make_date(year, month, day)
        return found.date() if found else None
    if published is None:
        return None
    base = published.astimezone(SHANGHAI).date()
    found = make_date(base.year, month, day)
    if found is None:
        return None
    if ahead and found.date() < base - timedelta(days=AHEAD_GRACE_DAYS):
        found = make_date(base.year + 1, month, day)  # 12月 notice, 1月 meeting
    elif not ahead and found.date() > base + timedelta(days=1):
        found = make_date(base.year - 1, month, day)  # 1月 report, 12月 meeting
    return found.date() if found else None


def _stamp(day: date, clock: tuple[int, int] | None) -> str:
    """A date, or a date and time in Asia/Shanghai, as ISO 8601."""
    if clock is None:
        return day.isoformat()
    return datetime(day.year, day.month, day.day, clock[0], clock[1], tzinfo=SHANGHAI).isoformat()


def read_span(text: str, published: datetime | None, ahead: bool = True) -> tuple[str | None, str | None]:
    """The first (start, end) printed in `text`: '1月8日上午9:00' → start only; '3月12日至14日' → both days."""
    m = START.search(text)
    if not m:
        return None, None
    g = m.groupdict()
    start_day = resolve_day(int(g["y"]) if g["y"] else None, int(g["m"]), int(g["d"]), published, ahead)
    if start_day is None:
        return None, None
    start_clock = _clock(g)
    start = _stamp(start_day, start_clock)
    rest = text[m.end():]
    end: str | None = None
    e = END_DAY.match(rest)
    if e:
        eg = e.groupdict()
        month = int(eg["m"]) if eg["m"] else start_day.month
        year = int(eg["y"]) if eg["y"] else start_day.year + (1 if month < start_day.month else 0)
        found = make_date(year, month, int(eg["d"]))
        if found is not None and found.date() >= start_day:
            end = _stamp(found.date(), _clock(eg))
    else:
        c = END_CLOCK.match(rest)
        if c and start_clock is not None:
            clock = _clock(c.groupdict() | {"ap": c.group("ap") or g.get("ap")})
            if clock is not None and clock >= start_clock:
                end = _stamp(start_day, clock)
    return start, end


def _clause(text: str, limit: int = 80) -> str | None:
    """The value after a label: up to the end of its sentence or line."""
    value = re.split(r"[。；;\n]", text, maxsplit=1)[0].strip(" ，,：:")
    return value[:limit] if value else None


def _cjk_int(numeral: str) -> int:
    """十二 → 12, 三十 → 30; digit by digit without 十: 二〇二六 → 2026, 零五 → 5."""
    if "十" in numeral:
        return cjk_number(numeral)
    return int("".join(str(CJK_DIGITS.get(char, 0)) for char in numeral))


def arabic_dates(text: str) -> str:
    """Dates and hours in Chinese numerals rewritten in digits: 十二月十日上午九时 → 12月10日上午9时."""
    for pattern in CJK_DATE_PARTS:
        text = pattern.sub(lambda m: str(_cjk_int(m.group("n").strip())), text)
    return text


def without_original(text: str) -> str:
    """The text without the arrangement a notice replaces (原定于…召开, 原会议时间为…)."""
    for pattern in ORIGINAL:
        text = pattern.sub("", text)
    return text


def _when(head: str, published: datetime | None) -> tuple[str | None, str | None]:
    """The labelled time (会议时间：…), else the sentence that sets the meeting (定于…召开), else the
    arrival day (报到时间：…, the day before a training class starts)."""
    setting: tuple[str | None, str | None] = (None, None)
    for m in SETTING.finditer(head):
        setting = read_span(m.group("v"), published)
        if setting[0]:
            break
    for m in TIME_LABELS.finditer(head):
        start, end = read_span(head[m.end(): m.end() + 80], published)
        if start:
            # 定于12月8日至10日 … 会议时间：12月8日上午9:00 — the label gives the hour, the sentence the end.
            if end is None and setting[0] and setting[0][:10] == start[:10]:
                end = setting[1]
            return start, end
    if setting[0]:
        return setting
    for m in CHECKIN_TIME.finditer(head):
        start, end = read_span(head[m.end(): m.end() + 80], published)
        if start:
            return start, end
    return None, None


def _new_when(text: str, published: datetime | None) -> tuple[str | None, str | None]:
    """The time a rearranging notice sets (时间调整为…, 延期至…, 时间不变，仍为…), else (None, None)."""
    for pattern in NEW_TIME:
        for m in pattern.finditer(text):
            start, end = read_span(m.group("v"), published)
            if start:
                return start, end
    return None, None


def _place(head: str) -> str | None:
    for pattern in NEW_PLACE:
        m = pattern.search(head)
        if m and m.group("v").strip():
            return m.group("v").strip()
    for label in PLACE_LABELS:
        m = label.search(head)
        if m:
            value = _clause(head[m.end():])
            if value:
                return value
    for m in SETTING.finditer(head):
        p = PLACE_IN_SETTING.search(m.group(0))
        if p:
            return p.group("v")
    return None


def _online_place(title: str, head: str) -> str | None:
    """For a meeting held online: the platform named (腾讯会议), else "视频会议"; None for one in a room."""
    both = title + "\n" + head
    if not ONLINE.search(both):
        return None
    platform = VIDEO_PLATFORM.search(both)
    return platform.group(0) if platform else ONLINE_PLACE


_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])")


def _level(line: str) -> int:
    """Outline level of a heading line: 一、 is 1, （一） is 2, anything else 9."""
    stripped = line.strip()
    if re.match(r"[一二三四五六七八九十]+[、.．]", stripped):
        return 1
    if re.match(r"[（(][一二三四五六七八九十]+[)）]", stripped):
        return 2
    return 9


def _attendees_announced(head: str) -> list[str]:
    lines = head.splitlines()
    for index, line in enumerate(lines):
        m = ATTENDEE_LABELS.search(line)
        if not m:
            continue
        inline = re.sub(r"^\s*(?:[：:]|为|為)?", "", line[m.end():]).strip()
        if inline:
            return [_clause(inline, 200) or inline]
        # A heading (二、参会人员) followed by its items, up to the next heading of the same level or above.
        level = _level(line)
        found: list[str] = []
        for following in lines[index + 1: index + 1 + ATTENDEE_LINES]:
            if _HEADING.match(following) and _level(following) <= level:
                break
            if following.strip():
                found.append(following.strip())
        return found
    return []


def _deadline(head: str, published: datetime | None) -> str | None:
    for pattern in DEADLINE:
        for m in pattern.finditer(head):
            start, _ = read_span(m.group("v"), published)
            if start:
                return start
    return None


def _original_start(digits: str, published: datetime | None) -> str | None:
    """The time the notice says was planned before (原定于12月8日…, 原会议时间为…), else None."""
    for pattern in ORIGINAL:
        for m in pattern.finditer(digits):
            start, _ = read_span(m.group(0), published)
            if start:
                return start
    return None


def _earlier(new: str, old: str) -> bool:
    """Whether moment `new` comes before `old`; a bare date is compared by its day only."""
    if new[:10] != old[:10] or "T" not in new or "T" not in old:
        return new[:10] < old[:10]
    return new < old


def _status(title: str, head: str) -> str:
    if CANCELLED_TITLE.search(title) or CANCELLED_BODY.search(head):
        return CANCELLED
    if POSTPONED_TITLE.search(title) or POSTPONED_BODY.search(head):
        return POSTPONED
    return SCHEDULED


def _garbled_day(head: str, published: datetime) -> str | None:
    """6月1日 from '61日' when the publication date makes it unambiguous, else None."""
    m = GARBLED_DAY.search(head)
    if not m:
        return None
    digits = m.group("md")
    for split in range(1, len(digits)):
        month, day = int(digits[:split]), int(digits[split:])
        for year in (published.year, published.year - 1):
            candidate = make_date(year, month, day) if 1 <= month <= 12 else None
            if candidate and 0 <= (published - candidate).days <= GARBLED_DAY_MAX_DAYS:
                return candidate.date().isoformat()
    return None


def held_facts(text: str, published: datetime | None) -> dict[str, Any]:
    """Day, host, attendee sentences and place of a meeting report, as far as the text states them."""
    head = text[:4000]
    date_iso = None
    m = MEETING_DAY.search(head[:400])
    if m:
        day = resolve_day(int(m.group("y")) if m.group("y") else None, int(m.group("m")), int(m.group("d")),
                          published, ahead=False)
        date_iso = day.isoformat() if day else None
    elif published:
        date_iso = _garbled_day(head[:200], published)
    host = None
    for pattern in HOST:
        hm = pattern.search(head)
        if hm:
            host = next(v for v in hm.groupdict().values() if v)
            host = MEETING_DAY.sub("", host)
            host = re.sub(r"^(?:上午|下午|晚上|晚|早上)", "", host).strip(" ，,")
            break
    attendees: list[str] = []
    for am in ATTENDED.finditer(head):
        sentence = am.group(0).strip(" ，,")
        if sentence and "主持" not in sentence and sentence not in attendees and len(sentence) <= 300:
            attendees.append(sentence)
    place = PLACE_IN_SETTING.search(head[:400])
    return {"date": date_iso, "host": host or None, "attendees": attendees, "place": place.group("v") if place else None}


def announced_facts(title: str, text: str, published: datetime | None, organ: str | None = None) -> dict[str, Any]:
    """When, where, who, the reply deadline and the contact of an announced meeting, as printed."""
    head = text[:HEAD_CHARS]
    status = _status(title, head)
    digits = arabic_dates(head)
    original: str | None = None
    if status == CANCELLED:
        start, end = _when(digits, published)
        place = _place(head)
    else:
        current = without_original(digits)
        start, end = _new_when(current, published)
        if start is None and not (status == POSTPONED and UNDATED.search(digits)):
            start, end = _when(current, published)
        place = _place(without_original(head))
        if status == POSTPONED:
            original = _original_start(digits, published)
            if original and start and _earlier(start, original):
                status = BROUGHT_FORWARD
    organizer = ORGANIZER_LABELS.search(head)
    contact = CONTACT.search(head)
    phone = PHONE.search(head)
    return {
        "status": status,
        "original_start": original,
        "date": start[:10] if start else None,
        "start": start,
        "end": end,
        "place": place or _online_place(title, head),
        "organizer": _clause(organizer.group("v"), 60) if organizer else organ,
        "attendees": _attendees_announced(head),
        "deadline": _deadline(digits, published),
        "contact": contact.group("v") if contact else None,
        "phone": re.sub(r"\s+", "", phone.group("v")) if phone else None,
    }


def meeting_facts(
    stage: str, title: str | None, text: str, published: datetime | None, organ: str | None = None
) -> dict[str, Any]:
    """The `meeting` object of an item (every key of FIELDS; absent facts are None or empty)."""
    facts: dict[str, Any] = dict.fromkeys(FIELDS)
    facts["attendees"] = []
    if stage == ANNOUNCED:
        facts.update(announced_facts(title or "", text, published, organ))
    else:
        facts.update(held_facts(text, published))
    facts["stage"] = stage
    facts["video"] = bool(VIDEO.search((title or "") + "\n" + text[:HEAD_CHARS]))
    return facts


def watched_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What an edit changed in an announcement's time, place or status: [{field, before, after}]."""
    if not isinstance(after, dict) or after.get("stage") != ANNOUNCED:
        return []
    before = before if isinstance(before, dict) else {}
    return [
        {"field": key, "before": before.get(key), "after": after.get(key)}
        for key in WATCHED
        if before.get(key) != after.get(key)
    ]


# --- how people see the facts (mail, `govwatch show`, the item page, the calendar) -------------------------

STATUS_WORDS = {CANCELLED: "已取消", POSTPONED: "延期", BROUGHT_FORWARD: "提前"}
FIELD_WORDS = {"start": "会议时间", "end": "结束时间", "place": "会议地点", "status": "状态"}


def moment_text(value: str | None) -> str:
    """'2026-12-08T09:00:00+08:00' → '2026-12-08 09:00'; a bare date stays a date."""
    if not value:
        return "—"
    return value[:16].replace("T", " ") if "T" in value else value


def span_text(meeting: dict[str, Any]) -> str | None:
    """'2026-12-08 09:00 至 11:30' on one day, else start 至 end; None without a start."""
    if not meeting.get("start"):
        return None
    end = meeting.get("end")
    if not end:
        return moment_text(meeting["start"])
    same_day = end[:10] == meeting["start"][:10] and "T" in end
    return f"{moment_text(meeting['start'])} 至 {end[11:16] if same_day else moment_text(end)}"


def labelled_facts(meeting: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts under Chinese labels, in reading order: for an announcement when, where, who must attend
    and the reply deadline, then organizer and contact; for a report the day, host, attendees and place."""
    attendees = "；".join(meeting.get("attendees") or []) or None
    if meeting.get("stage") == ANNOUNCED:
        place = meeting.get("place")
        if meeting.get("video") and not VIDEO.search(place or ""):  # not "腾讯会议（含视频会议）"
            place = f"{place}（含视频会议）" if place else ONLINE_PLACE
        contact = " ".join(part for part in (meeting.get("contact"), meeting.get("phone")) if part) or None
        original = meeting.get("original_start") if meeting.get("status") in MOVED else None
        rows = [
            ("状态", STATUS_WORDS.get(str(meeting.get("status")))),
            ("会议时间", span_text(meeting)),
            ("原定时间", moment_text(original) if original else None),
            ("会议地点", place),
            ("参会人员", attendees),
            ("报名/回执截止", moment_text(meeting["deadline"]) if meeting.get("deadline") else None),
            ("主办", meeting.get("organizer")),
            ("联系人", contact),
        ]
    else:
        rows = [("会议时间", meeting.get("date")), ("主持", meeting.get("host")), ("出席", attendees),
                ("地点", meeting.get("place"))]
    return [(label, value) for label, value in rows if value]
