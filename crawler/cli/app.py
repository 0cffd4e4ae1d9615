"""The typer application object that every command module registers on."""

from __future__ import annotations

from typing import Annotated

import typer

# Options every command that touches the database, the seeds or the crawl logs spells the same way.
DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLAlchemy URL (default $GOVWATCH_DB or var/govwatch.db)")
]
SeedsOption = Annotated[
    str | None, typer.Option("--seeds", help="Seeds folder (default $GOVWATCH_SEEDS or seeds/)")
]
LogsOption = Annotated[
    str | None, typer.Option("--logs", help="Folder of crawl logs (default $GOVWATCH_LOGS or var/logs)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines")]

app = typer.Typer(
    name="govwatch",
    help="Watch Chinese environmental regulators: crawl, extract, version, diff, alert and export.",
    no_args_is_help=True,
    add_completion=False,
)
