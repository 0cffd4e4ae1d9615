"""A small store written through the real write path (Store.record_content / record_gone) for the web tests."""

from __future__ import annotations

import hashlib
import sqlite3
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from crawler import clock

with warnings.catch_warnings():
    # Starlette's TestClient announces a future move to "httpx2", a package we do not use; importing it once
    # here (the tests' later imports hit the module cache) keeps that notice out of every run's summary.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    import fastapi.testclient  # noqa: F401
from crawler.db import dispose_engines
from crawler.models import SourceRow
from crawler.store import Content, Outcome, Store

MEETING_V1 = (
    "11月18日，省生态环境厅党组书记主持召开党组会议，传达学习全国生态环境保护大会精神。\n"
    "会议指出，今年以来全省PM2.5平均浓度为31.2微克/立方米，同比下降4.1%。\n"
    "会议强调，要持续深入打好污染防治攻坚战。"
)
# The edit rewrites one sentence (the number), as the sites do.
MEETING_V2 = MEETING_V1.replace("31.2微克/立方米，同比下降4.1%", "30.8微克/立方米，同比下降5.3%")
# The notice deleted on day 2 (and restored by the tests that call World.restore_notice).
NOTICE_URL = "http://sthjt.hunan.gov.cn/xxgk/tzgg/202611/t20261118_002.html"


A = "{http://www.w3.org/2005/Atom}"


def check_atom(body: bytes, served: bool = True) -> ET.Element:
    """Parse a feed and assert the structure RFC 4287 requires; return the root."""
    root = ET.fromstring(body)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        element = root.find(f"{A}{name}")
        assert element is not None and (element.text or "").strip(), f"feed without {name}"
    datetime.fromisoformat(root.findtext(f"{A}updated"))  # RFC 3339
    assert root.find(f"{A}author/{A}name") is not None  # so entries need no author of their own
    # A served feed names its own URL (RFC 4287 says SHOULD; readers rely on it); an exported file has none.
    assert [link.get("rel") for link in root.findall(f"{A}link")].count("self") == (1 if served else 0)
    entry_ids = []
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{name}") or "").strip(), f"entry without {name}"
        updated = datetime.fromisoformat(entry.findtext(f"{A}updated"))
        assert updated.utcoffset() is not None
        links = entry.findall(f"{A}link")
        assert links and all(link.get("href") for link in links)
        # At most one alternate link per type (RFC 4287 4.1.1); no rel means alternate.
        alternates = [link.get("type") for link in links if link.get("rel", "alternate") == "alternate"]
        assert len(alternates) == len(set(alternates))
        content = entry.find(f"{A}content")
        assert content is not None and content.get("type") in ("text", "html")
        entry_ids.append(entry.findtext(f"{A}id"))
    assert len(entry_ids) == len(set(entry_ids)), "entry ids must be unique"
    return root



@pytest.fixture
def parse_atom():  # type: ignore[no-untyped-def]
    """The Atom checker, as a fixture so that test modules need not import each other."""
    return check_atom


@dataclass
class World:
    """The database URL and the ids of the items each test talks about."""

    url: str
    items: dict[str, int] = field(default_factory=dict)
    _store: Store | None = None

    @property
    def store(self) -> Store:
        """The real write path on this database, for tests that change it further."""
        if self._store is None:
            self._store = Store(self.url)
        return self._store

    def restore_notice(self) -> Outcome:
        """The notice deleted on day 2 answers again with the same text (a "restored" event)."""
        return self.store.record_content(source_id="hunan", canonical_url=NOTICE_URL, url=NOTICE_URL, content=_notice())


def _content(text: str, title: str, kind: str = "news", **extra: object) -> Content:
    return Content(
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        title=title,
        published=clock.as_utc(datetime(2026, 11, 18, 9, 30)),
        source_name=extra.get("source_name", "生态环境部"),  # type: ignore[arg-type]
        doc_number=extra.get("doc_number"),  # type: ignore[arg-type]
        kind=kind,
    )


def _notice() -> Content:
    return _content(
        "关于开展2026年度排污许可证执行报告检查的通知。\n各市州生态环境局：",
        "关于开展排污许可证执行报告检查的通知",
        kind="notice",
        doc_number="湘环函〔2026〕12号",
    )


