"""The versioned store on a real SQLite file: atomic decisions, versions, deletions, revisits, runs."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from crawler import clock
from crawler.config import DEFAULT_REVISIT_DAYS
from crawler.models import ChangeEvent, CrawlRun, Item, ItemVersion, SourceRow
from crawler.store import ChangeNotice, Content, Store, next_revisit

URL = "http://www.mee.gov.cn/ywdt/hjywnews/202611/t20261101_1.shtml"


def content(text: str, title: str = "标题") -> Content:
    from crawler.fingerprint import content_hash

    return Content(text=text, content_hash=content_hash(title, text), title=title, kind="meeting")


def store_one(store: Store, text: str, url: str = URL) -> str:
    return store.record_content(source_id="src", canonical_url=url, url=url, content=content(text)).change


def test_new_unchanged_edited(store: Store) -> None:
    assert store_one(store, "第一版。") == "new"
    assert store_one(store, "第一版。") == "unchanged"
    assert store_one(store, "第二版。") == "edited"
    assert store_one(store, "第二版。") == "unchanged"
    with store.session() as session:
        versions = session.exec(select(ItemVersion).order_by(ItemVersion.version)).all()
        events = session.exec(select(ChangeEvent).order_by(ChangeEvent.id)).all()
        item = session.exec(select(Item)).one()
    assert [(v.version, v.change, v.text) for v in versions] == [(1, "new", "第一版。"), (2, "edited", "第二版。")]
    assert [e.change for e in events] == ["new", "edited"]
    assert item.version_count == 2 and item.kind == "meeting"


def test_reverting_to_an_earlier_text_is_an_edit(store: Store) -> None:
    store_one(store, "甲。")
    store_one(store, "乙。")
    assert store_one(store, "甲。") == "edited"


def test_deleted_after_two_confirmations_and_back(store: Store) -> None:
    store_one(store, "正文。")
    item_id = store.known([URL])[URL].id
    assert store.record_gone(item_id) is False
    assert store.known([URL])[URL].status == "active"
    assert store.record_gone(item_id) is True
    assert store.known([URL])[URL].status == "deleted"
    assert store.record_gone(item_id) is False  # already deleted: no second event
    with store.session() as session:
        assert [e.change for e in session.exec(select(ChangeEvent).order_by(ChangeEvent.id))] == ["new", "deleted"]
    # The page comes back with the same text: active again, a "restored" event on the same version.
    assert store_one(store, "正文。") == "restored"
    assert store.known([URL])[URL].status == "active"
    assert store_one(store, "正文。") == "unchanged"  # restored once only
    with store.session() as session:
        events = session.exec(select(ChangeEvent).order_by(ChangeEvent.id)).all()
        versions = session.exec(select(ItemVersion)).all()
    assert [e.change for e in events] == ["new", "deleted", "restored"]
    assert len(versions) == 1 and events[-1].version_id == versions[0].id


def delete(store: Store, url: str = URL) -> None:
    """Two 404 answers on separate requests: the item is deleted."""
    item_id = store.known([url])[url].id
    store.record_gone(item_id)
    assert store.record_gone(item_id) is True


def test_restored_with_another_text_is_restored_then_edited(store: Store) -> None:
    store_one(store, "正文。")
    delete(store)
    notices: list[ChangeNotice] = []
    store.listeners.append(lambda _session, notice: notices.append(notice))
    outcome = store.record_content(source_id="src", canonical_url=URL, url=URL, content=content("正文，已修改。"))
    assert outcome.changes == ("restored", "edited") and outcome.change == "restored" and outcome.version == 2
    with store.session() as session:
        events = session.exec(select(ChangeEvent).order_by(ChangeEvent.id)).all()
        versions = session.exec(select(ItemVersion).order_by(ItemVersion.version)).all()
        item = session.exec(select(Item)).one()
    # One new version (an edit), and two events on it: the status change, then the text change.
    assert [(v.version, v.change) for v in versions] == [(1, "new"), (2, "edited")]
    assert [e.change for e in events] == ["new", "deleted", "restored", "edited"]
    assert events[-1].version_id == events[-2].version_id == versions[1].id
    assert item.status == "active" and item.version_count == 2
    assert [n.event.change for n in notices] == ["restored", "edited"]
    assert all(n.version is not None and n.version.version == 2 for n in notices)


def test_a_restored_item_is_revisited_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.NOW_ENV, "2026-05-01T08:00:00+08:00")
    store_one(store, "正文。")
    delete(store)
    assert store.known([URL])[URL].next_revisit_at is None  # deleted: no more revisits
    back = clock.now() + timedelta(days=40)
    monkeypatch.setenv(clock.NOW_ENV, back.isoformat())
    assert store_one(store, "正文。") == "restored"
    assert store.known([URL])[URL].next_revisit_at == back + timedelta(days=DEFAULT_REVISIT_DAYS[0])
    monkeypatch.setenv(clock.NOW_ENV, (back + timedelta(days=DEFAULT_REVISIT_DAYS[0], hours=1)).isoformat())
    assert [k.canonical_url for k in store.due_for_revisit("src", 10)] == [URL]


def test_a_blocked_item_answering_again_is_not_restored(store: Store) -> None:
    store_one(store, "正文。")
    store.record_blocked(store.known([URL])[URL].id)
    assert store.known([URL])[URL].status == "blocked"
    assert store_one(store, "正文。") == "unchanged"
    assert store.known([URL])[URL].status == "active"
    with store.session() as session:
        assert [e.change for e in session.exec(select(ChangeEvent).order_by(ChangeEvent.id))] == ["new"]


def test_content_between_404s_resets_the_count(store: Store) -> None:
    store_one(store, "正文。")
    item_id = store.known([URL])[URL].id
    store.record_gone(item_id)
    store_one(store, "正文。")
    assert store.record_gone(item_id) is False


def test_revisit_schedule(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    start = clock.now()
    assert next_revisit(start, 0, (1, 3)) == start + timedelta(days=1)
    assert next_revisit(start, 2, (1, 3)) is None
    store_one(store, "正文。")
    assert store.due_for_revisit("src", 10) == []
    monkeypatch.setenv(clock.NOW_ENV, (start + timedelta(days=1, hours=1)).isoformat())
    due = store.due_for_revisit("src", 10)
    assert [k.canonical_url for k in due] == [URL]
    assert store.due_for_revisit("src", 10, exclude=[URL]) == []
    store.record_checked(due[0].id, revisit=True, etag='"abc"')
    assert store.due_for_revisit("src", 10) == []
    assert store.known([URL])[URL].etag == '"abc"'
    # After 40 days of downtime the passed slots (3, 7, 30) are covered by one check, then nothing is due.
    monkeypatch.setenv(clock.NOW_ENV, (start + timedelta(days=40)).isoformat())
    due = store.due_for_revisit("src", 10)
    assert len(due) == 1
    store.record_checked(due[0].id, revisit=True)
    assert store.due_for_revisit("src", 10) == []


def test_revisit_budget(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(5):
        store_one(store, "正文。", url=f"{URL}?id={index}")
    monkeypatch.setenv(clock.NOW_ENV, (clock.now() + timedelta(days=2)).isoformat())
    assert len(store.due_for_revisit("src", 3)) == 3
    assert store.due_for_revisit("src", 0) == []


def test_listener_failure_rolls_back_everything(db_url: str, store: Store) -> None:
    def broken(_session: object, _notice: ChangeNotice) -> None:
        raise RuntimeError("outbox unavailable")

    failing = Store(db_url, listeners=[broken])
    with pytest.raises(RuntimeError):
        failing.record_content(source_id="src", canonical_url=URL, url=URL, content=content("正文。"))
    with store.session() as session:
        assert session.exec(select(Item)).all() == []
        assert session.exec(select(ItemVersion)).all() == []
        assert session.exec(select(ChangeEvent)).all() == []


def test_listener_sees_baseline_then_not(store: Store, db_url: str) -> None:
    seen: list[tuple[str, bool]] = []
    listening = Store(db_url, listeners=[lambda _s, notice: seen.append((notice.event.change, notice.baseline))])
    run = listening.begin_run("src")
    listening.record_content(source_id="src", canonical_url=URL, url=URL, content=content("一。"))
    listening.finish_run(run, "ok", {"new": 1}, [])
    listening.record_content(source_id="src", canonical_url=URL, url=URL, content=content("二。"))
    assert seen == [("new", True), ("edited", False)]


def test_runs_and_health(store: Store) -> None:
    run = store.begin_run("src")
    change = store.finish_run(run, "failing", {"failed": 2}, ["http://x: connection refused"])
    assert (change.health, change.consecutive_bad_runs, change.notify) == ("failing", 1, None)
    run = store.begin_run("src")
    assert store.finish_run(run, "blocked", {}, []).consecutive_bad_runs == 2
    store.mark_health_alerted("src")
    run = store.begin_run("src")
    change = store.finish_run(run, "ok", {"new": 1}, [])
    assert (change.health, change.consecutive_bad_runs, change.notify) == ("ok", 0, "recovered")
    with store.session() as session:
        row = session.get(SourceRow, "src")
        first = session.get(CrawlRun, 1)
    assert row is not None and row.baseline_done and row.last_new_at is not None
    assert first is not None and first.errors == ["http://x: connection refused"] and first.failed == 2


def test_run_of_a_dead_process_is_marked_crashed(store: Store) -> None:
    dead = multiprocessing.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    run = store.begin_run("src", pid=dead.pid)
    store.begin_run("src")
    with store.session() as session:
        crashed = session.get(CrawlRun, run)
    assert crashed is not None and crashed.status == "crashed" and crashed.errors


def _store_in_process(db_url: str, text: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = Store(db_url)
    results.put(store.record_content(source_id="src", canonical_url=URL, url=URL, content=content(text)).change)


def test_two_processes_storing_the_same_article_make_one_new(store: Store, db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_store_in_process, args=(db_url, "同一正文。", results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    changes = sorted(results.get(timeout=5) for _ in workers)
    assert changes == ["new", "unchanged", "unchanged", "unchanged"]
    with store.session() as session:
        assert len(session.exec(select(ItemVersion)).all()) == 1


def _open_store(db_url: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        Store(db_url)
        results.put("ok")
    except Exception as exc:  # the test reports what went wrong in the child
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_database_at_once(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_open_store, args=(db_url, results)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(results.get(timeout=5) for _ in workers) == ["ok", "ok", "ok"]


def test_a_crashed_run_keeps_the_counts_of_what_it_stored(store: Store) -> None:
    from crawler.store import mark_crashed, stored_counts

    run_id = store.begin_run("src")
    for n in range(3):
        store.record_content(
            source_id="src", canonical_url=f"https://x.gov.cn/{n}.html", url=f"https://x.gov.cn/{n}.html",
            content=content(f"第{n}篇正文，内容足够长。"), run_id=run_id,
        )
    store.record_content(
        source_id="src", canonical_url="https://x.gov.cn/0.html", url="https://x.gov.cn/0.html",
        content=content("第0篇正文，改过了。"), run_id=run_id,
    )
    with store.session() as session:
        assert stored_counts(session, run_id) == {"new": 3, "edited": 1, "deleted": 0, "restored": 0}
        run = session.get(CrawlRun, run_id)
        assert run is not None and run.new == 0  # the counters live in the crawl process until it closes
        mark_crashed(session, run, "the crawl process ended before finishing this run", clock.now())
        session.commit()
        run = session.get(CrawlRun, run_id)
        assert run is not None and (run.status, run.new, run.edited) == ("crashed", 3, 1)
