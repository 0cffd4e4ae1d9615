"""`govwatch check`: what one live look at a source's listings saw, and the verdict with its likely fix.

Pure: the `check` spider (spiders/check.py) fills `ListingCheck`s with what it observed; `verdict_of`
reads them. Verdicts: ok, empty, blocked, broken structure, unreachable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OK = "ok"
EMPTY = "empty"
BLOCKED = "blocked"
BROKEN = "broken structure"
UNREACHABLE = "unreachable"
# Worst first: a source's verdict is the worst of its listings'.
VERDICTS: tuple[str, ...] = (UNREACHABLE, BLOCKED, BROKEN, EMPTY, OK)

# The likely fix for each verdict, in words; `{url}` and `{id}` are filled in.
FIXES: dict[str, str] = {
    OK: "nothing to do",
    EMPTY: (
        "the listing answered but lists nothing: open {url} in a browser; if the column moved or is now "
        "filled by a script, run `govwatch add <new listing URL> --id {id}`"
    ),
    BLOCKED: (
        "the site answered with an anti-bot challenge or a refusal: run from a network the site accepts "
        "(a mainland China address), raise politeness.download_delay, or disable the source; never try "
        "to solve the challenge"
    ),
    BROKEN: (
        "the page no longer matches the seed (a new template): run `govwatch add {url} --id {id}` to draft "
        "a new seed and compare it with the old one"
    ),
    UNREACHABLE: (
        "no usable answer: check {url} in a browser from this network; if the column moved, update the "
        "listing URL (or `govwatch add` the new one); if the site is down, try again later"
    ),
}
ROBOTS_FIX = "robots.txt forbids this listing to our User-Agent: disable the source, or ask the site"
NO_ENTRIES = "no entries found"  # the profiles' error for a listing that yields nothing


@dataclass
class ArticleCheck:
    """One article fetched from the listing and extracted with the seed's overrides."""

    url: str
    status: int = 0
    seconds: float = 0.0
    title: str | None = None
    published: str | None = None
    source: str | None = None  # 来源
    body_chars: int = 0
    first_line: str | None = None
    method: str | None = None  # the body method the extractor used (selector, a container, density …)
    problem: str | None = None  # not fetched, blocked, HTTP error, not extractable


@dataclass
class ListingCheck:
    """What one listing answered: robots.txt, HTTP, entries, further pages and one article."""

    url: str
    profile: str
    robots: str = "not asked"
    status: int = 0
    fetched_with: str | None = None  # http, http+cookies (a browser's cookies) or browser (spiders/browser.py)
    seconds: float = 0.0
    error: str | None = None  # the request failed (DNS, refused, timeout, robots.txt)
    blocked: str | None = None  # the challenge or refusal seen
    entries: int = 0
    first_entries: list[dict[str, Any]] = field(default_factory=list)
    further_pages: list[str] = field(default_factory=list)
    total_pages: int | None = None
    profile_errors: list[str] = field(default_factory=list)
    rows_on_page: str | None = None  # article rows the page shows that the seed's selectors missed
    seed_body: str | None = None  # the seed's article.body selector
    article: ArticleCheck | None = None
    verdict: str = ""
    reason: str = ""
    fix: str = ""


@dataclass
class SourceCheck:
    """The verdict for one source and its listings' checks."""

    id: str
    name: str
    listings: list[ListingCheck] = field(default_factory=list)
    verdict: str = ""
    reason: str = ""
    fix: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _structural(errors: list[str]) -> list[str]:
    return [error for error in errors if NO_ENTRIES not in error]


def listing_verdict(check: ListingCheck, source_id: str) -> tuple[str, str, str]:
    """(verdict, reason, fix) of one listing from what was seen."""

    def fixed(verdict: str, reason: str, fix: str | None = None) -> tuple[str, str, str]:
        return verdict, reason, fix or FIXES[verdict].format(url=check.url, id=source_id)

    if check.error and "robots.txt" in check.error:
        return fixed(BLOCKED, check.error, ROBOTS_FIX)
    if check.blocked:
        return fixed(BLOCKED, check.blocked)
    if check.error:
        return fixed(UNREACHABLE, check.error)
    if check.status != 200:
        return fixed(UNREACHABLE, f"HTTP {check.status}")
    if not check.entries:
        if structural := _structural(check.profile_errors):
            return fixed(BROKEN, structural[0])
        if check.rows_on_page:
            return fixed(
                BROKEN, f"the seed's selectors find nothing, but the page shows {check.rows_on_page}"
            )
        return fixed(EMPTY, "the listing holds no entries")
    article = check.article
    if article is not None:
        if article.problem and article.problem.startswith("blocked"):
            return fixed(BLOCKED, f"article {article.url}: {article.problem}")
        if article.problem and (article.status in (0, 404, 410) or article.status >= 500):
            return fixed(UNREACHABLE, f"article {article.url}: {article.problem or f'HTTP {article.status}'}")
        if article.problem:
            return fixed(BROKEN, f"article {article.url}: {article.problem}")
        if check.seed_body and article.method != "selector":
            return fixed(
                BROKEN,
                f"article.body {check.seed_body!r} matches nothing in {article.url} "
                f"(the extractor fell back to {article.method})",
            )
        if not article.body_chars:
            return fixed(BROKEN, f"article {article.url}: no body text extracted")
    return fixed(OK, f"{check.entries} entries" + (f", article read ({article.method})" if article else ""))


def verdict_of(source: SourceCheck) -> SourceCheck:
    """Fill every listing's verdict and the source's: the worst listing's, with its reason and fix."""
    for listing in source.listings:
        listing.verdict, listing.reason, listing.fix = listing_verdict(listing, source.id)
    if not source.listings:
        source.verdict, source.reason = BROKEN, "the seed has no listing that could be started"
        source.fix = FIXES[BROKEN].format(url="<listing URL>", id=source.id)
        return source
    worst = min(source.listings, key=lambda listing: VERDICTS.index(listing.verdict))
    source.verdict, source.reason, source.fix = worst.verdict, worst.reason, worst.fix
    return source


def source_check_from_dict(data: dict[str, Any]) -> SourceCheck:
    """A SourceCheck read back from the spider's JSON report."""
    listings = []
    for listing in data.get("listings", []):
        article = listing.get("article")
        listings.append(
            ListingCheck(
                **{**listing, "article": ArticleCheck(**article) if isinstance(article, dict) else None}
            )
        )
    return SourceCheck(**{**data, "listings": listings})
