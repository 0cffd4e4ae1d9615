"""The alembic revisions build exactly the schema the models declare, so upgrades never drift."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlmodel import SQLModel

from crawler.db import _alembic_config, init_db


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
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
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
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0008"
        row = connection.execute(text("SELECT source_id, new, restored, node FROM crawl_run")).one()
    assert tuple(row) == ("old-source", 2, 0, None)
