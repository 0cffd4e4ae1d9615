"""`govwatch run`: the APScheduler service that crawls each source on its own cron and delivers the outbox.

One persistent job per distinct cron expression holds the sources that share it, so sources due at the
same moment are crawled together in one `scrapy crawl` subprocess (Scrapy keeps each domain polite on its
own). Jobs live in the project's database (their own table), so after downtime each missed job runs once
(coalesce) on start-up, within a generous misfire grace time.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor as PoolExecutor
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import MetaData, Table, delete, inspect, select

from crawler import alerts, clock
from crawler.config import SeedSet, Source, load_seeds
from crawler.cron import cron_trigger as crontab_trigger
from crawler.db import database_url
from crawler.retention import DEFAULT_LOGS_DIR, LOGS_ENV, RetentionPolicy, prune
from crawler.runner import CrawlBusy, live_crawls, stop_crawls
from crawler.store import Store
from crawler.vocabulary import SHANGHAI, is_slug, slugify
from scheduler.lock import RunLock

log = logging.getLogger("govwatch.scheduler")

TIMEZONE = SHANGHAI
JOBS_TABLE = "scheduler_job"  # APScheduler's own table in the project's database
CRAWL_JOB_PREFIX = "crawl:"
# A crawl job still running after this is killed (SIGTERM, then SIGKILL) and its runs recorded as crashed.
DEFAULT_CRAWL_TIMEOUT = 2 * 3600.0
# How late a missed run may still start: a service down for up to a week catches each job up once.
DEFAULT_MISFIRE_GRACE = 7 * 86400
# Random delay added to every cron fire time, so a fleet of installations does not hit a site at :00.
DEFAULT_JITTER = 120
DEFAULT_MAX_PARALLEL = 2  # crawl subprocesses at once
DEFAULT_GROUP_SIZE = 200  # sources per subprocess; a bigger group runs as several subprocesses in turn
DEFAULT_DELIVER_EVERY = 60.0  # seconds between outbox passes (retries, digests)
# Daily housekeeping (old crawl logs, finished outbox rows), at a quiet hour in Asia/Shanghai.
HOUSEKEEPING_CRON = "17 4 * * *"
DEFAULT_RUNNER = "crawler.runner:run_crawl"
TERM_GRACE_SECONDS = 15.0  # after SIGTERM on shutdown, a crawl gets this long before SIGKILL


@dataclass(frozen=True)
class ServiceOptions:
    """Everything the service needs; plain values so that persisted jobs carry them safely."""

    db_url: str | None = None
    seeds: str | None = None
    logs_dir: str = str(DEFAULT_LOGS_DIR)
    crawl_timeout: float = DEFAULT_CRAWL_TIMEOUT
    max_parallel: int = DEFAULT_MAX_PARALLEL
    group_size: int = DEFAULT_GROUP_SIZE
    jitter: int = DEFAULT_JITTER
    misfire_grace: int = DEFAULT_MISFIRE_GRACE
    deliver_every: float = DEFAULT_DELIVER_EVERY
    term_grace: float = TERM_GRACE_SECONDS  # on shutdown, SIGTERM'd crawls get this long before SIGKILL
    runner: str = DEFAULT_RUNNER  # "module:function" with run_crawl's signature
    crawl_settings: dict[str, Any] = field(default_factory=dict)  # Scrapy -s overrides for every crawl
    crawl_env: dict[str, str] = field(default_factory=dict)  # extra environment for crawl subprocesses
    keep_logs_days: int = RetentionPolicy.keep_logs_days  # 0 keeps every crawl log
    keep_outbox_days: int = RetentionPolicy.keep_outbox_days  # 0 keeps every sent or failed outbox row
    nodes: list[str] = field(default_factory=list)  # Scrapyd URLs: crawl there instead of in subprocesses
    node_timeout: float = 120.0  # seconds a silent node keeps its batches (scheduler/nodes.py)
    node_poll: float = 5.0  # seconds between listjobs.json rounds

    @classmethod
    def from_env(cls, **overrides: Any) -> ServiceOptions:
        policy = RetentionPolicy.from_env()
        values: dict[str, Any] = {
            "logs_dir": os.environ.get(LOGS_ENV) or str(DEFAULT_LOGS_DIR),
            "keep_logs_days": policy.keep_logs_days,
            "keep_outbox_days": policy.keep_outbox_days,
            **{k: v for k, v in overrides.items() if v is not None},
        }
        return cls(**values)

    @classmethod
    def from_job_arg(cls, data: dict[str, Any]) -> ServiceOptions:
        """Back from a persisted job's argument; keys of another version are ignored, not fatal."""
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def as_job_arg(self) -> dict[str, Any]:
        data = asdict(self)
        data["db_url"] = database_url(self.db_url)
        return data


