"""`govwatch migrate-db`: a SQLite store copied into PostgreSQL keeps every item, version and event (counts, hashes)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from crawler.cli import app
from crawler.clock import SHANGHAI
from crawler.config import Listing, Source
from crawler.copydb import table_digest, tables
from crawler.db import init_db
from crawler.models import ChangeEvent, Consumer, Item, ItemVersion
from crawler.store import Content, Store

pytestmark = pytest.mark.postgres
runner = CliRunner()


def _content(text: str, **extra: object) -> Content:
    return Content(
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        title=text.splitlines()[0],
        published=datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI),
        meta={"来源": "模拟生态环境部", "attachments": [{"name": "附件1.pdf"}]},
        **extra,  # type: ignore[arg-type]
    )


def _fill(url: str) -> None:
    """A store with every kind of history: new, edited, deleted, restored, runs, a consumer position."""
    store = Store(url)
    store.sync_sources(
        [
            Source(id=f"src-{n}", name=f"来源{n}", org="模拟厅", listings=[Listing(url=f"http://127.0.0.{n}/", profile="html")])
            for n in (2, 3)
        ]
    )
    for n in (2, 3):
        run_id = store.begin_run(f"src-{n}")
        for index in range(25):
            page = f"http://127.0.0.{n}/a/{index}.html"
            store.record_content(
                source_id=f"src-{n}", canonical_url=page, url=page, content=_content(f"通知{index}\n正文{n}"), run_id=run_id
            )
        store.finish_run(run_id, "ok", {"new": 25}, [])
    run_id = store.begin_run("src-2")
    edited = "http://127.0.0.2/a/1.html"
    store.record_content(source_id="src-2", canonical_url=edited, url=edited, content=_content("通知1\n改后的正文"), run_id=run_id)
    with store.session() as session:
        gone = session.exec(select(Item).where(Item.canonical_url == "http://127.0.0.2/a/2.html")).one()
    assert not store.record_gone(gone.id or 0, run_id=run_id)
    assert store.record_gone(gone.id or 0, run_id=run_id)
    store.record_content(source_id="src-2", canonical_url=gone.canonical_url, url=gone.url, content=_content("通知2\n回来了"), run_id=run_id)
    store.finish_run(run_id, "ok", {"edited": 1}, ["一个错误"])
    with store.session() as session:
        session.add(Consumer(name="nightly", position=7, updated_at=datetime(2026, 11, 3, tzinfo=SHANGHAI)))
        session.commit()


def test_sqlite_to_postgres_keeps_every_row(sqlite_url: str, postgres_url: str) -> None:
    _fill(sqlite_url)
    result = runner.invoke(app, ["migrate-db", sqlite_url, postgres_url])
    assert result.exit_code == 0, result.output
    assert "NO" not in result.output
    source, target = init_db(sqlite_url), init_db(postgres_url)
    counts = {}
    for table in tables():
        rows, digest = table_digest(source, table)
        assert table_digest(target, table) == (rows, digest), table.name
        counts[table.name] = rows
    assert counts["item"] == 50 and counts["item_version"] == 52 and counts["crawl_run"] == 3
    with Session(target) as session:
        changes = sorted(session.exec(select(ChangeEvent.change)).all())
        assert changes.count("new") == 50 and changes.count("edited") == 2  # text edit + restored with new text
        assert changes.count("deleted") == 1 and changes.count("restored") == 1
        assert session.get(Consumer, "nightly").position == 7  # type: ignore[union-attr]
        ids = session.exec(select(ChangeEvent.id).order_by(col(ChangeEvent.id))).all()
    with Session(source) as session:
        assert session.exec(select(ChangeEvent.id).order_by(col(ChangeEvent.id))).all() == ids  # cursors kept
    # The copy is a working store: new rows get fresh ids after the copied ones.
    store = Store(postgres_url)
    assert store.begin_run("src-3") > 3
    page = "http://127.0.0.3/a/new.html"
    outcome = store.record_content(source_id="src-3", canonical_url=page, url=page, content=_content("新通知\n正文"))
    with Session(target) as session:
        assert outcome.item_id > max(session.exec(select(Item.id).where(Item.canonical_url != page)).all())
        assert session.exec(select(ItemVersion).where(ItemVersion.item_id == outcome.item_id)).one().version == 1


def test_refuses_a_target_that_is_not_empty(sqlite_url: str, postgres_url: str) -> None:
    _fill(sqlite_url)
    assert runner.invoke(app, ["migrate-db", sqlite_url, postgres_url]).exit_code == 0
    again = runner.invoke(app, ["migrate-db", sqlite_url, postgres_url])
    assert again.exit_code == 2
    assert "not empty" in again.output
