"""One slug, one fixture, one test: every shipped seed crawls our own pages, written after the evidence.

For each `seeds/<slug>.yaml`, `tests/sources/<slug>/expected.yaml` names the pages of that folder in the
order the seed's profile asks for them (its first request, then the further pages it announces), with the
exact entries (URL, date, title), the further pages each page asks for, and one article read with the seed's
own extraction overrides: title, date, 来源 and first body line. Pure code, no network: a few ms per seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.config import DEFAULT_SEEDS_DIR, Listing, Source, load_seeds
from crawler.extract import decode_html, extract
from crawler.profiles import PageRequest, get_profile
from pipelines.extract import extract_options

FIXTURES = Path(__file__).parent
SEEDS = load_seeds(DEFAULT_SEEDS_DIR)
SLUGS = sorted(SEEDS.sources)


@dataclass(frozen=True)
class Fixture:
    """One seed's fixture folder and its expectations."""

    slug: str
    folder: Path
    expected: dict[str, Any]

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()


def _fixture(slug: str) -> Fixture:
    folder = FIXTURES / slug
    return Fixture(slug, folder, yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8")))


def describe(request: PageRequest) -> str:
    """How expected.yaml names a request: the URL of a GET, `POST <url> page N` of a POST."""
    return request.url if request.method.upper() == "GET" else f"POST {request.url} page {request.page}"


def _as_date(value: Any) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))


def test_every_seed_has_its_fixture_and_every_fixture_its_seed():
    assert SEEDS.errors == []
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir() and not path.name.startswith(("_", "."))}
    missing = [slug for slug in SLUGS if not (FIXTURES / slug / "expected.yaml").is_file()]
    assert missing == [], f"seeds without tests/sources/<slug>/expected.yaml: {missing}"
    assert sorted(folders - set(SLUGS)) == [], "fixture folders without a seed"


def _walk_listing(fixture: Fixture, source: Source, index: int, listing: Listing, spec: dict[str, Any]) -> None:
    profile = get_profile(listing.profile)
    pending = profile.first_requests(listing)
    where = f"{fixture.slug} listing {index}"
    for number, page_spec in enumerate(spec["pages"]):
        asked = {describe(request): request for request in pending}
        assert page_spec["request"] in asked, f"{where} page {number}: not asked for; asked {sorted(asked)}"
        request = asked[page_spec["request"]]
        if "form" in page_spec:
            assert request.formdata == {k: str(v) for k, v in page_spec["form"].items()}, where
        body = fixture.read(page_spec["file"])
        text, _codec = decode_html(body, {})
        page = profile.parse(listing, request, body, text, source.max_pages)
        assert page.errors == page_spec.get("errors", []), where
        got = [[entry.url, entry.published, entry.title] for entry in page.entries]
        wanted = [[row[0], _as_date(row[1]), row[2] if len(row) > 2 else None] for row in page_spec["entries"]]
        if all(len(row) < 3 for row in page_spec["entries"]):
            got = [row[:2] for row in got]
            wanted = [row[:2] for row in wanted]
        assert got == wanted, f"{where} page {number} ({page_spec['file']}): entries"
        assert [describe(r) for r in page.next_requests] == page_spec.get("next", []), f"{where}: further pages"
        pending = [r for r in pending if r is not request] + page.next_requests


@pytest.mark.parametrize("slug", SLUGS)
def test_seed_reads_its_fixture(slug: str):
    if not (FIXTURES / slug / "expected.yaml").is_file():
        pytest.fail(f"tests/sources/{slug}/expected.yaml is missing: write the seed's fixture")
    fixture = _fixture(slug)
    source = SEEDS.get(slug)
    listings = fixture.expected["listings"]
    assert len(listings) == len(source.listings), f"{slug}: one fixture entry per listing of the seed"
    for index, (listing, spec) in enumerate(zip(source.listings, listings, strict=True)):
        _walk_listing(fixture, source, index, listing, spec)

    article = fixture.expected["article"]
    options = extract_options(source.article.model_dump())
    result = extract(fixture.read(article["file"]), article["url"], {}, options)
    assert result.title == article["title"], slug
    assert (result.published.date() if result.published else None) == _as_date(article["date"]), slug
    assert result.source == article.get("source"), slug
    assert result.text.splitlines()[0] == article["first_line"], slug
    # The article is one the listing pages link to: the fixture hangs together.
    linked = {row[0] for spec in listings for page in spec["pages"] for row in page["entries"]}
    assert article["url"] in linked, f"{slug}: the article should be one of the listed entries"
