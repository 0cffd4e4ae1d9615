"""`govwatch prune`: remove old crawl logs and finished outbox rows now (the service does it daily)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from crawler.cli.app import DbOption, JsonOption, LogsOption, app
from crawler.db import init_db
from crawler.retention import KEEP_LOGS_ENV, KEEP_OUTBOX_ENV, RetentionPolicy, logs_dir, prune

console = Console()
errors = Console(stderr=True)


@app.command("prune")
def prune_command(
    logs_days: Annotated[
        int | None,
        typer.Option("--logs-days", min=0, help=f"Keep this many days of crawl logs (${KEEP_LOGS_ENV}, 30)"),
    ] = None,
    outbox_days: Annotated[
        int | None,
        typer.Option(
            "--outbox-days", min=0, help=f"Keep sent/failed outbox rows this long (${KEEP_OUTBOX_ENV}, 90)"
        ),
    ] = None,
    logs: LogsOption = None,
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go, remove nothing")] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove crawl logs and sent or failed outbox rows older than the retention periods (0 keeps all)."""
    try:
        policy = RetentionPolicy.from_env()
    except ValueError as exc:
        errors.print(f"govwatch prune: {exc}", style="red", markup=False)
        raise typer.Exit(2) from exc
    policy = RetentionPolicy(
        keep_logs_days=policy.keep_logs_days if logs_days is None else logs_days,
        keep_outbox_days=policy.keep_outbox_days if outbox_days is None else outbox_days,
    )
    report = prune(init_db(db), policy, Path(logs) if logs else logs_dir(), dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    verb = "would remove" if dry_run else "removed"
    console.print(
        f"{verb} {len(report.log_files)} crawl log(s) ({report.log_bytes:,} bytes) older than "
        f"{policy.keep_logs_days} days and {report.outbox_rows} sent/failed outbox row(s) older than "
        f"{policy.keep_outbox_days} days (0 = keep all)"
    )
