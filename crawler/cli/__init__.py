"""govwatch command line: importing this package registers every command on `app`."""

from __future__ import annotations

from crawler.cli.app import app

# Each module registers its commands on `app` when imported; keep one import per command group.

__all__ = ["app"]
