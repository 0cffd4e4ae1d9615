"""The versioned store: decides new / edited / unchanged in one transaction and keeps every distinct version."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, func, update
from sqlmodel import Session, col, select

from crawler import clock, search
from crawler.attachments.state import AttachmentResult, combined_hash, fingerprint
from crawler.config import DEFAULT_REVISIT_DAYS, Source
from crawler.db import get_engine, init_db, insert_ignore
from crawler.decide import Previous, decide
from crawler.drift import ARTICLE_DRIFT, BROKEN, REPAIR, drift_cause, learned_container
from crawler.fingerprint import content_hash, same_but_spacing
from crawler.models import AttachmentFile, ChangeEvent, CrawlRun, Item, ItemAttachment, ItemVersion, SourceRow
from crawler.processes import pid_alive
from crawler.vocabulary import BAD_HEALTH, OK

# A run still marked "running" after this long belonged to a process that died.
STALE_RUN_AFTER = timedelta(hours=6)
# How many 404/410 answers, on separate requests, make an item deleted (a single one may be a hiccup).
DELETION_CONFIRMATIONS = 2
# Canonical URLs per `known` query: one round trip for a whole listing page, and an IN list far below
# SQLite's bound-parameter limit (32766) and PostgreSQL's (65535).
KNOWN_LOOKUP_BATCH = 500
# Rows per IN (…) list of source ids or run ids: few round trips for 10,000 sources.
IN_CHUNK = 500


@dataclass(frozen=True)
class KnownItem:
    """What the crawl needs to know of a stored item to decide whether and how to fetch it again."""

    id: int
    canonical_url: str
    url: str
    source_id: str
    status: str
    etag: str | None
    last_modified: str | None
    next_revisit_at: datetime | None
    gone_count: int
    text_length: int | None = None  # characters of the current version (a collapse to a tiny page is a soft 404)


@dataclass(frozen=True)
class Content:
    """The extracted content of one fetch, as the store keeps it."""

    text: str
    content_hash: str
    title: str | None = None
    published: datetime | None = None
    published_guessed: bool = False
    source_name: str | None = None
    organ: str | None = None
    doc_number: str | None = None
    kind: str = "news"
    meta: dict[str, Any] = field(default_factory=dict)
    # The attachment links of the page and what fetching each found (crawler/attachments/state.py).
    attachments: tuple[AttachmentResult, ...] = ()


@dataclass(frozen=True)
class StoredAttachment:
    """What the crawl needs of an item's current attachment: its link and validators for a conditional GET."""

    name: str
    url: str
    etag: str | None
    last_modified: str | None
    known: bool  # its content is stored


@dataclass(frozen=True)
class Outcome:
    """What storing a fetch did."""

    changes: tuple[str, ...]  # ("new",) ("edited",) ("unchanged",) ("restored",) or ("restored", "edited")
    item_id: int
    version: int
    event_id: int | None = None  # the first change's event

    @property
    def change(self) -> str:
        """The headline change: `restored` when an item came back, even with another text."""
        return self.changes[0]


@dataclass(frozen=True)
class ChangeNotice:
    """Handed to change listeners inside the storing transaction (e.g. to queue alerts in the outbox)."""

    event: ChangeEvent
    item: Item
    version: ItemVersion | None
    previous: ItemVersion | None
    baseline: bool  # the source's first crawl: it sets the baseline and should alert nothing by default
    attachments_text: str = ""  # the text of the version's attachments (alert filters with match_in: attachments)


ChangeListener = Callable[[Session, ChangeNotice], None]


