"""Source health mails: N bad runs in a row → one admin mail; recovery → one mail; never one per run."""

from __future__ import annotations

from alerts_helpers import SOURCE_ID

from crawler.alerts import health_changed
from crawler.alerts.capture import LoopbackSMTP
from crawler.alerts.deliver import deliver
from crawler.models import SourceRow


def run(site, status: str, errors: list[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    """One finished run as the crawl reports it, followed by what the crawl calls after it."""
    run_id = site.store.begin_run(SOURCE_ID)
    change = site.store.finish_run(run_id, status, {}, errors or [])
    health_changed(site.store, change, config=site.config)
    deliver(site.store, config=site.config)


def test_one_mail_after_n_bad_runs_and_one_on_recovery(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(
        write_alerts({"admin": {"recipients": ["ops@example.org"], "bad_runs_before_alert": 3}})
    )
    run(site, "ok")
    run(site, "blocked", ["HTTP 412 on http://127.0.0.2/list/"])
    run(site, "blocked", ["HTTP 412 on http://127.0.0.2/list/"])
    assert smtp.messages == []  # two bad runs: not yet
    run(site, "failing", ["TCP connection refused"])
    (mail,) = smtp.wait_for(1)
    assert mail.type == "health" and mail.to == ("ops@example.org",)
    assert "来源异常" in mail.subject and SOURCE_ID in mail.subject and "failing" in mail.subject
    assert "连续 3 次" in (mail.text or "") and "TCP connection refused" in (mail.text or "")
    for _ in range(4):  # still broken: silence, not one mail per run
        run(site, "empty")
    assert len(smtp.messages) == 1
    with site.store.session() as session:
        row = session.get(SourceRow, SOURCE_ID)
        assert row is not None and row.health_alerted and row.consecutive_bad_runs == 7

    run(site, "ok")
    mails = smtp.wait_for(2)
    assert len(mails) == 2 and "已恢复" in mails[1].subject and mails[1].type == "health"
    run(site, "ok")
    run(site, "blocked")  # one bad run after recovery: below N, silence
    run(site, "ok")  # and no "recovered" for a streak nobody was told about
    assert len(smtp.messages) == 2


def test_crashed_runs_count_as_bad_and_repeated_reports_send_once(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(
        write_alerts({"admin": {"recipients": ["ops@example.org"], "bad_runs_before_alert": 2}})
    )
    run(site, "failing")
    run_id = site.store.begin_run(SOURCE_ID)
    change = site.store.finish_run(
        run_id, "crashed", {}, ["the crawl process ended before finishing this run"]
    )
    assert (change.health, change.consecutive_bad_runs) == ("failing", 2)
    for _ in range(3):  # the spider and the scheduler may both report the same run
        health_changed(site.store, change, config=site.config)
    deliver(site.store, config=site.config)
    assert len(smtp.wait_for(1)) == 1
    assert len(smtp.messages) == 1


def test_no_admin_recipients_means_no_mail_but_no_error(
    site_factory, write_alerts, smtp: LoopbackSMTP
) -> None:  # type: ignore[no-untyped-def]
    site = site_factory(write_alerts({"admin": {"bad_runs_before_alert": 1}}))
    run(site, "failing")
    run(site, "ok")
    assert smtp.messages == []
