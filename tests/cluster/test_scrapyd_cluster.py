"""Three real Scrapyd nodes, one PostgreSQL store, the simulated web by name: two days, one node killed mid-run."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from crawler.db import init_db
from crawler.models import ChangeEvent, CrawlRun, Item
from crawler.simulator import SimulatedWeb
from crawler.simulator.vhosts import SIM_DOMAIN, Latency
from crawler.simulator.web import DEFAULT_SITES
from scheduler.nodes import HashRing, deploy
from scheduler.service import ServiceOptions, run_group
from tests.cluster.scrapyd_nodes import ScrapydNode
from tests.crawl.helpers import FAST, daily_revisits, now_of, set_fetch

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
pytest.importorskip("scrapyd", reason="Scrapyd is in the dev and nodes extras: pip install -e '.[dev]'")


def _max_run_id(db_url: str) -> int:
    with Session(init_db(db_url)) as session:
        return int(session.exec(select(func.max(CrawlRun.id))).one() or 0)


def _changes_since(db_url: str, run_id: int) -> dict[str, list[str]]:
    """Canonical URLs per change recorded by runs after `run_id` (a list: a duplicate shows twice)."""
    found: dict[str, list[str]] = {"new": [], "edited": [], "deleted": [], "restored": []}
    with Session(init_db(db_url)) as session:
        rows = session.exec(
            select(ChangeEvent.change, Item.canonical_url)
            .where(ChangeEvent.item_id == Item.id, col(ChangeEvent.crawl_run_id) > run_id)
        ).all()
    for change, url in rows:
        found[change].append(url)
    return found


def _runs_since(db_url: str, run_id: int) -> list[CrawlRun]:
    with Session(init_db(db_url)) as session:
        return list(session.exec(select(CrawlRun).where(col(CrawlRun.id) > run_id).order_by(col(CrawlRun.id))))


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str) -> Any:
    # Every site but the two behind JavaScript challenges, and the refusing one read over plain HTTP: what the
    # cluster proves (placement, a killed node's batch moved, exact changes) does not depend on Chromium,
    # which the whole-world crawls test already.
    open_sites = [spec.key for spec in DEFAULT_SITES if not spec.gate]
    web = SimulatedWeb(sites=open_sites, hosting="name", latency=Latency(60, 120))
    with web:
        seeds = tmp_path / "seeds"
        web.write_seeds(seeds)
        daily_revisits(seeds)  # every known item re-checked daily: each day's edit and deletion are seen that day
        set_fetch(seeds, "http", "sim-blocked")  # no Chromium on the nodes (see above)
        init_db(postgres_url)
        env = {"GOVWATCH_DB": postgres_url, "GOVWATCH_SEEDS": str(seeds)}
        nodes = [ScrapydNode(tmp_path / f"node{index}", env) for index in range(3)]
        try:
            for node in nodes:
                node.wait_ready()
            yield web, seeds, postgres_url, nodes
        finally:
            for node in nodes:
                node.stop()


def test_three_nodes_two_days_one_killed(cluster: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    web, seeds, db_url, nodes = cluster
    urls = [node.url for node in nodes]
    assert set(deploy(urls)) == set(urls)
    options = ServiceOptions(
        db_url=db_url,
        seeds=str(seeds),
        logs_dir=str(tmp_path / "logs"),
        nodes=urls,
        node_timeout=10.0,  # a busy test machine may keep a live node from answering for a few seconds
        node_poll=0.5,
        crawl_timeout=240,
        crawl_settings={**FAST, **web.crawl_settings()},
    )
    source_ids = sorted(path.stem for path in seeds.glob("*.yaml"))

    # Day 1: every source crawled, each on the node its domain hashes to.
    monkeypatch.setenv("GOVWATCH_NOW", now_of(web, 1, hour=20))
    web.advance_to(1)
    before = _max_run_id(db_url)
    outcome = run_group(source_ids, options, label="day1")
    assert set(outcome.statuses.values()) <= {"ok", "blocked"} and outcome.statuses["sim-blocked"] == "blocked"
    changes = _changes_since(db_url, before)
    assert sorted(changes["new"]) == sorted(web.truth(1).new)  # exact, and nothing twice
    assert not changes["edited"] and not changes["deleted"]
    ring = HashRing(urls)
    for run in _runs_since(db_url, before):
        domain = f"{run.source_id.removeprefix('sim-').split('-')[0]}.{SIM_DOMAIN}"
        if run.source_id.startswith("sim-mee-big5"):
            domain = f"mee-big5.{SIM_DOMAIN}"
        assert run.node == ring.owner(domain), run.source_id  # one domain, one node

    # Day 2: the node crawling the big TRS site is killed once its runs have started.
    monkeypatch.setenv("GOVWATCH_NOW", now_of(web, 2, hour=20))
    web.advance_to(2)
    web.clear_logs()
    victim = ring.owner(f"mee.{SIM_DOMAIN}")
    before = _max_run_id(db_url)
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(outcome=run_group(source_ids, options, label="day2")))
    worker.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        started = [run for run in _runs_since(db_url, before) if run.node == victim]
        if started and len(web.requests("mee")) >= 5:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the victim node never started its crawl")
    nodes[urls.index(victim)].kill()
    worker.join(timeout=240)
    assert not worker.is_alive()

    outcome = result["outcome"]
    assert set(outcome.statuses.values()) <= {"ok", "blocked"}, outcome.statuses
    truth = web.truth(2)
    changes = _changes_since(db_url, before)
    # Exactly the day's changes, though part of the killed node's batch was crawled twice.
    assert sorted(changes["new"]) == sorted(truth.new)
    assert sorted(changes["edited"]) == sorted(truth.edited)
    assert sorted(changes["deleted"]) == sorted(truth.deleted)
    assert not changes["restored"]
    runs = _runs_since(db_url, before)
    mee_runs = [run for run in runs if run.source_id.startswith("sim-mee-") and "big5" not in run.source_id]
    assert {run.status for run in mee_runs if run.node == victim} == {"crashed"}  # its open runs, closed
    finished = {run.source_id: run for run in mee_runs if run.status == "ok"}
    assert len(finished) == 6 and all(run.node != victim for run in finished.values())  # the batch moved
    # One node per domain at a time held across the move: the killed node's crawl died with it.
    assert all(web.max_concurrency(key) == 1 for key in web.servers), web.overlaps()
    # Over both days, no item was ever announced new twice.
    with Session(init_db(db_url)) as session:
        per_item = Counter(session.exec(select(ChangeEvent.item_id).where(ChangeEvent.change == "new")).all())
    assert per_item and max(per_item.values()) == 1
