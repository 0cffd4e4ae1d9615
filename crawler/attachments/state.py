"""How attachments take part in an item's version: pure (no network, Scrapy or database).

An item's content hash covers its article text and, for every attachment whose content is known, the
attachment's fingerprint: the normalized text's hash (crawler/fingerprint.py), or the bytes' hash when the
file has no text. An attachment never fetched yet (budget spent, network error, fetching turned off) adds
nothing, so fetching it later never reads as an edit; one whose fetch fails later keeps its last known
content. With no known attachment the hash is the article's own, as before attachments were read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.fingerprint import content_hash

OUTCOMES = ("fetched", "not_modified", "failed", "skipped")


@dataclass(frozen=True)
class AttachmentResult:
    """What the crawl found for one attachment link this time."""

    name: str
    url: str
    outcome: str  # one of OUTCOMES
    sha256: str | None = None  # of the bytes, when fetched
    size: int | None = None
    file_type: str | None = None
    content_type: str | None = None
    text: str = ""
    error: str | None = None  # why the file has no (or partial) text
    fetch_error: str | None = None  # why it was not fetched (failed / skipped)
    etag: str | None = None
    last_modified: str | None = None


def fingerprint(text: str, sha256: str) -> str:
    """What a file adds to the item's hash: its normalized text, else (no text) its exact bytes."""
    if text.strip():
        return content_hash(None, text)
    return f"bytes:{sha256}"


def combined_hash(article_hash: str, parts: Iterable[tuple[str, str | None]]) -> str:
    """The item's hash from the article's and (url, fingerprint) of each attachment; None adds nothing."""
    known = sorted((url, key) for url, key in parts if key)
    if not known:
        return article_hash
    digest = hashlib.sha256(article_hash.encode())
    for url, key in known:
        digest.update(f"\n{url}\t{key}".encode())
    return digest.hexdigest()
