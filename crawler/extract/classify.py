"""Kind of an item (meeting, notice, speech, policy, news) by ordered rules; a meeting's stage from meetings.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.extract import meetings
from crawler.vocabulary import ANNOUNCED, HELD, MEETING, NEWS, NOTICE, POLICY, SPEECH


@dataclass(frozen=True)
class KindRule:
    """Title (and optionally body) patterns that decide a kind; rules are tried in order, first match wins."""

    name: str
    kind: str
    title: re.Pattern[str] | None = None
    body: re.Pattern[str] | None = None
    body_min_hits: int = 1
    document: re.Pattern[str] | None = None  # the title must also match this, unless the item has a 文号


_TITLE_TAIL = r"[\s\"”’》」』]*(?:[(（][^()（）]{1,12}[)）])?\s*$"
KIND_RULES: tuple[KindRule, ...] = (
    # A speech even when its title names the meeting it was given at.
    KindRule("speech_title", SPEECH, title=re.compile(r"讲话|講話|致辞|致辭|发言|發言|报告会上的|讲稿")),
    KindRule("notice_title", NOTICE, title=re.compile(rf"(?:通知|公告|通告|公示|通报|通報|告知书|启事|公报){_TITLE_TAIL}")),
    # A letter asking for comments (关于征求《…（征求意见稿）》意见的函) is addressed to the public like a notice.
    KindRule("comment_request_title", NOTICE, title=re.compile(
        rf"(?:意见|意見|建议|建議)的?函{_TITLE_TAIL}|(?:征求|徵求|征集|徵集|征询|徵詢)[^。]{{0,80}}函{_TITLE_TAIL}")),
    # A document that sets rules: the title ends in a policy word, and it is issued as a document (a 文号,
    # "关于…", a regulation's own name) rather than a news item that mentions opinions or plans.
    KindRule("policy_title", POLICY, title=re.compile(
        rf"(?:决定|決定|决议|決議|意见|意見|办法|辦法|规定|規定|方案|条例|條例|细则|細則|规则|规划|規劃|纲要|指南|指引|实施意见|工作要点|工作要點|工作计划|工作計劃){_TITLE_TAIL}"),
        document=re.compile(rf"关于|關於|印发|印發|(?:办法|辦法|规定|規定|条例|條例|细则|細則|规则|规划|規劃|纲要|指南|方案){_TITLE_TAIL}")),
    KindRule("meeting_title", MEETING, title=re.compile(
        r"召开|召開|(?:党组|黨組|常务|常務|专题|專題|扩大|擴大|工作|推进|推進|调度|調度|座谈|座談|视频|視頻|部署|动员|動員)(?:会议|會議|会)|"
        r"会议|會議|座谈会|座談會|党组会|黨組會")),
    # Digests and round-ups report several meetings among other news: news, whatever their body says.
    KindRule("digest_title", NEWS, title=re.compile(r"要闻|要聞|一周|一週|周报|週報|综述|綜述|回顾|回顧|简报|簡報|动态汇总|速览|速覽")),
    KindRule("meeting_body", MEETING, body=re.compile(
        r"主持召开|主持召開|主持会议|主持會議|出席会议|出席會議|列席会议|列席會議|会议指出|會議指出|会议强调|會議強調|"
        r"会议要求|會議要求|会议以视频形式召开"), body_min_hits=2),
    KindRule("notice_doc_number_body", NOTICE, body=re.compile(r"^(?:现将|現將).{0,30}(?:通知如下|公告如下)"), body_min_hits=1),
)

def classify(title: str | None, text: str, doc_number: str | None = None) -> str:
    """The kind of an item from its title and opening text; 'news' when no rule matches."""
    return kind_and_stage(title, text, doc_number)[0]


def kind_and_stage(title: str | None, text: str, doc_number: str | None = None) -> tuple[str, str | None]:
    """The kind, and for a meeting its stage: an announcement (meetings.STAGE_RULES) before any kind rule."""
    if meetings.stage_of(title, text) == ANNOUNCED:
        return MEETING, ANNOUNCED
    kind = _kind(title, text, doc_number)
    return kind, (HELD if kind == MEETING else None)


def _kind(title: str | None, text: str, doc_number: str | None) -> str:
    title = title or ""
    head = text[:3000]
    for rule in KIND_RULES:
        if rule.title is not None and not (title and rule.title.search(title)):
            continue
        if rule.body is not None:
            hits = len(rule.body.findall(head)) if not rule.body.pattern.startswith("^") else int(
                any(rule.body.search(line) for line in head.splitlines()))
            if hits < rule.body_min_hits:
                continue
        if rule.title is None and rule.body is None:
            continue
        if rule.document is not None and not doc_number and not rule.document.search(title):
            continue
        return rule.kind
    if doc_number and re.search(r"通知|公告|通告", title):
        return NOTICE
    return NEWS
