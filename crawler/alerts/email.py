"""Alert emails built with the standard library: UTF-8 subject, plain-text and escaped HTML parts."""

from __future__ import annotations

import email.policy
import html
import socket
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from crawler import clock
from crawler.extract.meetings import (
    FIELD_WORDS,
    MOVED,
    STATUS_WORDS,
    labelled_facts,
    moment_text,
    span_text,
)
from crawler.textsafe import clean, clean_value
from crawler.vocabulary import SHANGHAI

SUBJECT_PREFIX = "[govwatch]"
# Headers that let a program (the demo, the tests, a mail filter) recover what a message is about.
ITEMS_HEADER = "X-Govwatch-Items"
KINDS_HEADER = "X-Govwatch-Kinds"
EVENTS_HEADER = "X-Govwatch-Events"
SUBSCRIPTION_HEADER = "X-Govwatch-Subscription"
TYPE_HEADER = "X-Govwatch-Type"  # change | digest | health | test

# Python's header folding drops the space between two encoded words at a fold ("会议 <审议>" arrives as
# "会议<审议>"); with long lines allowed a subject is never folded, so it arrives exactly as written.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)

CHANGE_WORDS = {"new": "新发布", "edited": "已修改", "deleted": "已删除", "restored": "已恢复"}
KIND_WORDS = {"meeting": "会议", "notice": "通知公告", "speech": "讲话", "policy": "政策文件", "news": "新闻"}
HEALTH_WORDS = {
    "empty": "列表为空（页面结构可能已改变）",
    "blocked": "被拦截（412/521/403 或验证页面）",
    "failing": "抓取失败（网络或 HTTP 错误）",
    "broken": "页面结构已改变（种子的选择器不再匹配）",
}
# How to repair a seed after a redesign; named in the mail of a `broken` source (crawler/drift.py).
REPAIR_LINES = (
    "修复方法 / to repair the seed:",
    "  govwatch check {id}        # 看网站现在返回什么 / see what the site serves now",
    "  govwatch add {url} --id {id} --force   # 起草新的种子文件 / draft a new seed",
)

STYLE = (
    "body{font-family:sans-serif;line-height:1.5;color:#222}"
    ".meta{color:#555;font-size:90%}.item{margin:0 0 1.6em 0}"
    ".del{color:#a00;background:#fee}.ins{color:#060;background:#efe}pre{white-space:pre-wrap}"
)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _date(value: str | None) -> str:
    """An ISO timestamp (already Asia/Shanghai) shown as a date, or a dash."""
    if not value:
        return "—"
    return value[:10] if value[11:19] == "00:00:00" else value[:16].replace("T", " ")


def _attendees(meeting: dict[str, Any]) -> str:
    attendees = meeting.get("attendees") or []
    return "；".join(attendees) if isinstance(attendees, list) else str(attendees)


def meeting_rows(event: dict[str, Any]) -> list[tuple[str, str]]:
    """What a meeting mail leads with: what an edit changed, then the facts (meetings.labelled_facts)."""
    meeting = event.get("meeting") or {}
    if event.get("kind") != "meeting" or not meeting:
        return []
    rows = [
        ("变更", f"{FIELD_WORDS.get(change['field'], change['field'])}: "
                 f"{_change_value(change['field'], change.get('before'))} → "
                 f"{_change_value(change['field'], change.get('after'))}")
        for change in event.get("meeting_changes") or []
    ]
    return rows + labelled_facts(meeting)


def _change_value(field: str, value: Any) -> str:
    if field == "status":
        return STATUS_WORDS.get(str(value)) or "正常"
    if field in ("start", "end"):
        return moment_text(value)
    return str(value) if value else "—"


