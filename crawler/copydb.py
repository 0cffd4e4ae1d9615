"""`govwatch migrate-db SRC DST`: copy a whole store (SQLite → PostgreSQL) keeping every row and id, then verify.

Every table of crawler/models.py is copied in foreign-key order with its primary keys unchanged (change
event ids are the export cursor: consumers must keep their place), in keyset batches so a store of
millions of rows never sits in memory. PostgreSQL sequences are then moved past the copied ids. The copy
is checked table by table: row counts and a SHA-256 over every row in primary-key order, with datetimes
read as UTC and JSON compared canonically, so "the same data" does not depend on the database's types.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, func, select, text
from sqlmodel import SQLModel

from crawler.db import init_db

BATCH = 2000
# Not data: a live lock of the running service, rebuilt by whoever starts next.
SKIPPED = ("service_lock",)


class CopyError(RuntimeError):
    """The copy cannot start (a non-empty target) or its check failed."""


@dataclass
class TableCopy:
    """One table's row counts and content hashes on both sides."""

    name: str
    source_rows: int
    target_rows: int
    source_hash: str
    target_hash: str

    @property
    def same(self) -> bool:
        return self.source_rows == self.target_rows and self.source_hash == self.target_hash


@dataclass
class CopyReport:
    """What migrate-db copied and whether each table came out identical."""

    tables: list[TableCopy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(table.same for table in self.tables)


def tables() -> list[Table]:
    """The store's tables, parents before children."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name not in SKIPPED]


def copy_database(source_url: str, target_url: str, batch: int = BATCH) -> CopyReport:
    """Copy every table from source to an empty target (both brought to the newest schema), then verify."""
    import crawler.models  # noqa: F401 - registers the tables on SQLModel.metadata

    source = init_db(source_url)
    target = init_db(target_url)
    if source.url == target.url:
        raise CopyError("the source and the target are the same database")
    with target.connect() as connection:
        filled = [t.name for t in tables() if connection.execute(select(func.count()).select_from(t)).scalar_one()]
    if filled:
        raise CopyError(f"the target is not empty (rows in {', '.join(filled)}): copy into a new database")
    for table in tables():
        with target.begin() as writer:
            for rows in _batches(source, table, batch):
                writer.execute(table.insert(), rows)
    _advance_sequences(target)
    report = CopyReport()
    for table in tables():
        source_rows, source_hash = table_digest(source, table)
        target_rows, target_hash = table_digest(target, table)
        report.tables.append(TableCopy(table.name, source_rows, target_rows, source_hash, target_hash))
    return report


def _batches(engine: Engine, table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    """The table's rows as dicts, by primary key, `size` at a time (keyset paging on the first key)."""
    key = list(table.primary_key.columns)[0]
    last: Any = None
    while True:
        query = select(table).order_by(*table.primary_key.columns).limit(size)
        if last is not None:
            query = query.where(key > last)
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        if not rows:
            return
        yield rows
        last = rows[-1][key.name]


def _advance_sequences(engine: Engine) -> None:
    """After inserting explicit ids, PostgreSQL's sequences must start after them (SQLite needs nothing)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in tables():
            for column in table.primary_key.columns:
                if not column.autoincrement or column.type.python_type is not int:
                    continue
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )


def table_digest(engine: Engine, table: Table) -> tuple[int, str]:
    """(rows, SHA-256 of every row in primary-key order, values normalized across databases)."""
    digest = hashlib.sha256()
    count = 0
    names = [column.name for column in table.columns]
    for rows in _batches(engine, table, BATCH):
        for row in rows:
            count += 1
            digest.update(json.dumps([_plain(row[name]) for name in names], ensure_ascii=False).encode())
            digest.update(b"\n")
    return count, digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite gives naive UTC, PostgreSQL may give aware: the same instant prints the same.
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return moment.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value
