"""`govwatch export`: change events for other systems (JSON Lines, CSV, Atom) from a cursor or a named consumer."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from crawler import ics
from crawler.cli.app import DbOption, app
from crawler.db import init_db
from crawler.export import (
    DEFAULT_BATCH,
    FORMATS,
    ExportError,
    ExportOptions,
    ExportResult,
    export,
    export_to_path,
)

errors = Console(stderr=True)


@app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv, atom, or ics (the calendar of announced meetings)")] = "jsonl",
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Shorthand for --format jsonl")] = False,
    since_id: Annotated[
        int | None, typer.Option("--since-id", min=0, help="Only events with an id above N (the last id you have)")
    ] = None,
    consumer: Annotated[
        str | None,
        typer.Option("--consumer", help="A named reader: start at its stored position, advance it after a complete write"),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to FILE (atomically: renamed into place when complete)")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=100_000, help="Rows read per query")] = DEFAULT_BATCH,
    source: Annotated[str | None, typer.Option("--source", help="ics only: the meetings of this source")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="ics only: the meetings of sources with this tag")] = None,
    db: DbOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr")] = False,
) -> None:
    """Stream change events (new, edited, deleted, restored) with metadata and clean text; schema in docs/EXPORT.md."""
    if jsonl:
        fmt = "jsonl"
    if fmt == "ics":
        _export_calendar(db, output, ics.CalendarFilter(source=source, tag=tag), since_id, consumer, quiet)
        return
    if source is not None or tag is not None:
        raise typer.BadParameter("--source and --tag filter the calendar (--format ics) only", param_hint="--source")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)} or ics", param_hint="--format")
    if since_id is not None and consumer is not None:
        raise typer.BadParameter("give --since-id or --consumer, not both", param_hint="--consumer")
    options = ExportOptions(format=fmt, since_id=since_id, consumer=consumer, batch_size=batch_size)
    engine = init_db(db)
    try:
        if output:
            result = export_to_path(engine, output, options)
        else:
            result = export(engine, sys.stdout, options)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): the write is incomplete, so no consumer moved. Point stdout
        # at /dev/null so that the interpreter's final flush does not fail a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        errors.print("the reader closed the output before the end: nothing was acknowledged", highlight=False)
        raise typer.Exit(1) from None
    except ExportError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except OSError as exc:
        # A full disk, a missing folder, no permission: nothing was acknowledged, say so plainly.
        errors.print(f"[red]export failed, no consumer moved: {exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc
    if not quiet:
        _summary(result, output)


def _export_calendar(
    db: str | None, output: str | None, wanted: ics.CalendarFilter, since_id: int | None, consumer: str | None,
    quiet: bool,
) -> None:
    """The calendar is a snapshot of the announced meetings, not a stream: no cursor, no consumer."""
    if since_id is not None or consumer is not None:
        raise typer.BadParameter("the calendar is a snapshot: --since-id and --consumer do not apply", param_hint="--format")
    engine = init_db(db)
    try:
        with engine.connect() as connection:
            body, count = ics.calendar_bytes(connection, wanted)
        if output:
            target = Path(output)
            partial = target.with_name(f".{target.name}.part")
            partial.write_bytes(body)
            partial.replace(target)  # renamed into place: a subscriber never reads half a calendar
        else:
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
    except ics.CalendarError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except OSError as exc:
        errors.print(f"[red]calendar export failed: {exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc
    if not quiet:
        errors.print(f"exported {count} announced meetings to {output or 'stdout'}", markup=False, highlight=False)


def _summary(result: ExportResult, output: str | None) -> None:
    where = output or "stdout"
    line = f"exported {result.count} events after id {result.since_id} (last id {result.last_id}) to {where}"
    if result.consumer is not None:
        line += f"; consumer {result.consumer!r} now at {result.position}"
    errors.print(line, markup=False, highlight=False)
