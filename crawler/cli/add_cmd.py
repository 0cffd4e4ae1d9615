"""`govwatch add URL|FILE`: draft a seed from a column's listing page (fetched politely, or saved)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from crawler import clock
from crawler.cli.app import JsonOption, SeedsOption, app
from crawler.config import Source, seeds_dir
from crawler.discover import DEFAULT_MAX_PAGES, Draft, page_url_of
from crawler.runner import signals_stop_crawls
from crawler.tools import ToolError, run_add

console = Console()
errors = Console(stderr=True)


@app.command("add")
def add_command(
    target: Annotated[str, typer.Argument(help="The column's listing URL, or a saved listing page")],
    source_id: Annotated[str | None, typer.Option("--id", help="Seed id (default: from the URL)")] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="The organisation (default: from the page)")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The source's name (default: from the page)")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="The saved page's own URL (default: the URL it states)")
    ] = None,
    max_pages: Annotated[int, typer.Option("--max-pages", help="Listing pages per run")] = DEFAULT_MAX_PAGES,
    seeds: SeedsOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing seed file")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the draft, write nothing")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds")
    ] = 300.0,
    as_json: JsonOption = False,
) -> None:
    """Detect the CMS, pager, rows, dates and article body; write a draft seed (verified: false)."""
    saved: Path | None = None
    listing_url = target
    if not target.startswith(("http://", "https://")):
        saved = Path(target)
        if not saved.is_file():
            errors.print(f"[red]not a URL and not a file:[/red] {escape(target)}")
            raise typer.Exit(2)
        listing_url = url or page_url_of(saved.read_bytes()) or ""
        if not listing_url:
            errors.print("[red]the saved page does not state its URL: give it with --url[/red]")
            raise typer.Exit(2)
    try:
        with signals_stop_crawls():  # Ctrl-C/SIGTERM stop the add spider's subprocess as well
            draft = run_add(
                listing_url,
                saved=saved,
                source_id=source_id,
                org=org,
                name=name,
                max_pages=max_pages,
                timeout=timeout,
            )
    except ToolError as exc:
        errors.print(f"[red]add failed[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    path: Path | None = None
    problem: str | None = None
    if draft.seed is not None:
        try:
            source = Source.model_validate(draft.seed)
        except ValidationError as exc:
            problem = f"the draft is not a valid seed: {exc}"
        else:
            if "evidence" in Source.model_fields and not draft.seed.get("evidence"):
                # What confirmed this draft: the live page itself, today (seeds record their evidence).
                draft.seed["evidence"] = [
                    {
                        "what": "listing, rows, dates and article body (drafted by govwatch add)",
                        "source": f"the live page {listing_url}"
                        if saved is None
                        else f"a saved page {saved.name}",
                        "seen": f"{clock.to_shanghai(clock.now()):%Y-%m}",
                        "confidence": "S",
                    }
                ]
                source = Source.model_validate(draft.seed)
            path = seeds_dir(seeds) / f"{source.id}.yaml"
            if path.exists() and not force and not dry_run:
                problem = f"{path} exists (use --force to replace it, or --id for another id)"
            elif not dry_run:
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_seed(path, draft.seed)
    if as_json:
        data = {**draft.to_dict(), "written": str(path) if path and not problem and not dry_run else None}
        data["problems"] = [*draft.problems, *([problem] if problem else [])]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_draft(draft, path if not problem and not dry_run else None, problem)
    if draft.seed is None or problem:
        raise typer.Exit(1)


def _write_seed(path: Path, seed: dict[str, Any]) -> None:
    """Write the seed aside and rename it into place, so a crawl never reads half a file."""
    partial = path.with_suffix(".yaml.part")
    partial.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    partial.replace(path)


def _print_draft(draft: Draft, written: Path | None, problem: str | None) -> None:
    console.print(f"[bold]{escape(draft.listing_url)}[/bold]: {draft.cms}")
    for line in draft.found:
        console.print(f"  found: {escape(line)}")
    for line in draft.guessed:
        console.print(f"  [yellow]guessed:[/yellow] {escape(line)}")
    if draft.entries:
        console.print(f"  {len(draft.entries)} entries on page 1, e.g.")
        for entry in draft.entries[:3]:
            console.print(
                f"    {entry['published'] or '(no date)'}  {escape(entry['title'] or entry['url'])}"
            )
    if draft.article:
        article = draft.article
        console.print(
            f"  article: {escape(article['title'] or '(no title)')} · {article['published'] or '(no date)'} · "
            f"来源 {escape(article['source'] or '?')} · {article['body_chars']} chars"
        )
    for line in [*draft.problems, *([problem] if problem else [])]:
        console.print(f"  [red]problem:[/red] {escape(line)}")
    if written is not None and draft.seed is not None:
        console.print(f"wrote {written} (verified: false). Next: govwatch check {draft.seed['id']}")