@dataclass
class GroupOutcome:
    """What one crawl group did: per source, the status of its run, and the log files."""

    label: str
    statuses: dict[str, str] = field(default_factory=dict)
    log_files: list[str] = field(default_factory=list)
    crashed: bool = False


# --- cron ------------------------------------------------------------------------------------------------


def cron_trigger(expression: str, jitter: int | None = None) -> BaseTrigger:
    """The trigger of a standard crontab line in Asia/Shanghai (crawler/cron.py, the seeds' own rule)."""
    return crontab_trigger(expression, timezone=TIMEZONE, jitter=jitter)


def crawl_groups(seed_set: SeedSet) -> dict[str, list[str]]:
    """Enabled sources grouped by identical cron expression (whitespace-normalised).

    A seed file that does not load joins the default schedule's group: the crawl records a failing run
    naming its file and key, so a broken seed reaches the admin like a broken site instead of going silent.
    """
    groups: dict[str, list[str]] = {}
    for source in seed_set.enabled():
        groups.setdefault(" ".join(source.schedule.split()), []).append(source.id)
    default = " ".join(str(Source.model_fields["schedule"].default).split())
    for error in seed_set.errors:
        source_id = error.path.stem
        if is_slug(source_id) and source_id not in seed_set.sources and error.path.is_file():
            groups.setdefault(default, []).append(source_id)
    return {cron: sorted(set(ids)) for cron, ids in sorted(groups.items())}


def load_sources(store: Store, seeds: str | None) -> SeedSet:
    """Load the seeds (broken files logged, the others kept) and refresh the source rows from them."""
    seed_set = load_seeds(seeds)
    for error in seed_set.errors:
        log.error("seed file not loaded: %s", error)
    if not seed_set.enabled():
        log.warning("no enabled source in the seeds folder: nothing will be crawled")
    store.sync_sources(seed_set.sources.values())
    return seed_set


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), max(size, 1)):
        yield list(items[start : start + size])


def domain_chunks(source_ids: Sequence[str], domains: Mapping[str, str], size: int) -> list[list[str]]:
    """Chunks of at most `size` sources in which a domain's sources always stay together.

    Chunks may then crawl at the same time without two processes ever asking one site at once.
    `domains` maps source ids to their first listing host (Store.source_domains); others go alone.
    """
    by_domain: dict[str, list[str]] = {}
    for source_id in source_ids:
        by_domain.setdefault(domains.get(source_id) or f"?{source_id}", []).append(source_id)
    chunks: list[list[str]] = []
    for group in by_domain.values():
        if chunks and len(chunks[-1]) + len(group) <= max(size, 1):
            chunks[-1].extend(group)
        else:
            chunks.append(list(group))
    return chunks


def source_domains(store: Store, source_ids: Sequence[str], seeds: str | None) -> dict[str, str]:
    """Each source's first listing host: from the source rows the service keeps in sync (no seed file is
    parsed again per run), and from the seed files only for sources that have no row yet."""
    domains = store.source_domains(list(source_ids))
    missing = [source_id for source_id in source_ids if source_id not in domains]
    if missing:
        for source in load_seeds(seeds, only=missing).sources.values():
            if source.domains:
                domains[source.id] = source.domains[0]
    return domains


def _runner(dotted: str) -> Callable[..., Any]:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


# --- running a group -------------------------------------------------------------------------------------

# Set while the service stops: jobs that have not launched their subprocess yet skip it.
_stopping = threading.Event()
_stores: dict[str | None, Store] = {}
_stores_lock = threading.Lock()
# At most --max-parallel crawl subprocesses in this process, whether they come from one big group's
# chunks or from several groups due together.
_crawl_slots: threading.BoundedSemaphore | None = None


