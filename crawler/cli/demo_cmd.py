"""`govwatch demo`: the whole product, offline, in under a minute."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawler.cli.app import app
from crawler.demo import DEFAULT_WORKDIR, DemoReport, run_demo
from crawler.runner import signals_stop_crawls

console = Console()


def _print(report: DemoReport) -> None:
    table = Table(title="What each simulated day's crawl found")
    for column in ("day", "new", "edited", "deleted", "unchanged", "blocked sources", "via browser", "false edits",
                   "missed", "alert mails"):
        table.add_column(column, justify="right")
    for day in report.days:
        table.add_row(str(day.day), str(day.new), str(day.edited), str(day.deleted), str(day.unchanged),
                      str(day.blocked), str(len(day.browser_sources)), str(len(day.false_edits)), str(len(day.missed)), str(len(day.alerts)))
    console.print(table)
    last = report.days[-1]
    console.print(f"\n[bold]Day {last.day} in detail[/bold]")
    for label, rows in (("new", last.new_items), ("edited", last.edited_items), ("deleted", last.deleted_items)):
        for row in rows:
            console.print(f"  [cyan]{label:8}[/cyan] #{row['id']} [{row['kind']}] {row['title']}  ({row['source_id']})",
                          highlight=False)
    for source_id in last.browser_sources:
        console.print(f"  [yellow]browser [/yellow] {source_id}: behind a JS challenge, read through headless Chromium",
                      highlight=False)
    for edit in last.attachment_edits:
        for change in edit["changes"]:
            console.print(f"  [cyan]附件 {change['op']:7}[/cyan] #{edit['id']} {change['name']}", highlight=False)
            for line in change["diff"].splitlines()[2:]:
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                console.print(f"           {line}", style=style, markup=False, highlight=False)
    for source_id in last.blocked_sources:
        console.print(f"  [red]blocked [/red] {source_id}: nothing stored; "
                      f"{escape(last.blocked_reasons.get(source_id, ''))}", highlight=False)
    for mail in last.alerts:
        console.print(f"  [green]mail    [/green] to {', '.join(mail['to'])}: {escape(mail['subject'])}", highlight=False)
        for line in mail.get("lead", []):
            console.print(f"             {line}", markup=False, highlight=False)
    for url in last.false_edits:
        console.print(f"  [red]false edit[/red] {url}")
    for url in last.missed:
        console.print(f"  [red]missed[/red] {url}")
    console.print(f"\ndatabase: {report.db}")
    if last.edited_items:
        first = last.edited_items[0]["id"]
        console.print(f"try: govwatch diff {first} --db sqlite:///{report.db}    "
                      f"govwatch serve (with GOVWATCH_DB=sqlite:///{report.db})")


@app.command("demo")
def demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for machines")] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=30, help="Simulated days to crawl")] = 2,
    workdir: Annotated[Path, typer.Option("--workdir", help="Where the demo's database, seeds and logs go")] = DEFAULT_WORKDIR,
) -> None:
    """Offline, end to end: simulated sites, day-by-day crawls into SQLite, edits, deletions and alert mails."""
    progress = None if as_json else (lambda message: console.print(f"[dim]{message}[/dim]", highlight=False))
    try:
        # SIGTERM/Ctrl-C stop the running crawl subprocess too (it is in its own session).
        with signals_stop_crawls():
            report = run_demo(workdir=workdir, days=days, progress=progress)
    except RuntimeError as exc:
        Console(stderr=True).print(f"[red]demo failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    else:
        _print(report)
