"""Run one crawl of some sources as a `scrapy crawl listing` subprocess (a Twisted reactor cannot restart).

The CLI (`govwatch crawl`), the demo and the scheduler all call `run_crawl`; each source's outcome is in
its `crawl_run` row, which `CrawlResult.runs` returns. The subprocess leads its own process group (so a
timeout stops Scrapy and its worker processes together); therefore a terminal's Ctrl-C does not reach it,
and `run_crawl` stops it itself when the caller is interrupted (KeyboardInterrupt, or SIGTERM through
`signals_stop_crawls`): SIGTERM first (Scrapy closes its runs), SIGKILL after a grace period. A file lock
per (database, source) keeps a second crawl of the same sources from starting while one runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import func
from sqlmodel import Session, col, select

from crawler import clock
from crawler.config import SEEDS_ENV, load_seeds
from crawler.db import DB_ENV, database_url, init_db
from crawler.models import CrawlRun
from crawler.store import mark_crashed

SETTINGS_MODULE = "crawler.settings"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# After SIGTERM (Scrapy's graceful stop: runs are closed with what they counted) wait this long, then SIGKILL.
TERM_GRACE_SECONDS = 30.0
# When the user interrupts (Ctrl-C, SIGTERM) a shorter wait: they are watching, and a second signal kills at once.
INTERRUPT_GRACE_SECONDS = 10.0
CRASH_NOTE = "the crawl process ended before finishing this run"
LOCKS_ENV = "GOVWATCH_LOCKS"  # folder of the per-source crawl lock files (default: <tmp>/govwatch-locks)
PARENT_ENV = "GOVWATCH_PARENT_PID"  # the crawl stops itself when this process is gone (spiders/runbook.py)

# The crawl subprocesses this process started and that still run, so a signal or a shutting-down service
# can stop exactly them (handles, not a scan of the process table).
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


class CrawlBusy(RuntimeError):
    """Another crawl of some of these sources (on this database) is running: this one does not start."""


def live_crawls() -> list[subprocess.Popen[bytes]]:
    """The crawl subprocesses started by this process that have not ended."""
    with _live_lock:
        return [process for process in _live if process.poll() is None]


def stop_crawls(grace: float = TERM_GRACE_SECONDS) -> list[int]:
    """SIGTERM every live crawl's process group, SIGKILL those still there after `grace`; pids left (none)."""
    processes = live_crawls()
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(process.poll() is None for process in processes):
        time.sleep(0.1)
    for process in processes:
        # Also when Scrapy itself ended in time: a worker of its group (extraction, store writer) may not have.
        _signal_group(process, signal.SIGKILL)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    return [process.pid for process in processes if process.poll() is None]


class Interrupted(SystemExit):
    """SIGTERM (or SIGINT) turned into an exception, so `finally` blocks and run_crawl's clean-up run."""


@contextlib.contextmanager
def signals_stop_crawls() -> Iterator[None]:
    """For a CLI command: SIGTERM and SIGINT raise Interrupted, which makes run_crawl stop its subprocess.

    Without it SIGTERM would end the CLI at once and leave the crawl (in its own session) running.
    Outside the main thread (signal handlers cannot be set there) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise Interrupted(128 + signum)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def lock_dir() -> Path:
    folder = Path(os.environ.get(LOCKS_ENV) or Path(tempfile.gettempdir()) / "govwatch-locks")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def crawl_locks(db_url: str, source_ids: Sequence[str]) -> Iterator[None]:
    """Hold one lock file per (database, source) for the crawl, or raise CrawlBusy naming who holds one."""
    database = hashlib.sha1(db_url.encode()).hexdigest()[:16]
    held: list[FileLock] = []
    try:
        for source_id in sorted(set(source_ids)):
            path = lock_dir() / f"{database}-{source_id}.lock"
            lock = FileLock(path, timeout=0)
            try:
                lock.acquire()
            except Timeout:
                holder = _read_holder(path)
                raise CrawlBusy(
                    f"a crawl of {source_id} on this database is already running{holder}; "
                    "wait for it to end (or stop it) and try again"
                ) from None
            held.append(lock)
            path.with_suffix(".pid").write_text(f"{os.getpid()} {clock.now().isoformat()}")
        yield
    finally:
        for lock in reversed(held):
            lock.release()


def _read_holder(path: Path) -> str:
    try:
        pid, since = path.with_suffix(".pid").read_text().split(" ", 1)
    except (OSError, ValueError):
        return ""
    return f" (process {pid}, since {since})"


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


def scrapy_command(
    spider: str, arguments: Mapping[str, str], settings: Mapping[str, Any] | None = None
) -> list[str]:
    """`python -m scrapy crawl <spider> -a K=V … -s K=V …`: the crawl and the report spiders alike."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in arguments.items():
        command += ["-a", f"{key}={value}"]
    for key, value in (settings or {}).items():
        command += ["-s", f"{key}={setting_text(value)}"]
    return command


