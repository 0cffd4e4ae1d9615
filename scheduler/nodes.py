"""Crawls on Scrapyd nodes: sources partitioned by domain on a hash ring, jobs followed, dead nodes' batches moved.

`govwatch run --nodes URL[,URL…]` hands each due batch to a node's `schedule.json` instead of a local
subprocess. A source goes to the node its domain hashes to (consistent hashing: adding a node moves only
about 1/N of the domains), so one domain is crawled by one node and stays polite across the cluster.
Jobs are followed through `listjobs.json`; a node that does not answer for `node_timeout` seconds, or
that forgets a job, is declared dead and its unfinished batches go to the next node on the ring. Every
node writes to the one shared PostgreSQL store (the item row lock keeps "new" decided once); the nodes
never send mail: the scheduler delivers the outbox after the batch, in one place.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapyd_client.pyclient import ScrapydClient
from sqlalchemy import func
from sqlmodel import col, select

from crawler import clock
from crawler.models import CrawlRun
from crawler.store import Store

log = logging.getLogger("govwatch.nodes")

PROJECT = "govwatch"  # the Scrapyd project name (scrapy.cfg [deploy] project)
SPIDER = "listing"
RING_REPLICAS = 64  # virtual points per node: an even share of domains for a handful of nodes
DEFAULT_NODE_TIMEOUT = 120.0  # seconds a node may stay unreachable before its batches move
DEFAULT_POLL = 5.0  # seconds between listjobs.json rounds
HTTP_TIMEOUT = 10.0  # one Scrapyd API call; a node that hangs is as dead as one that refuses
# schedule.json runs `scrapy list` on a version's first job (seconds on a busy box): a longer wait.
SCHEDULE_TIMEOUT = 120.0
# Forwarded to the node's crawl as the GOVWATCH_ENV setting (Scrapyd passes settings, not environment);
# the database URL is not: each node has its own GOVWATCH_DB, so no password travels in a job's settings.
FORWARDED_ENV = ("GOVWATCH_NOW",)


class NodeError(RuntimeError):
    """A Scrapyd node that cannot be reached or refuses a call."""


class NodeClient(ScrapydClient):
    """scrapyd-client's client with a timeout on every call (its own has none: a hung node would hang us)."""

    def __init__(self, url: str, timeout: float = HTTP_TIMEOUT) -> None:
        super().__init__(url.rstrip("/"))
        self.timeout = timeout

    def _get(self, basename: str, params: Any = None) -> Any:
        return self._call("get", basename, params=params or {})

    def _post(self, basename: str, data: Any) -> Any:
        timeout = SCHEDULE_TIMEOUT if basename == "schedule" else self.timeout
        return self._call("post", basename, data=data, timeout=timeout)

    def _call(self, method: str, basename: str, timeout: float | None = None, **kwargs: Any) -> Any:
        import requests
        from scrapyd_client.pyclient import HEADERS, _process_response

        try:
            response = requests.request(
                method, f"{self.url}/{basename}.json", headers=HEADERS, auth=self.auth, timeout=timeout or self.timeout,
                **kwargs,
            )
            return _process_response(response)
        except Exception as exc:  # noqa: BLE001 - refused, timed out, garbled or an error answer: all "down"
            raise NodeError(f"{self.url}: {basename}.json: {type(exc).__name__}: {exc}") from exc


