"""govwatch command line: importing this package registers every command on `app`."""

from __future__ import annotations

# Each module registers its commands on `app` when imported; keep one import per command group.
import crawler.cli.alerts_cmd  # noqa: E402,F401
import crawler.cli.crawl_cmd  # noqa: E402,F401
import crawler.cli.demo_cmd  # noqa: E402,F401
import crawler.cli.export_cmd  # noqa: E402,F401
import crawler.cli.extract_cmd  # noqa: E402,F401
import crawler.cli.items_cmd  # noqa: E402,F401
import crawler.cli.prune_cmd  # noqa: E402,F401
import crawler.cli.run_cmd  # noqa: E402,F401
import crawler.cli.search_cmd  # noqa: E402,F401
import crawler.cli.serve_cmd  # noqa: E402,F401
import crawler.cli.simulate_cmd  # noqa: E402,F401
from crawler.cli.app import app

__all__ = ["app"]
