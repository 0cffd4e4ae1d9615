"""Stored texts without control characters, and every item's current hash recomputed with today's fingerprint

Two changes alter the hash of an unchanged page: extraction now removes control characters (tab and
newline kept), surrogates and noncharacters before hashing (crawler/textsafe.py), and traditional text is
folded by the official OpenCC binding, whose newer dictionaries fold a few rare characters the old
library left alone (幷, 擡 …). Without this revision the next crawl would compare a new hash with an old
one and flag a false `edited`. So: every version holding such a character is cleaned (the outputs show
it) and re-hashed, item metadata is cleaned, and each item's current hash, the only one a crawl compares
with, is recomputed from its newest version with the project's own fingerprint. Rows whose values do not
change are not written. Data only: the schema does not change, and there is nothing to undo.

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
newest = sa.table(  # the same table, aliased as each item's newest version
    "item_version",
    sa.column("item_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("title", sa.String),
    sa.column("text", sa.Text),
).alias("newest")
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


def _batches(connection: sa.Connection, query: sa.Select, key: sa.ColumnElement):  # type: ignore[no-untyped-def]
    """Every row of `query` in `key` order, BATCH rows per query (keyset), so a large database is not read at once."""
    last = 0
    while True:
        rows = connection.execute(query.where(key > last).order_by(key).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    v, i, n = item_version.c, item.c, newest.c
    # 1. Versions holding a removed character: cleaned, so that no output shows it, and re-hashed.
    versions = sa.select(v.id, v.title, v.text, v.meta)
    for rows in _batches(connection, versions, v.id):
        for row in rows:
            if not (_unsafe(row.title) or _unsafe(row.text) or _unsafe(row.meta)):
                continue
            title, text = clean_optional(row.title), clean_optional(row.text) or ""
            connection.execute(
                sa.update(item_version)
                .where(v.id == row.id)
                .values(title=title, text=text, meta=clean_value(row.meta), content_hash=content_hash(title, text))
            )
    # 2. Items: metadata cleaned; the current hash is the newest version's under today's fingerprint.
    items = sa.select(
        i.id, i.content_hash, i.version_count, *(i[name] for name in ITEM_TEXTS),
        n.title.label("v_title"), n.text.label("v_text"),
    ).outerjoin(newest, sa.and_(n.item_id == i.id, n.version == i.version_count))
    for rows in _batches(connection, items, i.id):
        for row in rows:
            values: dict[str, object] = {
                name: clean_optional(getattr(row, name)) for name in ITEM_TEXTS if _unsafe(getattr(row, name))
            }
            if row.v_text is not None:
                current = content_hash(row.v_title, row.v_text)
                if current != row.content_hash:
                    values["content_hash"] = current
                    connection.execute(
                        sa.update(item_version)
                        .where(v.item_id == row.id, v.version == row.version_count)
                        .values(content_hash=current)
                    )
            if values:
                connection.execute(sa.update(item).where(i.id == row.id).values(**values))


def downgrade() -> None:
    # The removed characters were never visible and cannot be told apart any more: nothing to restore.
    pass
