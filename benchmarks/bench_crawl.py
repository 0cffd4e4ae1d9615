"""Crawl benchmark (`make bench-crawl`): the full govwatch crawl against a bare Scrapy spider on the same pages.

In one run, on the scaled simulated web (default 20 sites × 500 articles):
1. the full crawl (fetch, extract, store) of every site, into a fresh SQLite database;
2. a bare Scrapy spider, same settings and politeness, that only downloads the same pages (the ceiling);
3. a second full crawl with nothing changed (incremental paging, nothing due for a revisit).
Prints a markdown table: pages/s and their ratio, CPU per page by process (and the CPU-bound ceiling it
implies), peak memory, and the re-crawl's requests and bytes as a fraction of the first crawl's. Aims:
ratio ≥ 0.5, peak RSS < 400 MB, re-crawl < 10% of the bytes. Then the same comparison, smaller, with a
per-site delay as real crawls have (`--polite-delay`), where politeness, not CPU, sets the pace.
Last, the browser path (`--browser-articles`): one simulated site crawled over plain HTTP, the same site
behind a JavaScript challenge opened page by page in Chromium, and behind each challenge with the browser's
cookies reused: responses/s, peak memory of the whole process tree (Chromium and Playwright's driver
included; PSS, aim < 800 MB, and the sum of RSS, which counts pages shared between Chromium's processes once
per process) and the share of responses that needed the browser.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scrapy
import yaml

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
    """Samples the summed RSS of this process's descendants, and the CPU seconds of its direct children.

    The direct child is the crawl process (its workers are grandchildren): its CPU, with the exact total
    from getrusage(RUSAGE_CHILDREN), splits the crawl's CPU into the Scrapy process and its workers.
    """

    def __init__(self, interval: float = 0.25, proportional: bool = False) -> None:
        self.interval, self.peak_bytes = interval, 0
        # Also PSS: a multi-process browser shares most of its pages, which a sum of RSS counts N times.
        self.proportional, self.peak_pss = proportional, 0
        self.child_cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def process_table() -> tuple[dict[int, list[int]], dict[int, int], dict[int, float]]:
        """One read of every /proc/<pid>/stat: children by parent, RSS bytes and CPU seconds by pid."""
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        cpu: dict[int, float] = {}
        page, ticks = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
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
            cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        return children, rss, cpu

    def _sample(self) -> None:
        children, rss, cpu = self.process_table()
        mine = children.get(os.getpid(), [])
        self.child_cpu.update({pid: cpu[pid] for pid in mine})
        total, proportional, todo = 0, 0, list(mine)
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            proportional += pss_of(pid) if self.proportional else 0
            todo.extend(children.get(pid, []))
        self.peak_bytes = max(self.peak_bytes, total)
        self.peak_pss = max(self.peak_pss, proportional)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def pss_of(pid: int) -> int:
    """Proportional set size of one process in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


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


def run_bare(
    urls: list[str], hosts: list[str], folder: Path, delay: float = 0.0
) -> tuple[dict[str, float], float]:
    url_file = folder / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    log = folder / "bare.log"
    # The same per-site slots as the seeds give the full crawl (no jitter only when there is no delay).
    slots = {host: {"delay": delay, **({} if delay else {"jitter": 0.0})} for host in hosts}
    command = [
        sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve()), "-a", f"urls={url_file}",
        "-s", "ITEM_PIPELINES={}", "-s", f"DOWNLOAD_SLOTS={json.dumps(slots)}", "-s", f"LOG_FILE={log}",
    ]  # fmt: skip
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(PROJECT_ROOT)}
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_stats(log), time.perf_counter() - started


@dataclass
class CpuUse:
    """CPU seconds one run cost: the crawl's Scrapy process, its worker processes, and the simulated web."""

    crawl_process: float
    workers: float
    simulator: float

    @property
    def total(self) -> float:
        return self.crawl_process + self.workers + self.simulator


