"""`python -m crawler.cli.main_entry …` runs the CLI without the console script (tests, odd installs)."""

from __future__ import annotations

from crawler.cli import app

if __name__ == "__main__":
    app()
