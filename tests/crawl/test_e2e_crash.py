"""A crawl killed midway (SIGKILL), then run again: no duplicate or half-written item, the dead run crashed.
Also: a crawl that overruns its timeout is stopped and recorded."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, col, func, select

from crawler.db import dispose_engines, init_db
from crawler.models import CrawlRun, Item
from crawler.runner import CrawlResult, run_crawl
from crawler.simulator import SimulatedWeb
from tests.crawl.helpers import FAST, integrity_problems, now_of

pytestmark = pytest.mark.slow


def _slow_seeds(web: SimulatedWeb, seeds: Path, delay: float) -> list[str]:
    web.write_seeds(seeds)
    ids = []
    for path in seeds.glob("*.yaml"):
        seed = yaml.safe_load(path.read_text(encoding="utf-8"))
        seed["politeness"] = {"download_delay": delay}
        path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        ids.append(seed["id"])
    return ids


def _count(db_url: str, model: type) -> int:
    with Session(init_db(db_url)) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_killed_crawl_leaves_no_half_item_and_the_rerun_completes(tmp_path: Path) -> None:
    with SimulatedWeb.scaled(sites=1, articles_per_site=60, page_size=20) as web:
        web.advance_to(1)
        ids = _slow_seeds(web, tmp_path / "seeds", delay=0.08)
        db_url = f"sqlite:///{tmp_path / 'govwatch.db'}"
        env = {"GOVWATCH_NOW": now_of(web, 1)}
        init_db(db_url)  # the schema exists before the crawl thread and the polling below race for it
        holder: dict[str, CrawlResult] = {}
        worker = threading.Thread(
            target=lambda: holder.update(
                first=run_crawl(
                    ids,
                    db_url=db_url,
                    seeds=tmp_path / "seeds",
                    log_file=tmp_path / "1.log",
                    timeout=120,
                    env=env,
                    settings=FAST,
                )
            )
        )
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(db_url, Item) < 8:
            time.sleep(0.05)
        with Session(init_db(db_url)) as session:
            running = session.exec(select(CrawlRun).where(CrawlRun.status == "running")).one()
        os.kill(running.pid or 0, signal.SIGKILL)
        worker.join(60)
        first = holder["first"]
        stored_before = _count(db_url, Item)
        assert first.returncode == -signal.SIGKILL and 8 <= stored_before < 60
        assert [run.status for run in first.runs] == ["crashed"]
        # The crashed row carries what the run really stored (recomputed from its change events), not 0.
        assert first.runs[0].new == stored_before
        assert "ended before finishing" in first.runs[0].errors[-1]
        assert integrity_problems(db_url) == []

        _slow_seeds(web, tmp_path / "seeds", delay=0.0)
        second = run_crawl(
            ids,
            db_url=db_url,
            seeds=tmp_path / "seeds",
            log_file=tmp_path / "2.log",
            timeout=120,
            env=env,
            settings=FAST,
        )
        assert second.returncode == 0
        run = second.runs[0]
        assert run.status == "ok" and run.new == 60 - stored_before and run.edited == 0, run.errors
        live = {article.url for article in web.articles()}
    assert integrity_problems(db_url) == []
    with Session(init_db(db_url)) as session:
        urls = session.exec(select(Item.canonical_url)).all()
        statuses = session.exec(select(CrawlRun.status).order_by(col(CrawlRun.id))).all()
    assert len(urls) == len(set(urls)) == 60 and set(urls) == live
    assert statuses == ["crashed", "ok"]
    dispose_engines()


def test_a_crawl_over_its_timeout_is_stopped_and_recorded(tmp_path: Path) -> None:
    with SimulatedWeb.scaled(sites=1, articles_per_site=40, page_size=20) as web:
        web.advance_to(1)
        # About 42 requests a second apart (±50% jitter): well over the 12 s limit even on an idle machine.
        ids = _slow_seeds(web, tmp_path / "seeds", delay=1.0)
        db_url = f"sqlite:///{tmp_path / 'govwatch.db'}"
        started = time.monotonic()
        result = run_crawl(
            ids,
            db_url=db_url,
            seeds=tmp_path / "seeds",
            log_file=tmp_path / "t.log",
            timeout=12,  # Scrapy must be up (its log started) before the stop: on a loaded machine that takes seconds
            env={"GOVWATCH_NOW": now_of(web, 1)},
            settings=FAST,
        )
    assert result.timed_out and time.monotonic() - started < 50
    assert "shutting down gracefully" in (tmp_path / "t.log").read_text()
    assert len(result.runs) == 1 and result.runs[0].status != "running"
    assert result.runs[0].new < 40
    assert integrity_problems(db_url) == []
    dispose_engines()
