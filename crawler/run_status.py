"""A crawl run's counts and the pure rule that turns them into the source's health status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from crawler.vocabulary import BLOCKED, EMPTY, FAILING, OK


@dataclass
class RunCounts:
    """What one crawl of one source did; the field names are the columns of `crawl_run`."""

    pages_fetched: int = 0  # every response received for the source (listings, articles, 304s, errors)
    listing_pages: int = 0  # listing responses that could be read
    listing_items: int = 0  # entries found on them
    new: int = 0
    edited: int = 0
    unchanged: int = 0  # fetched again, same content
    not_modified: int = 0  # 304 to a conditional GET: unchanged at no body cost
    deleted: int = 0
    restored: int = 0  # deleted items that answered with content again
    failed: int = 0  # requests that ended in an error (network, HTTP, non-HTML, too big, extraction)
    blocked: int = 0  # challenge pages
    revisited: int = 0  # known items fetched again because they were due
    bytes_received: int = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def content_ok(self) -> int:
        """Answers that showed the site works: stored, compared or confirmed unchanged."""
        return self.new + self.edited + self.unchanged + self.not_modified + self.deleted + self.restored


def classify(counts: RunCounts, article_attempts: int = 0) -> str:
    """ok | empty | blocked | failing, from what the run saw.

    - blocked: challenge pages answered and nothing got through (a block is not a layout change);
    - failing: no listing page could be read, or every article request failed;
    - empty: the listing was read but held no entries (a redesign: a listing is never really empty);
    - ok: anything else (including a run that found nothing new).
    """
    if counts.blocked and not counts.content_ok and (not counts.listing_pages or not counts.listing_items):
        return BLOCKED
    if counts.blocked and not counts.content_ok and article_attempts and counts.blocked >= article_attempts:
        return BLOCKED
    if not counts.listing_pages:
        return FAILING
    if not counts.listing_items:
        return EMPTY
    if article_attempts and counts.failed >= article_attempts and not counts.content_ok:
        return FAILING
    return OK
