"""The simulated web by name: many sites on a few sockets, per-site latency that blocks nobody, names via the resolver."""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

import pytest

from crawler.simulator import SimulatedWeb
from crawler.simulator.vhosts import SIM_DOMAIN, Latency
from spiders.resolver import fixed_address
from tests.crawl.helpers import changes_of, crawl_day


def _get(port: int, host: str, path: str = "/") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_a_thousand_sites_on_two_sockets_each_with_its_own_log() -> None:
    web = SimulatedWeb.scaled(sites=1000, articles_per_site=2, page_size=2, hosting="name", sockets=2)
    with web:
        ports = {web.servers[spec.key].port for spec in web.specs}  # type: ignore[union-attr]
        assert len(ports) == 2
        first, last = web.specs[0].key, web.specs[-1].key
        assert web.base_url(first) == f"http://{first}.{SIM_DOMAIN}:{web.servers[first].port}"  # type: ignore[union-attr]
        for key in (first, last):
            port = web.servers[key].port  # type: ignore[union-attr]
            status, body = _get(port, f"{key}.{SIM_DOMAIN}:{port}", "/ywdt/hjywnews/")
            assert status == 200 and f"{key}.{SIM_DOMAIN}".encode() in body
        assert [entry.path for entry in web.requests(first)] == ["/ywdt/hjywnews/"]
        assert len(web.requests(web.specs[1].key)) == 0
        assert _get(next(iter(ports)), f"nobody.{SIM_DOMAIN}")[0] == 404  # an unknown name is not a site


def test_a_slow_site_does_not_hold_up_the_others() -> None:
    web = SimulatedWeb(sites=["gbk", "hanweb"], hosting="name", latency=Latency(400, 400, jitter=0))
    with web:
        slow = web.servers["gbk"]
        times: list[float] = []

        def fetch() -> None:
            started = time.monotonic()
            _get(slow.port, f"gbk.{SIM_DOMAIN}", "/news/")  # type: ignore[union-attr]
            times.append(time.monotonic() - started)

        threads = [threading.Thread(target=fetch) for _ in range(20)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Twenty 400 ms answers at once take about 400 ms, not 8 s: the waits overlap on the event loop.
        assert min(times) >= 0.35 and time.monotonic() - started < 3.0
        assert web.max_concurrency("gbk") >= 10 and web.max_concurrency("hanweb") == 0


def test_names_resolve_by_their_nearest_configured_domain() -> None:
    hosts = {SIM_DOMAIN: "127.0.0.1", "special.govsim.test": "127.0.0.9"}
    assert fixed_address(f"mee.{SIM_DOMAIN}", hosts) == "127.0.0.1"
    assert fixed_address("WWW.Special.GovSim.Test.", hosts) == "127.0.0.9"
    assert fixed_address(SIM_DOMAIN, hosts) == "127.0.0.1"
    assert fixed_address("govsim.example", hosts) is None


@pytest.mark.slow
def test_a_crawl_by_name_finds_exactly_the_new_and_edited_items(tmp_path: Path) -> None:
    web = SimulatedWeb(sites=["mee", "gbk"], hosting="name", latency=Latency(10, 40))
    with web:
        seeds = tmp_path / "seeds"
        web.write_seeds(seeds)
        db = f"sqlite:///{tmp_path / 'db.sqlite'}"
        first = crawl_day(web, 1, db, seeds, tmp_path, settings=web.crawl_settings())
        assert first.ok and changes_of(db, first)["new"] == web.truth(1).new
        assert all(run.node is None for run in first.runs)  # a local crawl: no Scrapyd node
        second = crawl_day(web, 2, db, seeds, tmp_path, settings=web.crawl_settings())
        changes = changes_of(db, second)
        assert changes["new"] == web.truth(2).new
        assert all(url.startswith(("http://mee.govsim.test:", "http://gbk.govsim.test:")) for url in changes["new"])
        assert all(web.max_concurrency(key) == 1 for key in web.servers), web.overlaps()