@dataclass(frozen=True)
class HealthChange:
    """A source's health after a run, and whether an admin should hear about it now."""

    source_id: str
    health: str
    consecutive_bad_runs: int
    notify: str | None  # "broken" | "recovered" | None


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended, for Store.finish_runs: its status, counts and errors, and what drift reads."""

    run_id: int
    status: str
    counts: dict[str, int]
    errors: Sequence[str]
    bodies: Mapping[str, int] = field(default_factory=dict)  # extraction method → new articles
    body_selector: str | None = None  # the seed's article.body


def stored_counts(session: Session, run_id: int) -> dict[str, int]:
    """What a run really stored, recomputed from its change events (new, edited, deleted, restored)."""
    rows = session.exec(
        select(ChangeEvent.change, func.count())
        .where(ChangeEvent.crawl_run_id == run_id)
        .group_by(ChangeEvent.change)
    ).all()
    counts = dict.fromkeys(("new", "edited", "deleted", "restored"), 0)
    counts.update({change: int(number) for change, number in rows if change in counts})
    return counts


def mark_crashed(session: Session, run: CrawlRun, note: str, now: datetime) -> None:
    """Close a run its process left 'running': crashed, with the counts of what it did store (not zeros)."""
    assert run.id is not None
    for change, number in stored_counts(session, run.id).items():
        setattr(run, change, max(number, getattr(run, change)))
    run.status, run.finished_at = "crashed", now
    run.errors = [*run.errors, note]
    session.add(run)


def next_revisit(first_seen: datetime, revisits_done: int, days: Sequence[int]) -> datetime | None:
    """When an item is due again: first_seen + days[k] for the k-th revisit, then never."""
    if revisits_done >= len(days):
        return None
    return first_seen + timedelta(days=days[revisits_done])


class Store:
    """All writes of a crawl go through here; each public method is one transaction."""

    def __init__(self, url: str | None = None, listeners: Iterable[ChangeListener] = ()) -> None:
        init_db(url)
        self.url = url
        # Every store transaction reads then writes: on SQLite it takes the write lock up front.
        self.engine = get_engine(url, writer=True)
        self.listeners = list(listeners)
        self._baseline: dict[str, bool] = {}

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # --- sources and runs -------------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[Source]) -> None:
        """Insert or refresh the source rows from their seeds, keeping health and history."""
        wanted = list(sources)
        with self.session() as session:
            # One query per IN_CHUNK sources, not one per source: 10,000 seeds start in seconds.
            existing: dict[str, SourceRow] = {}
            for chunk in _chunks([source.id for source in wanted]):
                existing.update(
                    (row.id, row) for row in session.exec(select(SourceRow).where(col(SourceRow.id).in_(chunk)))
                )
            for source in wanted:
                row = existing.get(source.id)
                if row is None:
                    row = SourceRow(id=source.id, name=source.name, org=source.org, profile="", schedule="")
                row.name, row.org = source.name, source.org
                row.profile = ",".join(sorted({listing.profile for listing in source.listings}))
                row.listing_urls = [listing.url for listing in source.listings]
                row.tags = list(source.tags)
                row.schedule, row.enabled = source.schedule, source.enabled
                session.add(row)
            session.commit()

    def source_domains(self, source_ids: Sequence[str]) -> dict[str, str]:
        """Each known source's first listing host, from the source rows (no seed file is parsed)."""
        found: dict[str, str] = {}
        with self.session() as session:
            for chunk in _chunks(list(source_ids)):
                for source_id, urls in session.exec(
                    select(SourceRow.id, SourceRow.listing_urls).where(col(SourceRow.id).in_(chunk))
                ):
                    if urls:
                        found[source_id] = urlsplit(urls[0]).hostname or ""
        return found

    def begin_run(self, source_id: str, pid: int | None = None, node: str | None = None) -> int:
        """Open a crawl_run row; runs of this source left 'running' by a dead process become 'crashed'."""
        return self.begin_runs([source_id], pid, node)[source_id]

    def begin_runs(self, source_ids: Sequence[str], pid: int | None = None, node: str | None = None) -> dict[str, int]:
        """begin_run for many sources in one transaction (a crawl of 10,000 sources opens them at once)."""
        now = clock.now()
        pid = pid or os.getpid()
        with self.session() as session:
            for chunk in _chunks(list(source_ids)):
                stale = session.exec(
                    select(CrawlRun).where(col(CrawlRun.source_id).in_(chunk), CrawlRun.status == "running")
                ).all()
                for run in stale:
                    # A pid only means something on the host that started it: other nodes' runs age out.
                    dead = run.node == node and run.pid and not pid_alive(run.pid)
                    if dead or now - _utc(run.started_at) > STALE_RUN_AFTER:
                        mark_crashed(session, run, "the crawl process ended before finishing this run", now)
            runs = {source_id: CrawlRun(source_id=source_id, started_at=now, pid=pid) for source_id in source_ids}
            if node is not None:
                for run in runs.values():
                    run.node = node
            session.add_all(runs.values())
            session.commit()
            return {source_id: run.id or 0 for source_id, run in runs.items()}

    def previous_statuses(self, source_ids: Sequence[str], before: int | None = None) -> dict[str, str]:
        """Each source's latest run status (before run id `before`); sources never crawled are absent.

        One correlated look-up per source on the (source_id, id) index: the cost does not grow with the
        years of runs behind each source, as a GROUP BY over them would.
        """
        latest = select(CrawlRun.status).where(CrawlRun.source_id == SourceRow.id)
        if before is not None:
            latest = latest.where(col(CrawlRun.id) < before)
        status = latest.order_by(col(CrawlRun.id).desc()).limit(1).correlate(SourceRow).scalar_subquery()
        found: dict[str, str] = {}
        with self.session() as session:
            for chunk in _chunks(list(source_ids)):
                rows = session.exec(select(SourceRow.id, status).where(col(SourceRow.id).in_(chunk))).all()
                found.update((source_id, value) for source_id, value in rows if value is not None)
        return found

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int],
        errors: Sequence[str],
        *,
        bodies: Mapping[str, int] | None = None,
        body_selector: str | None = None,
    ) -> HealthChange:
        """Close a run with its counts and update the source's health in the same transaction."""
        return self.finish_runs([RunOutcome(run_id, status, counts, errors, bodies or {}, body_selector)])[0]

    def finish_runs(self, outcomes: Sequence[RunOutcome]) -> list[HealthChange]:
        """finish_run for many runs in one transaction (a crawl of thousands of sources closes at once).

        Each outcome's `bodies` (extraction method → new articles) and the seed's `article.body` let
        structure drift (crawler/drift.py) turn the run `broken`, with its cause as the first error.
        """
        now = clock.now()
        changes: list[HealthChange] = []
        with self.session() as session:
            runs: dict[int, CrawlRun] = {}
            for chunk in _chunks([outcome.run_id for outcome in outcomes]):
                runs.update((run.id or 0, run) for run in session.exec(select(CrawlRun).where(col(CrawlRun.id).in_(chunk))))
            rows: dict[str, SourceRow] = {}
            for chunk in _chunks(list({run.source_id for run in runs.values()})):
                rows.update((row.id, row) for row in session.exec(select(SourceRow).where(col(SourceRow.id).in_(chunk))))
            for outcome in outcomes:
                run = runs.get(outcome.run_id)
                if run is None:
                    raise KeyError(f"no crawl_run {outcome.run_id}")
                for key, value in outcome.counts.items():
                    if hasattr(run, key) and isinstance(value, int):
                        setattr(run, key, value)
                row = rows.get(run.source_id)
                status, errors = self._drift(session, row, outcome)
                run.status, run.finished_at, run.errors = status, now, list(errors)[:200]
                session.add(run)
                changes.append(self._update_health(session, run, now, row))
            session.commit()
        for run in runs.values():
            self._baseline.pop(run.source_id, None)
        return changes

    def _drift(self, session: Session, row: SourceRow | None, outcome: RunOutcome) -> tuple[str, Sequence[str]]:
        """The run's status and errors after the structure-drift rule; learns the source's container."""
        status, errors = outcome.status, outcome.errors
        if row is None:
            return status, errors
        last_cause = ""
        if row.health == BROKEN:
            last = session.exec(
                select(CrawlRun.errors)
                .where(CrawlRun.source_id == row.id, CrawlRun.status == BROKEN)
                .order_by(col(CrawlRun.id).desc())
                .limit(1)
            ).first()
            last_cause = last[0] if last else ""
        cause = drift_cause(
            status,
            had_entries=row.baseline_done or row.health == BROKEN,  # broken stays so until it reads again
            bodies=outcome.bodies,
            body_selector=outcome.body_selector,
            known_container=row.article_container,
            broken_by_articles=last_cause.startswith(ARTICLE_DRIFT),
        )
        if cause is not None:
            return BROKEN, [f"{cause}; {REPAIR.format(id=row.id)}", *errors]
        if status == OK and not outcome.body_selector:
            row.article_container = learned_container(outcome.bodies, row.article_container)
            session.add(row)
        return status, errors

    def _update_health(
        self, session: Session, run: CrawlRun, now: datetime, row: SourceRow | None = None
    ) -> HealthChange:
        row = row if row is not None else session.get(SourceRow, run.source_id)
        if row is None:
            row = SourceRow(id=run.source_id, name=run.source_id, org="", profile="", schedule="")
        notify: str | None = None
        row.last_run_at = now
        if run.new:
            row.last_new_at = now
        # A crashed crawl (the process died, or was killed at its timeout) is a bad run like a failing one:
        # it must neither reset a bad streak nor count as a recovery.
        health = "failing" if run.status == "crashed" else run.status
        if health in BAD_HEALTH:
            row.consecutive_bad_runs += 1
        else:
            if row.health_alerted:
                notify = "recovered"
            row.consecutive_bad_runs = 0
            row.health_alerted = False
            if run.status == "ok":
                row.baseline_done = True
        if row.health != health:
            row.health, row.health_since = health, now
        session.add(row)
        return HealthChange(row.id, row.health, row.consecutive_bad_runs, notify)

    def mark_health_alerted(self, source_id: str) -> None:
        with self.session() as session:
            session.execute(update(SourceRow).where(col(SourceRow.id) == source_id).values(health_alerted=True))
            session.commit()

    # --- what the crawl asks before fetching ----------------------------------------------------------

    def known(self, canonical_urls: Iterable[str]) -> dict[str, KnownItem]:
        """The stored items among these canonical URLs."""
        urls = list(dict.fromkeys(canonical_urls))
        found: dict[str, KnownItem] = {}
        with self.session() as session:
            for start in range(0, len(urls), KNOWN_LOOKUP_BATCH):
                chunk = urls[start : start + KNOWN_LOOKUP_BATCH]
                for item, length in session.exec(_with_text_length().where(col(Item.canonical_url).in_(chunk))):
                    found[item.canonical_url] = _known(item, length)
        return found

    def due_for_revisit(self, source_id: str, limit: int, exclude: Iterable[str] = ()) -> list[KnownItem]:
        """Active items of the source whose next revisit time has come, oldest due first."""
        if limit <= 0:
            return []
        skip = set(exclude)
        now = clock.now()
        with self.session() as session:
            rows = session.exec(
                _with_text_length()
                .where(
                    Item.source_id == source_id,
                    col(Item.status).in_(("active", "blocked")),
                    col(Item.next_revisit_at).is_not(None),
                    col(Item.next_revisit_at) <= now,
                )
                .order_by(col(Item.next_revisit_at))
                .limit(limit + len(skip))
            ).all()
        return [_known(item, length) for item, length in rows if item.canonical_url not in skip][:limit]

    # --- what the crawl reports after fetching --------------------------------------------------------

    def record_content(
        self,
        *,
        source_id: str,
        canonical_url: str,
        url: str,
        content: Content,
        etag: str | None = None,
        last_modified: str | None = None,
        run_id: int | None = None,
        revisit_days: Sequence[int] = DEFAULT_REVISIT_DAYS,
    ) -> Outcome:
        """Store a fetched article: new, edited (hash changed) or unchanged — decided and written atomically."""
        now = clock.now()
        with self.session() as session:
            insert_ignore(
                session,
                Item,
                {
                    "canonical_url": canonical_url,
                    "url": url,
                    "source_id": source_id,
                    "first_seen": now,
                    "last_seen": now,
                    "last_checked": now,
                    "last_changed": now,
                    "next_revisit_at": next_revisit(now, 0, revisit_days),
                },
                ["canonical_url"],
            )
            # Lock the row (PostgreSQL; SQLite already holds its write lock after the insert) so that two
            # processes storing the same article cannot both decide "new".
            item = session.exec(
                select(Item).where(Item.canonical_url == canonical_url).with_for_update()
            ).one()
            previous = None
            if item.version_count:
                previous = session.exec(
                    select(ItemVersion).where(ItemVersion.item_id == item.id, ItemVersion.version == item.version_count)
                ).one()
            was_deleted = item.status == "deleted"
            was_inactive = item.status != "active"  # deleted, or blocked by a challenge page
            before = {row.url: row for row in self._attachment_rows(session, item.id or 0, item.version_count)}
            links = self._resolve_attachments(session, item, content.attachments, before, now)
            new_hash = combined_hash(content.content_hash, [(link.url, link.fingerprint) for link in links])
            if previous is not None and new_hash != item.content_hash and _no_edit(item, previous, links, content, before):
                # The current version's hash follows the new one, so the next fetch compares like with like;
                # the stored text stays as it was fetched.
                item.content_hash = previous.content_hash = new_hash
                session.add(previous)
            decision = decide(Previous(item.status, item.content_hash) if previous is not None else None, new_hash)
            item.url, item.last_seen, item.last_checked = url, now, now
            item.etag, item.last_modified, item.gone_count = etag, last_modified, 0
            item.status = "active"
            if was_deleted:
                # A deletion ended its revisits; a page that came back may change or go again: check it soon.
                item.next_revisit_at = next_revisit(now, 0, revisit_days)
            if not decision.new_version:
                self._write_attachments(session, item, item.version_count, links)
                if was_inactive:
                    item.last_changed = now
                session.add(item)
                attachments_text = self._index(session, item, content, links)
                if not decision.events:
                    session.commit()
                    return Outcome(decision.changes, item.id or 0, item.version_count)
                # The same text back after a deletion: one event on the current version, no new version.
                assert previous is not None
                version = previous
            else:
                item.version_count += 1
                item.content_hash = new_hash
                item.last_changed = now
                item.title, item.published, item.published_guessed = content.title, content.published, content.published_guessed
                item.source_name, item.organ, item.doc_number, item.kind = (
                    content.source_name,
                    content.organ,
                    content.doc_number,
                    content.kind,
                )
                session.add(item)
                version = ItemVersion(
                    item_id=item.id or 0,
                    version=item.version_count,
                    change=decision.changes[-1],  # new | edited (a restore with another text is an edit)
                    content_hash=new_hash,
                    title=content.title,
                    published=content.published,
                    text=content.text,
                    meta=content.meta,
                    fetched_at=now,
                    crawl_run_id=run_id,
                )
                session.add(version)
                session.flush()
                self._write_attachments(session, item, item.version_count, links)
                attachments_text = self._index(session, item, content, links)
            changes = list(decision.events)
            event_ids: list[int | None] = []
            for change in changes:
                event = ChangeEvent(
                    item_id=item.id or 0,
                    version_id=version.id,
                    change=change,
                    source_id=source_id,
                    created_at=now,
                    crawl_run_id=run_id,
                )
                session.add(event)
                session.flush()
                self._notify(session, event, item, version, previous, attachments_text)
                event_ids.append(event.id)
            session.commit()
            return Outcome(tuple(changes), item.id or 0, item.version_count, event_ids[0])

    def _resolve_attachments(
        self,
        session: Session,
        item: Item,
        results: Sequence[AttachmentResult],
        before: dict[str, ItemAttachment],
        now: datetime,
    ) -> list[ItemAttachment]:
        """This fetch's attachment links as rows: fetched files stored once by hash, the rest as last seen."""
        links: list[ItemAttachment] = []
        for position, result in enumerate(results):
            last = before.get(result.url)
            row = ItemAttachment(item_id=item.id or 0, version=0, position=position, name=result.name, url=result.url)
            if result.outcome == "fetched" and result.sha256:
                insert_ignore(
                    session,
                    AttachmentFile,
                    {
                        "sha256": result.sha256,
                        "size": result.size or 0,
                        "file_type": result.file_type or "unknown",
                        "content_type": result.content_type,
                        "text": result.text,
                        "error": result.error,
                        "first_seen": now,
                    },
                    ["sha256"],
                )
                row.sha256, row.fingerprint = result.sha256, fingerprint(result.text, result.sha256)
                row.etag, row.last_modified, row.fetched_at = result.etag, result.last_modified, now
            elif last is not None:
                # 304, a failed fetch or none at all: the file as last seen, so that only a real change counts.
                row.sha256, row.fingerprint, row.fetched_at = last.sha256, last.fingerprint, last.fetched_at
                row.etag = result.etag or last.etag
                row.last_modified = result.last_modified or last.last_modified
                if result.outcome == "not_modified":
                    row.fetched_at = now
            if result.outcome in ("failed", "skipped"):
                row.fetch_error = result.fetch_error or result.outcome
            links.append(row)
        return links

    @staticmethod
    def _attachment_rows(session: Session, item_id: int, version: int) -> list[ItemAttachment]:
        return list(
            session.exec(
                select(ItemAttachment)
                .where(ItemAttachment.item_id == item_id, ItemAttachment.version == version)
                .order_by(col(ItemAttachment.position))
            )
        )

    def _write_attachments(self, session: Session, item: Item, version: int, links: Sequence[ItemAttachment]) -> None:
        for row in self._attachment_rows(session, item.id or 0, version):
            session.delete(row)
        session.flush()
        for row in links:
            session.add(
                ItemAttachment(**{**row.model_dump(exclude={"id"}), "item_id": item.id or 0, "version": version})
            )
        session.flush()

    def _index(self, session: Session, item: Item, content: Content, links: Sequence[ItemAttachment]) -> str:
        """Keep the search index in step, inside this transaction; returns the attachments' text."""
        documents = [search.item_document(content.title, content.text)]
        hashes = [link.sha256 for link in links if link.sha256]
        texts: dict[str, str] = {}
        if hashes:
            query = select(AttachmentFile.sha256, AttachmentFile.text).where(col(AttachmentFile.sha256).in_(hashes))
            texts = {sha: text for sha, text in session.execute(query).all()}
        attached = [search.Document(link.name, link.url, texts.get(link.sha256 or "", "")) for link in links]
        search.index_item(session, item.id or 0, documents + attached)
        return "\n".join(doc.body for doc in attached if doc.body)

    def current_attachments(self, item_id: int) -> list[StoredAttachment]:
        """The attachment links of the item's current version, with their validators (for revisits)."""
        with Session(get_engine(self.url)) as session:  # a reader: never waits for the writer's lock
            item = session.get(Item, item_id)
            if item is None:
                return []
            return [
                StoredAttachment(row.name, row.url, row.etag, row.last_modified, row.sha256 is not None)
                for row in self._attachment_rows(session, item_id, item.version_count)
            ]

    def record_attachments(
        self, item_id: int, results: Sequence[AttachmentResult], *, run_id: int | None = None,
        revisit_days: Sequence[int] = DEFAULT_REVISIT_DAYS,
    ) -> Outcome | None:
        """A revisit whose page answered 304 but whose attachments were fetched: store them on its text."""
        with self.session() as session:
            item = session.get(Item, item_id)
            if item is None or not item.version_count:
                return None
            version = session.exec(
                select(ItemVersion).where(ItemVersion.item_id == item_id, ItemVersion.version == item.version_count)
            ).one()
        content = Content(
            text=version.text,
            content_hash=content_hash(version.title, version.text),
            title=version.title,
            published=item.published,
            published_guessed=item.published_guessed,
            source_name=item.source_name,
            organ=item.organ,
            doc_number=item.doc_number,
            kind=item.kind,
            meta=version.meta,
            attachments=tuple(results),
        )
        return self.record_content(
            source_id=item.source_id, canonical_url=item.canonical_url, url=item.url, content=content,
            etag=item.etag, last_modified=item.last_modified, run_id=run_id, revisit_days=revisit_days,
        )

    def record_checked(
        self,
        item_id: int,
        *,
        revisit: bool,
        revisit_days: Sequence[int] = DEFAULT_REVISIT_DAYS,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """After any answer with content or a 304: advance the revisit schedule and keep the validators."""
        now = clock.now()
        with self.session() as session:
            item = session.get(Item, item_id)
            if item is None:
                return
            item.last_checked = now
            if revisit:
                item.revisits_done += 1
                item.next_revisit_at = next_revisit(item.first_seen, item.revisits_done, revisit_days)
                # Skip revisit slots that already passed while the source was down: one check covers them.
                while item.next_revisit_at is not None and item.next_revisit_at <= now:
                    item.revisits_done += 1
                    item.next_revisit_at = next_revisit(item.first_seen, item.revisits_done, revisit_days)
            if etag is not None:
                item.etag = etag
            if last_modified is not None:
                item.last_modified = last_modified
            if item.status == "blocked":
                item.status = "active"
            session.add(item)
            session.commit()

    def record_gone(
        self, item_id: int, *, run_id: int | None = None, confirmations: int = DELETION_CONFIRMATIONS
    ) -> bool:
        """A 404/410 for a known item; after `confirmations` answers in a row it becomes deleted. True then."""
        now = clock.now()
        with self.session() as session:
            item = session.exec(select(Item).where(Item.id == item_id).with_for_update()).first()
            if item is None or item.status == "deleted":
                return False
            item.gone_count += 1
            item.last_checked = now
            deleted = item.gone_count >= confirmations
            if deleted:
                item.status, item.last_changed, item.next_revisit_at = "deleted", now, None
                event = ChangeEvent(
                    item_id=item.id or 0, change="deleted", source_id=item.source_id, created_at=now, crawl_run_id=run_id
                )
                session.add(event)
                session.flush()
                previous = session.exec(
                    select(ItemVersion).where(ItemVersion.item_id == item.id, ItemVersion.version == item.version_count)
                ).first()
                self._notify(session, event, item, None, previous)
            session.add(item)
            session.commit()
            return deleted

    def record_blocked(self, item_id: int) -> None:
        """A challenge page answered for a known item: remember it, change nothing else."""
        with self.session() as session:
            item = session.get(Item, item_id)
            if item is not None and item.status == "active":
                item.status, item.last_checked = "blocked", clock.now()
                session.add(item)
                session.commit()

    # --- helpers --------------------------------------------------------------------------------------

    def _notify(
        self, session: Session, event: ChangeEvent, item: Item, version: ItemVersion | None,
        previous: ItemVersion | None, attachments_text: str = "",
    ) -> None:
        if not self.listeners:
            return  # nobody listens: skip the baseline look-up on the hot path
        notice = ChangeNotice(
            event, item, version, previous, self._is_baseline(session, event.source_id), attachments_text
        )
        for listener in self.listeners:
            listener(session, notice)

    def _is_baseline(self, session: Session, source_id: str) -> bool:
        # A source's baseline status only changes when one of its runs finishes (finish_run clears the
        # entry); within a crawl it is fixed, so one look-up per source is enough.
        if source_id not in self._baseline:
            row = session.get(SourceRow, source_id)
            self._baseline[source_id] = row is None or not row.baseline_done
        return self._baseline[source_id]


def _no_edit(
    item: Item,
    previous: ItemVersion,
    links: Sequence[ItemAttachment],
    content: Content,
    before: dict[str, ItemAttachment],
) -> bool:
    """Whether the hash moved without the regulator changing anything: attachments unknown until now were
    fetched (they complete the current version), or the same words come spaced differently (the extractor
    now joins a table cell's runs: 王利 钿 → 王利钿). Either way every attachment known before is unchanged,
    so a real change of a file in the same fetch is still an edit."""
    # Attachments fetched for the first time count as they were: unknown.
    unknown = {link.url for link in links if link.url not in before or before[link.url].fingerprint is None}
    files = [(link.url, None if link.url in unknown else link.fingerprint) for link in links]
    if combined_hash(content.content_hash, files) == item.content_hash:
        return True
    return same_but_spacing(previous.title, previous.text, content.title, content.text) and (
        combined_hash(content_hash(previous.title, previous.text), files) == item.content_hash
    )


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _with_text_length() -> Any:
    """SELECT item, length of its current version's text (one indexed look-up per item)."""
    return select(Item, func.length(ItemVersion.text)).outerjoin(
        ItemVersion, and_(col(ItemVersion.item_id) == Item.id, col(ItemVersion.version) == Item.version_count)
    )


def _known(item: Item, text_length: int | None = None) -> KnownItem:
    return KnownItem(
        id=item.id or 0,
        canonical_url=item.canonical_url,
        url=item.url,
        source_id=item.source_id,
        status=item.status,
        etag=item.etag,
        last_modified=item.last_modified,
        next_revisit_at=item.next_revisit_at,
        gone_count=item.gone_count,
        text_length=text_length,
    )
