"""Per-source run counters and errors kept in Scrapy's stats collector, shared by the spider and pipelines."""

from __future__ import annotations

from typing import Any

from scrapy.statscollectors import StatsCollector

from crawler.run_status import RunCounts

PREFIX = "govwatch"
MAX_ERRORS = 200  # a broken source must not fill the log or the crawl_run row


def stat_key(source_id: str, name: str) -> str:
    return f"{PREFIX}/{source_id}/{name}"


def source_of(key: str) -> str | None:
    """The source id of a per-source stat key (None for Scrapy's own and the crawl-wide ones)."""
    parts = key.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def count(stats: StatsCollector, source_id: str, name: str, amount: int = 1) -> None:
    """Add to one of the source's counters (a RunCounts field, or an internal one such as article_attempts)."""
    stats.inc_value(stat_key(source_id, name), amount)


def record_error(stats: StatsCollector, source_id: str, message: str) -> None:
    """Remember an error of the source's run (URL and reason), up to MAX_ERRORS."""
    key = stat_key(source_id, "errors")
    errors = list(stats.get_value(key) or [])
    if len(errors) < MAX_ERRORS:
        errors.append(message[:500])
    elif len(errors) == MAX_ERRORS:
        errors.append("… further errors not recorded")
    stats.set_value(key, errors)


def errors_of(stats: StatsCollector, source_id: str) -> list[str]:
    return list(stats.get_value(stat_key(source_id, "errors")) or [])


def run_counts(stats: StatsCollector, source_id: str) -> RunCounts:
    """The source's counters as the crawl_run columns."""
    return RunCounts(
        **{name: int(stats.get_value(stat_key(source_id, name)) or 0) for name in RunCounts.names()}
    )


BODIES = "bodies"  # per source: how new articles' bodies were found, {extraction method: count}
BODY_SELECTOR = "body_selector"


def count_body(stats: StatsCollector, source_id: str, method: str, body_selector: str | None) -> None:
    """Count how a new article's body was found, and remember the seed's article.body it was read with."""
    # One dict per source, not one key per method: reading a source's evidence at close costs O(1),
    # not a scan of every stat (thousands of sources close together).
    key = stat_key(source_id, BODIES)
    bodies = dict(stats.get_value(key) or {})
    bodies[method or "none"] = bodies.get(method or "none", 0) + 1
    stats.set_value(key, bodies)
    if body_selector:
        stats.set_value(stat_key(source_id, BODY_SELECTOR), body_selector)


def drift_evidence(stats: StatsCollector, source_id: str) -> dict[str, Any]:
    """What structure drift (crawler/drift.py) needs from a run, as RunOutcome's fields:
    extraction method → new articles, and the seed's article.body."""
    return {
        "bodies": dict(stats.get_value(stat_key(source_id, BODIES)) or {}),
        "body_selector": stats.get_value(stat_key(source_id, BODY_SELECTOR)),
    }


def value(stats: StatsCollector, source_id: str, name: str) -> int:
    return int(stats.get_value(stat_key(source_id, name)) or 0)
