"""Crawl benchmark (`make bench-crawl`): the full govwatch crawl against a bare Scrapy spider on the same pages.

In one run, on the scaled simulated web (default 20 sites × 500 articles):
1. the full crawl (fetch, extract, store) of every site, into a fresh SQLite database;
2. a bare Scrapy spider, same settings and politeness, that only downloads the same pages (the ceiling);
3. a second full crawl with nothing changed (incremental paging, nothing due for a revisit).
Prints a markdown table: pages/s and their ratio, peak memory, and the re-crawl's requests and bytes as a
fraction of the first crawl's. Aims: ratio ≥ 0.5, peak RSS < 400 MB, re-crawl < 10% of the bytes.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import scrapy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATS_START = re.compile(
    r"\[scrapy\.statscollectors\] INFO: Dumping Scrapy stats:\n(\{.*?\})\n(?=\d{4}-|\Z)", re.DOTALL
)
STATS_WANTED = (
    "downloader/request_count",
    "downloader/response_count",
    "downloader/response_bytes",
    "elapsed_time_seconds",
    "memusage/max",
    "item_scraped_count",
)


class BareSpider(scrapy.Spider):
    """Downloads a fixed list of URLs and does nothing with them: the ceiling for the full crawl."""

    name = "bare"

    def __init__(self, urls: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url_list = Path(urls).read_text(encoding="utf-8").split()

    async def start(self):  # type: ignore[no-untyped-def]
        for url in self.url_list:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        return None


class TreeMemory:
    """Samples the summed RSS of this process's descendants (the crawl and its extraction workers)."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval, self.peak_bytes = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def descendants_rss() -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        page = os.sysconf("SC_PAGE_SIZE")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry.name)
            children.setdefault(int(fields[1]), []).append(pid)  # fields[1] is the parent pid
            rss[pid] = int(fields[21]) * page
        total, todo = 0, list(children.get(os.getpid(), []))
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, self.descendants_rss())

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def read_stats(log_file: Path) -> dict[str, float]:
    """The numbers we need from the stats Scrapy dumps at the end of its log."""
    match = STATS_START.search(log_file.read_text(encoding="utf-8", errors="replace"))
    if not match:
        raise RuntimeError(f"no stats in {log_file}")
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", match.group(1))
    stats = ast.literal_eval(text)
    return {key: float(stats.get(key, 0) or 0) for key in STATS_WANTED}


def run_full(
    source_ids: list[str], db_url: str, seeds: Path, log: Path, now: str, settings: dict[str, Any]
) -> tuple[dict[str, float], float]:
    from crawler.runner import run_crawl

    started = time.perf_counter()
    result = run_crawl(
        source_ids, db_url=db_url, seeds=seeds, log_file=log, env={"GOVWATCH_NOW": now}, settings=settings
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"crawl failed ({result.returncode}); see {log}")
    bad = [run for run in result.runs if run.status != "ok"]
    if bad:
        raise RuntimeError(f"runs not ok: {[(run.source_id, run.status, run.errors[:2]) for run in bad]}")
    return read_stats(log), wall


