"""A hostile site over two simulated days: 0 false edits, 0 false deletions and a named error per fault."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from crawler.db import dispose_engines, init_db
from crawler.models import Item
from crawler.runner import CrawlResult, run_crawl
from crawler.simulator.faults import FAULTS, FaultWeb, article_path
from tests.crawl.helpers import FAST, changes_of

pytestmark = pytest.mark.slow

DAYS = {1: datetime(2026, 11, 20, 8).isoformat(), 2: datetime(2026, 11, 21, 8).isoformat()}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("faults")
    db_url = f"sqlite:///{folder / 'govwatch.db'}"
    results: dict[int, CrawlResult] = {}
    with FaultWeb() as web:
        web.write_seeds(folder / "seeds")
        for day in (1, 2):
            web.day = day
            results[day] = run_crawl(
                [],
                db_url=db_url,
                seeds=folder / "seeds",
                log_file=folder / f"day{day}.log",
                timeout=120,
                env={"GOVWATCH_NOW": DAYS[day]},
                settings=FAST,
            )
        with Session(init_db(db_url)) as session:
            items = {item.canonical_url: item for item in session.exec(select(Item)).all()}
        yield web, db_url, results, items
    dispose_engines()


@pytest.mark.parametrize("day", [1, 2])
def test_exactly_the_true_changes(crawled, day: int) -> None:  # type: ignore[no-untyped-def]
    web, db_url, results, _items = crawled
    result = results[day]
    assert result.ok and [run.status for run in result.runs] == ["ok"], result.runs[0].errors
    found, truth = changes_of(db_url, result), web.truth(day)
    assert found["edited"] - truth["edited"] == set(), "false edits"
    assert found["deleted"] - truth["deleted"] == set(), "false deletions"
    assert found == truth


@pytest.mark.parametrize("day", [1, 2])
def test_every_fault_is_a_named_error_under_its_listed_url(crawled, day: int) -> None:  # type: ignore[no-untyped-def]
    web, _db_url, results, _items = crawled
    errors = results[day].runs[0].errors
    assert all(error.strip() and ": " in error for error in errors)
    for url, label in web.expected_errors(day).items():
        mine = [error for error in errors if error.startswith(f"{url}: ")]
        assert mine, f"no error recorded for {url}"
        assert all(error.startswith(f"{url}: {label}") for error in mine), (label, mine)
    # Nothing else went wrong: every error belongs to a listed fault.
    expected = set(web.expected_errors(day))
    assert {error.split(": ", 1)[0] for error in errors} == expected


def test_items_never_move_to_another_host_or_to_the_home_page(crawled) -> None:  # type: ignore[no-untyped-def]
    web, _db_url, _results, items = crawled
    for url, item in items.items():
        assert item.url == url, f"{url} moved to {item.url}"
    never_stored = {web.url(fault) for fault in FAULTS if fault.day1 is not None}
    assert not never_stored & set(items), "a listed article that never answered with content was stored"
    # The off-domain neighbour was never asked: the redirect to it was stopped, not followed.
    assert web.paths(web.other) == []


def test_a_redirect_loop_and_a_deletion_are_reported_once_per_request(crawled) -> None:  # type: ignore[no-untyped-def]
    web, _db_url, results, items = crawled
    loop = next(fault for fault in FAULTS if fault.slug == "loop")
    (error,) = [e for e in results[2].runs[0].errors if e.startswith(web.url(loop))]
    assert "loop-loop.html" in error and error.count("→") == 2
    # A soft 404 is confirmed by a second request the same day, like a 404: two strikes, then deleted.
    gone = next(fault for fault in FAULTS if fault.slug == "cms-error-page")
    assert web.paths().count(article_path(gone)) == 3  # day 1, day 2, the confirmation
    assert items[web.url(gone)].status == "deleted"
    run = results[2].runs[0]
    assert run.deleted == len(web.truth(2)["deleted"]) and run.edited == 1 and run.new == 0
