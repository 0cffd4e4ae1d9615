"""`govwatch search TERM`: full-text search over item text and attachment text (crawler/search.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from crawler.cli.app import DbOption, JsonOption, app
from crawler.cli.items_cmd import _connect, _parse_since, _print_json
from crawler.search import DEFAULT_LIMIT, search

console = Console()


@app.command("search")
def search_command(
    term: Annotated[str, typer.Argument(help="Text to find (2 characters or more), in items and attachments")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source id")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind (meeting, notice, …)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only items changed since (ISO date)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="At most this many items")] = DEFAULT_LIMIT,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Items whose text or attachments contain TERM, with the matched passage highlighted."""
    with _connect(db) as connection:
        try:
            hits = search(connection, term, source=source, kind=kind, since=_parse_since(since), limit=limit)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="TERM") from exc
    if as_json:
        _print_json([hit.to_dict() for hit in hits])
        return
    if not hits:
        console.print("no match")
        return
    for hit in hits:
        where = f"attachment {escape(hit.attachment)}" if hit.attachment else "text"
        console.print(f"[bold]#{hit.item_id}[/bold] {escape(hit.title or '')} [dim]({hit.source_id}, {hit.kind}, in {where})[/dim]")
        console.print(f"  {escape(hit.url)}")
        if hit.passage:
            p = hit.passage
            console.print(f"  {escape(p.before)}[reverse]{escape(p.match)}[/reverse]{escape(p.after)}")
