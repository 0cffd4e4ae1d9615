"""Attachments in the versioned store, search and alerts, on SQLite and PostgreSQL (real databases)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from crawler.alerts.config import Filters, Subscription
from crawler.alerts.outbox import matches
from crawler.attachments.queries import attachments_by_version
from crawler.attachments.state import AttachmentResult
from crawler.db import _alembic_config, init_db
from crawler.diffing import attachment_changes
from crawler.fingerprint import content_hash
from crawler.models import AttachmentFile, SourceRow
from crawler.search import search
from crawler.store import ChangeNotice, Content, Store

URL = "http://www.example.gov.cn/gsgg/t20261101_1.shtml"
FILE = "http://www.example.gov.cn/gsgg/W020261101_1.xlsx"
TEXT = "关于公布第一批名单的通知\n附件：1.名单汇总表.xlsx"


@pytest.fixture
def notices(db_url: str) -> list[ChangeNotice]:
    return []


@pytest.fixture
def store(db_url: str, notices: list[ChangeNotice]) -> Store:
    store = Store(db_url, listeners=[lambda _session, notice: notices.append(notice)])
    with store.session() as session:
        session.add(SourceRow(id="src", name="源", org="厅", profile="trs", schedule="0 7 * * *"))
        session.commit()
    return store


def fetched(body: str, url: str = FILE, name: str = "1.名单汇总表.xlsx") -> AttachmentResult:
    data = body.encode()
    return AttachmentResult(
        name, url, "fetched", sha256=hashlib.sha256(data).hexdigest(), size=len(data), file_type="xlsx", text=body,
        etag=f'"{hashlib.sha1(data).hexdigest()[:8]}"',
    )


def record(store: Store, *attachments: AttachmentResult, url: str = URL, body: str = TEXT) -> tuple[str, ...]:
    content = Content(
        text=body, content_hash=content_hash("通知", body), title="通知", kind="notice", attachments=attachments
    )
    return store.record_content(source_id="src", canonical_url=url, url=url, content=content).changes


def test_a_replaced_attachment_edits_the_item_and_the_diff_says_how(store: Store) -> None:
    assert record(store, fetched("序号\t单位\n1\t临湖市化工厂")) == ("new",)
    assert record(store, AttachmentResult("1.名单汇总表.xlsx", FILE, "not_modified")) == ("unchanged",)
    assert record(store, AttachmentResult("1.名单汇总表.xlsx", FILE, "failed", fetch_error="timeout")) == ("unchanged",)
    assert record(store, fetched("序号\t单位\n1\t临湖市化工厂")) == ("unchanged",)
    assert record(store, fetched("序号\t单位\n1\t临湖市化工厂\n2\t南屏县造纸厂")) == ("edited",)
    with store.session() as session:
        files = attachments_by_version(session, 1, [1, 2])
    (change,) = attachment_changes(files[1], files[2])
    assert change.op == "changed" and "+2\t南屏县造纸厂" in change.diff
    # Removed from the page: the item is edited and the diff shows the attachment as removed.
    assert record(store) == ("edited",)
    with store.session() as session:
        files = attachments_by_version(session, 1, [2, 3])
    assert [(c.op, c.url) for c in attachment_changes(files[2], files[3])] == [("removed", FILE)]


def test_an_attachment_fetched_late_is_no_edit(store: Store) -> None:
    assert record(store, AttachmentResult("1.名单汇总表.xlsx", FILE, "skipped", fetch_error="over budget")) == ("new",)
    assert record(store, fetched("序号\t单位\n1\t临湖市化工厂")) == ("unchanged",)
    with store.session() as session:
        (view,) = attachments_by_version(session, 1, [1])[1]
    assert view.sha256 and "临湖市化工厂" in view.text
    assert record(store, fetched("序号\t单位\n1\t别的工厂")) == ("edited",)


def test_the_same_file_from_two_notices_is_stored_once(store: Store) -> None:
    record(store, fetched("共同的附件内容"))
    record(store, fetched("共同的附件内容"), url=URL.replace("_1", "_2"))
    with store.session() as session:
        assert len(session.exec(select(AttachmentFile)).all()) == 1


def test_search_finds_attachment_text_with_two_and_more_characters(store: Store, db_url: str) -> None:
    record(store, fetched("序号\t单位\n1\t青川市锦鲤化工有限公司"))
    record(store, url=URL.replace("_1", "_9"), body="一则没有附件的新闻，提到青川市。")
    with Session(init_db(db_url)) as session:
        (hit,) = search(session, "锦鲤化工")
        assert hit.attachment == "1.名单汇总表.xlsx" and hit.passage and hit.passage.match == "锦鲤化工"
        assert {h.item_id for h in search(session, "青川")} == {1, 2}
        assert search(session, "锦鲤", kind="news") == [] and search(session, "锦鲤", source="other") == []
        assert len(search(session, "锦鲤", since=datetime(2020, 1, 1, tzinfo=UTC))) == 1
        assert search(session, "锦鲤", since=datetime(2099, 1, 1, tzinfo=UTC)) == []
        assert search(session, "没有附件")[0].attachment is None
        with pytest.raises(ValueError):
            search(session, "青")
    # An edit re-indexes: the old attachment's words are no longer found.
    record(store, fetched("序号\t单位\n1\t白河市某公司"))
    with Session(init_db(db_url)) as session:
        assert search(session, "锦鲤化工") == [] and len(search(session, "白河市")) == 1


def test_alert_filters_can_look_in_attachments(store: Store, notices: list[ChangeNotice]) -> None:
    record(store, fetched("处罚名单：青川市锦鲤化工有限公司"))
    (notice,) = notices
    both = Subscription(name="s", recipients=["a@example.org"], filters=Filters(kinds=["notice"], keywords=["锦鲤"]))
    assert not matches(both, notice)
    deep = both.model_copy(update={"filters": both.filters.model_copy(update={"match_in": ["attachments"]})})
    assert matches(deep, notice)


def test_the_migration_indexes_items_of_an_existing_database(db_url: str) -> None:
    # A database at revision 0002 with an item: upgrading builds the search index from its text.
    engine = create_engine(db_url)
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text(
            "INSERT INTO source (id, name, org, profile, listing_urls, schedule, enabled, health, consecutive_bad_runs,"
            " health_alerted, baseline_done) VALUES ('src', 's', 'o', 'trs', '[]', '0 7 * * *', true, 'ok', 0, false, true)"
        ))
        connection.execute(text(
            "INSERT INTO item (id, canonical_url, url, source_id, title, kind, status, first_seen, last_seen,"
            " last_checked, last_changed, version_count, content_hash, published_guessed, gone_count, revisits_done)"
            " VALUES (1, 'u', 'u', 'src', '旧标题', 'news', 'active', '2026-11-01', '2026-11-01', '2026-11-01',"
            " '2026-11-01', 1, 'h', false, 0, 0)"
        ))
        connection.execute(text(
            "INSERT INTO item_version (item_id, version, change, content_hash, title, text, meta, fetched_at)"
            " VALUES (1, 1, 'new', 'h', '旧标题', '升级之前保存的正文', '{}', '2026-11-01')"
        ))
    engine.dispose()
    with Session(init_db(db_url)) as session:
        assert [hit.item_id for hit in search(session, "升级之前")] == [1]
        assert [hit.item_id for hit in search(session, "正文")] == [1]
