"""The offline demo: the simulated web, two (or more) days of real crawls into SQLite, and the alert mails."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.config import ALERTS_ENV
from crawler.attachments.queries import attachments_by_version
from crawler.browser import fetch_mode
from crawler.clock import NOW_ENV
from crawler.db import dispose_engines, init_db
from crawler.diffing import attachment_changes
from crawler.models import ChangeEvent, CrawlRun, Item
from crawler.runner import run_crawl
from crawler.simulator import SimulatedWeb

DEFAULT_WORKDIR = Path("var") / "demo"
DEMO_RECIPIENT = "policy-team@example.org"  # delivered to the loopback SMTP server only
CRAWL_TIMEOUT_SECONDS = 300
# The demo's subscription: a mail for every meeting, announced or held, new, moved or withdrawn — the
# product's headline alert.
DEMO_ALERTS = {
    "subscriptions": [
        {
            "name": "meeting-notices",
            "recipients": [DEMO_RECIPIENT],
            "filters": {"kinds": ["meeting"], "changes": ["new", "edited", "deleted"]},
            "mode": "immediate",
        }
    ],
    "admin": {"recipients": ["admin@example.org"], "bad_runs_before_alert": 3},
}


@dataclass
class DayReport:
    """What one simulated day's crawl found, next to what the simulator really changed."""

    day: int
    new: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    blocked: int = 0  # sources whose run ended blocked (challenge pages)
    failed: int = 0
    false_edits: list[str] = field(default_factory=list)  # edited URLs the simulator did not edit
    missed: list[str] = field(default_factory=list)  # true new/edited/deleted URLs the crawl did not flag
    new_items: list[dict[str, Any]] = field(default_factory=list)
    edited_items: list[dict[str, Any]] = field(default_factory=list)
    deleted_items: list[dict[str, Any]] = field(default_factory=list)
    # None so far: the simulated web never brings a deleted page back.
    restored_items: list[dict[str, Any]] = field(default_factory=list)
    blocked_sources: list[str] = field(default_factory=list)
    blocked_reasons: dict[str, str] = field(default_factory=dict)  # source → its first error (why blocked)
    browser_sources: list[str] = field(default_factory=list)  # sources read through Chromium (JS challenges)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    # Edited items whose attachments changed, with how: {id, title, url, changes: [{op, name, url, diff}]}.
    attachment_edits: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"day": self.day, "new": self.new, "edited": self.edited, "deleted": self.deleted,
                "unchanged": self.unchanged, "blocked": self.blocked, "browser": len(self.browser_sources)}


@dataclass
class DemoReport:
    """The whole demo: the database it wrote and each day's report."""

    db: str
    days: list[DayReport]

    def to_json(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "days": [day.counts() for day in self.days],
            "false_edits": sum(len(day.false_edits) for day in self.days),
            "missed": sum(len(day.missed) for day in self.days),
            "alerts": [alert for day in self.days for alert in day.alerts],
            "attachment_edits": [dict(edit, day=day.day) for day in self.days for edit in day.attachment_edits],
        }


def _events_of_runs(session: Session, run_ids: list[int]) -> list[tuple[ChangeEvent, Item]]:
    if not run_ids:
        return []
    rows = session.exec(
        select(ChangeEvent, Item)
        .join(Item, col(Item.id) == col(ChangeEvent.item_id))
        .where(col(ChangeEvent.crawl_run_id).in_(run_ids))
        .order_by(col(ChangeEvent.id))
    ).all()
    return list(rows)


def _describe(item: Item) -> dict[str, Any]:
    return {"id": item.id, "title": item.title, "kind": item.kind, "source_id": item.source_id,
            "url": item.canonical_url}


