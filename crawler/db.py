"""Database engine and schema: SQLite (WAL) by default, any SQLAlchemy URL through $GOVWATCH_DB."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import SQLModel, create_engine

from crawler import models  # noqa: F401  (registers the tables on SQLModel.metadata)

DB_ENV = "GOVWATCH_DB"
DEFAULT_DB_PATH = Path("var") / "govwatch.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
INIT_ADVISORY_KEY = 0x676F76776174  # "govwat": serializes schema creation/migration on PostgreSQL


def database_url(explicit: str | None = None) -> str:
    """The explicit URL, else $GOVWATCH_DB, else var/govwatch.db (SQLite) under the working directory."""
    url = explicit or os.environ.get(DB_ENV)
    if url:
        return url
    DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the API read while a crawl writes; busy_timeout makes concurrent writers wait, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_driver_autocommit(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy's "begin" event, not the driver, open transactions (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
    # A writer takes SQLite's write lock when its transaction starts, not at its first write: a
    # read-then-write transaction (decide "new", then insert) can then never fail half-way with
    # "database is locked" when two crawl processes share one file; it waits (busy_timeout) instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


_ENGINES: dict[tuple[str, bool], Engine] = {}


def get_engine(url: str | None = None, *, writer: bool = False) -> Engine:
    """One engine per URL (and role) per process, with SQLite tuned for one writer and many readers.

    `writer=True` is for read-then-write transactions (the store, migrations): on SQLite its transactions
    start with BEGIN IMMEDIATE; readers keep WAL's lock-free reads. On PostgreSQL both are the same.
    """
    url = database_url(url)
    sqlite = url.startswith("sqlite")
    key = (url, writer and sqlite)
    if key not in _ENGINES:
        if sqlite:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            if writer:
                event.listen(engine, "connect", _sqlite_driver_autocommit)
                event.listen(engine, "begin", _sqlite_begin_immediate)
        else:
            engine = _ENGINES.get((url, False)) or create_engine(url, pool_pre_ping=True)
        _ENGINES[key] = engine
    return _ENGINES[key]


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before a fork)."""
    for engine in set(_ENGINES.values()):
        engine.dispose()
    _ENGINES.clear()


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


# Alembic's command API keeps module-global proxies: two threads running it at once (the scheduler's crawl
# and delivery jobs each opening a Store) fail with KeyError('script'). One at a time per process.
_INIT_LOCK = threading.Lock()


def init_db(url: str | None = None) -> Engine:
    """Bring the schema to the newest revision: create and stamp a new database, migrate an old one."""
    from alembic import command

    engine = get_engine(url)
    writer = get_engine(url, writer=True)
    config = _alembic_config(engine)
    # Two processes starting on a brand-new database must not both create it: SQLite's BEGIN IMMEDIATE
    # (the writer engine) and a PostgreSQL transaction-level advisory lock make the second one wait and
    # then find the schema in place.
    with _INIT_LOCK, writer.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({INIT_ADVISORY_KEY})")
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "item" not in tables:
            SQLModel.metadata.create_all(connection)
            command.stamp(config, "head")
        else:
            command.upgrade(config, "head")
    return engine


class UnsupportedDatabase(RuntimeError):
    """The database is neither SQLite nor PostgreSQL, the two dialects whose upserts govwatch uses."""


_INSERT_BUILDERS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_ignore(bind: OrmSession | Connection, model: type, values: dict[str, Any], conflict: Sequence[str]) -> int:
    """INSERT … ON CONFLICT (conflict) DO NOTHING in the bind's dialect; the number of rows inserted (0 or 1).

    The one upsert of the project: the store's items, the alert outbox and the export consumers all rely on
    the database, not a read-then-write, to keep a row unique when two processes insert it at once.
    """
    dialect = (bind.get_bind() if isinstance(bind, OrmSession) else bind).dialect.name
    builder = _INSERT_BUILDERS.get(dialect)
    if builder is None:
        raise UnsupportedDatabase(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")
    statement = builder(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    return int(bind.execute(statement).rowcount or 0)
