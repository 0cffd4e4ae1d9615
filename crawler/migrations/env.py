"""Alembic environment: migrates the database govwatch is pointed at (see crawler/db.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

from crawler import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata
# Tables other libraries own in our database (APScheduler's job store): never migrate or drop them.
FOREIGN_TABLES = {"scheduler_job"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Keep autogenerate from proposing to drop tables that are not ours."""
    # The search tables are created by hand (crawler/models.py SEARCH_DDL), FTS5 shadow tables included.
    return not (type_ == "table" and (name in FOREIGN_TABLES or str(name).startswith("search_")))


def run_migrations() -> None:
    """Use the connection crawler.db hands over, or open one from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
