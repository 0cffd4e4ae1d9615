"""The item the listing spider hands to the pipelines: one answer for one article URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What the answer means for the store: a page to extract and store, a 304, gone (404/410 or soft 404), or a
# challenge page. The downloader middleware's verdict (crawler.answers) is kept in `verdict`.
ANSWERS = ("content", "not_modified", "gone", "blocked")


@dataclass
class PageItem:
    """One article answer and everything the pipelines need to store it without asking the spider."""

    answer: str  # one of ANSWERS
    source_id: str
    run_id: int
    url: str  # the URL fetched (a mirror URL stays as fetched)
    canonical_url: str
    known_id: int | None = None  # the stored item, when this was a revisit
    revisit: bool = False  # the fetch was a scheduled revisit: advance the item's schedule
    revisit_days: tuple[int, ...] = (1, 3, 7, 30)
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    article: dict[str, Any] = field(default_factory=dict)  # the seed's article overrides
    verdict: str = "content"  # crawler.answers.Verdict.kind (a soft 404 arrives as answer "gone")
    reason: str | None = None  # why blocked, gone or soft 404
    previous_text_length: int | None = None  # of the stored version: a collapse to a tiny text is a soft 404
    # Filled by the pipelines.
    extraction: Any = None
    content_hash: str | None = None
    attachments: tuple[Any, ...] = ()  # AttachmentResult per link (pipelines/attachments.py)
