"""The listing profiles, driven like the spider drives them, find exactly the simulator's live articles."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.config import Source, load_seeds
from crawler.profiles import PageRequest, get_profile
from crawler.simulator import SimulatedWeb
from crawler.urls import canonical_url

MAX_REQUESTS = 60  # a listing that needs more has a pagination loop


@pytest.fixture(scope="module")
def day_two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimulatedWeb, dict[str, Source]]]:
    folder: Path = tmp_path_factory.mktemp("seeds")
    with SimulatedWeb() as web:
        web.advance_to(2)
        web.write_seeds(folder)
        loaded = load_seeds(folder)
        assert not loaded.errors
        yield web, loaded.sources


def _fetch(request: PageRequest) -> tuple[int, bytes, str]:
    assert urllib.parse.urlsplit(request.url).hostname.startswith("127.")
    data = urllib.parse.urlencode(request.formdata).encode() if request.formdata else None
    http_request = urllib.request.Request(request.url, data=data, method=request.method)
    try:
        with urllib.request.urlopen(http_request, timeout=10) as answer:
            return answer.status, answer.read(), answer.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("content-type", "")


def _crawl_listings(source: Source) -> tuple[set[str], list[int]]:
    found: set[str] = set()
    statuses: list[int] = []
    for listing in source.listings:
        profile = get_profile(listing.profile)
        queue = list(profile.first_requests(listing))
        for _ in range(MAX_REQUESTS):
            if not queue:
                break
            request = queue.pop(0)
            status, body, content_type = _fetch(request)
            statuses.append(status)
            # The old site declares no charset: decode the way its bytes really are.
            encoding = "utf-8" if "charset=utf-8" in content_type.lower() else "gb18030"
            page = profile.parse(listing, request, body, body.decode(encoding, "replace"), source.max_pages)
            found |= {entry.url for entry in page.entries}
            queue += page.next_requests
        assert not queue, f"{source.id}: pagination did not end"
    return found, statuses


@pytest.mark.parametrize(
    ("source_id", "truth_source"),
    [
        ("sim-mee-hjywnews", "sim-mee-hjywnews"),
        ("sim-mee-gsgg", "sim-mee-gsgg"),
        ("sim-mee-szyw", "sim-mee-szyw"),
        ("sim-mee-dfnews", "sim-mee-dfnews"),
        ("sim-mee-bwj", "sim-mee-bwj"),
        ("sim-mee-big5-hjywnews", "sim-mee-hjywnews"),
        ("sim-hanweb", "sim-hanweb"),
        ("sim-jsonapi", "sim-jsonapi"),
        ("sim-gbk", "sim-gbk"),
    ],
)
def test_profile_finds_every_live_article(
    day_two: tuple[SimulatedWeb, dict[str, Source]], source_id: str, truth_source: str
) -> None:
    web, sources = day_two
    found, statuses = _crawl_listings(sources[source_id])
    assert set(statuses) == {200}
    truth = {article.url for article in web.articles() if article.source_id == truth_source}
    assert {canonical_url(url) for url in found} == truth


def test_blocked_source_yields_no_entries(day_two: tuple[SimulatedWeb, dict[str, Source]]) -> None:
    found, statuses = _crawl_listings(day_two[1]["sim-blocked"])
    assert found == set() and sorted(statuses) == [412, 521]
