"""API, feed and page latency with 100,000 items in SQLite, at every page depth, beside bare-SQL baselines.

Run with `make bench-api`. Fills a fresh SQLite file with bulk inserts (SQLAlchemy core), serves the app with
uvicorn in its own process on loopback, and times repeated requests (median and p95, milliseconds). Baselines, measured
in the same run on the same rows: the bare keyset query the endpoint runs (`WHERE id < ? ORDER BY id DESC
LIMIT 51`) and the OFFSET query a naive pager would run at the same depth.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler import search  # noqa: E402
from crawler.db import init_db  # noqa: E402
from crawler.export import ExportOptions, event_query, export, record_from_row, write_jsonl  # noqa: E402
from crawler.models import ChangeEvent, CrawlRun, Item, ItemVersion, SourceRow  # noqa: E402
from crawler.vocabulary import SHANGHAI  # noqa: E402

KINDS = ("meeting", "news", "news", "notice", "policy", "speech", "meeting", "news", "notice", "news")
TARGET_MS = 100.0
BASE = datetime(2026, 1, 1, tzinfo=UTC)
# Without TCP_NODELAY the client's small writes meet delayed ACKs and every request waits ~40 ms for nothing.
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
# Search terms: (term, share of items whose text holds it). Edited items say 稳步改善 instead of 持续改善.
SEARCH_TERMS = (
    ("环境", "every item"),
    ("稳步", "1 in 10"),
    ("无此", "none"),
    ("稳步改善生态", "1 in 10"),
    ("生态环境质量", "every item"),
    ("无此六字短语", "none"),
)
PARAGRAPH = "会议强调，要深入打好污染防治攻坚战，持续改善生态环境质量，推动绿色低碳高质量发展。"


@dataclass(frozen=True)
class Timing:
    """Median and 95th percentile of repeated calls, in milliseconds."""

    median: float
    p95: float


def measure(call: Callable[[], object], repeats: int) -> Timing:
    call()  # warm the page cache and the statement cache
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return Timing(statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))])


def fill(engine: Engine, items: int, sources: int) -> dict[str, int]:
    """Bulk rows: items over sources, one version each, every tenth edited (two), one in a hundred deleted."""
    base = BASE
    source_ids = [f"src-{n:02d}" for n in range(sources)]
    chunk = 10_000
    version_id = event_id = 0
    edited = deleted = 0
    with engine.begin() as connection:
        connection.execute(
            insert(SourceRow),
            [
                {
                    "id": sid,
                    "name": f"来源 {sid}",
                    "org": "生态环境部",
                    "profile": "trs",
                    "listing_urls": [],
                    "schedule": "0 8 * * *",
                    "enabled": True,
                    "health": "ok",
                    "consecutive_bad_runs": 0,
                    "health_alerted": False,
                    "baseline_done": True,
                    "last_run_at": base,
                    "last_new_at": base,
                }
                for sid in source_ids
            ],
        )
        connection.execute(
            insert(CrawlRun),
            [
                {"source_id": sid, "started_at": base, "finished_at": base, "status": "ok", "errors": []}
                for sid in source_ids
            ],
        )
    for start in range(1, items + 1, chunk):
        item_rows, version_rows, event_rows = [], [], []
        for item_id in range(start, min(start + chunk, items + 1)):
            seen = base + timedelta(minutes=item_id)
            is_edited, is_deleted = item_id % 10 == 3, item_id % 100 == 7
            texts = [f"{item_id}号。{PARAGRAPH * 3}"]
            if is_edited:
                texts.append(texts[0].replace("持续改善", "稳步改善"))
            hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
            source_id = source_ids[item_id % sources]
            item_rows.append(
                {
                    "id": item_id,
                    "canonical_url": f"http://www.example.gov.cn/{source_id}/t{item_id}.html",
                    "url": f"http://www.example.gov.cn/{source_id}/t{item_id}.html",
                    "source_id": source_id,
                    "title": f"第{item_id}号 关于生态环境保护工作的通知",
                    "published": seen,
                    "published_guessed": False,
                    "source_name": "生态环境部",
                    "kind": KINDS[item_id % len(KINDS)],
                    "doc_number": f"环办〔2026〕{item_id}号" if item_id % 4 == 0 else None,
                    "status": "deleted" if is_deleted else "active",
                    "first_seen": seen,
                    "last_seen": seen,
                    "last_checked": seen,
                    "last_changed": seen,
                    "version_count": len(texts),
                    "content_hash": hashes[-1],
                    "gone_count": 0,
                    "revisits_done": 0,
                }
            )
            for number, (body, digest) in enumerate(zip(texts, hashes, strict=True), start=1):
                version_id += 1
                event_id += 1
                version_rows.append(
                    {
                        "id": version_id,
                        "item_id": item_id,
                        "version": number,
                        "change": "new" if number == 1 else "edited",
                        "content_hash": digest,
                        "title": item_rows[-1]["title"],
                        "published": seen,
                        "text": body,
                        "meta": {},
                        "fetched_at": seen + timedelta(days=number - 1),
                    }
                )
                event_rows.append(
                    {
                        "id": event_id,
                        "item_id": item_id,
                        "version_id": version_id,
                        "change": version_rows[-1]["change"],
                        "source_id": source_id,
                        "created_at": seen + timedelta(days=number - 1),
                    }
                )
            edited += is_edited
            if is_deleted:
                deleted += 1
                event_id += 1
                event_rows.append(
                    {
                        "id": event_id,
                        "item_id": item_id,
                        "version_id": None,
                        "change": "deleted",
                        "source_id": source_id,
                        "created_at": seen + timedelta(days=3),
                    }
                )
        with engine.begin() as connection:
            connection.execute(insert(Item), item_rows)
            connection.execute(insert(ItemVersion), version_rows)
            connection.execute(insert(ChangeEvent), event_rows)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return {"items": items, "versions": version_id, "events": event_id, "edited": edited, "deleted": deleted}


class CountingSink(io.TextIOBase):
    """A write-only stream that counts what it is given and keeps nothing (the export's cost, not the disk's)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def measure_export(engine: Engine, events: int) -> dict[str, object]:
    """The streamed export against the naive one (every row fetched at once), time and peak Python memory."""

    def streamed() -> int:
        sink = CountingSink()
        export(engine, sink, ExportOptions(format="jsonl"))
        return sink.chars

    def all_at_once() -> int:
        sink = CountingSink()
        with engine.connect() as connection:
            records = [record_from_row(row) for row in connection.execute(event_query()).all()]
        write_jsonl(records, sink)
        return sink.chars

    with engine.connect() as connection:  # both runs start with the texts in the page cache
        connection.execute(text("SELECT sum(length(text)) FROM item_version")).all()
    runs = []
    chars = 0
    for name, call in (
        ("streamed in batches of 2,000 (govwatch export)", streamed),
        ("baseline: all rows fetched at once", all_at_once),
    ):
        started = time.perf_counter()
        chars = call()
        seconds = time.perf_counter() - started
        tracemalloc.start()
        call()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        runs.append((name, seconds, peak))
    return {"events": events, "mb": chars / 1e6, "runs": runs}


