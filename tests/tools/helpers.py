"""Helpers of the tools tests: fetch from the simulated web, walk a listing the way the spider pages it."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date

from crawler.config import Listing, Source
from crawler.discover import Fetched
from crawler.extract.decoding import decode_html
from crawler.profiles import PageRequest, get_profile

MAX_REQUESTS = 60  # a listing that needs more has a pagination loop
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0,
    "GOVWATCH_RETRY_BACKOFF_BASE": 0.05,
    "GOVWATCH_EXTRACT_PROCESSES": 0,
    "GOVWATCH_STORE_PROCESS": False,
}


def fetch(request: PageRequest) -> Fetched:
    """One request to the simulated web (loopback only)."""
    assert (urllib.parse.urlsplit(request.url).hostname or "").startswith("127.")
    data = urllib.parse.urlencode(request.formdata).encode() if request.formdata else None
    http_request = urllib.request.Request(request.url, data=data, method=request.method)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(http_request, timeout=10) as answer:
            body, status, headers = answer.read(), answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        body, status, headers = error.read(), error.code, dict(error.headers)
    return Fetched(request.url, status, body, headers, seconds=time.monotonic() - started)


def walk(listing: Listing, max_pages: int) -> dict[str, date | None]:
    """Every entry (URL → date) a listing yields over all the pages its profile asks for."""
    profile = get_profile(listing.profile)
    queue = list(profile.first_requests(listing))
    found: dict[str, date | None] = {}
    for _ in range(MAX_REQUESTS):
        if not queue:
            break
        request = queue.pop(0)
        answer = fetch(request)
        text, _codec = decode_html(answer.body, answer.headers)
        page = profile.parse(listing, request, answer.body, text, max_pages)
        found.update({entry.url: entry.published for entry in page.entries})
        queue += page.next_requests
    assert not queue, f"{listing.url}: pagination did not end"
    return found


def walk_source(source: Source) -> dict[str, date | None]:
    found: dict[str, date | None] = {}
    for listing in source.listings:
        found.update(walk(listing, source.max_pages))
    return found