def meeting_subject(event: dict[str, Any]) -> str | None:
    """The subject of an announcement: what happened to it and, for a new one, when and where."""
    meeting = event.get("meeting") or {}
    if event.get("kind") != "meeting" or meeting.get("stage") != "announced":
        return None
    title = event.get("title") or "(无标题)"
    change = event.get("change")
    status = STATUS_WORDS.get(str(meeting.get("status")))
    if change == "deleted":
        return f"{SUBJECT_PREFIX} 会议通知已删除：{title}"
    if change == "edited" and event.get("meeting_changes"):
        changed = [c["field"] for c in event["meeting_changes"]]
        if "status" in changed and status:  # an edit that cancels or postpones says so first
            return f"{SUBJECT_PREFIX} 会议{status}：{title}"
        fields = "、".join(FIELD_WORDS.get(field, field) for field in changed)
        return f"{SUBJECT_PREFIX} 会议变更（{fields}）：{title}"
    where = "，".join(part for part in (span_text(meeting), meeting.get("place")) if part)
    if status:
        # A meeting moved in time says when it now is: that is what the reader needs.
        moved_to = f"（改至{where}）" if meeting.get("status") in MOVED and meeting.get("start") else ""
        return f"{SUBJECT_PREFIX} 会议{status}：{title}{moved_to}"
    word = CHANGE_WORDS.get(change or "", change)
    return f"{SUBJECT_PREFIX} {word}会议通知：{title}" + (f"（{where}）" if where else "")