def _slots(size: int) -> threading.BoundedSemaphore:
    global _crawl_slots
    with _stores_lock:
        if _crawl_slots is None:
            _crawl_slots = threading.BoundedSemaphore(max(size, 1))
        return _crawl_slots


def _store(db_url: str | None) -> Store:
    """One Store per database for the job threads (opening one checks the schema: do it once)."""
    with _stores_lock:
        if db_url not in _stores:
            _stores[db_url] = Store(db_url)
        return _stores[db_url]


def run_group(source_ids: Sequence[str], options: ServiceOptions, label: str = "manual") -> GroupOutcome:
    """Crawl these sources in as few subprocesses as group_size allows; a crash is recorded, never raised."""
    outcome = GroupOutcome(label=label)
    store = _store(options.db_url)
    if options.nodes:
        return _run_on_nodes(source_ids, options, outcome, store)
    chunks = domain_chunks(list(source_ids), source_domains(store, source_ids, options.seeds), options.group_size)
    if len(chunks) == 1 or options.max_parallel <= 1:
        for index, chunk in enumerate(chunks):
            if _stopping.is_set():
                log.info("service stopping: crawl of %s not started", ",".join(chunk))
                break
            _run_chunk(index, chunk, options, outcome, store)
        return outcome
    # Chunks share no domain: they crawl side by side (one per CPU is what a 10,000-source pass needs).
    with PoolExecutor(max_workers=options.max_parallel) as pool:
        for future in [
            pool.submit(_run_chunk, index, chunk, options, outcome, store) for index, chunk in enumerate(chunks)
        ]:
            future.result()
    return outcome


def _run_chunk(index: int, chunk: list[str], options: ServiceOptions, outcome: GroupOutcome, store: Store) -> None:
    """One crawl subprocess of a group, within the process-wide bound on parallel crawls."""
    runner = _runner(options.runner)
    logs = Path(options.logs_dir)
    label = outcome.label
    with _slots(options.max_parallel):
        if _stopping.is_set():
            log.info("service stopping: crawl of %s not started", ",".join(chunk))
            return
        stamp = clock.to_shanghai(clock.now()) or datetime.now(UTC)
        log_file = logs / f"{stamp:%Y%m%d-%H%M%S}-{slugify(label)}-{index}-{os.getpid()}.log"
        shown = ",".join(chunk[:5]) + (f",… (+{len(chunk) - 5})" if len(chunk) > 5 else "")
        log.info("crawling %d source(s) [%s]: %s (log %s)", len(chunk), label, shown, log_file)
        result: Any = None
        problem = ""
        try:
            result = runner(
                chunk,
                db_url=options.db_url,
                seeds=options.seeds,
                log_file=log_file,
                timeout=options.crawl_timeout,
                env=options.crawl_env or None,
                settings=options.crawl_settings or None,
            )
        except CrawlBusy as exc:
            # Another crawl of these sources (a manual `govwatch crawl`) is running: not a crash, try next time.
            log.warning("crawl of %s not started: %s", ",".join(chunk), exc)
            outcome.log_files.append(str(log_file))
            for source_id in chunk:
                outcome.statuses[source_id] = "busy"
            return
        except Exception as exc:  # noqa: BLE001  (the service goes on; the runs are recorded as crashed)
            log.exception("could not run the crawl of %s", ",".join(chunk))
            problem = f"could not start the crawl: {type(exc).__name__}: {exc}"
        outcome.log_files.append(str(log_file))
        if result is not None and (result.returncode != 0 or result.timed_out):
            problem = "timed out" if result.timed_out else f"exit status {result.returncode}"
            log.error("crawl of %s ended badly (%s): see %s", ",".join(chunk), problem, log_file)
        _record_outcomes(store, chunk, result, problem, log_file, outcome)