class HashRing:
    """Consistent hashing of keys (domains) onto nodes."""

    def __init__(self, nodes: Sequence[str], replicas: int = RING_REPLICAS) -> None:
        if not nodes:
            raise ValueError("a hash ring needs at least one node")
        self.nodes = list(dict.fromkeys(nodes))
        self._points = sorted((_hash(f"{node}#{index}"), node) for node in self.nodes for index in range(replicas))
        self._keys = [point for point, _ in self._points]

    def preference(self, key: str) -> list[str]:
        """Every node, in the order the key tries them: its owner first, then the next ones on the ring."""
        start = bisect.bisect(self._keys, _hash(key)) % len(self._points)
        order: list[str] = []
        for offset in range(len(self._points)):
            node = self._points[(start + offset) % len(self._points)][1]
            if node not in order:
                order.append(node)
                if len(order) == len(self.nodes):
                    break
        return order

    def owner(self, key: str, alive: Iterable[str] | None = None) -> str:
        """The node that crawls `key`: the first live one in its preference list."""
        live = set(self.nodes if alive is None else alive)
        for node in self.preference(key):
            if node in live:
                return node
        raise NodeError("no Scrapyd node is alive")


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def node_name(url: str) -> str:
    """A node's URL without its credentials: what logs and crawl_run.node show."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


@dataclass
class Batch:
    """Sources crawled by one Scrapyd job, and where that job is."""

    sources: list[str]
    domains: set[str]
    node: str = ""
    job: str = ""
    state: str = "new"  # new | pending | running | finished | moved
    since: float = 0.0  # when the node last answered about this job
    history: list[str] = field(default_factory=list)  # nodes this batch was given to, in order


@dataclass
class NodeOutcome:
    """What a run over the nodes did: the runs it wrote (by source) and the batches it moved."""

    runs: list[CrawlRun]
    moved: list[tuple[list[str], str, str]]  # (sources, from node, to node)
    returncode: int = 0
    timed_out: bool = False


class Cluster:
    """Hands batches to Scrapyd nodes and follows them to the end."""

    def __init__(
        self,
        nodes: Sequence[str],
        *,
        node_timeout: float = DEFAULT_NODE_TIMEOUT,
        poll: float = DEFAULT_POLL,
        project: str = PROJECT,
    ) -> None:
        self.ring = HashRing([node.rstrip("/") for node in nodes])
        self.clients = {node: NodeClient(node) for node in self.ring.nodes}
        self.node_timeout, self.poll, self.project = node_timeout, poll, project
        self.dead: set[str] = set()

    @property
    def alive(self) -> list[str]:
        return [node for node in self.ring.nodes if node not in self.dead]

    def partition(self, placed: Mapping[str, str]) -> dict[str, Batch]:
        """Sources (id → domain key) into one batch per node; a domain never spans two batches."""
        batches: dict[str, Batch] = {}
        for source_id, domain in sorted(placed.items()):
            node = self.ring.owner(domain, self.alive)
            batch = batches.setdefault(node, Batch(sources=[], domains=set()))
            batch.sources.append(source_id)
            batch.domains.add(domain)
        return batches

    def run(
        self,
        source_ids: Sequence[str],
        *,
        domains: Mapping[str, str],
        store: Store,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> NodeOutcome:
        """Crawl the sources (placed by `domains`: source id → host) on the nodes and wait.

        Returns every crawl_run the batches wrote, the latest per source.
        """
        # A source without a domain (a broken seed) goes by its id: any node records its failing run.
        placed = {source_id: domains.get(source_id) or source_id for source_id in source_ids}
        with store.session() as session:
            before = int(session.exec(select(func.max(CrawlRun.id))).one() or 0)
        forwarded = {key: os.environ[key] for key in FORWARDED_ENV if os.environ.get(key)}
        forwarded.update(env or {})
        job_settings = {
            **(settings or {}),
            "GOVWATCH_DELIVER_AT_CLOSE": False,
            **({"GOVWATCH_ENV": forwarded} if forwarded else {}),
        }
        pending = list(self.partition(placed).items())
        batches: list[Batch] = []
        moved: list[tuple[list[str], str, str]] = []
        deadline = time.monotonic() + timeout if timeout else None
        for node, batch in pending:
            self._schedule(batch, node, job_settings)
            batches.append(batch)
        timed_out = False
        while any(batch.state in ("pending", "running", "new") for batch in batches):
            if deadline is not None and time.monotonic() > deadline:
                timed_out = True
                self._cancel(batches)
                break
            time.sleep(self.poll)
            self._follow(batches)
            for batch in [b for b in batches if b.state == "new"]:
                # Its node died: the batch goes to the next live node its domains hash to. A node that
                # answers but lost the job is told to cancel it, in case it turns up: one node per domain.
                previous = batch.history[-1]
                self._cancel([batch], quiet=True)
                target = self.ring.owner(sorted(batch.domains)[0], self.alive)
                self._close_runs_of(store, batch, before, previous)
                self._schedule(batch, target, job_settings)
                moved.append((list(batch.sources), previous, target))
                log.warning(
                    "node %s is gone: %d source(s) moved to %s", node_name(previous), len(batch.sources), node_name(target)
                )
        runs = self._runs(store, before, source_ids, timed_out)
        return NodeOutcome(runs=runs, moved=moved, returncode=0, timed_out=timed_out)

    # --- following jobs -------------------------------------------------------------------------------

    def _schedule(self, batch: Batch, node: str, settings: Mapping[str, Any]) -> None:
        """schedule.json on `node` (or, if it refuses, on the next live node) with our own job id."""
        from crawler.runner import setting_text

        while True:
            job = uuid.uuid4().hex
            args = [("jobid", job), ("source", ",".join(batch.sources))]
            args += [("setting", f"{key}={setting_text(value)}") for key, value in settings.items()]
            args.append(("setting", f"GOVWATCH_NODE={node_name(node)}"))
            try:
                self.clients[node].schedule(self.project, SPIDER, args)
            except NodeError as exc:
                if self._knows(node, job):
                    log.warning("schedule on %s answered badly but the job is there: %s", node, exc)
                else:
                    log.error("cannot schedule on %s: %s", node, exc)
                    self.dead.add(node)
                    node = self.ring.owner(sorted(batch.domains)[0], self.alive)
                    continue
            batch.node, batch.job, batch.state, batch.since = node, job, "pending", time.monotonic()
            batch.history.append(node)
            log.info("job %s on %s: %d source(s)", job, node_name(node), len(batch.sources))
            return

    def _knows(self, node: str, job: str) -> bool:
        """Whether the node lists the job (a timed-out schedule.json may still have queued it)."""
        try:
            jobs = self.clients[node].jobs(self.project)
        except NodeError:
            return False
        return any(entry.get("id") == job for state in ("pending", "running", "finished") for entry in jobs.get(state, []))

    def _follow(self, batches: Sequence[Batch]) -> None:
        """One listjobs.json round per node that has unfinished batches."""
        now = time.monotonic()
        for node in {batch.node for batch in batches if batch.state in ("pending", "running")}:
            mine = [b for b in batches if b.node == node and b.state in ("pending", "running")]
            try:
                jobs = self.clients[node].jobs(self.project)
            except NodeError as exc:
                log.warning("node %s does not answer: %s", node, exc)
                jobs = None
            states = {}
            if jobs is not None:
                states = {job["id"]: state for state in ("pending", "running", "finished") for job in jobs.get(state, [])}
            for batch in mine:
                state = states.get(batch.job)
                if state is not None:
                    batch.state, batch.since = state, now
                elif now - batch.since > self.node_timeout:
                    # Unreachable, or it lost the job (restarted): either way the batch must run elsewhere.
                    self.dead.add(node)
                    batch.state = "new"

    def _cancel(self, batches: Sequence[Batch], quiet: bool = False) -> None:
        for batch in batches:
            if batch.state in ("pending", "running") or quiet:
                try:
                    self.clients[batch.node].cancel(self.project, batch.job)
                except NodeError as exc:
                    if not quiet:
                        log.warning("cannot cancel %s on %s: %s", batch.job, node_name(batch.node), exc)

    # --- runs -----------------------------------------------------------------------------------------

    def _close_runs_of(self, store: Store, batch: Batch, before: int, node: str) -> None:
        """The dead node's open runs of the batch become crashed (its pids mean nothing on this host)."""
        now = clock.now()
        with store.session() as session:
            runs = session.exec(
                select(CrawlRun).where(
                    col(CrawlRun.id) > before,
                    col(CrawlRun.source_id).in_(batch.sources),
                    CrawlRun.node == node_name(node),
                    CrawlRun.status == "running",
                )
            ).all()
            for run in runs:
                run.status, run.finished_at = "crashed", now
                run.errors = [*run.errors, f"node {node} stopped answering; the batch was moved"]
                session.add(run)
            session.commit()

    def _runs(self, store: Store, before: int, source_ids: Sequence[str], timed_out: bool) -> list[CrawlRun]:
        """The batch's runs, latest per source; runs still open after their job ended become crashed."""
        now = clock.now()
        with store.session() as session:
            rows = session.exec(
                select(CrawlRun)
                .where(col(CrawlRun.id) > before, col(CrawlRun.source_id).in_(list(source_ids)))
                .order_by(col(CrawlRun.id))
            ).all()
            latest: dict[str, CrawlRun] = {}
            for run in rows:
                if run.status == "running":
                    run.status, run.finished_at = "crashed", now
                    reason = "timed out" if timed_out else "its Scrapyd job ended"
                    run.errors = [*run.errors, f"the crawl ended before finishing this run ({reason})"]
                    session.add(run)
                latest[run.source_id] = run
            session.commit()
            return list(latest.values())


