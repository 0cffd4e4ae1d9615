"""The same end-to-end crawl on PostgreSQL (skipped, with the reason, when PostgreSQL is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from crawler.db import init_db
from crawler.models import Item, SourceRow
from crawler.simulator import SimulatedWeb
from tests.crawl.helpers import changes_of, crawl_day, daily_revisits, integrity_problems, set_fetch

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_two_days_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    with SimulatedWeb(sites=["mee-big5", "jsonapi", "hanweb", "blocked"]) as web:
        seeds = tmp_path / "seeds"
        web.write_seeds(seeds)
        daily_revisits(seeds)
        set_fetch(seeds, "http", "sim-blocked")  # blocked over plain HTTP: what PostgreSQL stores of a block
        for day in (1, 2):
            result = crawl_day(web, day, postgres_url, seeds, tmp_path)
            assert result.returncode == 0
            found, truth = changes_of(postgres_url, result), web.truth(day)
            assert (found["new"], found["edited"], found["deleted"]) == (
                truth.new,
                truth.edited,
                truth.deleted,
            )
            statuses = {run.source_id: run.status for run in result.runs}
            assert statuses.pop("sim-blocked") == "blocked" and set(statuses.values()) == {"ok"}
    assert integrity_problems(postgres_url) == []
    with Session(init_db(postgres_url)) as session:
        assert not [i for i in session.exec(select(Item)).all() if "/gate/big5/" in i.canonical_url]
        assert session.get(SourceRow, "sim-blocked").health == "blocked"  # type: ignore[union-attr]
