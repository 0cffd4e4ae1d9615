"""`govwatch deploy URL…` (the project egg to Scrapyd nodes) and `govwatch migrate-db SRC DST` (SQLite → PostgreSQL)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.app import app

errors = Console(stderr=True)


@app.command("deploy")
def deploy_command(
    urls: Annotated[list[str], typer.Argument(help="Scrapyd node URLs, e.g. http://10.0.0.2:6800")],
    version: Annotated[str | None, typer.Option("--version", help="Egg version (default: a timestamp)")] = None,
) -> None:
    """Build the project egg with scrapyd-client and upload it to every node."""
    from scheduler.nodes import NodeError, deploy

    try:
        answers = deploy(urls, version)
    except NodeError as exc:
        errors.print(f"govwatch deploy: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    for url, deployed in answers.items():
        typer.echo(f"{url}: govwatch {deployed}")


@app.command("migrate-db")
def migrate_db_command(
    source: Annotated[str, typer.Argument(help="The store to copy, e.g. sqlite:///var/govwatch.db")],
    target: Annotated[str, typer.Argument(help="An empty database, e.g. postgresql+psycopg://gw@db/govwatch")],
) -> None:
    """Copy every item, version, event and run to a new database with the same ids, then verify by hashes."""
    from crawler.copydb import CopyError, copy_database

    try:
        report = copy_database(source, target)
    except CopyError as exc:
        errors.print(f"govwatch migrate-db: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    table = Table(title="migrate-db")
    for column in ("table", "rows", "copied", "identical"):
        table.add_column(column)
    for row in report.tables:
        table.add_row(row.name, str(row.source_rows), str(row.target_rows), "yes" if row.same else "NO")
    Console().print(table)
    if not report.ok:
        errors.print("govwatch migrate-db: the copy differs from the source (see NO above)", style="red")
        raise typer.Exit(1)