def _upload(url: str, egg: Any, project: str, version: str) -> str:
    """addversion.json of the egg on one node, then listspiders.json to prove it runs there."""
    import requests

    try:
        with egg.open("rb") as handle:
            response = requests.post(
                f"{url.rstrip('/')}/addversion.json",
                data={"project": project, "version": version},
                files=[("egg", ("project.egg", handle))],
                timeout=60,
            )
        answer = response.json()
    except Exception as exc:  # noqa: BLE001
        raise NodeError(f"{url}: upload failed: {type(exc).__name__}: {exc}") from exc
    if answer.get("status") != "ok":
        raise NodeError(f"{url}: upload refused: {answer.get('message', answer)}")
    # Listing the spiders proves the egg runs there, and fills the node's cache so that the first
    # schedule.json answers at once.
    spiders = NodeClient(url, timeout=SCHEDULE_TIMEOUT).spiders(project)
    if SPIDER not in spiders:
        raise NodeError(f"{url}: the deployed egg has no {SPIDER!r} spider (found {spiders})")
    return version


def deploy(urls: Sequence[str], version: str | None = None, project: str = PROJECT) -> dict[str, str]:
    """Build the project egg once with scrapyd-client and upload it to every node (addversion.json)."""
    import subprocess
    import sys
    import tempfile
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from crawler.runner import PROJECT_ROOT

    version = version or time.strftime("%Y%m%dT%H%M%S")
    answers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="govwatch-egg-") as folder:
        egg = Path(folder) / f"{project}-{version}.egg"
        built = subprocess.run(
            [sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(egg)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        if built.returncode != 0 or not egg.is_file():
            raise NodeError(f"building the egg failed: {built.stderr.strip() or built.stdout.strip()}")
        # Uploaded to every node at once: each node checks the egg by listing its spiders (seconds).
        with ThreadPoolExecutor(max_workers=max(len(urls), 1)) as pool:
            for url, result in zip(urls, pool.map(lambda url: _upload(url, egg, project, version), urls), strict=True):
                answers[url] = result
    return answers
