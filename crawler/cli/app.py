"""The typer application object that every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="govwatch",
    help="Watch Chinese environmental regulators: crawl, extract, version, diff, alert and export.",
    no_args_is_help=True,
    add_completion=False,
)
