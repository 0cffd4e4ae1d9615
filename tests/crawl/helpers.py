"""Helpers for the end-to-end crawl tests: crawl a simulated day, read back what the runs changed."""

from __future__ import annotations

import urllib.error
import urllib.request
import warnings
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, col, select

from crawler.browser import configured_executable, unavailable_reason
from crawler.db import init_db
from crawler.models import ChangeEvent, Item, ItemVersion
from crawler.runner import CrawlResult, run_crawl
from crawler.simulator.web import DEFAULT_SITES


def chromium_or_skip() -> str:
    """Debian's chromium for the browser tests; skipped with the reason (and a warning that shows in the
    summary, so a run without it never looks green by accident) when it is not installed."""
    reason = unavailable_reason(configured_executable())
    if reason:
        warnings.warn(pytest.PytestWarning(f"browser tests skipped: {reason}"), stacklevel=2)
        pytest.skip(reason)
    return configured_executable()


def readable_sites() -> list[str] | None:
    """The default world's sites a crawl can read on this machine: all (None) with Chromium, else the ones
    without a JavaScript challenge in front (those are covered, and skipped with the reason, elsewhere)."""
    if unavailable_reason(configured_executable()) is None:
        return None
    return [spec.key for spec in DEFAULT_SITES if not spec.gate]


# Tests need no politeness pause, retries only a short one, and no worker processes to start (the
# processes are tested on their own and by the CLI test, which runs with the defaults).
FAST = {
    "GOVWATCH_RETRY_BACKOFF_BASE": 0.05,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0,
    "GOVWATCH_EXTRACT_PROCESSES": 0,
    "GOVWATCH_STORE_PROCESS": False,
}


def daily_revisits(seeds: Path, budget: int = 1000) -> None:
    """Make every simulated source re-check each known item every day, so each day's edits are seen that day."""
    for path in seeds.glob("*.yaml"):
        seed = yaml.safe_load(path.read_text(encoding="utf-8"))
        seed["revisit"] = {"days": list(range(1, 31)), "budget": budget}
        path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")


def plain_get(url: str, cookies: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """A plain HTTP GET as a client without a browser makes it: (status, body, Set-Cookie), no proxy."""
    request = urllib.request.Request(url, headers={"User-Agent": "govwatch/test"})
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Set-Cookie", "")


def set_fetch(seeds: Path, mode: str, *source_ids: str) -> None:
    """Set these seeds' `fetch:` (http, browser, auto). With `http`, a test about something else does not
    start Chromium for a site that refuses every client (the browser path has tests of its own)."""
    for source_id in source_ids:
        path = seeds / f"{source_id}.yaml"
        seed = yaml.safe_load(path.read_text(encoding="utf-8"))
        seed["fetch"] = mode
        path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")


def now_of(web: Any, day: int, hour: int = 8) -> str:
    """GOVWATCH_NOW for a simulated day (naive = Asia/Shanghai)."""
    return datetime.combine(web.date_of(day), time(hour, 0)).isoformat()


def crawl_day(
    web: Any,
    day: int,
    db_url: str,
    seeds: Path,
    log_dir: Path,
    sources: list[str] | None = None,
    **kwargs: Any,
) -> CrawlResult:
    web.advance_to(day)
    return run_crawl(
        sources or [],
        db_url=db_url,
        seeds=seeds,
        log_file=log_dir / f"day{day}.log",
        timeout=kwargs.pop("timeout", 180),
        env={"GOVWATCH_NOW": kwargs.pop("now", now_of(web, day))},
        settings={**FAST, **kwargs.pop("settings", {})},
        **kwargs,
    )


def changes_of(db_url: str, result: CrawlResult) -> dict[str, set[str]]:
    """Canonical URLs per change (new / edited / deleted) recorded by the runs of one crawl."""
    run_ids = [run.id for run in result.runs]
    found: dict[str, set[str]] = {"new": set(), "edited": set(), "deleted": set()}
    with Session(init_db(db_url)) as session:
        rows = session.exec(
            select(ChangeEvent.change, Item.canonical_url)
            .where(ChangeEvent.item_id == Item.id)
            .where(col(ChangeEvent.crawl_run_id).in_(run_ids))
        ).all()
    for change, url in rows:
        found[change].add(url)
    return found


def integrity_problems(db_url: str) -> list[str]:
    """Items whose rows disagree with their versions: what a half-written item would look like."""
    problems: list[str] = []
    with Session(init_db(db_url)) as session:
        for item in session.exec(select(Item)).all():
            versions = session.exec(
                select(ItemVersion).where(ItemVersion.item_id == item.id).order_by(col(ItemVersion.version))
            ).all()
            numbers = [version.version for version in versions]
            if numbers != list(range(1, item.version_count + 1)):
                problems.append(
                    f"{item.canonical_url}: versions {numbers} but version_count {item.version_count}"
                )
            elif versions and versions[-1].content_hash != item.content_hash:
                problems.append(f"{item.canonical_url}: content_hash differs from its last version")
            events = session.exec(select(ChangeEvent).where(ChangeEvent.item_id == item.id)).all()
            if sum(1 for event in events if event.change == "new") != 1:
                problems.append(f"{item.canonical_url}: {len(events)} events, not exactly one 'new'")
    return problems