class Served:
    """`uvicorn --factory crawler.web.app:create_app` in its own process (its own GIL), on a free loopback port."""

    def __init__(self, url: str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "crawler.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        self.env = {**os.environ, "GOVWATCH_DB": url}
        self.env.pop("GOVWATCH_API_TOKEN", None)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(self.command, env=self.env, cwd=Path(__file__).resolve().parents[1])
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/api/sources", timeout=2).raise_for_status()
                return self
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


ITEM_SQL = (
    "SELECT id, canonical_url, source_id, title, published, source_name, organ, doc_number, kind, status, "
    "version_count, content_hash, first_seen, last_changed FROM item"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    os.environ.pop("GOVWATCH_API_TOKEN", None)

    with tempfile.TemporaryDirectory(prefix="govwatch-bench-api-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = init_db(url)
        started = time.perf_counter()
        counts = fill(engine, args.items, args.sources)
        fill_seconds = time.perf_counter() - started
        size_mb = (Path(folder) / "bench.db").stat().st_size / 1e6
        print(f"filled {counts} in {fill_seconds:.1f} s ({size_mb:.0f} MB)\n", file=sys.stderr)
        # The full-text index, as migration 0007 builds it for a database that already holds items.
        started = time.perf_counter()
        with engine.begin() as connection:
            search.rebuild(connection)
            connection.execute(text("ANALYZE"))
        index_seconds = time.perf_counter() - started
        indexed_mb = (Path(folder) / "bench.db").stat().st_size / 1e6
        print(f"search index built in {index_seconds:.1f} s ({indexed_mb - size_mb:+.0f} MB)\n", file=sys.stderr)

        rows: list[tuple[str, str, Timing, str, Timing | None, Timing | None]] = []
        with (
            Served(url) as served,
            httpx.Client(
                base_url=served.base, timeout=30, transport=httpx.HTTPTransport(socket_options=NODELAY)
            ) as client,
            engine.connect() as db,
        ):

            def get(path: str, params: dict[str, str | int] | None = None) -> httpx.Response:
                response = client.get(path, params=params)
                response.raise_for_status()
                return response

            def keyset_sql(where: str, after: int | None) -> Callable[[], object]:
                clause = " AND ".join(c for c in (where, f"id < {after}" if after else "") if c)
                sql = text(f"{ITEM_SQL} {'WHERE ' + clause if clause else ''} ORDER BY id DESC LIMIT 51")
                return lambda: db.execute(sql).all()

            def offset_sql(where: str, depth: int) -> Callable[[], object]:
                sql = text(
                    f"{ITEM_SQL} {'WHERE ' + where if where else ''} ORDER BY id DESC LIMIT 50 OFFSET {depth}"
                )
                return lambda: db.execute(sql).all()

            def cursors(params: dict[str, str | int], depths: list[int]) -> dict[int, str | None]:
                """Follow next_cursor (pages of 50) and keep the cursor that starts each wanted depth."""
                found: dict[int, str | None] = {0: None}
                cursor, depth = None, 0
                while depth < max(depths):
                    body = get(
                        "/api/items", {**params, "limit": 50, **({"cursor": cursor} if cursor else {})}
                    ).json()
                    cursor, depth = body["next_cursor"], depth + len(body["items"])
                    if cursor is None:
                        break
                    for wanted in depths:  # short pages (a search window) may step over the exact depth
                        if wanted not in found and depth >= wanted:
                            found[wanted] = cursor
                return found

            def decode(cursor: str | None) -> int | None:
                from crawler.queries import decode_cursor

                return decode_cursor(cursor) if cursor else None

            # The newest tenth of the items was first seen after this moment (the bench's items are a minute apart).
            since = BASE + timedelta(minutes=args.items - args.items // 10 + 1)
            since_local = since.astimezone(SHANGHAI).replace(tzinfo=None).isoformat()
            since_utc = since.strftime("%Y-%m-%d %H:%M:%S.%f")
            scenarios = [
                ("all items", {}, "", [0, 5_000, 50_000, args.items - 50]),
                (
                    "source=src-07",
                    {"source": "src-07"},
                    "source_id = 'src-07'",
                    [0, (args.items // args.sources) - 50],
                ),
                ("kind=meeting", {"kind": "meeting"}, "kind = 'meeting'", [0, (args.items // 5) - 50]),
                ("change=edited", {"change": "edited"}, "version_count > 1", [0, (args.items // 10) - 50]),
                (
                    "change=deleted",
                    {"change": "deleted"},
                    "id IN (SELECT item_id FROM change_event WHERE change = 'deleted')",
                    [0, (args.items // 100) - 50],
                ),
                (
                    f"since={since_local[:16]}",
                    {"since": since_local},
                    f"id IN (SELECT item_id FROM change_event WHERE change = 'new' AND created_at >= '{since_utc}')",
                    [0, (args.items // 10) - 50],
                ),
                # The worst case of the search: nothing matches. The endpoint reads one window of ids per
                # request (crawler/queries.py SEARCH_WINDOW); the baseline reads every title and 文号.
                (
                    "q=无此标题 (no match)",
                    {"q": "无此标题"},
                    "(title LIKE '%无此标题%' OR doc_number LIKE '%无此标题%')",
                    [0],
                ),
                (
                    "q=环办〔2026〕9 (文号)",
                    {"q": "环办〔2026〕9"},
                    "(title LIKE '%环办〔2026〕9%' OR doc_number LIKE '%环办〔2026〕9%')",
                    [0, 500],
                ),
            ]
            for label, params, where, depths in scenarios:
                found = cursors(params, depths)
                for depth in depths:
                    if depth not in found:
                        continue
                    cursor = found[depth]
                    query = {**params, **({"cursor": cursor} if cursor else {})}
                    api = measure(lambda q=query: get("/api/items", q), args.repeats)
                    bare = measure(keyset_sql(where, decode(cursor)), args.repeats)
                    offset = measure(offset_sql(where, depth), max(5, args.repeats // 3))
                    rows.append(
                        (
                            f"GET /api/items {label}",
                            f"{depth:,}",
                            api,
                            "bare keyset SQL / OFFSET SQL",
                            bare,
                            offset,
                        )
                    )
                    if label == "all items":
                        page = measure(lambda q=query: get("/", q), args.repeats)
                        rows.append((f"GET / (items page) {label}", f"{depth:,}", page, "same", bare, offset))

            feed_sql = text(
                "SELECT e.id, i.title, v.text FROM change_event e JOIN item i ON i.id = e.item_id "
                "LEFT JOIN item_version v ON v.id = e.version_id ORDER BY e.id DESC LIMIT 50"
            )
            feed_bare = measure(lambda: db.execute(feed_sql).all(), args.repeats)
            for path in ("/feeds/all.atom", "/feeds/meetings.atom", "/feeds/source/src-07.atom"):
                rows.append(
                    (
                        f"GET {path}",
                        "newest 50",
                        measure(lambda p=path: get(p), args.repeats),
                        "bare join of the 50 newest events",
                        feed_bare,
                        None,
                    )
                )
            edited_id = 3 + 10 * ((args.items // 10) - 1)
            item_bare = measure(
                lambda: db.execute(text(f"SELECT text FROM item_version WHERE item_id = {edited_id}")).all(),
                args.repeats,
            )
            rows.append(
                (
                    f"GET /items/{edited_id} (page with diff)",
                    "-",
                    measure(lambda: get(f"/items/{edited_id}"), args.repeats),
                    "bare SELECT of its version texts",
                    item_bare,
                    None,
                )
            )
            rows.append(
                (
                    f"GET /api/items/{edited_id}/diff",
                    "-",
                    measure(lambda: get(f"/api/items/{edited_id}/diff"), args.repeats),
                    "bare SELECT of its version texts",
                    item_bare,
                    None,
                )
            )
            rows.append(
                ("GET /api/sources", "-", measure(lambda: get("/api/sources"), args.repeats), "-", None, None)
            )
            # Full-text search (crawler/search.py) against a bare LIKE '%term%' over the current texts, the
            # only way to find a substring without an index. Two-character terms go through the bigram index,
            # longer ones through FTS5 trigrams; common, rarer and absent terms (absent: LIKE's worst case).
            like_sql = text(
                "SELECT v.item_id FROM item_version v JOIN item i ON i.id = v.item_id AND v.version = i.version_count "
                "WHERE (coalesce(v.title, '') || char(10) || v.text) LIKE :p ORDER BY v.item_id DESC LIMIT 80"
            )
            for term, share in SEARCH_TERMS:
                label = f"q={term} ({len(term)} chars, {share})"
                like = measure(lambda t=term: db.execute(like_sql, {"p": f"%{t}%"}).all(), args.repeats)
                rows.append(
                    (
                        f"GET /api/search {label}",
                        "first 20",
                        measure(lambda t=term: get("/api/search", {"q": t}), args.repeats),
                        "bare LIKE '%term%' (same 20 items)",
                        like,
                        None,
                    )
                )
                rows.append(
                    (
                        f"search() SQL only {label}",
                        "first 20",
                        measure(lambda t=term: search.search(db, t), args.repeats),
                        "bare LIKE '%term%' (same 20 items)",
                        like,
                        None,
                    )
                )
        export_rows = measure_export(engine, counts["events"])
        engine.dispose()

    print(
        f"## /api, feeds and pages with {counts['items']:,} items ({counts['versions']:,} versions, "
        f"{counts['events']:,} change events) in SQLite, {args.repeats} requests each\n"
    )
    print(
        "| request | depth (rows skipped) | median ms | p95 ms | < 100 ms | baseline | baseline median ms "
        "| OFFSET at same depth, median ms | request / baseline |"
    )
    print("|---|---:|---:|---:|:---:|---|---:|---:|---:|")
    worst = 0.0
    for name, depth, timing, baseline_name, baseline, offset in rows:
        worst = max(worst, timing.p95)
        ratio = f"{timing.median / baseline.median:.1f}×" if baseline else "-"
        print(
            f"| {name} | {depth} | {timing.median:.1f} | {timing.p95:.1f} | {'yes' if timing.p95 < TARGET_MS else 'NO'} "
            f"| {baseline_name} | {baseline.median:.2f} | "
            f"{f'{offset.median:.1f}' if offset else '-'} | {ratio} |"
            if baseline
            else f"| {name} | {depth} | {timing.median:.1f} | {timing.p95:.1f} | "
            f"{'yes' if timing.p95 < TARGET_MS else 'NO'} | - | - | - | - |"
        )
    print(
        f"\nworst p95: {worst:.1f} ms (target < {TARGET_MS:.0f} ms at any depth); fill took {fill_seconds:.1f} s, "
        f"the search index {index_seconds:.1f} s ({indexed_mb - size_mb:+.0f} MB)"
    )
    print(f"\n## govwatch export of {export_rows['events']:,} change events\n")
    print("| run | seconds | events/s | MB written | peak Python memory MB |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, peak in export_rows["runs"]:
        rate = export_rows["events"] / seconds
        print(f"| {name} | {seconds:.1f} | {rate:,.0f} | {export_rows['mb']:.0f} | {peak:.1f} |")


if __name__ == "__main__":
    main()