def run_bare(urls: list[str], hosts: list[str], folder: Path) -> tuple[dict[str, float], float]:
    url_file = folder / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    log = folder / "bare.log"
    slots = {host: {"delay": 0.0, "jitter": 0.0} for host in hosts}  # as the seeds ask of the full crawl
    command = [
        sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve()), "-a", f"urls={url_file}",
        "-s", "ITEM_PIPELINES={}", "-s", f"DOWNLOAD_SLOTS={json.dumps(slots)}", "-s", f"LOG_FILE={log}",
    ]  # fmt: skip
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(PROJECT_ROOT)}
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_stats(log), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--articles", type=int, default=500, help="articles per site")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument(
        "--extract-processes",
        type=int,
        default=-1,
        help="GOVWATCH_EXTRACT_PROCESSES of the full crawl (-1: auto)",
    )
    parser.add_argument(
        "--store-thread",
        action="store_true",
        help="store in a thread of the crawl (GOVWATCH_STORE_PROCESS off)",
    )
    args = parser.parse_args()

    from crawler.simulator import SimulatedWeb

    folder = Path(tempfile.mkdtemp(prefix="govwatch-bench-"))
    web = SimulatedWeb.scaled(sites=args.sites, articles_per_site=args.articles, page_size=args.page_size)
    with web:
        web.advance_to(1)
        seeds = folder / "seeds"
        ids = [path.stem for path in web.write_seeds(seeds)]
        now = web.now(1).isoformat()
        db_url = f"sqlite:///{folder / 'govwatch.db'}"
        print(
            f"simulated web: {args.sites} sites × {args.articles} articles; work folder {folder}",
            file=sys.stderr,
        )

        settings = {
            "GOVWATCH_EXTRACT_PROCESSES": args.extract_processes,
            "GOVWATCH_STORE_PROCESS": not args.store_thread,
        }
        with TreeMemory() as tree:
            full, full_wall = run_full(ids, db_url, seeds, folder / "full.log", now, settings)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the full crawl's subprocess
        urls = [
            web.base_url(key) + request.path
            for key in web.servers
            for request in web.requests(key)
            if request.status == 200 and request.path != "/robots.txt"
        ]
        hosts = [web.base_url(key).split("//", 1)[1].split(":", 1)[0] for key in web.servers]
        web.clear_logs()
        bare, bare_wall = run_bare(urls, hosts, folder)
        again, again_wall = run_full(ids, db_url, seeds, folder / "again.log", now, settings)

    def rate(stats: dict[str, float]) -> float:
        return stats["downloader/response_count"] / max(stats["elapsed_time_seconds"], 1e-9)

    ratio = rate(full) / rate(bare)
    peak_mb = peak_kb / 1024
    requests_fraction = again["downloader/request_count"] / full["downloader/request_count"]
    bytes_fraction = again["downloader/response_bytes"] / full["downloader/response_bytes"]
    rows = [
        ("pages downloaded", f"{bare['downloader/response_count']:.0f}", f"{full['downloader/response_count']:.0f}", ""),
        ("pages/s (spider open → close)", f"{rate(bare):.1f}", f"{rate(full):.1f}", f"ratio {ratio:.2f} (aim ≥ 0.50)"),
        ("wall time incl. process start, s", f"{bare_wall:.1f}", f"{full_wall:.1f}", ""),
        ("items stored", "-", f"{full['item_scraped_count']:.0f}", ""),
        ("peak RSS, largest process, MB", f"{bare['memusage/max'] / 2**20:.0f}", f"{peak_mb:.0f}", "aim < 400"),
        ("peak RSS, crawl + extraction workers, MB", "-", f"{tree.peak_bytes / 2**20:.0f}", "aim < 400"),
        ("re-crawl, nothing changed: requests", "-", f"{again['downloader/request_count']:.0f}",
         f"{requests_fraction:.1%} of the first crawl"),
        ("re-crawl, nothing changed: bytes", "-", f"{again['downloader/response_bytes']:.0f}",
         f"{bytes_fraction:.1%} of the first crawl (aim < 10%)"),
        ("re-crawl wall time, s", "-", f"{again_wall:.1f}", ""),
    ]  # fmt: skip
    print(
        f"\n### Crawl benchmark: {args.sites} sites × {args.articles} articles (simulated web, loopback; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; extract processes {args.extract_processes}; "
        f"store process {not args.store_thread})\n"
    )
    print("| measure | bare Scrapy spider | govwatch crawl | note |")
    print("|---|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\nfirst crawl: {full['downloader/response_bytes'] / 2**20:.1f} MB received; "
        f"largest-process peak from getrusage(RUSAGE_CHILDREN), the sum over the crawl and its workers sampled from /proc; bare peak from Scrapy's memusage."
    )
    aims = ratio >= 0.5 and max(peak_mb, tree.peak_bytes / 2**20) < 400 and bytes_fraction < 0.10
    print("all aims met" if aims else "NOT all aims met")


if __name__ == "__main__":
    main()
