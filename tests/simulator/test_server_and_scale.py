"""Server mechanics (loopback only, idempotent start/stop, logs, concurrency), the scaled world and the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.simulator import SimulatedWeb
from crawler.simulator.server import Request, Response, SiteServer


class _SlowSite:
    """Answers after a pause, so parallel clients overlap inside the server."""

    def respond(self, request: Request) -> Response:
        time.sleep(0.2)
        return Response(200, b"ok", "text/plain")


def _get(url: str, method: str = "GET") -> int:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as answer:
        answer.read()
        return answer.status


def test_refuses_non_loopback_addresses() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SiteServer(_SlowSite(), "0.0.0.0")


def test_max_concurrency_counts_overlapping_requests() -> None:
    server = SiteServer(_SlowSite(), "127.0.0.2")
    server.start()
    try:
        threads = [threading.Thread(target=_get, args=(server.base_url + f"/{i}",)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert server.max_concurrency >= 2
        assert len(server.log) == 3 and all(entry.status == 200 for entry in server.log)
        # Each overlap names the requests in flight at that moment, so a politeness failure says who.
        overlap = server.in_flight.overlaps[0]
        assert len(overlap) >= 2 and all(label.startswith("GET /") and " from ('127." in label for label in overlap)
        server.clear_log()
        _get(server.base_url + "/one")
        assert server.max_concurrency == 1 and server.in_flight.overlaps == [] and server.in_flight.active == 0
    finally:
        server.stop()


def test_start_and_stop_are_idempotent() -> None:
    web = SimulatedWeb(sites=["gbk"])
    web.start()
    url = web.url("gbk", "/robots.txt")
    web.start()  # no second set of servers
    assert web.url("gbk", "/robots.txt") == url and _get(url) == 200
    web.stop()
    web.stop()
    with pytest.raises(RuntimeError):
        web.url("gbk")
    with pytest.raises(OSError):
        _get(url)
    with web:  # and it can be started again
        assert _get(web.url("gbk", "/robots.txt")) == 200


def test_two_webs_run_side_by_side() -> None:
    with SimulatedWeb(sites=["mee"]) as one, SimulatedWeb(sites=["mee"]) as two:
        assert one.url("mee") != two.url("mee")
        assert _get(one.url("mee", "/ywdt/hjywnews/")) == _get(two.url("mee", "/ywdt/hjywnews/")) == 200


def test_site_selection_pulls_in_the_mirrors_original() -> None:
    web = SimulatedWeb(sites=["mee-big5"])
    assert {spec.key for spec in web.specs} == {"mee", "mee-big5"}
    with pytest.raises(ValueError, match="unknown simulated sites"):
        SimulatedWeb(sites=["nope"])


def test_head_requests_send_no_body() -> None:
    with SimulatedWeb(sites=["mee"]) as web:
        assert _get(web.url("mee", "/ywdt/hjywnews/"), method="HEAD") == 200
        (entry,) = web.requests("mee")
        assert entry.method == "HEAD" and entry.bytes == 0


def test_scaled_world_has_many_sites_and_pages(tmp_path: Path) -> None:
    web = SimulatedWeb.scaled(sites=4, articles_per_site=90, page_size=20)
    assert len(web.specs) == 4
    with web:
        hosts = {web.url(spec.key) for spec in web.specs}
        assert len(hosts) == 4
        last_pages = set()
        for spec in web.specs:
            listing = web.url(spec.key, "/ywdt/hjywnews/")
            first = urllib.request.urlopen(listing, timeout=10).read().decode()
            assert first.count('class="cjcx_biaob"') == 20
            # 90 articles, 20 a page: 5 pages, in whatever pagination form this site uses.
            form = re.search(
                r"countPage = 5 |createPageHTML\(5, 0,|createPageHTML\('page_div', 5, 1,|pageControl\(5, 0,",
                first,
            )
            assert form, spec.columns[0].pagination
            last = "list_yw_5.shtml" if spec.columns[0].pagination == "pagediv" else "index_4.shtml"
            after = "list_yw_6.shtml" if spec.columns[0].pagination == "pagediv" else "index_5.shtml"
            assert _get(listing + last) == 200
            with pytest.raises(urllib.error.HTTPError):
                _get(listing + after)
            last_pages.add(last)
        assert len(last_pages) == 2  # both page-naming schemes are in use
        assert len(web.articles()) == 360
        web.advance_to(3)
        assert len(web.truth(3).new) >= 3
        paths = web.write_seeds(tmp_path)
        assert len(paths) == 4


def test_scaled_world_keeps_article_text_lazy() -> None:
    web = SimulatedWeb.scaled(sites=2, articles_per_site=300)
    article = next(iter(web.world.articles.values()))
    assert not any(isinstance(value, str) and len(value) > 200 for value in vars(article).values())
    assert sum(len(p) for p in article.paragraphs(1)) > 100


def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crawler.cli import app; app()",
            "simulate",
            "serve",
            "--day",
            "2",
            "--sites",
            "hanweb,gbk",
            "--write-seeds",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("*.yaml"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert {p.name for p in tmp_path.glob("*.yaml")} == {"sim-hanweb.yaml", "sim-gbk.yaml"}
        seed = (tmp_path / "sim-hanweb.yaml").read_text(encoding="utf-8")
        url = re.search(r"url: (http://127\.0\.0\.\d+:\d+/col/col1234/index\.html)", seed).group(1)
        deadline = time.monotonic() + 10
        while True:  # the seeds may be written a moment before the site answers: wait for it, not a fixed time
            try:
                page = urllib.request.urlopen(url, timeout=10).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, f"{url} never answered"
                time.sleep(0.05)
        assert "2026年11月2日" in page  # serving day 2
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "127.0.0." in out and "hanweb" in out
