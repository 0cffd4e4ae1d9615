"""The alembic revisions build exactly the schema the models declare, so upgrades never drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlmodel import SQLModel, select

from crawler.db import _alembic_config, init_db
from crawler.models import not_search_table


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'migrated.db'}"


def upgrade(engine: Engine, revision: str, then: Callable[[Connection], object] = lambda _: None) -> None:
    """Run the alembic revisions up to `revision`, then `then` in the same transaction."""
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        then(connection)


def test_revisions_match_the_models(empty_db: str) -> None:
    engine = create_engine(empty_db)
    upgrade(engine, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": not_search_table})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == [], f"models and migrations differ; add a revision: {differences}"


def test_init_db_creates_then_upgrades(empty_db: str) -> None:
    engine = init_db(empty_db)
    tables = set(inspect(engine).get_table_names())
    assert {"item", "item_version", "change_event", "crawl_run", "source", "outbox", "alembic_version"} <= tables
    # A second start on the same database is an upgrade to head: nothing to do, nothing lost.
    assert init_db(empty_db) is engine


def test_an_old_database_is_upgraded_without_losing_rows(empty_db: str) -> None:
    # A database made by the first release (revision 0001) holding a run: the next start upgrades it.
    old_run = text(
        "INSERT INTO crawl_run (source_id, started_at, status, pages_fetched, listing_pages, listing_items,"
        " new, edited, unchanged, not_modified, deleted, failed, blocked, revisited, bytes_received, errors)"
        " VALUES ('old-source', '2026-11-01 00:00:00', 'ok', 3, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 100, '[]')"
    )
    engine = create_engine(empty_db)
    upgrade(engine, "0001", lambda connection: connection.execute(old_run))
    engine.dispose()
    upgraded = init_db(empty_db)
    with upgraded.connect() as connection:
        head = ScriptDirectory.from_config(_alembic_config(upgraded)).get_current_head()
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        row = connection.execute(text("SELECT source_id, new, restored FROM crawl_run")).one()
    assert tuple(row) == ("old-source", 2, 0)


def test_sources_get_an_empty_tag_list_on_upgrade(empty_db: str) -> None:
    # 0006 added source.tags: a source stored before it has no tags until the seeds are synced again.
    old_source = text(
        "INSERT INTO source (id, name, org, profile, listing_urls, schedule, enabled, health, consecutive_bad_runs,"
        " health_alerted, baseline_done) VALUES ('old', 'Old', 'Org', 'trs', '[]', '0 8 * * *', true, 'ok', 0, false, true)"
    )
    engine = create_engine(empty_db)
    upgrade(engine, "0002", lambda connection: connection.execute(old_source))
    engine.dispose()
    with init_db(empty_db).connect() as connection:
        source_id, tags = connection.execute(text("SELECT id, tags FROM source")).one()
    assert source_id == "old"
    assert (json.loads(tags) if isinstance(tags, str) else tags) == []


def test_0003_cleans_control_characters_without_a_false_edit(empty_db: str) -> None:
    # A database of revision 0002 holding a version whose text and title carry an ESC, a BEL and a C1
    # control, hashed the old way (controls included), an ordinary item that must stay untouched, and an
    # item whose hash an older fingerprint computed.
    # (No NUL: PostgreSQL never stored one; extraction now keeps it from reaching either database.)
    import hashlib

    from sqlmodel import Session

    from crawler import clock
    from crawler.fingerprint import content_hash
    from crawler.models import Item, ItemVersion
    from crawler.store import Content, Store

    dirty_title, dirty_text = "通知\x1b标题", "第一段\x07文字\x85。\n第二段\x1b[0m文字。"
    clean_title, clean_text = "通知标题", "第一段文字。\n第二段[0m文字。"
    stale = hashlib.sha256((dirty_title + dirty_text).encode()).hexdigest()  # not what today's code computes
    current = content_hash("干净", "正文。")
    now = clock.now()

    def fill(connection: Connection) -> None:
        session = Session(bind=connection)
        # The source row as revision 0002 had it (the model has columns added since, e.g. 0006's tags).
        session.execute(text(
            "INSERT INTO source (id, name, org, profile, listing_urls, schedule, enabled, health,"
            " consecutive_bad_runs, health_alerted, baseline_done)"
            " VALUES ('src', '源', '厅', 'trs', '[]', '0 7 * * *', true, 'unknown', 0, false, false)"
        ))
        session.flush()
        for n, (title, body, digest) in enumerate(
            ((dirty_title, dirty_text, stale), ("干净", "正文。", current), ("旧", "旧库的散列。", "old-library-hash")), 1
        ):
            session.add(Item(id=n, canonical_url=f"http://127.0.0.1/{n}.html", url=f"http://127.0.0.1/{n}.html",
                             source_id="src", title=title, organ="生态\x1b环境厅" if n == 1 else None,
                             first_seen=now, last_seen=now, last_checked=now, last_changed=now, version_count=1,
                             content_hash=digest))
            session.flush()
            session.add(ItemVersion(item_id=n, version=1, change="new", content_hash=digest, title=title,
                                    text=body, meta={"column": "要\x1b闻" if n == 1 else "要闻"}, fetched_at=now))
        session.flush()

    engine = create_engine(empty_db)
    upgrade(engine, "0002", fill)
    engine.dispose()
    init_db(empty_db)  # the next start runs 0003
    store = Store(empty_db)
    with store.session() as session:
        item, other = session.get(Item, 1), session.get(Item, 2)
        version = session.exec(select(ItemVersion).where(ItemVersion.item_id == 1)).one()
        assert (item.title, item.organ) == (clean_title, "生态环境厅")
        assert (version.title, version.text, version.meta) == (clean_title, clean_text, {"column": "要闻"})
        assert version.content_hash == item.content_hash == content_hash(clean_title, clean_text)
        assert other.content_hash == current  # a row already right is not rewritten
        # A hash the previous OpenCC library computed differently is brought to today's fingerprint.
        assert session.get(Item, 3).content_hash == content_hash("旧", "旧库的散列。")
    # The same page crawled today (extraction removes the controls before hashing) is unchanged, not edited.
    outcome = store.record_content(
        source_id="src", canonical_url="http://127.0.0.1/1.html", url="http://127.0.0.1/1.html",
        content=Content(text=clean_text, content_hash=content_hash(clean_title, clean_text), title=clean_title),
    )
    assert outcome.changes == ("unchanged",)
