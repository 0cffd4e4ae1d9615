"""crawl_run.node: which Scrapyd node ran the crawl (NULL: a local subprocess); index (source_id, id)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every run before this revision ran in a local subprocess: NULL says so.
    with op.batch_alter_table("crawl_run") as batch:
        batch.add_column(sa.Column("node", sa.String(length=255), nullable=True))
    # Each source's latest run, looked up for every source when a crawl of thousands starts.
    op.create_index("ix_crawl_run_source_id", "crawl_run", ["source_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_crawl_run_source_id", table_name="crawl_run")
    with op.batch_alter_table("crawl_run") as batch:
        batch.drop_column("node")
