"""`make bench-scale`: thousands of sources on one box — a first crawl, then a daily pass, per size.

The simulated web serves every site by name (Host-header virtual hosting, crawler/simulator/vhosts.py) in
a process of its own, with per-site latency and a one-second delay per domain in the seeds. The crawl goes
through the scheduler's own path (scheduler/service.py: load the seeds, group, run_group in chunks), so
what grows per source there is measured too. Several sizes run in one invocation; the per-source columns
of the larger sizes, as ratios to the smallest, show what does not stay O(1).

    .venv/bin/python benchmarks/bench_scale.py --sizes 500,2000 [--group-size 1000] [--db postgresql://…]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_crawl import TreeMemory, print_table  # noqa: E402
from crawler.models import ChangeEvent, CrawlRun, Item, ItemVersion  # noqa: E402

GOAL_SECONDS = 30 * 60  # the daily pass of 10,000 sources
GOAL_RSS = 1 << 30
# The delay between two requests to one site: 1 s, AutoThrottle starting a new site at 2 s, ±50% jitter.
POLITE_SECONDS_PER_REQUEST = 1.25


def simulator_main(conn: Connection, sites: int, articles: int, new_per_site: int, seeds: str, delay: float,
                   latency: tuple[float, float], sockets: int) -> None:
    """The simulated web in its own process (its CPU is not the crawler's); commands arrive on `conn`."""
    from crawler.simulator import SimulatedWeb
    from crawler.simulator.vhosts import Latency

    web = SimulatedWeb.scaled(
        sites=sites,
        articles_per_site=articles,
        page_size=articles,  # one listing page per site: the daily pass reads one page, as real sites do
        hosting="name",
        new_per_site=new_per_site,
        sockets=sockets,
        latency=Latency(*latency),
        download_delay=delay,
    )
    with web:
        web.write_seeds(seeds)
        conn.send(("ready", web.crawl_settings()))
        while True:
            command, argument = conn.recv()
            if command == "advance":
                web.advance_to(argument)
                web.clear_logs()
                truth = web.truth(argument)
                conn.send((len(truth.new), len(truth.edited), len(truth.deleted)))
            elif command == "requests":
                logs = [web.requests(key) for key in web.servers]
                conn.send((sum(len(log) for log in logs), max(web.max_concurrency(k) for k in web.servers)))
            else:
                conn.send("bye")
                return


@dataclass
class Phase:
    """One measured crawl of every source."""

    label: str
    sources: int
    wall: float
    requests: int
    cpu: float  # crawl processes and their workers
    scheduler_cpu: float  # this process: the scheduler's own work
    peak_rss: int
    max_site_concurrency: int
    runs_ok: int
    new: int
    truth_new: int


def descendants_rss(exclude: int) -> int:
    """Summed RSS of this process and its descendants, leaving out the simulator's process."""
    children, rss, _cpu = TreeMemory.process_table()
    total, todo = rss.get(os.getpid(), 0), [pid for pid in children.get(os.getpid(), []) if pid != exclude]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class Sampler(TreeMemory):
    """TreeMemory without the simulator's process."""

    def __init__(self, exclude: int) -> None:
        super().__init__(interval=0.5)
        self.exclude = exclude

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, descendants_rss(self.exclude))


