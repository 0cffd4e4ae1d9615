"""`govwatch sources`, `items`, `show` and `diff`: reading what the crawls stored."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from crawler.cli.app import DbOption, JsonOption, SeedsOption, app
from crawler.clock import as_utc
from crawler.config import load_seeds
from crawler.db import init_db
from crawler.diffing import unified_diff
from crawler.export import meeting_record
from crawler.extract.meetings import labelled_facts
from crawler.queries import (
    ItemFilter,
    get_item,
    iso,
    item_summary,
    list_items,
    pick_versions,
    sources_with_health,
)

console = Console()
errors = Console(stderr=True)



def _session(db: str | None) -> Session:
    return Session(init_db(db), expire_on_commit=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date or datetime: {value!r}", param_hint="--since") from exc


@app.command("sources")
def sources_command(seeds: SeedsOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the sources from the seed files with their health."""
    seed_set = load_seeds(seeds)
    for error in seed_set.errors:
        errors.print(f"[red]seed error[/red] {error}")
    with _session(db) as session:
        rows = sources_with_health(session, seed_set)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} sources")
    for column in ("id", "name", "profile", "schedule", "health", "last run", "last new"):
        # Ids and crons are copied into commands: never fold them; names may fold.
        table.add_column(column, no_wrap=column in ("id", "schedule", "health"))
    for row in rows:
        health = row["health"] if row["enabled"] else f"{row['health']} (disabled)"
        table.add_row(row["id"], row["name"], row["profile"], row["schedule"], health,
                      row["last_run_at"] or "-", row["last_new_at"] or "-")
    console.print(table)


@app.command("items")
def items_command(
    new: Annotated[bool, typer.Option("--new", help="Items that appeared")] = False,
    edited: Annotated[bool, typer.Option("--edited", help="Items whose text changed")] = False,
    deleted: Annotated[bool, typer.Option("--deleted", help="Items that disappeared")] = False,
    restored: Annotated[bool, typer.Option("--restored", help="Items that came back after a deletion")] = False,
    since: Annotated[str | None, typer.Option("--since", help="ISO date/datetime (Asia/Shanghai if no zone)")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source id")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="meeting, notice, speech, policy or news")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored items, newest first, filtered by change, date, source and kind."""
    asked = (("new", new), ("edited", edited), ("deleted", deleted), ("restored", restored))
    changes = tuple(name for name, on in asked if on)
    wanted = ItemFilter(changes=changes, since=_parse_since(since), source=source, kind=kind, limit=limit)
    with _session(db) as session:
        rows = list_items(session, wanted)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} items")
    for column in ("id", "change" if changes else "status", "kind", "published", "source", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["id"]), row.get("change") or row["status"], row["kind"],
                      (row["published"] or "-")[:10], row["source_id"], row["title"] or row["url"])
    console.print(table)


@app.command("show")
def show_command(item_id: int, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one item: its metadata, its versions and its current text."""
    with _session(db) as session:
        try:
            item, versions = get_item(session, item_id)
        except KeyError as exc:
            errors.print(f"[red]{exc.args[0]}[/red]")
            raise typer.Exit(1) from exc
    current = versions[-1] if versions else None
    summary = item_summary(item)
    summary["organ"] = item.organ
    summary["versions"] = [
        {"version": v.version, "change": v.change, "content_hash": v.content_hash, "fetched_at": iso(v.fetched_at)}
        for v in versions
    ]
    summary["meta"] = current.meta if current else {}
    summary["meeting"] = meeting_record(summary["meta"].get("meeting"))
    summary["text"] = current.text if current else ""
    if as_json:
        _print_json(summary)
        return
    console.print(f"[bold]{item.title or item.canonical_url}[/bold]")
    for key in ("url", "source_id", "published", "source", "organ", "doc_number", "kind", "status", "first_seen"):
        console.print(f"  {key}: {summary.get(key) or '-'}")
    if summary["meeting"]:
        console.print(f"  meeting: {summary['meeting']['stage']}")
        for label, value in labelled_facts(summary["meeting"]):
            console.print(f"    {label}: {value}", markup=False, highlight=False)
    console.print("  versions: " + ", ".join(f"v{v['version']} {v['change']} {v['fetched_at']}" for v in summary["versions"]))
    console.print()
    console.print(summary["text"], markup=False, highlight=False)


@app.command("diff")
def diff_command(
    item_id: int,
    old: Annotated[int | None, typer.Argument(help="Older version number (default: the one before the last)")] = None,
    new: Annotated[int | None, typer.Argument(help="Newer version number (default: the last)")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A unified diff between two versions of an item (the last two by default)."""
    with _session(db) as session:
        try:
            _item, versions = get_item(session, item_id)
            before, after = pick_versions(versions, old, new)
        except (KeyError, ValueError) as exc:
            errors.print(f"[red]{exc.args[0]}[/red]")
            raise typer.Exit(1) from exc
    title_line = [] if before.title == after.title else [f"title: {before.title} → {after.title}"]
    text = unified_diff(before.text, after.text, f"v{before.version}", f"v{after.version}")
    if as_json:
        _print_json({"item_id": item_id, "from": before.version, "to": after.version, "title": title_line, "diff": text})
        return
    for line in title_line:
        console.print(line, markup=False)
    for line in text.splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        console.print(line, style=style, markup=False, highlight=False)