def _run_on_nodes(source_ids: Sequence[str], options: ServiceOptions, outcome: GroupOutcome, store: Store) -> GroupOutcome:
    """The whole group at once on the Scrapyd nodes (one job per node; a domain never spans two)."""
    from scheduler.nodes import Cluster

    cluster = Cluster(options.nodes, node_timeout=options.node_timeout, poll=options.node_poll)
    where = Path("scrapyd:" + ",".join(options.nodes))  # the jobs' logs are on the nodes
    log.info("crawling %d source(s) [%s] on %d node(s)", len(source_ids), outcome.label, len(options.nodes))
    result: Any = None
    problem = ""
    try:
        result = cluster.run(
            source_ids,
            domains=source_domains(store, source_ids, options.seeds),
            store=store,
            timeout=options.crawl_timeout,
            env=options.crawl_env or None,
            settings=options.crawl_settings or None,
        )
    except Exception as exc:  # noqa: BLE001  (no node alive, a database hiccup: recorded as crashed)
        log.exception("could not run the crawl of %d source(s) on the nodes", len(source_ids))
        problem = f"could not run on the nodes: {type(exc).__name__}: {exc}"
    if result is not None and result.timed_out:
        problem = "timed out"
    _record_outcomes(store, source_ids, result, problem, where, outcome)
    return outcome


def _record_outcomes(
    store: Store, chunk: Sequence[str], result: Any, problem: str, log_file: Path, outcome: GroupOutcome
) -> None:
    """Every source of the chunk ends with a finished run: a crash leaves none (or a 'crashed' one) behind."""
    runs = {run.source_id: run for run in (result.runs if result is not None else [])}
    for source_id in chunk:
        run = runs.get(source_id)
        if run is not None and run.status != "crashed":
            outcome.statuses[source_id] = run.status
            continue
        outcome.crashed = True
        if _stopping.is_set():
            # We stopped this crawl ourselves: not the source's fault, so its health is left alone.
            outcome.statuses[source_id] = "interrupted"
            continue
        try:
            if run is None:
                note = f"the crawl process ended without running this source ({problem or 'no run recorded'}); log: {log_file}"
                run_id, errors = store.begin_run(source_id), [note]
            else:
                # The runner already closed it as crashed; finishing it again counts it in the source's health.
                run_id, errors = run.id or 0, [*run.errors, f"log: {log_file}"]
            change = store.finish_run(run_id, "crashed", {}, errors)
            outcome.statuses[source_id] = "crashed"
            alerts.health_changed(store, change)
        except Exception:  # noqa: BLE001
            log.exception("could not record the crashed run of %s", source_id)


def crawl_job(cron: str, source_ids: list[str], options: dict[str, Any]) -> dict[str, str]:
    """The persisted job: crawl one cron group, then deliver what it queued. Never raises."""
    opts = ServiceOptions.from_job_arg(options)
    try:
        outcome = run_group(source_ids, opts, label=cron)
    except Exception:  # noqa: BLE001
        log.exception("crawl job %r failed", cron)
        return {}
    deliver_job(options)
    return outcome.statuses


def deliver_job(options: dict[str, Any]) -> int:
    """The periodic job: send due outbox rows (retries, and digests whose time has come)."""
    try:
        delivered = alerts.deliver_due(_store(options.get("db_url")))
    except Exception:  # noqa: BLE001  (a broken alerts.yaml or database hiccup: try again next time)
        log.exception("outbox delivery failed")
        return 0
    if delivered:
        log.info("delivered %d alert message(s)", delivered)
    return delivered


def housekeeping_job(options: dict[str, Any]) -> dict[str, object]:
    """The daily job: remove old crawl logs and finished outbox rows. Never raises."""
    opts = ServiceOptions.from_job_arg(options)
    policy = RetentionPolicy(keep_logs_days=opts.keep_logs_days, keep_outbox_days=opts.keep_outbox_days)
    try:
        report = prune(_store(opts.db_url).engine, policy, Path(opts.logs_dir))
    except Exception:  # noqa: BLE001  (a locked file or database hiccup: try again tomorrow)
        log.exception("housekeeping failed")
        return {}
    if report.log_files or report.outbox_rows:
        log.info(
            "housekeeping: removed %d crawl log(s) (%d bytes) and %d finished outbox row(s)",
            len(report.log_files),
            report.log_bytes,
            report.outbox_rows,
        )
    return report.as_dict()


# --- the service -----------------------------------------------------------------------------------------


