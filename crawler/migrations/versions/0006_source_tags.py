"""source.tags: the seed's tags, for the tag filter of the meeting calendar

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 10:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows get no tags until the next start syncs the seeds (every command does): '[]' meanwhile.
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("tags")
