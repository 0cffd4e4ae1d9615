"""Run a diagnosis spider (`check`, `add`) as a `scrapy crawl` subprocess and read back its JSON report.

Like a crawl (crawler/runner.py), each run is its own process with the project's polite settings; unlike
a crawl, these spiders never open the database: what they saw comes back as a report file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crawler.runner import scrapy_command, scrapy_env, scrapy_process, wait_or_stop


class ToolError(RuntimeError):
    """The spider could not run or wrote no report; the message names the log."""


def run_report_spider(
    spider: str,
    arguments: Mapping[str, str],
    *,
    seeds: str | os.PathLike[str] | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    log_file: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run `scrapy crawl <spider> -a k=v … -a report=<tmp>` and return the report it wrote."""
    with tempfile.TemporaryDirectory(prefix=f"govwatch-{spider}-") as folder:
        report = Path(folder) / "report.json"
        command = scrapy_command(spider, {"report": str(report), **arguments}, settings)
        log_path = Path(log_file).resolve() if log_file else Path(folder) / "scrapy.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as output, scrapy_process(command, scrapy_env(seeds, env), output) as process:
            returncode, _timed_out = wait_or_stop(process, timeout)
        if not report.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
            raise ToolError(f"`scrapy crawl {spider}` wrote no report (exit status {returncode}):\n{tail}")
        return json.loads(report.read_text(encoding="utf-8"))


def run_check(
    source_ids: list[str],
    *,
    seeds: str | os.PathLike[str] | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> list[Any]:
    """Check the sources live (empty: every enabled one); their SourceChecks with verdicts."""
    from crawler.check import source_check_from_dict, verdict_of

    report = run_report_spider(
        "check",
        {"source": ",".join(source_ids) or "all"},
        seeds=seeds,
        settings=settings,
        env=env,
        timeout=timeout,
    )
    return [verdict_of(source_check_from_dict(data)) for data in report["sources"]]


def run_add(
    url: str,
    *,
    saved: str | os.PathLike[str] | None = None,
    source_id: str | None = None,
    org: str | None = None,
    name: str | None = None,
    max_pages: int | None = None,
    settings: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> Any:
    """Discover a listing live (or from a saved page): the Draft."""
    from crawler.discover import DEFAULT_MAX_PAGES, Draft

    arguments = {"url": url, "max_pages": str(max_pages or DEFAULT_MAX_PAGES)}
    for key, value in (("saved", saved), ("id", source_id), ("org", org), ("name", name)):
        if value:
            arguments[key] = str(Path(value).resolve()) if key == "saved" else str(value)
    return Draft.from_dict(run_report_spider("add", arguments, settings=settings, timeout=timeout))
