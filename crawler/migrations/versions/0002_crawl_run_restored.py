"""crawl_run.restored: deleted items that answered with content again during the run

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing runs restored nothing they counted: 0, so the column can be NOT NULL at once.
    with op.batch_alter_table("crawl_run") as batch:
        batch.add_column(sa.Column("restored", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_run") as batch:
        batch.drop_column("restored")