class Service:
    """Build, start and stop the scheduler; hold the one-service-per-database lock while it runs."""

    def __init__(
        self, options: ServiceOptions, scheduler_class: type[BaseScheduler] = BlockingScheduler
    ) -> None:
        self.options = options
        self.scheduler_class = scheduler_class
        self.store = Store(options.db_url)
        self.lock = RunLock(self.store.engine, on_lost=self.request_stop)
        self.scheduler: BaseScheduler | None = None
        self._stop_thread: threading.Thread | None = None
        self._finished = threading.Event()

    # --- jobs -------------------------------------------------------------------------------------------

    def _stored_next_run_times(self) -> dict[str, float | None]:
        engine = self.store.engine
        if JOBS_TABLE not in inspect(engine).get_table_names():
            return {}
        table = Table(JOBS_TABLE, MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            return {
                row.id: row.next_run_time
                for row in connection.execute(select(table.c.id, table.c.next_run_time))
            }

    def _drop_stale_jobs(self, keep: set[str]) -> None:
        engine = self.store.engine
        if JOBS_TABLE not in inspect(engine).get_table_names():
            return
        table = Table(JOBS_TABLE, MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            removed = connection.execute(
                delete(table).where(table.c.id.like(f"{CRAWL_JOB_PREFIX}%"), table.c.id.not_in(keep or {""}))
            ).rowcount
        if removed:
            log.info("removed %d job(s) whose sources changed schedule or were disabled", removed)

    def build(self) -> BaseScheduler:
        """The scheduler with one job per cron group (missed runs kept) and the delivery job."""
        opts = self.options
        groups = crawl_groups(load_sources(self.store, opts.seeds))
        scheduler = self.scheduler_class(
            timezone=TIMEZONE,
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.store.engine, tablename=JOBS_TABLE),
                "memory": MemoryJobStore(),
            },
            executors={
                "default": ThreadPoolExecutor(opts.max_parallel),  # bounds concurrent crawl subprocesses
                "delivery": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": opts.misfire_grace},
        )
        stored = self._stored_next_run_times()
        wanted = {f"{CRAWL_JOB_PREFIX}{cron}" for cron in groups}
        self._drop_stale_jobs(wanted)
        job_arg = opts.as_job_arg()
        for cron, source_ids in groups.items():
            job_id = f"{CRAWL_JOB_PREFIX}{cron}"
            extra: dict[str, Any] = {}
            if stored.get(job_id) is not None:
                # Keep the stored next run time: if it passed while we were down, the job runs once now.
                extra["next_run_time"] = datetime.fromtimestamp(float(stored[job_id] or 0), UTC)
            scheduler.add_job(
                crawl_job,
                trigger=cron_trigger(cron, opts.jitter),
                args=[cron, source_ids, job_arg],
                id=job_id,
                name=f"crawl {len(source_ids)} source(s) at '{cron}'",
                replace_existing=True,
                **extra,
            )
            log.info("job %s: %s", job_id, ",".join(source_ids))
        # Service chores: in memory (rebuilt at every start), one at a time on their own thread.
        chores: tuple[tuple[str, Callable[..., Any], Any, str, dict[str, Any]], ...] = (
            (
                "deliver",
                deliver_job,
                IntervalTrigger(seconds=opts.deliver_every, start_date=clock.now(), timezone=TIMEZONE),
                "deliver the outbox",
                {"next_run_time": clock.now()},
            ),
            (
                "housekeeping",
                housekeeping_job,
                cron_trigger(HOUSEKEEPING_CRON),
                "remove old logs and sent alerts",
                {},
            ),
        )
        for job_id, function, trigger, name, extra in chores:
            scheduler.add_job(
                function,
                trigger=trigger,
                args=[job_arg],
                id=job_id,
                name=name,
                jobstore="memory",
                executor="delivery",
                replace_existing=True,
                **extra,
            )
        scheduler.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self.scheduler = scheduler
        return scheduler

    @staticmethod
    def _on_event(event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "job %s missed its run at %s (beyond the misfire grace time)",
                event.job_id,
                event.scheduled_run_time,
            )
        elif event.exception is not None:
            log.error("job %s failed: %s", event.job_id, event.exception)

    # --- life cycle ---------------------------------------------------------------------------------------

    def run(self, install_signals: bool = True) -> None:
        """Take the lock, run until SIGTERM/SIGINT (or stop()), release the lock. Raises LockHeld."""
        alerts_config_check()
        self.lock.acquire()
        _stopping.clear()
        blocking = issubclass(self.scheduler_class, BlockingScheduler)
        try:
            scheduler = self.build()
            if install_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, lambda signum, _frame: self.request_stop(signal.Signals(signum).name))
            self.lock.start_heartbeat()
            log.info(
                "govwatch run: %d crawl group(s); Ctrl-C or SIGTERM stops", len(scheduler.get_jobs()) - 1
            )
            scheduler.start()  # a BlockingScheduler returns only after shutdown
        except BaseException:
            self._finish()
            raise
        if blocking:
            self._finish()

    def request_stop(self, reason: str = "stop requested") -> None:
        """Safe from a signal handler: stop in a helper thread (shutdown waits for running jobs)."""
        if self._stop_thread is not None:
            log.warning("already stopping (%s); a further signal stops at once", reason)
            for sig in (signal.SIGTERM, signal.SIGINT):
                if threading.current_thread() is threading.main_thread():
                    signal.signal(sig, signal.SIG_DFL)
            return
        log.info("stopping: %s", reason)
        self._stop_thread = threading.Thread(target=self._shutdown, name="govwatch-stop", daemon=True)
        self._stop_thread.start()

    def _shutdown(self) -> None:
        _stopping.set()
        terminate_crawls(self.options.term_grace)
        # A signal that arrives while the service is still starting: wait for the scheduler to run, then stop it.
        deadline = time.monotonic() + 30
        while self.scheduler is None or not self.scheduler.running:
            if self._finished.is_set() or time.monotonic() > deadline:
                return
            time.sleep(0.05)
        self.scheduler.shutdown(wait=True)

    def stop(self) -> None:
        """Stop and wait (for tests and embedding)."""
        self.request_stop()
        if self._stop_thread is not None:
            self._stop_thread.join(timeout=60)
        self._finish()

    def _finish(self) -> None:
        if self._finished.is_set():
            return
        self._finished.set()
        self.lock.release()
        # The stop is over (the scheduler waited for its jobs): a later run_group in this process, such as
        # the next test on the same worker, must not be taken for a crawl we stopped ourselves.
        _stopping.clear()
        log.info("govwatch run stopped")


