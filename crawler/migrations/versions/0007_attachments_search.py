"""attachments and full-text search: attachment_file, item_attachment, the search index rebuilt from items

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_file",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("file_type", sa.String(16), nullable=False),
        sa.Column("content_type", sa.String(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("first_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "item_attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachment_file.sha256"), nullable=True),
        sa.Column("fingerprint", sa.String(80), nullable=True),
        sa.Column("fetch_error", sa.String(), nullable=True),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("item_id", "version", "position", name="uq_item_attachment"),
    )
    op.create_index("ix_item_attachment_sha256", "item_attachment", ["sha256"])
    from crawler.models import create_search_tables
    from crawler.search import rebuild

    connection = op.get_bind()
    create_search_tables(connection)
    # Databases that already hold items: index every item's current text now, so search finds them at once.
    rebuild(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_bigram")
    op.execute("DROP TABLE IF EXISTS search_doc")
    op.drop_index("ix_item_attachment_sha256", table_name="item_attachment")
    op.drop_table("item_attachment")
    op.drop_table("attachment_file")
