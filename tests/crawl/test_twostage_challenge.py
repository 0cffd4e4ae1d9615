"""A site the crawler never saw behind a two-stage cookie challenge (stage 1 sends the client to a verification
page, whose script sets the clearance and goes back), articles challenged too and the clearance spent after a
few answers: the browser path must read every item on day 1 and see day 2's new, edited and deleted ones."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from sqlmodel import Session, select

from crawler.browser import BrowserOptions, BrowserPool, fetch_mode
from crawler.challenge import detect_challenge
from crawler.db import dispose_engines, init_db
from crawler.models import Item, ItemVersion
from crawler.simulator import SimulatedWeb
from crawler.simulator.challenges import TWOSTAGE_SPEC, TWOSTAGE_USES, TwoStageGate
from crawler.simulator.server import LoggedRequest
from crawler.simulator.templates import NOT_FOUND
from spiders.middlewares import META_PROBE, META_SCOPE, AnswerMiddleware, Scope
from tests.crawl.helpers import changes_of, chromium_or_skip, crawl_day, daily_revisits, plain_get

KEY = TWOSTAGE_SPEC.key
LISTING = TWOSTAGE_SPEC.columns[0].path
DELAY = 0.2  # the seed's politeness delay
STAGE_WORDS = ("安全验证", "正在验证", "请开启JavaScript")  # what only the challenge pages say


# Pages written for these tests: a real page with a font-size switch (sets a cookie, reloads), a site's JS
# redirect from index.html (navigates, no cookie), and a bare vendor-less cookie challenge.
FONT_SWITCH = (
    "<html><head><meta charset='utf-8'><title>关于开展2026年度生态环境执法检查的通知</title></head><body>"
    "<a href='javascript:void(0)' onclick='big()'>大字</a><script>function big(){document.cookie='fs=18;path=/';"
    "location.reload();}</script><div class='content'>"
    + "<p>各区生态环境分局：为进一步加强生态环境执法工作，现将有关事项通知如下。</p>" * 4
    + "</div></body></html>"
).encode()
JS_REDIRECT = b"<html><head><script>location.href='./index.shtml';</script></head><body></body></html>"
BARE_CHALLENGE = (
    b"<html><body><script>var t=Date.now().toString(16);document.cookie = 'verify_' + 'tk=' + t;"
    b"window.location = window.location.pathname;</script></body></html>"
)


@pytest.mark.parametrize(
    ("body", "challenge"), [(FONT_SWITCH, False), (JS_REDIRECT, False), (BARE_CHALLENGE, True)]
)
def test_a_script_that_sets_a_cookie_and_moves_on_over_nothing_to_read_is_a_challenge(
    body: bytes, challenge: bool
) -> None:
    assert (detect_challenge(200, body) is not None) is challenge
    assert detect_challenge(404, body) is None  # a 404 is an answer, whatever its page does


@pytest.fixture
def web() -> Iterator[SimulatedWeb]:
    # Only this site in the world, so each day's new, edited and deleted items are all on it.
    with SimulatedWeb(sites=[KEY], specs=(TWOSTAGE_SPEC,), download_delay=DELAY) as simulated:
        yield simulated


def _gate(web: SimulatedWeb) -> TwoStageGate:
    gate = web.gates[KEY]
    assert isinstance(gate, TwoStageGate)
    return gate


def test_plain_http_gets_stage_one_everywhere_and_a_clearance_is_spent(web: SimulatedWeb) -> None:
    web.advance_to(1)
    gate = _gate(web)
    article = web.articles()[0]
    for url in (web.url(KEY, LISTING), article.url):
        status, body, set_cookie = plain_get(url)
        # HTTP 200 with no 412/521 and none of 加速乐's or Ruishu's names: still a challenge, not a page.
        assert status == 200 and article.title.encode() not in body and len(body) < 2000
        assert detect_challenge(status, body) is not None, body
        assert TwoStageGate.SESSION in set_cookie
    # Stage 2 without the cookie stage 1's script sets starts over; with it, it is a challenge page too.
    status, body, set_cookie = plain_get(web.url(KEY, f"{TwoStageGate.VERIFY_PATH}?u=/"))
    assert status == 200 and b"simwaf_s1=" in body and gate.verifications == 0
    session = set_cookie.split(";", 1)[0].split("=", 1)[1]
    stage1 = {TwoStageGate.SESSION: session, TwoStageGate.STAGE1: gate._stage1(session)}
    status, body, _ = plain_get(web.url(KEY, f"{TwoStageGate.VERIFY_PATH}?u=/"), stage1)
    assert status == 200 and gate.verifications == 1 and detect_challenge(status, body) is not None
    # A made-up clearance fails; the right one is good for TWOSTAGE_USES answers, then stage 1 again.
    assert article.title.encode() not in plain_get(article.url, {**stage1, TwoStageGate.CLEARANCE: "0"})[1]
    cleared = {**stage1, TwoStageGate.CLEARANCE: gate.expected_clearance(session)}
    bodies = [plain_get(article.url, cleared)[1] for _ in range(TWOSTAGE_USES + 1)]
    assert all(article.title.encode() in body for body in bodies[:-1])
    assert article.title.encode() not in bodies[-1] and detect_challenge(200, bodies[-1]) is not None
    # A 404 behind the gate is a 404 only for a client with the clearance.
    status, _, _ = plain_get(web.url(KEY, f"{LISTING}209901/t20990101_1.shtml"))
    assert status == 200
    fresh = plain_get(web.url(KEY, LISTING))[2].split(";", 1)[0].split("=", 1)[1]
    cleared = {
        TwoStageGate.SESSION: fresh,
        TwoStageGate.STAGE1: gate._stage1(fresh),
        TwoStageGate.CLEARANCE: gate.expected_clearance(fresh),
    }
    assert plain_get(web.url(KEY, f"{LISTING}209901/t20990101_1.shtml"), cleared)[0] == 404


def test_a_challenge_answering_the_probe_is_not_the_hosts_not_found_page(web: SimulatedWeb) -> None:
    web.advance_to(1)
    probe_url = web.url(KEY, f"{LISTING}govwatch-probe-0a1b2c.html")
    status, stage_one, _ = plain_get(probe_url)
    middleware = AnswerMiddleware(8_000_000)
    host = probe_url.split("/")[2].split(":")[0]
    probe = Request(probe_url, meta={META_PROBE: True, META_SCOPE: Scope(frozenset({host}))})
    middleware.process_response(probe, HtmlResponse(probe_url, status=status, body=stage_one, request=probe))
    # Learned, the gate's page would make every challenged article a soft 404 instead of blocked.
    assert middleware.not_found == {}
    not_found = NOT_FOUND.encode()
    middleware.process_response(probe, HtmlResponse(probe_url, status=200, body=not_found, request=probe))
    assert list(middleware.not_found) == [host]


@pytest.mark.browser
def test_the_browser_follows_both_stages_back_to_the_page(web: SimulatedWeb) -> None:
    chromium = chromium_or_skip()
    web.advance_to(1)
    article = web.articles()[0]
    missing = web.url(KEY, f"{LISTING}209901/t20990101_1.shtml")

    async def fetch() -> list[object]:
        pool = BrowserPool(BrowserOptions(executable=chromium, timeout=20, user_agent="govwatch/test"))
        try:
            return [await pool.fetch(url) for url in (article.url, missing)]
        finally:
            await pool.close()

    page, gone = asyncio.run(fetch())
    # Stage 1, the verification page, then the article: the server's bytes of the last one.
    assert page.status == 200 and page.challenge is None and page.navigations == 3  # type: ignore[attr-defined]
    assert article.title.encode() in page.body and page.url == article.url  # type: ignore[attr-defined]
    assert TwoStageGate.CLEARANCE in page.cookies  # type: ignore[attr-defined]
    # A page the site no longer has answers 404 behind the gate: gone, not a challenge.
    assert gone.status == 404 and gone.challenge is None and gone.url == missing  # type: ignore[attr-defined]


def _download_starts(log: list[LoggedRequest]) -> list[LoggedRequest]:
    """The requests that began a download: not the verification page, nor the navigation back from it, nor
    what a page loads itself (scripts, the favicon)."""
    starts = []
    for previous, entry in zip([None, *log], log, strict=False):
        path = entry.path.split("?", 1)[0]
        if path == TwoStageGate.VERIFY_PATH or path.startswith("/images/") or path == "/favicon.ico":
            continue
        if previous is not None and previous.path.startswith(TwoStageGate.VERIFY_PATH):
            continue
        starts.append(entry)
    return starts


@pytest.mark.browser
@pytest.mark.slow
def test_two_days_behind_the_two_stage_challenge_are_exact(web: SimulatedWeb, tmp_path: Path) -> None:
    chromium_or_skip()
    gate = _gate(web)
    seeds = tmp_path / "seeds"
    web.write_seeds(seeds)
    daily_revisits(seeds)
    db_url = f"sqlite:///{tmp_path / 'govwatch.db'}"
    for day in (1, 2):
        web.clear_logs()
        served, verified = gate.challenges_served, gate.verifications
        result = crawl_day(web, day, db_url, seeds, tmp_path)
        assert result.returncode == 0, (result.log_file or Path()).read_text()[-3000:]
        (run,) = result.runs
        truth, found = web.truth(day), changes_of(db_url, result)
        counts = {change: f"{len(found[change])} of {len(getattr(truth, change))}" for change in found}
        assert found["new"] == truth.new, f"day {day}: {counts}"
        assert found["edited"] == truth.edited, f"day {day}: {counts}"  # no false edit, none missed
        assert found["deleted"] == truth.deleted, f"day {day}: {counts}"
        assert run.status == "ok" and fetch_mode(run.errors) == "browser", (run.status, run.errors)
        if day == 1:
            assert len(truth.new) == 12 and not truth.edited and not truth.deleted
        else:
            assert truth.new and len(truth.edited) == 1 and len(truth.deleted) == 1
        # The clearance was spent and earned again in the middle of the day's articles.
        assert gate.verifications - verified >= 2 and gate.challenges_served > served
        # Politeness, also from the browser: robots.txt first, one request at a time, the seed's delay
        # between downloads (the verification page and the way back belong to the download that met them).
        log = web.requests(KEY)
        assert log[0].path == "/robots.txt" and web.max_concurrency(KEY) == 1
        assert not [entry for entry in log if entry.path.startswith(("/admin/", "/search/"))]
        assert all("govwatch/" in entry.headers.get("user-agent", "") for entry in log)
        starts = _download_starts(log)
        gaps = [later.started - earlier.started for earlier, later in zip(starts, starts[1:], strict=False)]
        # Scrapy waits 0.5×–1.5× the delay between the starts of two downloads; seen from the server each
        # start also moves by the client's own latency on a busy machine, so the floor has a margin. A
        # browser fetch outside the site's slot would start right after another download (gap ≈ 0).
        assert min(gaps) >= DELAY * 0.25 and statistics.median(gaps) >= DELAY * 0.5, sorted(gaps)[:5]
    # No challenge page was ever stored: each live item's last version is the article's own text.
    live = {article.url: article for article in web.articles()}
    with Session(init_db(db_url)) as session:
        versions = session.exec(select(ItemVersion, Item).where(ItemVersion.item_id == Item.id)).all()
        items = session.exec(select(Item)).all()
    assert not [v.id for v, _ in versions if any(word in v.text or word in (v.title or "") for word in STAGE_WORDS)]
    assert {item.canonical_url for item in items} == set(live) | web.truth(2).deleted
    latest = {item.canonical_url: v for v, item in versions if v.version == item.version_count}
    for url, article in live.items():
        assert article.paragraphs[-1] in latest[url].text and latest[url].title == article.title
    dispose_engines()