def alerts_config_check() -> None:
    """Refuse to start with a broken alerts.yaml (raises AlertsConfigError naming file and key)."""
    from crawler.alerts.config import load_alerts

    load_alerts()


def terminate_crawls(grace: float = TERM_GRACE_SECONDS) -> list[int]:
    """SIGTERM the crawl subprocesses this process started; SIGKILL those still there after `grace` seconds.

    The runner keeps their Popen handles (crawler.runner.live_crawls); each leads its own process group,
    so Scrapy's worker processes get the signal too. Scrapy stops gracefully on SIGTERM; the runner's wait
    then returns and the job thread ends. Returns the pids still alive (none).
    """
    pids = [process.pid for process in live_crawls()]
    if pids:
        log.info("stopping running crawl(s) %s (SIGTERM, SIGKILL after %.0f s)", pids, grace)
    return stop_crawls(grace)


def _stop_once_run(signum: int, _frame: object) -> None:
    """SIGTERM/SIGINT during `run --once`: start no new crawl, stop the running ones, then exit normally."""
    log.info("stopping: %s", signal.Signals(signum).name)
    _stopping.set()
    threading.Thread(target=terminate_crawls, name="govwatch-stop", daemon=True).start()


def run_once(options: ServiceOptions) -> dict[str, GroupOutcome]:
    """`govwatch run --once`: every enabled source now (grouped by cron), then deliver; holds the lock."""
    alerts_config_check()
    store = Store(options.db_url)
    groups = crawl_groups(load_sources(store, options.seeds))
    with RunLock(store.engine):
        _stopping.clear()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous = {sig: signal.signal(sig, _stop_once_run) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            with PoolExecutor(max_workers=max(options.max_parallel, 1)) as pool:
                futures = {cron: pool.submit(run_group, ids, options, cron) for cron, ids in groups.items()}
                outcomes = {cron: future.result() for cron, future in futures.items()}
            deliver_job(options.as_job_arg())
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return outcomes
