"""Sites behind JavaScript challenges: plain HTTP fails on them, Debian's chromium passes, the crawl stores them
exactly, and a missing browser is reported without stopping the crawl."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from crawler.browser import BrowserFetchError, BrowserOptions, BrowserPool, BrowserUnavailable, fetch_mode
from crawler.challenge import detect_challenge
from crawler.db import dispose_engines
from crawler.extract import extract
from crawler.runner import run_crawl
from crawler.simulator import SimulatedWeb
from crawler.simulator.challenges import RUISHU_USES, JslGate, RuishuGate
from tests.crawl.helpers import FAST, chromium_or_skip, crawl_day, plain_get, set_fetch

GATED = ("jsl", "ruishu")


@pytest.fixture
def gated_web() -> Iterator[SimulatedWeb]:
    with SimulatedWeb(sites=[*GATED, "gbk", "blocked"]) as web:
        yield web


def test_plain_http_only_ever_gets_the_challenge(gated_web: SimulatedWeb) -> None:
    web = gated_web
    for key, status in (("jsl", 521), ("ruishu", 412)):
        article = next(a for a in web.articles() if a.site == key)
        for url in (web.url(key, web.world.sites[key].columns[0].path), article.url):
            got, body, _cookie = plain_get(url)
            assert got == status and detect_challenge(got, body) is not None
            assert article.title.encode() not in body and len(body) < 4000
        # Cookies a client could make up without running the scripts do not pass either.
        assert plain_get(article.url, {"__jsluid_h": "x", "__jsl_clearance": "1|0|0", "SIMrs80S": "x"})[0] == status
    # The second stage of 加速乐 is only served to a client that ran the first.
    assert plain_get(web.url("jsl", JslGate.STAGE2_PATH))[0] == 521
    assert web.gates["jsl"].passed == web.gates["ruishu"].passed == 0
    assert plain_get(web.url("jsl", "/robots.txt"))[0] == 200  # robots.txt stays readable


@pytest.mark.browser
def test_the_browser_passes_both_and_its_cookies_serve_plain_http(gated_web: SimulatedWeb) -> None:
    chromium = chromium_or_skip()
    web = gated_web

    async def fetch_all() -> dict[str, object]:
        pool = BrowserPool(BrowserOptions(executable=chromium, timeout=20, user_agent="govwatch/test"))
        try:
            answers = {}
            for key in (*GATED, "blocked"):
                url = next((a.url for a in web.articles() if a.site == key), web.url(key, "/zwdt/index.html"))
                answers[key] = await pool.fetch(url)
            assert pool.launches == 1  # one browser for every site
            return answers
        finally:
            await pool.close()

    answers = asyncio.run(fetch_all())
    for key in GATED:
        answer = answers[key]
        article = next(a for a in web.articles() if a.site == key)
        assert answer.status == 200 and answer.challenge is None and answer.navigations == 2  # type: ignore[attr-defined]
        # The server's bytes, not the rendered page: they extract to the article's true text.
        assert article.paragraphs[-1] in extract(answer.body, url=article.url, headers=answer.headers).text  # type: ignore[attr-defined]
        # The earned cookies let plain HTTP in …
        status, body, _cookie = plain_get(article.url, answer.cookies)  # type: ignore[attr-defined]
        assert status == 200 and article.paragraphs[-1] in extract(body, url=article.url).text
    # … for the Ruishu-style site only a few times: then it asks again.
    ruishu = answers["ruishu"].cookies  # type: ignore[attr-defined]
    url = next(a.url for a in web.articles() if a.site == "ruishu")
    statuses = [plain_get(url, ruishu)[0] for _ in range(RUISHU_USES)]
    assert statuses.count(412) >= 1 and statuses[0] == 200
    # The site nothing passes stays a challenge in the browser too.
    blocked = answers["blocked"]
    assert blocked.challenge and blocked.status in (412, 521)  # type: ignore[attr-defined]
    assert isinstance(web.gates["ruishu"], RuishuGate)


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[bytes]]]:
    """A real loopback server that takes connections, reads requests and never answers: a hung site."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    asked: list[bytes] = []

    def read(connection: socket.socket) -> None:
        try:
            while chunk := connection.recv(4096):
                asked.extend(line for line in chunk.split(b"\r\n") if line.startswith(b"GET /hangs"))
        except OSError:
            return

    def accept() -> None:
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:
                return
            accepted.append(connection)
            threading.Thread(target=read, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", asked
    listener.close()
    for connection in accepted:
        connection.close()


@pytest.mark.slow
@pytest.mark.browser
def test_a_hanging_page_is_timed_out_retried_once_and_reported(silent_server: tuple[str, list[bytes]]) -> None:
    chromium = chromium_or_skip()
    base, asked = silent_server

    async def fetch() -> None:
        pool = BrowserPool(BrowserOptions(executable=chromium, timeout=5))
        try:
            await pool.fetch(f"{base}/hangs")
        finally:
            await pool.close()

    with pytest.raises(BrowserFetchError, match="timed out after 5 s, twice"):
        asyncio.run(fetch())
    # Asked for, then once more and no further (on a loaded machine a slow first attempt may not get as far
    # as sending its request; Chromium may also open spare sockets, so requests are counted, not sockets).
    assert 1 <= len(asked) <= 2


@pytest.mark.slow
@pytest.mark.browser
def test_a_hanging_browser_fetch_is_recorded_in_the_run(silent_server: tuple[str, list[bytes]], tmp_path: Path) -> None:
    chromium_or_skip()
    base, _asked = silent_server
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    seed = {
        "id": "hangs", "name": "挂起的站点", "org": "测试", "fetch": "browser",
        "listings": [{"url": f"{base}/hangs/index.html", "profile": "html"}],
        "politeness": {"download_delay": 0, "retry_times": 0, "timeout": 3, "obey_robots": False},
    }  # fmt: skip
    (seeds / "hangs.yaml").write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
    result = run_crawl(
        ["hangs"], db_url=f"sqlite:///{tmp_path / 'g.db'}", seeds=seeds, log_file=tmp_path / "crawl.log",
        timeout=120, settings={**FAST, "GOVWATCH_BROWSER_TIMEOUT": 4},
    )  # fmt: skip
    assert result.returncode == 0
    (run,) = result.runs
    assert run.status == "failing"
    assert any("BrowserFetchError" in error and "timed out after 4 s, twice" in error for error in run.errors), run.errors
    dispose_engines()


def test_a_browser_that_does_not_start_is_named_once_with_the_fix() -> None:
    async def fetch_twice() -> list[str]:
        pool = BrowserPool(BrowserOptions(executable="/bin/false", timeout=5))  # exists, but is no Chromium
        reasons = []
        try:
            for _ in range(2):
                with pytest.raises(BrowserUnavailable) as caught:
                    await pool.fetch("http://127.0.0.1:9/")
                reasons.append(str(caught.value))
        finally:
            await pool.close()
        assert pool.launches == 0
        return reasons

    first, second = asyncio.run(fetch_twice())
    assert "did not start" in first and "apt-get install chromium" in first and second == first


@pytest.mark.slow
def test_a_missing_browser_is_reported_and_the_rest_of_the_crawl_goes_on(
    gated_web: SimulatedWeb, tmp_path: Path
) -> None:
    web = gated_web
    seeds = tmp_path / "seeds"
    web.write_seeds(seeds)
    set_fetch(seeds, "browser", "sim-ruishu")
    db_url = f"sqlite:///{tmp_path / 'govwatch.db'}"
    result = crawl_day(
        web, 1, db_url, seeds, tmp_path, settings={"GOVWATCH_BROWSER_EXECUTABLE": str(tmp_path / "no-chromium")}
    )
    assert result.returncode == 0
    runs = {run.source_id: run for run in result.runs}
    assert runs["sim-gbk"].status == "ok" and runs["sim-gbk"].new > 0
    jsl, ruishu = runs["sim-jsl"], runs["sim-ruishu"]
    assert jsl.status == "blocked" and jsl.new == 0
    assert ruishu.status in ("blocked", "failing") and ruishu.new == 0
    for run in (jsl, ruishu):
        assert any("apt-get install chromium" in error for error in run.errors), run.errors
        assert fetch_mode(run.errors) == "browser unavailable"
    assert fetch_mode(runs["sim-gbk"].errors) == "http"
    # `fetch: browser` with no browser sends nothing the site would refuse.
    assert not [r for r in web.requests("ruishu") if r.path != "/robots.txt"]
    dispose_engines()


@pytest.mark.slow
def test_http_mode_never_asks_the_browser(gated_web: SimulatedWeb, tmp_path: Path) -> None:
    web = gated_web
    seeds = tmp_path / "seeds"
    web.write_seeds(seeds)
    set_fetch(seeds, "http", "sim-jsl")
    result = crawl_day(web, 1, f"sqlite:///{tmp_path / 'g.db'}", seeds, tmp_path, sources=["sim-jsl"])
    (run,) = result.runs
    assert run.status == "blocked" and fetch_mode(run.errors) == "http"
    assert not [r for r in web.requests("jsl") if r.path == JslGate.STAGE2_PATH]
    dispose_engines()


# The gated sites over several days, exact through the browser, with its politeness and cookie reuse, are
# asserted on the shared three-day crawl of the whole world (tests/crawl/test_e2e_simulator.py).


@pytest.mark.slow
@pytest.mark.browser
def test_check_says_which_fetch_mode_each_listing_needed(gated_web: SimulatedWeb, tmp_path: Path) -> None:
    chromium_or_skip()
    from crawler.tools import run_check

    web = gated_web
    web.advance_to(1)
    seeds = tmp_path / "seeds"
    web.write_seeds(seeds)
    checks = {c.id: c for c in run_check(["sim-jsl", "sim-gbk"], seeds=seeds, settings=FAST, timeout=120)}
    (gated,) = checks["sim-jsl"].listings
    (open_site,) = checks["sim-gbk"].listings
    # Behind the 加速乐 gate the listing was read through Chromium; the open site over plain HTTP.
    assert checks["sim-jsl"].verdict == "ok" and gated.fetched_with == "browser"
    assert checks["sim-gbk"].verdict == "ok" and open_site.fetched_with == "http"