def measured(call: Callable[[], Any]) -> tuple[Any, CpuUse, int]:
    """Run `call` (one crawl subprocess); its result, the CPU it cost and the peak RSS of the process tree.

    Children's CPU is exact (getrusage of the waited-for crawl and, through it, its workers); the split
    between the Scrapy process and its workers comes from sampling /proc. The simulated web runs in
    threads of this process, so this process's own CPU is the simulator's (plus the sampler's little).
    """
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    with TreeMemory() as tree:
        result = call()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_after = resource.getrusage(resource.RUSAGE_SELF)

    def seconds(after: resource.struct_rusage, before: resource.struct_rusage) -> float:
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    children = seconds(children_after, children_before)
    crawl = min(max(tree.child_cpu.values(), default=0.0), children)
    return result, CpuUse(crawl, children - crawl, seconds(self_after, self_before)), tree.peak_bytes


def slow_down(seed_files: list[Path], delay: float) -> None:
    """Give every simulated seed the same per-site delay (the politeness a real crawl runs with)."""
    for path in seed_files:
        seed = yaml.safe_load(path.read_text(encoding="utf-8"))
        seed["politeness"] = {**seed.get("politeness", {}), "download_delay": delay}
        path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")


@dataclass
class Comparison:
    """One side-by-side run on one simulated web: the full crawl, the bare spider, the re-crawl."""

    full: dict[str, float]
    full_wall: float
    full_cpu: CpuUse
    full_tree_peak: int
    full_peak_kb: int
    bare: dict[str, float]
    bare_wall: float
    bare_cpu: CpuUse
    again: dict[str, float]
    again_wall: float


def compare(sites: int, articles: int, page_size: int, delay: float, settings: dict[str, Any]) -> Comparison:
    """Full crawl, then the bare spider on exactly the pages the full crawl fetched, then a re-crawl."""
    from crawler.simulator import SimulatedWeb

    folder = Path(tempfile.mkdtemp(prefix="govwatch-bench-"))
    web = SimulatedWeb.scaled(sites=sites, articles_per_site=articles, page_size=page_size)
    with web:
        web.advance_to(1)
        seed_files = web.write_seeds(folder / "seeds")
        if delay:
            slow_down(seed_files, delay)
        ids = [path.stem for path in seed_files]
        now = web.now(1).isoformat()
        db_url = f"sqlite:///{folder / 'govwatch.db'}"
        print(
            f"simulated web: {sites} sites × {articles} articles, delay {delay} s; folder {folder}",
            file=sys.stderr,
        )

        (full, full_wall), full_cpu, full_tree_peak = measured(
            lambda: run_full(ids, db_url, folder / "seeds", folder / "full.log", now, settings)
        )
        full_peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
        urls = [
            web.base_url(key) + request.path
            for key in web.servers
            for request in web.requests(key)
            if request.status == 200 and request.path != "/robots.txt"
        ]
        hosts = [web.base_url(key).split("//", 1)[1].split(":", 1)[0] for key in web.servers]
        web.clear_logs()
        (bare, bare_wall), bare_cpu, _ = measured(lambda: run_bare(urls, hosts, folder, delay))
        again, again_wall = run_full(ids, db_url, folder / "seeds", folder / "again.log", now, settings)
    return Comparison(
        full, full_wall, full_cpu, full_tree_peak, full_peak_kb, bare, bare_wall, bare_cpu, again, again_wall
    )


def rate(stats: dict[str, float]) -> float:
    return stats["downloader/response_count"] / max(stats["elapsed_time_seconds"], 1e-9)


def ceiling(pages: float, use: CpuUse, cpus: int) -> float:
    """Pages/s the CPU allows: all processes share the CPUs, and the Scrapy process runs on one at most."""
    return min(cpus * pages / max(use.total, 1e-9), pages / max(use.crawl_process, 1e-9))