def db_numbers(db_url: str, sources: int) -> dict[str, float]:
    from crawler.db import init_db

    engine = init_db(db_url)
    with Session(engine) as session:
        counts = {
            name: int(session.exec(select(func.count()).select_from(model)).one())
            for name, model in (("item", Item), ("item_version", ItemVersion), ("change_event", ChangeEvent),
                                ("crawl_run", CrawlRun))
        }
        if engine.dialect.name == "postgresql":
            size = int(session.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
        else:
            path = Path(db_url.removeprefix("sqlite:///"))
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {"bytes": size, **{k: v / sources for k, v in counts.items()}}


def crawl_phase(label: str, day: int, sim: Connection, sim_pid: int, options: Any, ids: list[str],
                db_url: str) -> Phase:
    from crawler.simulator.web import DEFAULT_START
    from scheduler.service import run_group

    truth_new, _edited, _deleted = _ask(sim, ("advance", day))
    os.environ["GOVWATCH_NOW"] = f"{(DEFAULT_START + timedelta(days=day - 1)).isoformat()}T20:00:00"
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with Sampler(sim_pid) as sampler:
        outcome = run_group(ids, options, label=f"day{day}")
    wall = time.perf_counter() - started
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    requests, concurrency = _ask(sim, ("requests", None))
    with Session(_engine(db_url)) as session:
        new = int(session.exec(
            select(func.count()).select_from(ChangeEvent).where(ChangeEvent.change == "new",
                                                              ChangeEvent.created_at >= _day_start(day))
        ).one())
    return Phase(
        label=label,
        sources=len(ids),
        wall=wall,
        requests=requests,
        cpu=_seconds(after_children, before_children),
        scheduler_cpu=_seconds(after_self, before_self),
        peak_rss=sampler.peak_bytes,
        max_site_concurrency=concurrency,
        runs_ok=sum(1 for status in outcome.statuses.values() if status == "ok"),
        new=new,
        truth_new=truth_new,
    )


def _day_start(day: int) -> Any:
    from datetime import datetime, time, timedelta

    from crawler import clock
    from crawler.simulator.web import DEFAULT_START

    return datetime.combine(DEFAULT_START + timedelta(days=day - 1), time(0, 0), clock.SHANGHAI)


def _engine(db_url: str) -> Any:
    from crawler.db import init_db

    return init_db(db_url)


def _seconds(after: resource.struct_rusage, before: resource.struct_rusage) -> float:
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _ask(conn: Connection, message: tuple[str, Any]) -> Any:
    conn.send(message)
    return conn.recv()


def run_size(sites: int, args: argparse.Namespace) -> dict[str, Any]:
    from crawler.config import load_seeds
    from scheduler.service import Service, ServiceOptions

    work = Path(tempfile.mkdtemp(prefix=f"bench-scale-{sites}-"))
    seeds = work / "seeds"
    db_url = args.db or f"sqlite:///{work / 'govwatch.sqlite'}"
    if args.db:
        _reset_postgres(args.db)
    parent, child = multiprocessing.get_context("spawn").Pipe()
    simulator = multiprocessing.get_context("spawn").Process(
        target=simulator_main,
        args=(child, sites, args.articles, args.new_per_site, str(seeds), args.delay,
              (args.latency_low, args.latency_high), args.sockets),
        daemon=True,
    )
    simulator.start()
    try:
        ready, settings = parent.recv()
        options = ServiceOptions(
            db_url=db_url,
            seeds=str(seeds),
            logs_dir=str(work / "logs"),
            # Auto: one chunk per parallel crawl process (a domain never spans two), so both CPUs work.
            group_size=args.group_size or -(-sites // max(args.max_parallel, 1)),
            max_parallel=args.max_parallel,
            crawl_timeout=6 * 3600,
            crawl_settings={
                "CONCURRENT_REQUESTS": args.concurrency,
                **dict(item.split("=", 1) for item in args.setting),
                **settings,
            },
        )
        # Scheduler start-up: seeds read, source rows synced, one job per cron group.
        started = time.perf_counter()
        service = Service(options, scheduler_class=_background())
        scheduler = service.build()
        startup = time.perf_counter() - started
        jobs = len([job for job in scheduler.get_jobs() if job.id.startswith("crawl:")])
        ids = sorted(load_seeds(seeds).sources)
        first = crawl_phase("first crawl", 1, parent, simulator.pid or 0, options, ids, db_url)
        print(f"  first crawl: {first}", flush=True)  # a 10,000-source run is long: show it now
        after_first = db_numbers(db_url, len(ids))
        daily = crawl_phase("daily pass", 2, parent, simulator.pid or 0, options, ids, db_url)
        after_daily = db_numbers(db_url, len(ids))
        logs = list((work / "logs").glob("*.log"))
        _ask(parent, ("stop", None))
    finally:
        simulator.join(timeout=30)
        if simulator.is_alive():
            simulator.kill()
    result = {
        "sites": sites, "sources": len(ids), "startup": startup, "jobs": jobs, "first": first, "daily": daily,
        "db_first": after_first, "db_daily": after_daily, "log_files": len(logs),
        "log_bytes": sum(p.stat().st_size for p in logs),
    }
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")
    return result


def _background() -> type:
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def report(results: list[dict[str, Any]]) -> None:
    base = results[0]
    rows = []
    for result in results:
        for key in ("first", "daily"):
            phase: Phase = result[key]
            pages = max(phase.requests, 1)
            base_phase: Phase = base[key]
            per_source = phase.cpu / phase.sources
            base_per_source = base_phase.cpu / base_phase.sources
            rows.append((
                f"{result['sources']} sources, {phase.label}",
                f"{phase.wall:.0f} s",
                f"{phase.requests}",
                f"{phase.requests / phase.wall:.1f}",
                f"{1000 * phase.cpu / pages:.1f}",
                f"{per_source * 1000:.0f} ms (×{per_source / base_per_source:.2f})",
                f"{phase.scheduler_cpu:.1f} s",
                f"{phase.peak_rss / 2**20:.0f} MB",
                f"{phase.new}/{phase.truth_new}",
                f"{phase.runs_ok}/{phase.sources}",
                f"{phase.max_site_concurrency}",
            ))
    print_table(
        ("run", "wall", "requests", "req/s", "CPU ms/page", "CPU/source (ratio to smallest)", "scheduler CPU",
         "peak RSS", "new found/true", "runs ok", "max per-site concurrency"),
        rows,
    )
    print()
    rows = []
    for result in results:
        db = result["db_daily"]
        rows.append((
            f"{result['sources']} sources",
            f"{result['startup']:.2f} s ({1000 * result['startup'] / result['sources']:.2f} ms/source)",
            f"{result['jobs']}",
            f"{db['bytes'] / 2**20:.1f} MB ({db['bytes'] / result['sources'] / 1024:.1f} kB/source)",
            f"{db['item']:.1f} / {db['item_version']:.1f} / {db['change_event']:.1f} / {db['crawl_run']:.1f}",
            f"{result['log_files']} ({result['log_bytes'] / 2**20:.1f} MB)",
        ))
    print_table(
        ("size", "scheduler start-up", "scheduler jobs", "database after day 2",
         "rows/source: item / version / event / crawl_run", "log files"),
        rows,
    )
    largest = results[-1]
    daily: Phase = largest["daily"]
    cpus = os.cpu_count() or 1
    # On an idle box the pass is bounded by the larger of: the CPU it needs spread over the cores (the
    # chunks crawl side by side), and one site's requests in a row at its politeness delay.
    cpu_bound = 10_000 * (daily.cpu + daily.scheduler_cpu) / daily.sources / cpus
    polite_bound = daily.requests / daily.sources * POLITE_SECONDS_PER_REQUEST
    print(
        f"\ndaily pass of {daily.sources} sources: {daily.wall / 60:.1f} min measured on this (shared) box; "
        f"for 10,000 sources on {cpus} idle CPUs: CPU bound {cpu_bound / 60:.1f} min, politeness bound "
        f"{polite_bound / 60:.1f} min (goal {GOAL_SECONDS // 60} min)"
    )
    if len(results) > 1:
        small, large = results[0]["daily"], daily
        slope = (large.peak_rss - small.peak_rss) / max(large.sources - small.sources, 1)
        rss = large.peak_rss + slope * (10_000 - large.sources)
        print(
            f"peak RSS {large.peak_rss / 2**20:.0f} MB at {large.sources} sources, "
            f"{slope / 1024:.1f} kB more per source: about {rss / 2**20:.0f} MB at 10,000 (goal {GOAL_RSS // 2**20} MB)"
        )
    else:
        print(f"peak RSS {daily.peak_rss / 2**20:.0f} MB (goal {GOAL_RSS // 2**20} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,2000,10000", help="comma-separated source counts")
    parser.add_argument("--articles", type=int, default=8, help="articles per site on day 1")
    parser.add_argument("--new-per-site", type=int, default=3)
    parser.add_argument("--delay", type=float, default=1.0, help="politeness delay per domain (s)")
    parser.add_argument("--latency-low", type=float, default=30.0, help="ms")
    parser.add_argument("--latency-high", type=float, default=300.0, help="ms")
    parser.add_argument("--sockets", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=0, help="sources per crawl process (0: size / max-parallel)")
    parser.add_argument("--max-parallel", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64, help="CONCURRENT_REQUESTS per crawl process")
    parser.add_argument("--setting", action="append", default=[], metavar="K=V", help="Scrapy setting for the crawls")
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (its public schema is emptied!)")
    parser.add_argument("--keep", action="store_true", help="keep the work folders")
    args = parser.parse_args()
    results = []
    for size in [int(part) for part in args.sizes.split(",") if part]:
        print(f"… {size} sites (one source each)", flush=True)
        results.append(run_size(size, args))
        report(results)
        print(flush=True)


if __name__ == "__main__":
    main()
