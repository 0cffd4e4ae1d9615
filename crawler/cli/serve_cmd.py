"""`govwatch serve`: the read-only API, Atom feeds and dashboard on uvicorn (loopback unless a token is set)."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer
from rich.console import Console

from crawler.cli.app import DbOption, app

errors = Console(stderr=True)
TOKEN_ENV = "GOVWATCH_API_TOKEN"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the only addresses served without a token."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but loopback needs $GOVWATCH_API_TOKEN")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve /api (OpenAPI docs at /docs), /feeds/*.atom and the pages (items, item diffs, sources health)."""
    token = os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and token is None:
        errors.print(
            f"[red]refusing to bind {host}:[/red] only loopback (127.0.0.1, ::1) is served without a token. "
            f"Set {TOKEN_ENV} to a long random secret (clients send 'Authorization: Bearer <token>' or ?token=), "
            "or keep the default --host 127.0.0.1.",
            highlight=False,
        )
        raise typer.Exit(2)
    import uvicorn

    from crawler.web import create_app

    web_app = create_app(db, token)
    guarded = "token required" if token else "no token (loopback only)"
    errors.print(f"govwatch serving on http://{host}:{port}/ ({guarded}); API docs at /docs", highlight=False)
    uvicorn.run(web_app, host=host, port=port, log_level="info", proxy_headers=False)