def _new_message(
    to: Sequence[str], sender: str, subject: str, kind: str, message_id: str | None
) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    # Non-ASCII is RFC 2047-encoded as UTF-8 by the policy; a header may hold no line break, so a title
    # printed over two lines is one line here.
    message["Subject"] = " ".join(clean(subject).split())
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(datetime.now(SHANGHAI))
    # A stable Message-ID per outbox row lets a mail client drop the duplicate if a crash made us resend.
    message["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    message[TYPE_HEADER] = kind
    return message


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else socket.getfqdn()


def _event_text(event: dict[str, Any]) -> str:
    lines = [
        f"{event.get('title') or '(无标题)'}",
        *(f"{label}: {value}" for label, value in meeting_rows(event)),
        f"来源: {event.get('source_name')} ({event.get('source_id')})",
        f"日期: {_date(event.get('published'))}",
        f"类别: {KIND_WORDS.get(event.get('kind') or '', event.get('kind'))} ({event.get('kind')})",
        f"变化: {CHANGE_WORDS.get(event.get('change') or '', event.get('change'))}",
    ]
    if event.get("excerpt"):
        lines += ["", event["excerpt"]]
    if event.get("diff"):
        lines += ["", "修改之处:", *event["diff"]]
    lines += ["", f"原文链接: {event.get('url')}"]
    return "\n".join(lines)


def _event_html(event: dict[str, Any]) -> str:
    rows = [
        *meeting_rows(event),
        ("来源", f"{event.get('source_name')} ({event.get('source_id')})"),
        ("日期", _date(event.get("published"))),
        ("类别", f"{KIND_WORDS.get(event.get('kind') or '', event.get('kind'))} ({event.get('kind')})"),
        ("变化", CHANGE_WORDS.get(event.get("change") or "", event.get("change"))),
    ]
    parts = [
        '<div class="item">',
        f'<h2><a href="{_e(event.get("url"))}">{_e(event.get("title") or "(无标题)")}</a></h2>',
        '<table class="meta">',
        *(f"<tr><th align=left>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in rows),
        "</table>",
    ]
    parts += [
        f"<p>{_e(paragraph)}</p>" for paragraph in (event.get("excerpt") or "").splitlines() if paragraph
    ]
    if event.get("diff"):
        parts.append("<p><b>修改之处:</b></p><pre>")
        for line in event["diff"]:
            css = "del" if line.startswith("-") else "ins"
            parts.append(f'<span class="{css}">{_e(line)}</span>')
        parts.append("</pre>")
    parts.append(f'<p><a href="{_e(event.get("url"))}">原文链接</a>: {_e(event.get("url"))}</p></div>')
    return "\n".join(parts)


def _html_page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>"
    )


def _tag_items(message: EmailMessage, events: Sequence[dict[str, Any]], subscription: str) -> None:
    message[ITEMS_HEADER] = ",".join(str(event.get("item_id")) for event in events)
    message[KINDS_HEADER] = ",".join(sorted({str(event.get("kind")) for event in events}))
    message[EVENTS_HEADER] = ",".join(str(event.get("event_id")) for event in events)
    message[SUBSCRIPTION_HEADER] = subscription


def change_message(
    events: Sequence[dict[str, Any]],
    *,
    to: Sequence[str],
    sender: str,
    subscription: str,
    digest: bool = False,
    message_id: str | None = None,
) -> EmailMessage:
    """One email for one change event, or a digest grouping several (by source, in event order)."""
    if not events:
        raise ValueError("an alert email needs at least one event")
    # A queued payload may predate extraction's cleaning (crawler/textsafe.py): mail gets clean text too.
    events = [clean_value(event) for event in events]
    if digest or len(events) > 1:
        day = _date(events[-1].get("created_at"))[:10]
        subject = f"{SUBJECT_PREFIX} {subscription} 摘要 {day}：{len(events)} 条更新"
        kind = "digest"
    else:
        event = events[0]
        word = CHANGE_WORDS.get(event.get("change") or "", event.get("change"))
        kind_word = KIND_WORDS.get(event.get("kind") or "", event.get("kind"))
        subject = meeting_subject(event) or f"{SUBJECT_PREFIX} {word}{kind_word}：{event.get('title') or '(无标题)'}"
        kind = "change"
    message = _new_message(to, sender, subject, kind, message_id)
    _tag_items(message, events, subscription)
    ordered = sorted(events, key=lambda event: (str(event.get("source_id")), int(event.get("event_id") or 0)))
    separator = "\n\n" + "-" * 40 + "\n\n"
    text = separator.join(_event_text(event) for event in ordered)
    footer = f"\n\n-- \ngovwatch · 订阅 {subscription}\n"
    message.set_content(text + footer, charset="utf-8", cte="base64")
    body = "\n<hr>\n".join(_event_html(event) for event in ordered)
    body += f'<p class="meta">govwatch · 订阅 {_e(subscription)}</p>'
    message.add_alternative(_html_page(subject, body), subtype="html", charset="utf-8", cte="base64")
    return message


def health_message(
    *,
    to: Sequence[str],
    sender: str,
    source_id: str,
    source_name: str,
    state: str,
    consecutive_bad_runs: int,
    errors: Sequence[str] = (),
    since: str | None = None,
    recovered: bool = False,
    listing_url: str | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The one admin email when a source has been bad N runs in a row, or the one when it works again."""
    if recovered:
        subject = f"{SUBJECT_PREFIX} 已恢复：{source_name} ({source_id})"
        lines = [f"来源 {source_name} ({source_id}) 已恢复正常，最近一次抓取状态: {state}。"]
    else:
        subject = f"{SUBJECT_PREFIX} 来源异常：{source_name} ({source_id}) {state}"
        lines = [
            f"来源 {source_name} ({source_id}) 已连续 {consecutive_bad_runs} 次抓取异常: "
            f"{state} — {HEALTH_WORDS.get(state, state)}。",
            f"异常开始于: {_date(since)}" if since else "",
            "在恢复之前不会再发送提醒；恢复时会再通知一次。",
        ]
        if errors:
            lines += ["", "最近的错误:", *(f"  {error}" for error in errors[:10])]
        if state == "broken":
            url = listing_url or "<listing URL>"
            lines += ["", *(line.format(id=source_id, url=url) for line in REPAIR_LINES)]
    message = _new_message(to, sender, subject, "health", message_id)
    message["X-Govwatch-Source"] = source_id
    text = "\n".join(line for line in lines if line is not None)
    message.set_content(text + "\n\n-- \ngovwatch\n", charset="utf-8", cte="base64")
    body = "".join(f"<p>{_e(line)}</p>" for line in lines if line)
    message.add_alternative(_html_page(subject, body), subtype="html", charset="utf-8", cte="base64")
    return message


def sample_message(*, to: Sequence[str], sender: str) -> EmailMessage:
    """`govwatch alerts test`: proves the SMTP settings and the UTF-8 rendering of both parts."""
    subject = f"{SUBJECT_PREFIX} 测试邮件 / test message"
    message = _new_message(to, sender, subject, "test", None)
    now = clock.to_shanghai(clock.now())
    text = f"这是一封 govwatch 测试邮件。This is a govwatch test message.\n时间: {now:%Y-%m-%d %H:%M} (Asia/Shanghai)\n"
    message.set_content(text, charset="utf-8", cte="base64")
    message.add_alternative(
        _html_page(subject, f"<p>{_e(text)}</p><p>&lt;escaped&gt; &amp; ok</p>"), subtype="html"
    )
    return message
