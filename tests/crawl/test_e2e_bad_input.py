"""Bad input gives a recorded error and the other sources go on: broken seed, unreachable site,
non-HTML and oversized responses, a malformed listing, an article robots.txt forbids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from crawler.db import dispose_engines, init_db
from crawler.models import CrawlRun, Item, SourceRow
from crawler.runner import run_crawl
from tests.crawl.helpers import FAST
from tests.crawl.minisite import MiniSite, Page, article_html, listing_html

pytestmark = pytest.mark.slow

PARAGRAPHS = [
    "11月20日，临湖市生态环境局召开党组会议，传达学习全国生态环境保护大会精神，研究部署重点工作。",
    "会议强调，要坚持精准治污、科学治污、依法治污，持续深入打好蓝天、碧水、净土保卫战。",
]


def _seed(folder: Path, source_id: str, listing_url: str, extra: str = "") -> None:
    (folder / f"{source_id}.yaml").write_text(
        f"id: {source_id}\nname: {source_id}\norg: 测试\nlistings:\n  - url: {listing_url}\n    profile: html\n"
        f"politeness:\n  download_delay: 0\n  retry_times: 1\n{extra}",
        encoding="utf-8",
    )


def test_bad_input_is_recorded_and_other_sources_go_on(tmp_path: Path, refused_port: Callable[[], int]) -> None:
    big = article_html("超大页面", PARAGRAPHS * 400)  # far over the seed's max_response_bytes
    good_pages = {
        "/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/news/index.html": Page(
            listing_html(
                [
                    ("/news/202611/t20261120_1.shtml", "党组会议", "2026-11-20"),
                    ("/news/202611/t20261120_2.shtml", "附件", "2026-11-20"),
                    ("/news/202611/t20261120_3.shtml", "超大页面", "2026-11-20"),
                    ("/private/202611/t20261120_4.shtml", "内部", "2026-11-20"),
                    ("/news/202611/t20261120_5.shtml", "已撤下", "2026-11-20"),
                ]
            )
        ),
        "/news/202611/t20261120_1.shtml": Page(article_html("临湖市生态环境局召开党组会议", PARAGRAPHS)),
        "/news/202611/t20261120_2.shtml": Page(b"%PDF-1.4\n%...", content_type="application/pdf"),
        "/news/202611/t20261120_3.shtml": Page(big),
        "/private/202611/t20261120_4.shtml": Page(article_html("内部", PARAGRAPHS)),
        "/bad/index.html": Page(b"<html><body><p>\xff\xfe garbage <<<< no list here</p></body></html>"),
    }
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with MiniSite(good_pages) as site:
        _seed(seeds, "good", f"{site.base}/news/index.html", "  max_response_bytes: 20000\n")
        _seed(seeds, "malformed", f"{site.base}/bad/index.html")
        _seed(seeds, "unreachable", f"http://127.0.0.1:{refused_port()}/news/index.html")
        (seeds / "broken.yaml").write_text(
            "id: broken\nname: x\norg: y\nlistings:\n  - url: http://127.0.0.1:9/\n    profile: html\ncolour: red\n",
            encoding="utf-8",
        )
        db_url = f"sqlite:///{tmp_path / 'govwatch.db'}"
        result = run_crawl(
            [], db_url=db_url, seeds=seeds, log_file=tmp_path / "crawl.log", timeout=120, settings=FAST
        )
        requested = site.paths()
    assert result.returncode == 0 and not result.timed_out
    runs = {run.source_id: run for run in result.runs}
    assert set(runs) == {"good", "malformed", "unreachable", "broken"}
    assert all(run.status != "running" for run in runs.values())

    good = runs["good"]
    assert good.status == "ok" and good.new == 1 and good.failed == 4, (
        good.errors
    )  # pdf, too big, 404, robots
    errors = "\n".join(good.errors)
    assert "t20261120_2.shtml: not an article: non-HTML content (application/pdf" in errors
    assert "t20261120_3.shtml: too large: Expected to receive" in errors
    assert "t20261120_5.shtml: gone: HTTP 404" in errors
    assert "t20261120_4.shtml: forbidden by robots.txt" in errors
    # robots.txt was read first, and the disallowed article never requested.
    assert requested[0] == "/robots.txt" and not [path for path in requested if path.startswith("/private/")]
    assert "robots.txt" in errors

    assert runs["malformed"].status == "empty" and "no entries" in "\n".join(runs["malformed"].errors)
    unreachable = runs["unreachable"]
    assert unreachable.status == "failing" and "connection refused" in "\n".join(unreachable.errors)
    broken = runs["broken"]
    assert (
        broken.status == "failing"
        and "broken.yaml" in broken.errors[0]
        and "colour" in "\n".join(broken.errors)
    )

    with Session(init_db(db_url)) as session:
        items = session.exec(select(Item)).all()
        assert [item.title for item in items] == ["临湖市生态环境局召开党组会议"]
        health = {row.id: row.health for row in session.exec(select(SourceRow)).all()}
    assert health["good"] == "ok" and health["unreachable"] == "failing" and health["malformed"] == "empty"
    dispose_engines()


def test_cli_rejects_an_unknown_source_before_crawling(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from crawler.cli import app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    _seed(seeds, "good", "http://127.0.0.1:9/news/index.html")
    result = CliRunner().invoke(
        app, ["crawl", "nope", "--seeds", str(seeds), "--db", f"sqlite:///{tmp_path / 'g.db'}"]
    )
    assert result.exit_code == 2 and "nope" in result.output and "good" in result.output


def test_cli_crawl_json_and_table(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from crawler.cli import app

    pages = {
        "/news/index.html": Page(
            listing_html([("/news/202611/t20261120_1.shtml", "党组会议", "2026-11-20")])
        ),
        "/news/202611/t20261120_1.shtml": Page(article_html("临湖市生态环境局召开党组会议", PARAGRAPHS)),
    }
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with MiniSite(pages) as site:
        _seed(seeds, "good", f"{site.base}/news/index.html")
        db = f"sqlite:///{tmp_path / 'g.db'}"
        log = tmp_path / "cli.log"
        as_json = CliRunner().invoke(
            app, ["crawl", "good", "--seeds", str(seeds), "--db", db, "--json", "--log-file", str(log)]
        )
    # The table prints the same result (one crawl is enough: the table is a view of its runs).
    from crawler.cli import crawl_cmd
    from crawler.runner import CrawlResult

    with Session(init_db(db)) as session:
        runs = list(session.exec(select(CrawlRun)).all())
    with crawl_cmd.console.capture() as captured:
        crawl_cmd._print_table(CrawlResult(returncode=0, timed_out=False, runs=runs, log_file=log))
    table = captured.get()
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["returncode"] == 0 and [(r["source_id"], r["status"], r["new"]) for r in data["runs"]] == [
        ("good", "ok", 1)
    ]
    assert "good" in table and " ok " in table and f"log: {log}" in table.replace("\n", "")
    assert data["log_file"] == str(log) and "Spider closed" in log.read_text()


def test_a_broken_alerts_file_fails_the_crawl_start_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The RunBook extension opens the store with the alert listeners when the crawler is built: a broken
    alerts.yaml stops the crawl's start-up (Scrapy exits 1) instead of a crawl that alerts nothing."""
    from scrapy.utils.test import get_crawler

    from crawler.alerts.config import AlertsConfigError
    from spiders.runbook import RunBook

    alerts_file = tmp_path / "alerts.yaml"
    alerts_file.write_text("subscriptions: [{nonsense: 1}]\n", encoding="utf-8")
    monkeypatch.setenv("GOVWATCH_ALERTS", str(alerts_file))
    monkeypatch.setenv("GOVWATCH_DB", f"sqlite:///{tmp_path / 'g.db'}")
    with pytest.raises(AlertsConfigError, match="alerts.yaml"):
        RunBook.from_crawler(get_crawler())
    dispose_engines()
