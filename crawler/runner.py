"""Run one crawl of some sources as a `scrapy crawl listing` subprocess (a Twisted reactor cannot restart).

The CLI (`govwatch crawl`), the demo and the scheduler all call `run_crawl`; each source's outcome is in
its `crawl_run` row, which `CrawlResult.runs` returns.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crawler import clock
from crawler.config import SEEDS_ENV
from crawler.db import DB_ENV, database_url, init_db
from crawler.models import CrawlRun

SETTINGS_MODULE = "crawler.settings"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# After SIGTERM (Scrapy's graceful stop: runs are closed with what they counted) wait this long, then SIGKILL.
TERM_GRACE_SECONDS = 30.0
CRASH_NOTE = "the crawl process ended before finishing this run"


@dataclass
class CrawlResult:
    """How the crawl subprocess ended and the crawl_run rows it wrote."""

    returncode: int
    timed_out: bool
    runs: list[CrawlRun] = field(default_factory=list)
    log_file: Path | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def absolute_db_url(url: str | None) -> str:
    """The database URL with a relative SQLite path made absolute, so the subprocess's cwd does not matter."""
    url = database_url(url)
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(Path(url[len(prefix) :]).resolve())
    return url


def crawl_command(source_ids: Sequence[str], settings: Mapping[str, Any] | None = None) -> list[str]:
    """The command line of one crawl: `python -m scrapy crawl listing -a source=a,b [-s K=V ...]`."""
    ids = ",".join(source_ids) if source_ids else "all"
    command = [sys.executable, "-m", "scrapy", "crawl", "listing", "-a", f"source={ids}"]
    for key, value in (settings or {}).items():
        command += ["-s", f"{key}={_setting_text(value)}"]
    return command


def scrapy_env(
    seeds: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a `scrapy crawl` subprocess: ours, the project's settings and path, the seeds."""
    child_env = dict(os.environ)
    child_env.update(env or {})
    child_env["SCRAPY_SETTINGS_MODULE"] = SETTINGS_MODULE
    if seeds is not None:
        child_env[SEEDS_ENV] = str(Path(seeds).resolve())
    # The project root on the path, so `spiders` and `pipelines` import from any working directory.
    child_env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PROJECT_ROOT), child_env.get("PYTHONPATH", "")) if part
    )
    return child_env


def _setting_text(value: Any) -> str:
    import json

    if isinstance(value, dict | list | tuple):
        return json.dumps(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _max_run_id(session: Session) -> int:
    return int(session.exec(select(func.max(CrawlRun.id))).one() or 0)


def run_crawl(
    source_ids: Sequence[str],
    *,
    db_url: str | None = None,
    seeds: str | os.PathLike[str] | None = None,
    log_file: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> CrawlResult:
    """Crawl the sources (empty or ["all"]: every enabled one) in one subprocess and wait for it.

    GOVWATCH_DB / GOVWATCH_SEEDS / GOVWATCH_NOW reach the subprocess through its environment. On timeout
    the process group gets SIGTERM, then SIGKILL; any run it left open is marked crashed.
    """
    url = absolute_db_url(db_url)
    engine = init_db(url)
    with Session(engine) as session:
        before = _max_run_id(session)

    child_env = scrapy_env(seeds, env)
    child_env[DB_ENV] = url

    log_path = Path(log_file).resolve() if log_file else None
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    timed_out = False
    try:
        process = subprocess.Popen(
            crawl_command(list(source_ids), settings),
            env=child_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a timeout kills Scrapy and anything it started
        )
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            returncode = _stop(process)
    finally:
        if log_path:
            output.close()  # type: ignore[union-attr]

    with Session(engine, expire_on_commit=False) as session:
        runs = list(
            session.exec(
                select(CrawlRun)
                .where(col(CrawlRun.id) > before, CrawlRun.pid == process.pid)
                .order_by(col(CrawlRun.id))
            ).all()
        )
        now = clock.now()
        for run in runs:
            if run.status == "running":
                reason = "timed out" if timed_out else f"exit status {returncode}"
                run.status, run.finished_at = "crashed", now
                run.errors = [*run.errors, f"{CRASH_NOTE} ({reason})"]
                session.add(run)
        session.commit()
    return CrawlResult(returncode=returncode, timed_out=timed_out, runs=runs, log_file=log_path)


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM the process group, wait a little, then SIGKILL it."""
    for sig, wait in ((signal.SIGTERM, TERM_GRACE_SECONDS), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return process.returncode
            time.sleep(0.1)
    return process.wait()
