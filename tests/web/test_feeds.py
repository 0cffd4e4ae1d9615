"""Atom feeds parsed and checked against RFC 4287's structure; an edit is a second entry with its own id."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from crawler import clock
from crawler.store import Content
from crawler.web import create_app

A = "{http://www.w3.org/2005/Atom}"


def entries(root: ET.Element) -> dict[str, ET.Element]:
    return {entry.findtext(f"{A}id"): entry for entry in root.findall(f"{A}entry")}


@pytest.fixture
def client(world):  # type: ignore[no-untyped-def]
    with TestClient(create_app(world.url)) as test_client:
        yield test_client


def test_all_feed_is_valid_atom_with_an_entry_per_version(client, world, parse_atom) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/feeds/all.atom")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    root = parse_atom(response.content)
    assert root.findtext(f"{A}id") == "tag:govwatch,2026:feed/all"
    assert root.findtext(f"{A}updated") == "2026-11-19T10:00:00+08:00"  # the newest entry
    found = entries(root)
    meeting = world.items["meeting"]
    first, edit = f"tag:govwatch,2026:item/{meeting}/v1", f"tag:govwatch,2026:item/{meeting}/v2"
    # The edit is a new entry: a feed reader that has seen v1 shows v2 again.
    assert first in found and edit in found
    assert found[edit].findtext(f"{A}title") == "[已更新 v2] 省生态环境厅召开党组会议"
    assert found[edit].findtext(f"{A}updated") == "2026-11-19T10:00:00+08:00"
    assert found[first].findtext(f"{A}updated") == "2026-11-18T10:00:00+08:00"
    assert found[edit].find(f"{A}link").get("href") == "http://sthjt.hunan.gov.cn/xxgk/gzdt/202611/t20261118_001.html"
    content = found[edit].findtext(f"{A}content")
    assert "31.2微克" in content and "30.8微克" in content  # the changed lines, before the new text
    assert f"/items/{meeting}" in content
    deleted = f"tag:govwatch,2026:item/{world.items['notice']}/v1/deleted"
    assert found[deleted].findtext(f"{A}title").startswith("[已删除]")
    assert len(found) == 9  # seven "new", one "edited", one "deleted" event
    # Newest first.
    stamps = [entry.findtext(f"{A}updated") for entry in root.findall(f"{A}entry")]
    assert stamps == sorted(stamps, reverse=True)


def test_meetings_and_source_feeds_filter(client, world, parse_atom) -> None:  # type: ignore[no-untyped-def]
    meetings = entries(parse_atom(client.get("/feeds/meetings.atom").content))
    assert all(
        entry.find(f"{A}category[@term='meeting']") is not None for entry in meetings.values()
    ), "only meetings"
    assert {key.split("/")[1] for key in meetings} == {
        str(world.items[name]) for name in ("meeting", "day2_4", "day2_5")
    }
    mee = parse_atom(client.get("/feeds/source/mee-news.atom").content)
    assert mee.findtext(f"{A}id") == "tag:govwatch,2026:feed/source/mee-news"
    assert {key.split("/")[1] for key in entries(mee)} == {str(world.items[f"news{n}"]) for n in (1, 2, 3)}
    assert client.get("/feeds/source/nowhere.atom").status_code == 404


def test_an_edit_after_the_reader_polled_adds_an_entry(client, world, monkeypatch, parse_atom) -> None:  # type: ignore[no-untyped-def]
    before = entries(parse_atom(client.get("/feeds/source/mee-news.atom").content))
    news = world.items["news1"]
    monkeypatch.setenv(clock.NOW_ENV, "2026-11-20T09:00:00+08:00")
    text = "第1条新闻的正文（更正）。\n大气污染防治工作取得积极成效。"
    outcome = world.store.record_content(
        source_id="mee-news",
        canonical_url="http://www.mee.gov.cn/ywdt/hjywnews/t20261111_101.shtml",
        url="http://www.mee.gov.cn/ywdt/hjywnews/t20261111_101.shtml",
        content=Content(text=text, content_hash=hashlib.sha256(text.encode()).hexdigest(), title="环境要闻第1条"),
    )
    assert outcome.change == "edited" and outcome.item_id == news
    after_root = parse_atom(client.get("/feeds/source/mee-news.atom").content)
    after = entries(after_root)
    assert set(after) - set(before) == {f"tag:govwatch,2026:item/{news}/v2"}
    assert after_root.findtext(f"{A}updated") == "2026-11-20T09:00:00+08:00"
    assert after_root.find(f"{A}entry").findtext(f"{A}id") == f"tag:govwatch,2026:item/{news}/v2"


def test_empty_feed_is_still_valid(tmp_path, monkeypatch, parse_atom) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GOVWATCH_API_TOKEN", raising=False)
    with TestClient(create_app(f"sqlite:///{tmp_path / 'empty.db'}")) as client:
        root = parse_atom(client.get("/feeds/all.atom").content)
        assert root.findall(f"{A}entry") == []


def test_a_restored_item_gets_its_own_entry(client, world, monkeypatch, parse_atom) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(clock.NOW_ENV, "2026-11-20T09:00:00+08:00")
    notice = world.items["notice"]
    outcome = world.restore_notice()
    assert outcome.change == "restored" and outcome.item_id == notice
    found = entries(parse_atom(client.get("/feeds/source/hunan.atom").content))
    restored = found[f"tag:govwatch,2026:item/{notice}/v1/restored"]
    # Next to the first version's entry and the deletion's, not instead of them.
    assert f"tag:govwatch,2026:item/{notice}/v1" in found and f"tag:govwatch,2026:item/{notice}/v1/deleted" in found
    assert restored.findtext(f"{A}title") == "[已恢复] 关于开展排污许可证执行报告检查的通知"
    assert restored.findtext(f"{A}updated") == "2026-11-20T09:00:00+08:00"
    assert restored.find(f"{A}category[@term='restored']") is not None
    assert "已在原网站恢复" in restored.findtext(f"{A}content") and "排污许可证" in restored.findtext(f"{A}content")