def cpu_row(label: str, pages: float, bare: float | None, full: float) -> tuple[str, str, str, str]:
    per_page = (lambda seconds: f"{seconds * 1000 / pages:.2f}") if pages else (lambda seconds: "-")
    return (label, "-" if bare is None else per_page(bare), per_page(full), "")


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
    parser.add_argument(
        "--polite-delay",
        type=float,
        default=0.25,
        help="second, smaller comparison with this per-site delay, as real crawls run (0: skip it)",
    )
    parser.add_argument("--polite-articles", type=int, default=50, help="articles per site in the polite run")
    parser.add_argument(
        "--browser-articles", type=int, default=60, help="articles of the browser-path comparison (0: skip it)"
    )
    parser.add_argument("--browser-only", action="store_true", help="only the browser-path comparison")
    args = parser.parse_args()
    settings = {
        "GOVWATCH_EXTRACT_PROCESSES": args.extract_processes,
        "GOVWATCH_STORE_PROCESS": not args.store_thread,
    }
    cpus = os.cpu_count() or 1
    if args.browser_only:
        browser_section(args, settings, True)
        return

    run = compare(args.sites, args.articles, args.page_size, 0.0, settings)
    full, bare, again = run.full, run.bare, run.again
    ratio = rate(full) / rate(bare)
    peak_mb = run.full_peak_kb / 1024
    tree_mb = run.full_tree_peak / 2**20
    requests_fraction = again["downloader/request_count"] / full["downloader/request_count"]
    bytes_fraction = again["downloader/response_bytes"] / full["downloader/response_bytes"]
    pages = full["downloader/response_count"]
    rows = [
        ("pages downloaded", f"{bare['downloader/response_count']:.0f}", f"{pages:.0f}", ""),
        ("pages/s (spider open → close)", f"{rate(bare):.1f}", f"{rate(full):.1f}", f"ratio {ratio:.2f} (aim ≥ 0.50)"),
        ("wall time incl. process start, s", f"{run.bare_wall:.1f}", f"{run.full_wall:.1f}", ""),
        ("items stored", "-", f"{full['item_scraped_count']:.0f}", ""),
        cpu_row("CPU ms per page: Scrapy process (incl. start-up)", pages, run.bare_cpu.crawl_process, run.full_cpu.crawl_process),
        cpu_row("CPU ms per page: extraction + store processes (incl. start-up)", pages, None, run.full_cpu.workers),
        cpu_row("CPU ms per page: simulated web + this bench (same machine)", pages, run.bare_cpu.simulator,
                run.full_cpu.simulator),
        cpu_row("CPU ms per page: all (incl. start-up)", pages, run.bare_cpu.total, run.full_cpu.total),
        ("CPU-bound ceiling, pages/s", f"{ceiling(pages, run.bare_cpu, cpus):.0f}",
         f"{ceiling(pages, run.full_cpu, cpus):.0f}",
         f"the lower of {cpus} CPUs ÷ all CPU and 1 ÷ the Scrapy process's CPU (one thread)"),
        ("peak RSS, largest process, MB", f"{bare['memusage/max'] / 2**20:.0f}", f"{peak_mb:.0f}", "aim < 400"),
        ("peak RSS, crawl + extraction workers, MB", "-", f"{tree_mb:.0f}", "aim < 400"),
        ("re-crawl, nothing changed: requests", "-", f"{again['downloader/request_count']:.0f}",
         f"{requests_fraction:.1%} of the first crawl"),
        ("re-crawl, nothing changed: bytes", "-", f"{again['downloader/response_bytes']:.0f}",
         f"{bytes_fraction:.1%} of the first crawl (aim < 10%)"),
        ("re-crawl wall time, s", "-", f"{run.again_wall:.1f}", ""),
    ]  # fmt: skip
    print(
        f"\n### Crawl benchmark: {args.sites} sites × {args.articles} articles (simulated web, loopback; "
        f"{cpus} CPUs, load {os.getloadavg()[0]:.1f}; extract processes {args.extract_processes}; "
        f"store process {not args.store_thread})\n"
    )
    print_table(("measure", "bare Scrapy spider", "govwatch crawl", "note"), rows)
    print(
        f"\nfirst crawl: {full['downloader/response_bytes'] / 2**20:.1f} MB received; "
        "largest-process peak from getrusage(RUSAGE_CHILDREN), the sum over the crawl and its workers sampled "
        "from /proc; bare peak from Scrapy's memusage. CPU: exact totals from getrusage, the Scrapy process's "
        "share sampled from /proc every 0.25 s."
    )
    aims = ratio >= 0.5 and max(peak_mb, tree_mb) < 400 and bytes_fraction < 0.10

    if args.polite_delay > 0:
        polite = compare(args.sites, args.polite_articles, args.page_size, args.polite_delay, settings)
        polite_ratio = rate(polite.full) / rate(polite.bare)
        print(
            f"\n### Same comparison with a {args.polite_delay} s delay per site: {args.sites} sites × "
            f"{args.polite_articles} articles (real crawls run with a delay of a second or more)\n"
        )
        print_table(
            ("measure", "bare Scrapy spider", "govwatch crawl", "note"),
            [
                ("pages downloaded", f"{polite.bare['downloader/response_count']:.0f}",
                 f"{polite.full['downloader/response_count']:.0f}", ""),
                ("pages/s (spider open → close)", f"{rate(polite.bare):.1f}", f"{rate(polite.full):.1f}",
                 f"ratio {polite_ratio:.2f}"),
            ],
        )  # fmt: skip
    browser_section(args, settings, aims)


