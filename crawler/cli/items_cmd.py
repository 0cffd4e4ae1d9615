"""`govwatch sources`, `items`, `show` and `diff`: reading what the crawls stored."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Connection

from crawler.attachments.queries import attachments_by_version
from crawler.cli.app import DbOption, JsonOption, SeedsOption, app
from crawler.clock import as_utc
from crawler.config import load_seeds
from crawler.db import init_db
from crawler.diffing import attachment_changes, unified_diff
from crawler.export import meeting_record
from crawler.extract.meetings import labelled_facts
from crawler.queries import (
    BadRequest,
    ItemFilter,
    get_item,
    items_by_change,
    list_versions,
    pick_pair,
    sources_with_health,
    version_texts,
)

console = Console()
errors = Console(stderr=True)



def _connect(db: str | None) -> Connection:
    """A read connection through the same query layer as `govwatch serve` (crawler/queries.py)."""
    return init_db(db).connect()


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
    with _connect(db) as connection:
        rows = sources_with_health(connection, seed_set)
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
    with _connect(db) as connection:
        rows = items_by_change(connection, wanted)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} items")
    for column in ("id", "change" if changes else "status", "kind", "published", "source", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["id"]), row["change"] if changes else row["status"], row["kind"],
                      (row["published"] or "-")[:10], row["source_id"], row["title"] or row["url"])
    console.print(table)


@app.command("show")
def show_command(item_id: int, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one item: its metadata, its versions and its current text."""
    with _connect(db) as connection:
        summary = get_item(connection, item_id)
        if summary is None:
            errors.print(f"[red]no item {item_id}[/red]")
            raise typer.Exit(1)
        versions = list_versions(connection, item_id, with_text=False)
        current = version_texts(connection, item_id, [summary["version"]]).get(summary["version"], {})
        files = attachments_by_version(connection, item_id, [summary["version"]]).get(summary["version"], [])
    summary["versions"] = [
        {key: v[key] for key in ("version", "change", "content_hash", "fetched_at")} for v in versions
    ]
    summary["meta"] = current.get("meta") or {}
    summary["meeting"] = meeting_record(summary["meta"].get("meeting"))
    summary["text"] = current.get("text") or ""
    summary["attachments"] = [attachment.to_dict() for attachment in files]
    if as_json:
        _print_json(summary)
        return
    console.print(f"[bold]{summary['title'] or summary['url']}[/bold]")
    for key in ("url", "source_id", "published", "source", "organ", "doc_number", "kind", "status", "first_seen"):
        console.print(f"  {key}: {summary.get(key) or '-'}")
    if summary["meeting"]:
        console.print(f"  meeting: {summary['meeting']['stage']}")
        for label, value in labelled_facts(summary["meeting"]):
            console.print(f"    {label}: {value}", markup=False, highlight=False)
    console.print("  versions: " + ", ".join(f"v{v['version']} {v['change']} {v['fetched_at']}" for v in summary["versions"]))
    console.print()
    console.print(summary["text"], markup=False, highlight=False)
    for attachment in files:
        console.print()
        size = f"{attachment.size} bytes" if attachment.size is not None else "-"
        header = f"附件 {attachment.name} ({attachment.file_type or '?'}, {size}, {(attachment.sha256 or '-')[:12]})"
        console.print(header, style="bold", markup=False, highlight=False)
        console.print(f"  {attachment.url}", markup=False, highlight=False)
        if attachment.error:
            console.print(f"  ({attachment.error})", style="yellow", markup=False, highlight=False)
        if attachment.text:
            console.print(attachment.text, markup=False, highlight=False)


@app.command("diff")
def diff_command(
    item_id: int,
    old: Annotated[int | None, typer.Argument(help="Older version number (default: the one before the last)")] = None,
    new: Annotated[int | None, typer.Argument(help="Newer version number (default: the last)")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A unified diff between two versions of an item (the last two by default)."""
    with _connect(db) as connection:
        summary = get_item(connection, item_id)
        try:
            if summary is None:
                raise BadRequest(f"no item {item_id}")
            if old is None and new is None and summary["version"] < 2:
                raise BadRequest("this item has only one version: nothing to compare")
            old, new = pick_pair(summary["version"], old, new)
        except BadRequest as exc:
            errors.print(f"[red]{exc.args[0]}[/red]")
            raise typer.Exit(1) from exc
        texts = version_texts(connection, item_id, (old, new))
        files = attachments_by_version(connection, item_id, [old, new])
    before, after = texts[old], texts[new]
    title_line = [] if before["title"] == after["title"] else [f"title: {before['title']} → {after['title']}"]
    text = unified_diff(before["text"], after["text"], f"v{old}", f"v{new}")
    changes = attachment_changes(files[old], files[new])
    if as_json:
        _print_json({
            "item_id": item_id, "from": old, "to": new, "title": title_line, "diff": text,
            "attachments": [change.to_dict() for change in changes],
        })
        return
    for line in title_line:
        console.print(line, markup=False)
    for line in text.splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        console.print(line, style=style, markup=False, highlight=False)
    for change in changes:
        console.print(f"附件 {change.op}: {change.name} {change.url}", style="bold", markup=False, highlight=False)
        for line in change.diff.splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            console.print(line, style=style, markup=False, highlight=False)
