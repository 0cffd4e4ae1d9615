"""End to end: a site redesigned overnight turns its sources `broken` in a real crawl; `add` repairs them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select

from crawler.db import dispose_engines, init_db
from crawler.discover import DraftOptions, discover, run_discovery
from crawler.models import Outbox, SourceRow
from crawler.simulator import SimulatedWeb
from crawler.simulator.drift import DRIFT_SPEC
from tests.crawl.helpers import crawl_day
from tests.tools.helpers import fetch

pytestmark = pytest.mark.slow
SOURCES = ["sim-drift-news", "sim-drift-notice"]


@dataclass
class Drifted:
    """The drifting site crawled day after day into one database, with an admin to tell."""

    web: SimulatedWeb
    folder: Path
    seeds: Path
    db_url: str

    def crawl(self, day: int) -> dict[str, object]:
        result = crawl_day(self.web, day, self.db_url, self.seeds, self.folder, sources=SOURCES)
        assert result.returncode == 0
        return {run.source_id: run for run in result.runs}

    def health_mails(self) -> list[dict[str, object]]:
        with Session(init_db(self.db_url)) as session:
            return [row.payload["health"] for row in session.exec(select(Outbox).order_by(Outbox.id)).all()]


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drifted]:
    folder = tmp_path_factory.mktemp("drift")
    alerts = folder / "alerts.yaml"
    alerts.write_text(yaml.safe_dump({"admin": {"recipients": ["ops@example.org"]}}), encoding="utf-8")
    monkey = pytest.MonkeyPatch()
    monkey.setenv("GOVWATCH_ALERTS", str(alerts))
    monkey.delenv("GOVWATCH_SMTP_URL", raising=False)
    with SimulatedWeb(sites=["drift"], specs=(DRIFT_SPEC,), new_per_day=(4, 5)) as web:
        web.write_seeds(folder / "seeds")
        yield Drifted(web, folder, folder / "seeds", f"sqlite:///{folder / 'govwatch.db'}")
    monkey.undo()
    dispose_engines()


def test_redesign_breaks_alerts_once_and_add_repairs(drifted: Drifted) -> None:
    day1 = drifted.crawl(1)
    assert {source: run.status for source, run in day1.items()} == {s: "ok" for s in SOURCES}
    assert drifted.health_mails() == []

    day2 = drifted.crawl(2)
    news, notice = day2["sim-drift-news"], day2["sim-drift-notice"]
    assert news.status == "broken" and news.errors[0].startswith("structure drift (listing):")
    assert notice.status == "broken" and "'div.art-body' matched none" in notice.errors[0]
    mails = drifted.health_mails()
    assert sorted(mail["source_id"] for mail in mails) == SOURCES  # one each, at once
    assert all("govwatch check" in mail["errors"][0] and not mail["recovered"] for mail in mails)

    drifted.crawl(3)  # still broken: silence
    assert len(drifted.health_mails()) == 2

    # The repair the alert names: a new draft from the listing, written over the old seed.
    for source_id in SOURCES:
        path = drifted.seeds / f"{source_id}.yaml"
        url = yaml.safe_load(path.read_text(encoding="utf-8"))["listings"][0]["url"]
        draft = run_discovery(discover(url, DraftOptions(source_id=source_id)), fetch)
        assert draft.seed is not None, draft.problems
        path.write_text(yaml.safe_dump(draft.seed, allow_unicode=True), encoding="utf-8")
    day4 = drifted.crawl(4)
    assert {source: run.status for source, run in day4.items()} == {s: "ok" for s in SOURCES}
    recovered = [mail for mail in drifted.health_mails() if mail["recovered"]]
    assert sorted(mail["source_id"] for mail in recovered) == SOURCES
    with Session(init_db(drifted.db_url)) as session:
        assert {row.health for row in session.exec(select(SourceRow)).all()} == {"ok"}
