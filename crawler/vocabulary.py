"""The project's words, defined once: kinds, changes, item/run/health/outbox statuses, the zone and the slug rule."""

from __future__ import annotations

import re
from typing import Literal, get_args
from zoneinfo import ZoneInfo

# --- time -------------------------------------------------------------------------------------------------
# The sites publish, and people read, in China's one zone; storage is UTC (crawler/clock.py).
ZONE_NAME = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE_NAME)

# --- kinds (what an article is; crawler/extract/classify.py assigns them, seeds may name a default) -------
Kind = Literal["meeting", "notice", "speech", "policy", "news"]
MEETING, NOTICE, SPEECH, POLICY, NEWS = get_args(Kind)
KINDS: tuple[str, ...] = get_args(Kind)

# --- meeting stages (crawler/extract/meetings.py): a notice of a meeting to come, or a report of one held ---
Stage = Literal["announced", "held"]
ANNOUNCED, HELD = get_args(Stage)
STAGES: tuple[str, ...] = get_args(Stage)

# --- changes (the change_event log, item_version.change, alert filters) ----------------------------------
Change = Literal["new", "edited", "deleted", "restored"]
NEW, EDITED, DELETED, RESTORED = get_args(Change)
CHANGES: tuple[str, ...] = get_args(Change)
UNCHANGED = "unchanged"  # a fetch that stored nothing: an outcome, never an event

# --- item.status --------------------------------------------------------------------------------------
ACTIVE = "active"  # or DELETED (two 404/410 answers), or BLOCKED (a challenge page)
BLOCKED = "blocked"  # also a run status and a health state: the site answered with a challenge

# --- crawl_run.status and source.health ----------------------------------------------------------------
RunStatus = Literal["running", "ok", "empty", "blocked", "failing", "crashed"]
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
RUNNING, OK, EMPTY, FAILING, CRASHED = "running", "ok", "empty", "failing", "crashed"
UNKNOWN = "unknown"  # a source's health before its first run; afterwards its last run's status
BAD_HEALTH = (EMPTY, BLOCKED, FAILING)  # the states that count towards a health alert

# --- outbox.status (sending: claimed under a lease, crawler/alerts/deliver.py) ---------------------------
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

# --- the slug rule ------------------------------------------------------------------------------------
# A source id (`seeds/<id>.yaml`): lowercase letters, digits and '-', 2..63 characters, as a file name
# and a URL path segment must be on every system.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def is_slug(text: str) -> bool:
    """True when `text` is a valid source id."""
    return bool(SLUG.match(text))


def slugify(text: str, default: str = "all") -> str:
    """Any label (e.g. a comma-joined list of source ids) folded to the slug alphabet, for file names."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:63] or default
