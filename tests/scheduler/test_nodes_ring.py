"""Partitioning for Scrapyd nodes and parallel chunks: a domain always lands in one place; nodes come and go."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from scheduler.nodes import HashRing, NodeError
from scheduler.service import domain_chunks

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


def test_chunks_never_split_a_domain(tmp_path: Path) -> None:
    for index in range(12):
        site = index // 4  # four sources per site, like a ministry's columns
        seed = {
            "id": f"col-{index:02d}",
            "name": "栏目",
            "org": "厅",
            "listings": [{"url": f"http://site{site}.example.gov.cn/col{index}/", "profile": "html"}],
        }
        (tmp_path / f"col-{index:02d}.yaml").write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
    ids = [f"col-{index:02d}" for index in range(12)] + ["missing"]
    chunks = domain_chunks(ids, str(tmp_path), size=6)
    assert sorted(sum(chunks, [])) == sorted(ids)
    assert all(len(chunk) <= 6 for chunk in chunks)
    for site in range(3):
        holding = [chunk for chunk in chunks if any(f"col-{site * 4:02d}" == s for s in chunk)]
        assert len(holding) == 1 and {f"col-{site * 4 + k:02d}" for k in range(4)} <= set(holding[0])
