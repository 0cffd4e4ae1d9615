"""`govwatch check` against the simulated web: a verdict per source, including blocked and drifted sites."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from crawler.check import BLOCKED, BROKEN, EMPTY, OK, UNREACHABLE, ListingCheck, listing_verdict
from crawler.cli import app
from crawler.config import load_seeds
from crawler.settings import USER_AGENT
from crawler.simulator import SimulatedWeb
from crawler.simulator.drift import DRIFT_SPEC
from crawler.simulator.web import DEFAULT_SITES
from crawler.tools import run_check

FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0, "GOVWATCH_RETRY_BACKOFF_BASE": 0.05}


@dataclass
class World:
    """The simulated web with the drifting site, its seeds, and where a database would be."""

    web: SimulatedWeb
    seeds: Path
    db: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("check")
    with SimulatedWeb(specs=(*DEFAULT_SITES, DRIFT_SPEC)) as web:
        web.write_seeds(folder / "seeds")
        yield World(web, folder / "seeds", folder / "govwatch.db")


@pytest.fixture(scope="module")
def day_one(world: World) -> dict[str, object]:
    world.web.advance_to(1)
    world.web.clear_logs()
    checks = run_check(
        [], seeds=world.seeds, settings=FAST, env={"GOVWATCH_DB": f"sqlite:///{world.db}"}, timeout=120
    )
    return {check.id: check for check in checks}


@pytest.mark.slow
def test_day_one_every_source_ok_but_the_blocked_one(world: World, day_one: dict[str, object]) -> None:
    assert set(day_one) == set(load_seeds(world.seeds).sources)
    verdicts = {source_id: check.verdict for source_id, check in day_one.items()}  # type: ignore[attr-defined]
    assert verdicts.pop("sim-blocked") == BLOCKED
    assert set(verdicts.values()) == {OK}, verdicts


@pytest.mark.slow
def test_blocked_reports_the_challenge_and_the_fix(day_one: dict[str, object]) -> None:
    check = day_one["sim-blocked"]
    reasons = {listing.blocked for listing in check.listings}  # type: ignore[attr-defined]
    assert any("412" in r for r in reasons) and any("521" in r for r in reasons)
    assert "challenge" in check.fix  # type: ignore[attr-defined]


@pytest.mark.slow
def test_listing_report_has_robots_entries_pages_and_one_article(
    world: World, day_one: dict[str, object]
) -> None:
    check = day_one["sim-mee-hjywnews"]
    (listing,) = check.listings  # type: ignore[attr-defined]
    live = [a for a in world.web.articles() if a.source_id == "sim-mee-hjywnews"]
    newest = max(live, key=lambda a: (a.published, a.url))
    assert listing.robots == "allowed by robots.txt"
    assert listing.status == 200 and listing.entries == 6
    assert listing.first_entries[0]["title"] == newest.title
    assert listing.first_entries[0]["published"] == newest.published.date().isoformat()
    assert listing.further_pages == [world.web.url("mee", "/ywdt/hjywnews/index_1.shtml")]
    article = listing.article
    assert article.url == newest.url and article.title == newest.title
    assert article.source == newest.source
    assert article.published.startswith(newest.published.date().isoformat())
    assert article.body_chars > 100 and article.first_line == newest.paragraphs[0].strip()
    assert article.seconds > 0 and listing.seconds > 0


@pytest.mark.slow
def test_check_is_polite_and_stores_nothing(world: World, day_one: dict[str, object]) -> None:
    assert not world.db.exists()  # the check never opened the database
    for site in ("mee", "hanweb", "jsonapi", "gbk"):
        log = world.web.requests(site)
        assert log[0].path == "/robots.txt", site
        assert all(entry.headers.get("user-agent") == USER_AGENT for entry in log), site
        assert world.web.max_concurrency(site) == 1, world.web.overlaps()
    # One listing page and one article per listing (a JSON shell adds its API page 1), nothing deeper.
    assert len([e for e in world.web.requests("gbk") if e.path != "/robots.txt"]) == 2


@pytest.mark.slow
def test_day_two_the_redesigned_site_is_broken_with_the_cause(
    world: World, day_one: dict[str, object]
) -> None:
    assert day_one["sim-drift-news"].verdict == OK and day_one["sim-drift-notice"].verdict == OK  # type: ignore[attr-defined]
    world.web.advance_to(2)
    checks = {
        c.id: c for c in run_check(["sim-drift-news", "sim-drift-notice"], seeds=world.seeds, settings=FAST)
    }
    news, notice = checks["sim-drift-news"], checks["sim-drift-notice"]
    assert news.verdict == BROKEN and "xw-items" in news.reason and "govwatch add" in news.fix
    assert notice.verdict == BROKEN and "div.art-body" in notice.reason
    assert notice.listings[0].entries > 0  # the listing still works: only the article template moved


@pytest.mark.slow
def test_cli_json_and_exit_status(world: World) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["check", "sim-gbk", "sim-blocked", "--seeds", str(world.seeds), "--json"])
    assert done.exit_code == 1, done.output
    data = json.loads(done.output)
    assert {s["id"]: s["verdict"] for s in data["sources"]} == {"sim-gbk": OK, "sim-blocked": BLOCKED}
    assert data["ok"] is False
    done = runner.invoke(app, ["check", "sim-gbk", "--seeds", str(world.seeds)])
    assert done.exit_code == 0, done.output
    assert "sim-gbk" in done.output and "ok" in done.output and "first line" in done.output
    assert runner.invoke(app, ["check", "nope", "--seeds", str(world.seeds)]).exit_code == 2


@pytest.mark.parametrize(
    ("seen", "verdict"),
    [
        (ListingCheck(url="u", profile="html", error="DNS lookup failed"), UNREACHABLE),
        (ListingCheck(url="u", profile="html", error="not fetched: Forbidden by robots.txt"), BLOCKED),
        (ListingCheck(url="u", profile="html", status=503), UNREACHABLE),
        (ListingCheck(url="u", profile="html", status=200), EMPTY),
        (
            ListingCheck(url="u", profile="json_api", status=200, profile_errors=["u: not JSON: '<html>'"]),
            BROKEN,
        ),
        (
            ListingCheck(url="u", profile="html", status=200, rows_on_page="5 article rows (ul.x > li)"),
            BROKEN,
        ),
    ],
)
def test_verdicts_from_what_was_seen(seen: ListingCheck, verdict: str) -> None:
    assert listing_verdict(seen, "x")[0] == verdict


@pytest.mark.slow
def test_robots_disallowed_and_unreachable_listings(world: World, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for source_id, url in (
        ("robots-no", world.web.url("mee", "/search/ywdt/")),  # the simulator's robots.txt forbids /search/
        ("nobody-home", f"http://127.0.0.1:{closed}/news/"),
    ):
        seed = {
            "id": source_id,
            "name": source_id,
            "org": "测试",
            "listings": [{"url": url, "profile": "html"}],
            "politeness": {"download_delay": 0, "retry_times": 0},
        }
        (tmp_path / f"{source_id}.yaml").write_text(
            yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8"
        )
    checks = {c.id: c for c in run_check([], seeds=tmp_path, settings=FAST, timeout=60)}
    robots = checks["robots-no"]
    assert robots.verdict == BLOCKED and robots.listings[0].robots == "disallowed by robots.txt"
    assert "robots.txt" in robots.fix
    assert not [e for e in world.web.requests("mee") if e.path.startswith("/search/")]  # never asked
    down = checks["nobody-home"]
    assert down.verdict == UNREACHABLE and "refused" in down.reason