def _add_source(store: Store, source_id: str, name: str) -> None:
    with Session(store.engine) as session:
        session.add(SourceRow(id=source_id, name=name, org="生态环境部", profile="trs", schedule="0 8 * * *"))
        session.commit()


def build_world(url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    """Day 1: five items over two sources; day 2: one edit, one deletion, two new items."""
    store = Store(url)
    world = World(url, _store=store)
    _add_source(store, "mee-news", "生态环境部 环境要闻")
    _add_source(store, "hunan", "湖南省生态环境厅")

    monkeypatch.setenv(clock.NOW_ENV, "2026-11-18T10:00:00+08:00")
    for source_id in ("mee-news", "hunan"):
        run = store.begin_run(source_id)
        if source_id == "mee-news":
            for n in range(1, 4):
                outcome = store.record_content(
                    source_id="mee-news",
                    canonical_url=f"http://www.mee.gov.cn/ywdt/hjywnews/t2026111{n}_10{n}.shtml",
                    url=f"http://www.mee.gov.cn/ywdt/hjywnews/t2026111{n}_10{n}.shtml",
                    content=_content(f"第{n}条新闻的正文。\n大气污染防治工作取得积极成效。", f"环境要闻第{n}条"),
                    run_id=run,
                )
                world.items[f"news{n}"] = outcome.item_id
            store.finish_run(run, "ok", {"new": 3, "pages_fetched": 4}, [])
        else:
            outcome = store.record_content(
                source_id="hunan",
                canonical_url="http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t20261118_001.html",
                url="http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t20261118_001.html",
                content=_content(MEETING_V1, "省生态环境厅召开党组会议", kind="meeting", source_name="湖南省生态环境厅"),
                run_id=run,
            )
            world.items["meeting"] = outcome.item_id
            outcome = store.record_content(
                source_id="hunan", canonical_url=NOTICE_URL, url=NOTICE_URL, content=_notice(), run_id=run
            )
            world.items["notice"] = outcome.item_id
            store.finish_run(run, "ok", {"new": 2, "pages_fetched": 3}, [])

    monkeypatch.setenv(clock.NOW_ENV, "2026-11-19T10:00:00+08:00")
    run = store.begin_run("hunan")
    edited = store.record_content(
        source_id="hunan",
        canonical_url="http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t20261118_001.html",
        url="http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t20261118_001.html",
        content=_content(MEETING_V2, "省生态环境厅召开党组会议", kind="meeting", source_name="湖南省生态环境厅"),
        run_id=run,
    )
    assert edited.change == "edited"
    store.record_gone(world.items["notice"], run_id=run)
    assert store.record_gone(world.items["notice"], run_id=run)
    for n in (4, 5):
        outcome = store.record_content(
            source_id="hunan",
            canonical_url=f"http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t2026111{n}_00{n}.html",
            url=f"http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t2026111{n}_00{n}.html",
            content=_content(f"第{n}次会议的内容。\n会议强调，抓好问题整改。", f"第{n}次厅务会议", kind="meeting"),
            run_id=run,
        )
        world.items[f"day2_{n}"] = outcome.item_id
    store.finish_run(run, "ok", {"new": 2, "edited": 1, "deleted": 1, "pages_fetched": 5}, [])
    return world


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The world built once per session; each test gets its own copy (building it costs more than copying)."""
    path = tmp_path_factory.mktemp("web-world") / "template.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = build_world(f"sqlite:///{path}", monkeypatch)
    dispose_engines()
    return path, dict(built.items)


@pytest.fixture
def world(world_template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GOVWATCH_API_TOKEN", raising=False)
    # The clock where the world's day 2 left it.
    monkeypatch.setenv(clock.NOW_ENV, "2026-11-19T10:00:00+08:00")
    template, items = world_template
    target = tmp_path / "web.db"
    # SQLite's backup API copies a consistent database, WAL included.
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    yield World(f"sqlite:///{target}", dict(items))
    dispose_engines()


@pytest.fixture
def pg_world(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    """The same world on a throwaway PostgreSQL database (skipped, with the reason, when it is not installed)."""
    monkeypatch.delenv("GOVWATCH_API_TOKEN", raising=False)
    return build_world(postgres_url, monkeypatch)
