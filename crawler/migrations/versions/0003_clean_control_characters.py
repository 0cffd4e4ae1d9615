"""Stored texts without control characters, and their content hashes recomputed to match

Extraction now removes control characters (tab and newline kept), surrogates and noncharacters before
hashing (crawler/textsafe.py). A version stored earlier with such a character would otherwise hash
differently from the same page crawled today, and the next crawl would flag a false `edited`. So every
affected version is cleaned and re-hashed with the project's own fingerprint, the item's current hash
follows its newest version, and item metadata is cleaned too. Rows without such characters are not
written. Data only: the schema does not change, and there is nothing to undo.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crawler.fingerprint import content_hash
from crawler.textsafe import clean_optional, clean_value, has_unsafe

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 500

item = sa.table(
    "item",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("source_name", sa.String),
    sa.column("organ", sa.String),
    sa.column("doc_number", sa.String),
    sa.column("content_hash", sa.String),
    sa.column("version_count", sa.Integer),
)
item_version = sa.table(
    "item_version",
    sa.column("id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("title", sa.String),
    sa.column("text", sa.Text),
    sa.column("meta", sa.JSON),
    sa.column("content_hash", sa.String),
)
ITEM_TEXTS = ("title", "source_name", "organ", "doc_number")


def _unsafe(value: object) -> bool:
    if isinstance(value, str):
        return has_unsafe(value)
    if isinstance(value, dict):
        return any(_unsafe(key) or _unsafe(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_unsafe(item) for item in value)
    return False


def _batches(connection: sa.Connection, table: sa.TableClause, *columns: sa.ColumnClause):  # type: ignore[no-untyped-def]
    """Every row in id order, BATCH rows per query (keyset), so a large database is not read at once."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, *columns).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def upgrade() -> None:
    connection = op.get_bind()
    v = item_version.c
    for rows in _batches(connection, item_version, v.item_id, v.version, v.title, v.text, v.meta, v.content_hash):
        for row in rows:
            if not (_unsafe(row.title) or _unsafe(row.text) or _unsafe(row.meta)):
                continue
            title, text = clean_optional(row.title), clean_optional(row.text) or ""
            new_hash = content_hash(title, text)
            connection.execute(
                sa.update(item_version)
                .where(v.id == row.id)
                .values(title=title, text=text, meta=clean_value(row.meta), content_hash=new_hash)
            )
            # The item's hash is its newest version's: the one the next crawl compares with.
            connection.execute(
                sa.update(item)
                .where(item.c.id == row.item_id, item.c.version_count == row.version)
                .values(content_hash=new_hash)
            )
    i = item.c
    for rows in _batches(connection, item, *(i[name] for name in ITEM_TEXTS)):
        for row in rows:
            values = {name: getattr(row, name) for name in ITEM_TEXTS}
            if any(_unsafe(value) for value in values.values()):
                cleaned = {name: clean_optional(value) for name, value in values.items()}
                connection.execute(sa.update(item).where(i.id == row.id).values(**cleaned))


def downgrade() -> None:
    # The removed characters were never visible and cannot be told apart any more: nothing to restore.
    pass
