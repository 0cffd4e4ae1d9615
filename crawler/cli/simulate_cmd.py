"""`govwatch simulate serve`: run the simulated government web on loopback until Ctrl-C."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli.app import app

simulate_app = typer.Typer(
    help="The simulated government web (loopback only) used by the demo, tests and benchmarks."
)
app.add_typer(simulate_app, name="simulate")


@simulate_app.command("serve")
def serve(
    day: Annotated[int, typer.Option("--day", min=1, help="Simulated day to serve (1 = initial state).")] = 1,
    sites: Annotated[
        list[str] | None,
        typer.Option(
            "--sites",
            help="Sites to serve (repeat or comma-separate): mee, mee-big5, hanweb, jsonapi, gbk, blocked, jsl, ruishu.",
        ),
    ] = None,
    seeds_dir: Annotated[
        Path | None, typer.Option("--write-seeds", help="Write seed YAML files for the served sites here.")
    ] = None,
    scale_sites: Annotated[
        int, typer.Option("--scale-sites", min=0, help="Serve a scaled world of N TRS sites instead.")
    ] = 0,
    articles_per_site: Annotated[
        int, typer.Option("--articles-per-site", min=1, help="Articles per scaled site.")
    ] = 500,
) -> None:
    """Serve the simulated sites and print their URLs; stop with Ctrl-C."""
    from crawler.simulator import SimulatedWeb

    console = Console()
    chosen = [name.strip() for value in sites or [] for name in value.split(",") if name.strip()] or None
    try:
        if scale_sites:
            web = SimulatedWeb.scaled(sites=scale_sites, articles_per_site=articles_per_site)
        else:
            web = SimulatedWeb(sites=chosen)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    web.advance_to(day)
    with web:
        table = Table(title=f"Simulated web, day {day} ({web.date_of(day):%Y-%m-%d})")
        table.add_column("site")
        table.add_column("CMS")
        table.add_column("URL")
        for spec in web.specs:
            url = web.url(spec.key, "/")
            if spec.cms == "mirror":
                url = web.mirror_url(web.url(spec.mirror_of or "", "/"), spec.key)
            table.add_row(spec.key, spec.cms, url)
        console.print(table)
        if seeds_dir is not None:
            written = web.write_seeds(seeds_dir)
            console.print(f"wrote {len(written)} seed files to {seeds_dir}")
        console.print("serving; press Ctrl-C to stop")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopping")