def browser_section(args: argparse.Namespace, settings: dict[str, Any], aims: bool) -> None:
    if args.browser_articles > 0:
        browser_rows, browser_aim = browser_comparison(args.browser_articles, settings)
        if browser_rows:
            print(
                f"\n### Browser path: one site × {args.browser_articles} articles, plain HTTP against Debian's "
                f"chromium (Playwright), in one run (load {os.getloadavg()[0]:.1f})\n"
            )
            print_table(
                ("fetch", "responses", "responses/s", "peak PSS, whole crawl incl. Chromium, MB (aim < 800)",
                 "peak Σ RSS (shared pages counted per process), MB", "responses from the browser",
                 "requests the site saw"),
                browser_rows,
            )  # fmt: skip
        aims = aims and browser_aim
    print("\nall aims met" if aims else "\nNOT all aims met")


def browser_comparison(articles: int, settings: dict[str, Any]) -> tuple[list[tuple[str, ...]], bool]:
    """The same TRS site over plain HTTP, through Chromium page by page, and behind each gate with cookies reused."""
    from crawler.browser import configured_executable, unavailable_reason
    from crawler.simulator import SimulatedWeb
    from crawler.simulator.world import Column, SiteSpec

    reason = unavailable_reason(configured_executable())
    if reason:
        print(f"\nbrowser comparison skipped: {reason}")
        return [], True
    column = Column("news", "工作动态", "/ywdt/hjywnews/", ("news", "meeting", "notice"), articles, 20, code=31000)
    runs = (
        ("plain HTTP, open site", "", "auto", True),
        ("Chromium, every page", "ruishu", "browser", False),
        ("auto, 加速乐 521, cookies reused", "jsl", "auto", True),
        ("auto, Ruishu 412 (expires every 5), cookies reused", "ruishu", "auto", True),
    )
    rows: list[tuple[str, ...]] = []
    peaks: list[float] = []
    for label, gate, mode, reuse in runs:
        folder = Path(tempfile.mkdtemp(prefix="govwatch-bench-browser-"))
        spec = SiteSpec(key="bench", cms="trs", name="模拟生态环境局", org="模拟生态环境局", abbr="模环",
                        site_code="sim90000001", columns=(column,), gate=gate)  # fmt: skip
        with SimulatedWeb(specs=(spec,)) as web:
            seed_files = web.write_seeds(folder / "seeds")
            for path in seed_files:
                seed = yaml.safe_load(path.read_text(encoding="utf-8"))
                seed["fetch"] = mode
                path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
            ids = [path.stem for path in seed_files]
            log = folder / "crawl.log"
            crawl_settings = {**settings, "GOVWATCH_BROWSER_REUSE_COOKIES": reuse}
            crawl = functools.partial(
                run_full, ids, f"sqlite:///{folder / 'g.db'}", folder / "seeds", log, web.now(1).isoformat(),
                crawl_settings,
            )  # fmt: skip
            memory = TreeMemory(proportional=True)
            with memory:
                stats, _wall = crawl()
            browser_pages = sum(
                int(value) for value in re.findall(r"'govwatch/[^/']+/browser_pages': (\d+)", log.read_text())
            )
            site_requests = len([r for r in web.requests("bench") if r.path != "/robots.txt"])
        pages = stats["downloader/response_count"]
        peaks.append(memory.peak_pss / 2**20)
        share = f"{browser_pages / max(pages, 1):.1%}" if gate else "-"
        rows.append((label, f"{pages:.0f}", f"{rate(stats):.1f}", f"{memory.peak_pss / 2**20:.0f}",
                     f"{memory.peak_bytes / 2**20:.0f}", share, f"{site_requests}"))  # fmt: skip
    return rows, max(peaks) < 800


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 2) + "---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
