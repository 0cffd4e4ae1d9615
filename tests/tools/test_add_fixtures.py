"""`govwatch add` on every seed's fixture (tests/sources/<slug>/): the draft reads the entries the seed reads.

The fixture's pages stand in for the site: discovery gets the column page and the article from the folder,
and whatever the fixture does not hold answers 404. Pure, no network.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.config import DEFAULT_SEEDS_DIR, Listing, Source, load_seeds
from crawler.discover import DraftOptions, Fetched, discover, run_discovery
from crawler.extract.decoding import decode_html
from crawler.profiles import PageRequest, get_profile

FIXTURES = Path(__file__).resolve().parent.parent / "sources"
FOLDERS = sorted(path.parent for path in FIXTURES.glob("*/expected.yaml")) if FIXTURES.is_dir() else []
MAX_REQUESTS = 60


def describe(request: PageRequest) -> str:
    """How a fixture's expected.yaml names a request: the URL of a GET, `POST <url> page N` of a POST."""
    return request.url if request.method.upper() == "GET" else f"POST {request.url} page {request.page}"


def _files(folder: Path, expected: dict[str, Any]) -> dict[str, Path]:
    files = {
        str(page["request"]): folder / page["file"]
        for listing in expected.get("listings", [])
        for page in listing.get("pages", [])
    }
    article = expected.get("article") or {}
    if article.get("url") and article.get("file"):
        files[str(article["url"])] = folder / article["file"]
    return files


def _answer(files: dict[str, Path], request: PageRequest) -> Fetched:
    path = files.get(describe(request))
    if path is None:
        return Fetched(request.url, 404, b"<html><body>404</body></html>")
    return Fetched(request.url, 200, path.read_bytes())


def _walk(listing: Listing, files: dict[str, Path], max_pages: int) -> dict[str, date | None]:
    """Entries (URL → date) over every page the profile asks for that the fixture holds."""
    profile = get_profile(listing.profile)
    queue = list(profile.first_requests(listing))
    found: dict[str, date | None] = {}
    for _ in range(MAX_REQUESTS):
        if not queue:
            break
        request = queue.pop(0)
        if describe(request) not in files:
            continue
        answer = _answer(files, request)
        text, _codec = decode_html(answer.body, {})
        page = profile.parse(listing, request, answer.body, text, max_pages)
        found.update({entry.url: entry.published for entry in page.entries})
        queue += page.next_requests
    return found


@pytest.mark.parametrize(
    "folder",
    [pytest.param(folder, id=folder.name) for folder in FOLDERS]
    or [
        pytest.param(
            None, marks=pytest.mark.skip(reason="no tests/sources/<slug>/expected.yaml fixtures yet")
        )
    ],
)
def test_draft_from_fixture_reads_what_the_seed_reads(folder: Path | None) -> None:
    assert folder is not None
    seeds = load_seeds(DEFAULT_SEEDS_DIR)
    if folder.name not in seeds.sources:
        pytest.skip(f"{folder.name}: no seed of that id")
    source = seeds.sources[folder.name]
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    files = _files(folder, expected)
    compared = 0
    for index, listing in enumerate(source.listings):
        start = listing.url
        if start not in files:
            # The seed starts at an API: draft from that API's first page, as a user who found it would.
            first = get_profile(listing.profile).first_requests(listing)[0]
            pages = [page["request"] for page in expected["listings"][index]["pages"]]
            if first.page == 0 and len(pages) > 1:
                first = PageRequest(url=pages[1], method="POST" if pages[1].startswith("POST ") else "GET")
            if first.method.upper() != "GET" or first.url not in files:
                continue  # a POST API: nothing a URL alone can draft
            start = first.url
        draft = run_discovery(
            discover(start, DraftOptions(source_id=f"draft-{index}-{source.id}"[:63], org=source.org)),
            lambda request: _answer(files, request),
        )
        assert draft.seed is not None, draft.problems
        drafted = Source.model_validate(draft.seed)
        mine = _walk(drafted.listings[0], files, source.max_pages)
        theirs = _walk(listing, files, source.max_pages)
        assert theirs, f"{folder.name} listing {index}: the seed reads nothing from its fixture"
        assert mine == theirs, f"{folder.name} listing {index}: {draft.found}"
        compared += 1
    if not compared:
        pytest.skip(f"{folder.name}: every listing starts at a POST API, no column page or URL to draft from")
