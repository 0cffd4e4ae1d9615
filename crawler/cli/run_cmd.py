"""`govwatch run [--once]`: the scheduler service (one per database), or every enabled source once now."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.console import Console

from crawler.alerts.config import AlertsConfigError
from crawler.cli.app import DbOption, LogsOption, SeedsOption, app

errors = Console(stderr=True)


@app.command("run")
def run_command(
    once: Annotated[
        bool, typer.Option("--once", help="Crawl every enabled source now (grouped), deliver, exit")
    ] = False,
    db: DbOption = None,
    seeds: SeedsOption = None,
    logs: LogsOption = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=1, help="Seconds before a crawl subprocess is stopped")
    ] = None,
    max_parallel: Annotated[
        int | None, typer.Option("--max-parallel", min=1, help="Crawl subprocesses at once")
    ] = None,
    jitter: Annotated[
        int | None, typer.Option("--jitter", min=0, help="Random delay (s) added to cron fire times")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --once: print each source's run status as JSON")
    ] = False,
    nodes: Annotated[
        str | None,
        typer.Option("--nodes", help="Scrapyd node URLs (comma-separated): crawl there, partitioned by domain"),
    ] = None,
    node_timeout: Annotated[
        float | None, typer.Option("--node-timeout", min=1, help="Seconds before a silent node's batches move")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging")] = False,
) -> None:
    """Run the scheduler: each enabled source on its seed's cron (Asia/Shanghai), alerts delivered every minute."""
    from scheduler.lock import LockHeld
    from scheduler.service import Service, ServiceOptions, run_once

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        # Schema checks and the every-minute delivery job would drown the lines that matter.
        for noisy in ("alembic", "apscheduler.executors.delivery"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        options = ServiceOptions.from_env(
            db_url=db,
            seeds=seeds,
            logs_dir=logs,
            crawl_timeout=timeout,
            max_parallel=max_parallel,
            jitter=jitter,
            nodes=[url.strip() for url in (nodes or "").split(",") if url.strip()] or None,
            node_timeout=node_timeout,
        )
    except ValueError as exc:  # a retention period in the environment that is not a number of days
        errors.print(f"govwatch run: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        if once:
            outcomes = run_once(options)
            statuses = {
                sid: status for outcome in outcomes.values() for sid, status in outcome.statuses.items()
            }
            if as_json:
                typer.echo(json.dumps({"runs": statuses}, ensure_ascii=False, sort_keys=True))
            else:
                for source_id, status in sorted(statuses.items()):
                    typer.echo(f"{source_id}: {status}")
            if any(outcome.crashed for outcome in outcomes.values()):
                raise typer.Exit(1)
            return
        Service(options).run()
    except LockHeld as exc:
        errors.print(f"govwatch run: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(3) from exc
    except AlertsConfigError as exc:
        errors.print(f"alerts file: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
