"""`govwatch crawl [SOURCE...]`: one crawl now, in a subprocess, with a summary per source."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.app import DbOption, JsonOption, SeedsOption, app
from crawler.config import load_seeds
from crawler.models import CrawlRun
from crawler.retention import logs_dir
from crawler.runner import CrawlBusy, CrawlResult, run_crawl, signals_stop_crawls

console = Console()
errors = Console(stderr=True)

# The columns of the summary table: (header, crawl_run field).
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pages", "pages_fetched"),
    ("new", "new"),
    ("edited", "edited"),
    ("unchanged", "unchanged"),
    ("304", "not_modified"),
    ("deleted", "deleted"),
    ("restored", "restored"),
    ("blocked", "blocked"),
    ("failed", "failed"),
)
BUSY_EXIT = 3  # another crawl of these sources is running
STATUS_STYLE = {"ok": "green", "empty": "yellow", "blocked": "magenta", "failing": "red", "crashed": "red"}


def run_summary(run: CrawlRun) -> dict[str, Any]:
    """One run as JSON-ready data."""
    data = run.model_dump(exclude={"pid"})
    for key in ("started_at", "finished_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def result_summary(result: CrawlResult) -> dict[str, Any]:
    return {
        "returncode": result.returncode,
        "timed_out": result.timed_out,
        "log_file": str(result.log_file) if result.log_file else None,
        "runs": [run_summary(run) for run in result.runs],
    }


@app.command("crawl")
def crawl_command(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source ids (default: every enabled source)")
    ] = None,
    seeds: SeedsOption = None,
    db: DbOption = None,
    log_file: Annotated[
        Path | None, typer.Option("--log-file", help="Scrapy's log (default $GOVWATCH_LOGS or var/logs, crawl-<time>.log)")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Stop the crawl after this many seconds")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Crawl sources now (one Scrapy process for all of them) and print what each run found."""
    seed_set = load_seeds(seeds)
    for error in seed_set.errors:
        errors.print(f"[red]seed error[/red] {error}")
    unknown = [source_id for source_id in sources or [] if source_id not in seed_set.sources]
    broken = {error.path.stem for error in seed_set.errors}
    if [source_id for source_id in unknown if source_id not in broken]:
        known = ", ".join(sorted(seed_set.sources)) or "none"
        errors.print(f"[red]unknown source(s)[/red] {', '.join(unknown)} (known: {known})")
        raise typer.Exit(2)
    if log_file is None:
        # Scrapy's log goes to a file, not the terminal; its path is printed with the summary.
        log_file = logs_dir() / f"crawl-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log"
    try:
        # SIGTERM/Ctrl-C stop the crawl subprocess (its own session: the terminal's signal does not reach it).
        with signals_stop_crawls():
            if not as_json:
                with console.status("crawling…"):
                    result = run_crawl(
                        list(sources or []), db_url=db, seeds=seeds, log_file=log_file, timeout=timeout
                    )
            else:
                result = run_crawl(
                    list(sources or []), db_url=db, seeds=seeds, log_file=log_file, timeout=timeout
                )
    except CrawlBusy as exc:
        errors.print(f"[red]not started:[/red] {exc}")
        raise typer.Exit(BUSY_EXIT) from exc
    if as_json:
        sys.stdout.write(json.dumps(result_summary(result), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_table(result)
    if not result.ok:
        raise typer.Exit(1)


def _print_table(result: CrawlResult) -> None:
    table = Table(title=f"crawl: {len(result.runs)} source(s)")
    table.add_column("source", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for header, _field in SUMMARY_COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("errors", overflow="fold")
    for run in result.runs:
        style = STATUS_STYLE.get(run.status, "")
        first_error = run.errors[0] if run.errors else ""
        more = f" (+{len(run.errors) - 1} more)" if len(run.errors) > 1 else ""
        table.add_row(
            run.source_id,
            f"[{style}]{run.status}[/{style}]" if style else run.status,
            *(str(getattr(run, field)) for _header, field in SUMMARY_COLUMNS),
            (first_error[:120] + more) if first_error else "",
        )
    console.print(table)
    if result.timed_out:
        errors.print("[red]the crawl timed out and was stopped[/red]")
    elif result.returncode:
        errors.print(f"[red]the crawl process exited with status {result.returncode}[/red]")
    if result.log_file:
        console.print(f"log: {result.log_file}")
