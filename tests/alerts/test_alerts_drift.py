"""Structure drift: a source that used to work turns `broken` with its cause; one admin mail, one on recovery."""

from __future__ import annotations

from alerts_helpers import SOURCE_ID

from crawler.alerts import health_changed
from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.deliver import deliver
from crawler.models import CrawlRun, SourceRow
from crawler.run_status import RunCounts

LISTED = RunCounts(listing_pages=1, listing_items=5, new=2).as_dict()


def run(site, status: str, bodies: dict[str, int] | None = None, body: str | None = None) -> CrawlRun:  # type: ignore[no-untyped-def]
    """One finished run as the crawl reports it (with how its new articles were read), then the alerts."""
    run_id = site.store.begin_run(SOURCE_ID)
    change = site.store.finish_run(run_id, status, LISTED, [], bodies=bodies or {}, body_selector=body)
    health_changed(site.store, change, config=site.config)
    deliver(site.store, config=site.config)
    with site.store.session() as session:
        return session.get(CrawlRun, run_id)


def test_container_gone_from_new_articles_breaks_once_and_recovers_once(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(
        write_alerts({"admin": {"recipients": ["ops@example.org"], "bad_runs_before_alert": 3}})
    )
    assert run(site, "ok", {"trs_editor": 3}).status == "ok"
    with site.store.session() as session:
        assert session.get(SourceRow, SOURCE_ID).article_container == "trs_editor"
    assert run(site, "ok", {}).status == "ok"  # nothing new: nothing to judge
    broken = run(site, "ok", {"density": 2})
    assert broken.status == "broken"
    assert broken.errors[0].startswith("structure drift (articles): the article container trs_editor is gone")
    assert f"govwatch check {SOURCE_ID}" in broken.errors[0]
    (mail,) = smtp.wait_for(1)  # at once, not after 3 runs: a redesign is not a hiccup
    assert "broken" in mail.subject and f"govwatch check {SOURCE_ID}" in (mail.text or "")
    assert "govwatch add" in (mail.text or "") and "trs_editor" in (mail.text or "")
    assert run(site, "ok", {}).status == "broken"  # no new article: no sign of a repair yet
    assert run(site, "ok", {"density": 1}).status == "broken"
    assert len(smtp.messages) == 1
    assert run(site, "ok", {"trs_editor": 1}).status == "ok"
    mails = smtp.wait_for(2)
    assert "已恢复" in mails[1].subject


def test_listing_that_used_to_yield_entries_is_broken_not_empty(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"admin": {"recipients": ["ops@example.org"]}}))
    assert run(site, "empty").status == "empty"  # never yielded anything: a wrong seed, not a drift
    assert run(site, "ok", {"selector": 2}, body="div.art").status == "ok"
    broken = run(site, "empty")
    assert broken.status == "broken" and broken.errors[0].startswith("structure drift (listing):")
    with site.store.session() as session:
        row = session.get(SourceRow, SOURCE_ID)
        assert row.health == "broken" and row.health_alerted
    assert run(site, "blocked").status == "blocked"  # a block is never a layout change
    assert run(site, "ok", {"selector": 1}, body="div.art").status == "ok"
    assert [m.subject for m in smtp.wait_for(2)][1].count("已恢复") == 1


def test_seed_body_selector_that_matches_no_new_article_is_broken(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"admin": {"recipients": ["ops@example.org"]}}))
    assert run(site, "ok", {"selector": 3}, body="div.art-body").status == "ok"
    broken = run(site, "ok", {"density": 1, "selector": 0}, body="div.art-body")
    assert broken.status == "broken" and "'div.art-body' matched none of the 1 new" in broken.errors[0]
    assert len(smtp.wait_for(1)) == 1
