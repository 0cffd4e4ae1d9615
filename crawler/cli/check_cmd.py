"""`govwatch check [SOURCE…]`: a live, polite look at each source's listings, with a verdict and a fix."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from crawler.check import OK, SourceCheck
from crawler.cli.app import JsonOption, SeedsOption, app
from crawler.config import load_seeds
from crawler.runner import signals_stop_crawls
from crawler.tools import ToolError, run_check

console = Console()
errors = Console(stderr=True)
VERDICT_STYLE = {
    "ok": "green",
    "empty": "yellow",
    "blocked": "magenta",
    "broken structure": "red",
    "unreachable": "red",
}


@app.command("check")
def check_command(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source ids (default: every enabled source)")
    ] = None,
    seeds: SeedsOption = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds")
    ] = 600.0,
    as_json: JsonOption = False,
) -> None:
    """Check sources live from this network, as politely as a crawl; store nothing. Exit 1 unless all ok."""
    seed_set = load_seeds(seeds)
    for error in seed_set.errors:
        errors.print(f"[red]seed error[/red] {escape(str(error))}")
    unknown = [source_id for source_id in sources or [] if source_id not in seed_set.sources]
    if unknown:
        known = ", ".join(sorted(seed_set.sources)) or "none"
        errors.print(f"[red]unknown source(s)[/red] {', '.join(unknown)} (known: {known})")
        raise typer.Exit(2)
    try:
        # SIGTERM/Ctrl-C stop the check's Scrapy subprocess too (its own session: the signal does not reach it).
        with signals_stop_crawls():
            if as_json:
                checks = run_check(list(sources or []), seeds=seeds, timeout=timeout)
            else:
                with console.status("checking…"):
                    checks = run_check(list(sources or []), seeds=seeds, timeout=timeout)
    except ToolError as exc:
        errors.print(f"[red]check failed[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if as_json:
        data = {"ok": all(c.verdict == OK for c in checks), "sources": [c.to_dict() for c in checks]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        for check in checks:
            _print_check(check)
    if any(check.verdict != OK for check in checks):
        raise typer.Exit(1)


def _print_check(check: SourceCheck) -> None:
    style = VERDICT_STYLE.get(check.verdict, "")
    console.print(
        f"[bold]{check.id}[/bold] {escape(check.name)}: [{style}]{check.verdict}[/{style}] ({check.seconds:.2f} s)"
    )
    for listing in check.listings:
        console.print(
            f"  listing {escape(listing.url)} ({listing.profile}): "
            + (f"HTTP {listing.status}" if listing.status else escape(listing.error or "no answer"))
            + f" in {listing.seconds:.2f} s · {listing.robots}"
            + (f" · fetched with {listing.fetched_with}" if listing.fetched_with else "")
        )
        if listing.blocked:
            console.print(f"    blocked: {escape(listing.blocked)}")
        if listing.status == 200:
            console.print(f"    {listing.entries} entries")
            for entry in listing.first_entries:
                console.print(
                    f"      {entry['published'] or '(no date)'}  {escape(entry['title'] or entry['url'])}"
                )
            pages = len(listing.further_pages)
            total = f", {listing.total_pages} in all" if listing.total_pages else ""
            first = f" (next: {escape(listing.further_pages[0])})" if pages else ""
            console.print(f"    further pages: {pages}{total}{first}")
            for problem in listing.profile_errors:
                console.print(f"    [yellow]{escape(problem)}[/yellow]")
        article = listing.article
        if article is not None:
            if article.problem:
                console.print(f"    article {escape(article.url)}: [red]{escape(article.problem)}[/red]")
            else:
                console.print(
                    f"    article: {escape(article.title or '(no title)')} · {article.published or '(no date)'}"
                    f" · 来源 {escape(article.source or '?')} · {article.body_chars} chars ({article.method})"
                    f" in {article.seconds:.2f} s"
                )
                if article.first_line:
                    console.print(f"      first line: {escape(article.first_line[:100])}")
        if listing.verdict != OK:
            console.print(
                f"    [{VERDICT_STYLE.get(listing.verdict, '')}]{listing.verdict}[/]: {escape(listing.reason)}"
            )
    if check.verdict != OK:
        console.print(f"  fix: {escape(check.fix)}")
