"""crawler.run_status: a run's counts → ok / empty / blocked / failing."""

from __future__ import annotations

import pytest

from crawler.models import CrawlRun
from crawler.run_status import RunCounts, classify
from crawler.vocabulary import RUN_STATUSES


def counts(**values: int) -> RunCounts:
    return RunCounts(**values)


@pytest.mark.parametrize(
    ("values", "attempts", "expected"),
    [
        ({"listing_pages": 2, "listing_items": 40, "new": 3}, 3, "ok"),
        ({"listing_pages": 1, "listing_items": 20}, 0, "ok"),  # nothing new is fine
        ({"listing_pages": 1, "listing_items": 0}, 0, "empty"),  # a redesign
        ({"blocked": 1}, 0, "blocked"),  # the listing itself was a challenge
        ({"listing_pages": 1, "listing_items": 5, "blocked": 5}, 5, "blocked"),
        ({"listing_pages": 1, "listing_items": 5, "blocked": 1, "new": 4}, 5, "ok"),
        ({"failed": 1}, 0, "failing"),  # unreachable
        ({}, 0, "failing"),
        ({"listing_pages": 1, "listing_items": 5, "failed": 5}, 5, "failing"),
        ({"listing_pages": 1, "listing_items": 5, "failed": 1, "new": 4}, 5, "ok"),
        ({"listing_pages": 1, "listing_items": 5, "not_modified": 5}, 5, "ok"),
    ],
)
def test_classify(values: dict[str, int], attempts: int, expected: str) -> None:
    assert classify(counts(**values), attempts) == expected


def test_counts_are_crawl_run_columns() -> None:
    columns = set(CrawlRun.model_fields)
    assert set(RunCounts.names()) <= columns
    assert {"ok", "empty", "blocked", "failing"} <= set(RUN_STATUSES)
