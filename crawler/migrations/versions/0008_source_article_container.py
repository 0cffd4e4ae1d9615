"""source.article_container: the CMS article container a source's new articles have matched so far

Structure drift (crawler/drift.py) makes a source `broken` when that container disappears from its new
articles; `broken` is a new value of crawl_run.status and source.health (plain strings, no schema change).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Unknown for existing sources: the next run that reads a known container sets it.
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("article_container", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("article_container")