def _report_day(session: Session, web: SimulatedWeb, day: int, runs: list[CrawlRun]) -> DayReport:
    report = DayReport(day=day)
    for run in runs:
        report.new += run.new
        report.edited += run.edited
        report.deleted += run.deleted
        report.unchanged += run.unchanged + run.not_modified
        report.failed += run.failed
        if run.status == "blocked":
            report.blocked += 1
            report.blocked_sources.append(run.source_id)
            report.blocked_reasons[run.source_id] = run.errors[0] if run.errors else ""
        elif fetch_mode(run.errors) == "browser":  # read through Chromium (a blocked one was not read)
            report.browser_sources.append(run.source_id)
    truth = web.truth(day)
    flagged: dict[str, set[str]] = {"new": set(), "edited": set(), "deleted": set(), "restored": set()}
    for event, item in _events_of_runs(session, [run.id for run in runs if run.id is not None]):
        flagged[event.change].add(item.canonical_url)
        getattr(report, f"{event.change}_items").append(_describe(item))
        if event.change == "edited" and item.id is not None and item.version_count >= 2:
            files = attachments_by_version(session, item.id, [item.version_count - 1, item.version_count])
            changes = attachment_changes(files[item.version_count - 1], files[item.version_count])
            if changes:
                report.attachment_edits.append(
                    {**_describe(item), "changes": [change.to_dict() for change in changes]}
                )
    report.false_edits = sorted(flagged["edited"] - truth.edited)
    report.missed = sorted((truth.new - flagged["new"]) | (truth.edited - flagged["edited"])
                           | (truth.deleted - flagged["deleted"]))
    return report


def _lead(text: str) -> list[str]:
    """The lines a change mail leads with before its source line: a meeting's time, place, changes…"""
    head = text.split("\n来源:", 1)[0].splitlines()
    return head[1:]


def run_demo(
    workdir: Path = DEFAULT_WORKDIR,
    days: int = 2,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Serve the simulated web, crawl `days` days into a fresh SQLite file, collect the alert mails."""
    say = progress or (lambda _message: None)
    workdir = workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    seeds_dir = workdir / "seeds"
    workdir.mkdir(parents=True)
    db_path = workdir / "govwatch.db"
    db_url = f"sqlite:///{db_path}"
    alerts_path = workdir / "alerts.yaml"
    alerts_path.write_text(yaml.safe_dump(DEMO_ALERTS, allow_unicode=True, sort_keys=False), encoding="utf-8")
    engine = init_db(db_url)
    reports: list[DayReport] = []
    with SimulatedWeb() as web, LoopbackSMTP() as smtp:
        web.write_seeds(seeds_dir)
        say(f"simulated web on {', '.join(sorted({web.base_url(key) for key in web.servers}))}")
        for day in range(1, days + 1):
            web.advance_to(day)
            env = {**smtp.env(), ALERTS_ENV: str(alerts_path), NOW_ENV: web.now(day).isoformat()}
            say(f"day {day} ({web.date_of(day).isoformat()}): crawling every simulated source …")
            mails_before = len(smtp.messages)
            result = run_crawl([], db_url=db_url, seeds=seeds_dir, env=env, timeout=CRAWL_TIMEOUT_SECONDS,
                               log_file=workdir / f"crawl-day{day}.log")
            if not result.ok:
                raise RuntimeError(
                    f"the day-{day} crawl failed (exit {result.returncode}); see {result.log_file}"
                )
            with Session(engine, expire_on_commit=False) as session:
                report = _report_day(session, web, day, result.runs)
            report.alerts = [dict(mail.summary(), day=day, lead=_lead(mail.text or ""))
                             for mail in smtp.messages[mails_before:] if mail.type in ("change", "digest")]
            reports.append(report)
            say(f"day {day}: {report.new} new, {report.edited} edited, {report.deleted} deleted, "
                f"{report.unchanged} unchanged, {report.blocked} blocked, {len(report.browser_sources)} read "
                f"through the browser, {len(report.alerts)} alert mails")
    dispose_engines()
    return DemoReport(db=str(db_path), days=reports)