def crawl_command(source_ids: Sequence[str], settings: Mapping[str, Any] | None = None) -> list[str]:
    """The command line of one crawl: `python -m scrapy crawl listing -a source=a,b [-s K=V ...]`."""
    return scrapy_command("listing", {"source": ",".join(source_ids) if source_ids else "all"}, settings)


def scrapy_env(
    seeds: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a `scrapy crawl` subprocess: ours, the project's settings and path, the seeds."""
    child_env = dict(os.environ)
    child_env.update(env or {})
    child_env["SCRAPY_SETTINGS_MODULE"] = SETTINGS_MODULE
    child_env[PARENT_ENV] = str(os.getpid())  # the crawl stops itself when this process is gone
    if seeds is not None:
        child_env[SEEDS_ENV] = str(Path(seeds).resolve())
    # The project root on the path, so `spiders` and `pipelines` import from any working directory.
    child_env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PROJECT_ROOT), child_env.get("PYTHONPATH", "")) if part
    )
    return child_env


def setting_text(value: Any) -> str:
    """A setting's value as `-s K=V` (and Scrapyd's `setting=K=V`) spell it: JSON for containers."""
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
    chosen, _unknown = load_seeds(seeds).select(list(source_ids))
    lock_ids = [source.id for source in chosen] or list(source_ids)

    child_env = scrapy_env(seeds, env)
    child_env[DB_ENV] = url

    log_path = Path(log_file).resolve() if log_file else None
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    timed_out = interrupted = False
    with crawl_locks(url, lock_ids):
        output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
        try:
            with scrapy_process(crawl_command(list(source_ids), settings), child_env, output) as process:
                try:
                    returncode, timed_out = wait_or_stop(process, timeout)
                except BaseException:
                    interrupted = True  # Ctrl-C or SIGTERM in the caller: the group is stopped already
                    raise
        finally:
            if log_path:
                output.close()  # type: ignore[union-attr]
            if interrupted:
                _close_left_runs(engine, before, process.pid, "interrupted", clock.now())

    reason = "timed out" if timed_out else f"exit status {returncode}"
    runs = _close_left_runs(engine, before, process.pid, reason, clock.now())
    return CrawlResult(returncode=returncode, timed_out=timed_out, runs=runs, log_file=log_path)


@contextlib.contextmanager
def scrapy_process(
    command: list[str], env: Mapping[str, str], output: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A `scrapy crawl` subprocess in its own process group, known to the signal handlers while it runs."""
    process = subprocess.Popen(
        command,
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a stop reaches Scrapy and its workers
    )
    with _live_lock:
        _live.add(process)
    try:
        yield process
    finally:
        with _live_lock:
            _live.discard(process)


def wait_or_stop(process: subprocess.Popen[bytes], timeout: float | None) -> tuple[int, bool]:
    """Wait for the process: (exit status, timed out). A timeout stops its group; so does Ctrl-C or SIGTERM
    in the caller, which is then raised again, so that no crawl outlives the command that started it."""
    try:
        return process.wait(timeout=timeout), False
    except subprocess.TimeoutExpired:
        return stop_process_group(process), True
    except BaseException:
        stop_process_group(process, INTERRUPT_GRACE_SECONDS)
        raise


def _close_left_runs(engine: Any, before: int, pid: int, reason: str, now: Any) -> list[CrawlRun]:
    """The crawl's runs; those it left 'running' become crashed with the counts of what they stored."""
    with Session(engine, expire_on_commit=False) as session:
        runs = list(
            session.exec(
                select(CrawlRun).where(col(CrawlRun.id) > before, CrawlRun.pid == pid).order_by(col(CrawlRun.id))
            ).all()
        )
        for run in runs:
            if run.status == "running":
                mark_crashed(session, run, f"{CRASH_NOTE} ({reason})", now)
        session.commit()
    return runs


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop_process_group(process: subprocess.Popen[bytes], grace: float = TERM_GRACE_SECONDS) -> int:
    """SIGTERM the process group, wait up to `grace` seconds, then SIGKILL it; a second Ctrl-C kills at once."""
    _signal_group(process, signal.SIGTERM)
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    finally:
        # Also on a second interrupt during the wait: nothing of the group may survive.
        if process.poll() is None:
            _signal_group(process, signal.SIGKILL)
        # Worker processes (extraction, store writer) share the group: make sure none is left either.
        _signal_group(process, signal.SIGKILL)
    return process.wait()
