"""End to end: attachments of the simulated TRS site crawled, read, versioned and found by `govwatch search`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from crawler.db import dispose_engines, init_db
from crawler.models import AttachmentFile, Item, ItemAttachment
from crawler.simulator import SimulatedWeb
from crawler.simulator import files as simfiles
from tests.crawl.helpers import changes_of, crawl_day, daily_revisits

pytestmark = pytest.mark.slow


@dataclass
class Crawled:
    """Days 1 and 2 of the simulated MEE site crawled into one SQLite database."""

    web: Any
    db_url: str
    found: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    truth: dict[int, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("attachments")
    seeds = folder / "seeds"
    with SimulatedWeb(sites=["mee"]) as web:
        web.write_seeds(seeds)
        daily_revisits(seeds)
        state = Crawled(web=web, db_url=f"sqlite:///{folder / 'govwatch.db'}")
        for day in (1, 2):
            result = crawl_day(web, day, state.db_url, seeds, folder)
            assert result.returncode == 0, (result.log_file or Path()).read_text()[-3000:]
            state.found[day] = changes_of(state.db_url, result)
            state.truth[day] = web.truth(day)
        yield state
    dispose_engines()


def _served(web: Any) -> dict[str, tuple[int, simfiles.SimFile]]:
    """Every attachment URL the simulated site links on the current day, with its article uid and file."""
    out = {}
    for article in web.world.live():
        if article.site != "mee":
            continue
        url = web.article_url(article)
        for sim_file in simfiles.attachments_of(article, web.world):
            out[url.rsplit("/", 1)[0] + "/" + sim_file.filename.format(uid=article.uid)] = (article.uid, sim_file)
    return out


def test_every_served_format_round_trips_into_the_store(crawled: Crawled) -> None:
    served = _served(crawled.web)
    with Session(init_db(crawled.db_url)) as session:
        rows = session.exec(select(ItemAttachment, AttachmentFile).where(ItemAttachment.sha256 == AttachmentFile.sha256)).all()
    stored = {row.url: file for row, file in rows}
    assert set(served) <= set(stored), set(served) - set(stored)
    types = set()
    for url, (uid, sim_file) in served.items():
        file = stored[url]
        types.add(file.file_type)
        if sim_file.scanned:
            assert file.error == "no text layer" and file.text == ""
        else:
            assert file.error is None, (url, file.error)
            assert f"附件编号{uid}-{sim_file.n}" in file.text
    assert {"pdf", "docx", "xlsx", "xls", "zip"} <= types


def test_a_replaced_attachment_is_an_edit_and_nothing_else_is(crawled: Crawled) -> None:
    replaced = [a for a in crawled.web.world.articles.values() if a.file_edits]
    assert len(replaced) == 1
    url = crawled.web.article_url(replaced[0])
    assert url in crawled.truth[2].edited
    assert crawled.found[2]["edited"] == crawled.truth[2].edited
    assert crawled.found[1]["edited"] == set()
    with Session(init_db(crawled.db_url)) as session:
        item = session.exec(select(Item).where(Item.canonical_url == url)).one()
        first = session.exec(select(ItemAttachment).where(ItemAttachment.item_id == item.id, ItemAttachment.version == 1, ItemAttachment.position == 0)).one()
        second = session.exec(select(ItemAttachment).where(ItemAttachment.item_id == item.id, ItemAttachment.version == 2, ItemAttachment.position == 0)).one()
        assert first.url == second.url and first.sha256 != second.sha256
        assert simfiles.REPLACED_LINE in session.get(AttachmentFile, second.sha256).text


def test_same_file_is_stored_once(crawled: Crawled) -> None:
    with Session(init_db(crawled.db_url)) as session:
        hashes = session.exec(select(AttachmentFile.sha256)).all()
        linked = {row for row in session.exec(select(ItemAttachment.sha256)).all() if row}
    assert len(hashes) == len(set(hashes)) and set(hashes) == linked


def test_search_finds_a_phrase_only_in_an_attachment(crawled: Crawled) -> None:
    uid, sim_file = next(v for v in _served(crawled.web).values() if not v[1].scanned)
    phrase = f"附件编号{uid}-{sim_file.n}"
    article = crawled.web.world.get(uid)
    assert all(phrase not in p for p in article.paragraphs(2))
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main_entry", "search", phrase, "--db", crawled.db_url, "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    hits = json.loads(result.stdout)
    assert [hit["url"] for hit in hits] == [crawled.web.article_url(article)]
    assert hits[0]["in"] == "attachment" and hits[0]["match"] == phrase
    # A two-character term goes through the bigram index and finds the same kind of passage.
    two = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main_entry", "search", "附件", "--db", crawled.db_url, "--json", "--kind", "notice"],
        capture_output=True, text=True, timeout=120,
    )
    assert two.returncode == 0 and json.loads(two.stdout)
    assert all(hit["kind"] == "notice" and hit["match"] == "附件" for hit in json.loads(two.stdout))
