"""Partitioning for Scrapyd nodes and parallel chunks: a domain always lands in one place; nodes come and go."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from crawler.config import Listing, Source, load_seeds
from crawler.db import init_db
from crawler.models import CrawlRun
from crawler.store import Store
from scheduler.nodes import HashRing, NodeError
from scheduler.service import ServiceOptions, domain_chunks, run_group

NODES = ["http://10.0.0.1:6800", "http://10.0.0.2:6800", "http://10.0.0.3:6800"]
DOMAINS = [f"site{n}.sthjt.example.gov.cn" for n in range(3000)]


def test_domains_spread_over_the_nodes_and_stay_put() -> None:
    ring = HashRing(NODES)
    owners = {domain: ring.owner(domain) for domain in DOMAINS}
    assert owners == {domain: HashRing(list(reversed(NODES))).owner(domain) for domain in DOMAINS}
    shares = Counter(owners.values())
    assert set(shares) == set(NODES) and all(600 < count < 1400 for count in shares.values())


def test_a_new_node_takes_about_its_share_and_nothing_else_moves() -> None:
    before = HashRing(NODES)
    after = HashRing([*NODES, "http://10.0.0.4:6800"])
    moved = [domain for domain in DOMAINS if before.owner(domain) != after.owner(domain)]
    assert all(after.owner(domain) == "http://10.0.0.4:6800" for domain in moved)
    assert 400 < len(moved) < 1200


def test_a_dead_nodes_domains_go_to_the_others_and_only_those_move() -> None:
    ring = HashRing(NODES)
    alive = NODES[1:]
    for domain in DOMAINS[:500]:
        owner = ring.owner(domain)
        fallback = ring.owner(domain, alive)
        assert fallback in alive
        assert fallback == owner or owner == NODES[0]
        assert ring.preference(domain)[0] == owner and sorted(ring.preference(domain)) == sorted(NODES)
    with pytest.raises(NodeError, match="no Scrapyd node"):
        ring.owner(DOMAINS[0], [])


def test_chunks_never_split_a_domain() -> None:
    # Four sources per site, like a ministry's columns; one source whose seed is broken (no row, no domain).
    domains = {f"col-{index:02d}": f"site{index // 4}.example.gov.cn" for index in range(12)}
    ids = [*domains, "missing"]
    chunks = domain_chunks(ids, domains, size=6)
    assert sorted(sum(chunks, [])) == sorted(ids)
    assert all(len(chunk) <= 6 for chunk in chunks)
    for site in range(3):
        holding = [chunk for chunk in chunks if f"col-{site * 4:02d}" in chunk]
        assert len(holding) == 1 and {f"col-{site * 4 + k:02d}" for k in range(4)} <= set(holding[0])
    # A domain with more sources than a chunk holds stays whole rather than split.
    assert domain_chunks(list(domains)[:4], domains, size=2) == [list(domains)[:4]]


def test_source_domains_come_from_the_source_rows(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    store.sync_sources(
        [Source(id="src-a", name="A", org="O", listings=[Listing(url="https://site1.example.gov.cn/x/", profile="html")])]
    )
    assert store.source_domains(["src-a", "missing"]) == {"src-a": "site1.example.gov.cn"}


def test_no_node_answering_records_every_source_as_crashed(
    sqlite_url: str, simulated_web: Any, tmp_path: Path, refused_port: Callable[[], int]
) -> None:
    web, seeds = simulated_web
    closed = [f"http://127.0.0.1:{refused_port()}", f"http://127.0.0.1:{refused_port()}"]
    options = ServiceOptions(db_url=sqlite_url, seeds=str(seeds), logs_dir=str(tmp_path / "logs"), nodes=closed)
    Store(sqlite_url).sync_sources(load_seeds(seeds).sources.values())
    outcome = run_group(["sim-gbk", "sim-hanweb"], options, label="nodes down")
    assert outcome.crashed and outcome.statuses == {"sim-gbk": "crashed", "sim-hanweb": "crashed"}
    with Session(init_db(sqlite_url)) as session:
        runs = session.exec(select(CrawlRun)).all()
    assert {run.source_id for run in runs} == {"sim-gbk", "sim-hanweb"}
    assert all("no Scrapyd node is alive" in run.errors[0] for run in runs)
    assert not web.requests("gbk")  # nothing was crawled anywhere

