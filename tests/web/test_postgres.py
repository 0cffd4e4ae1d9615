"""The API, feeds and export on PostgreSQL: the same queries must hold on both databases."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from crawler.db import get_engine
from crawler.export import ExportOptions, export
from crawler.web import create_app

pytestmark = pytest.mark.postgres


def test_api_feeds_and_export_on_postgres(pg_world, parse_atom) -> None:  # type: ignore[no-untyped-def]
    w = pg_world.items
    with TestClient(create_app(pg_world.url)) as client:
        seen, cursor = [], None
        while True:
            body = client.get("/api/items", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
            seen.extend(item["id"] for item in body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(w.values(), reverse=True)
        edited = client.get("/api/items", params={"change": "edited"}).json()["items"]
        assert [item["id"] for item in edited] == [w["meeting"]]
        assert edited[0]["published"] == "2026-11-18T09:30:00+08:00"
        since = client.get("/api/items", params={"change": "new", "since": "2026-11-19"}).json()["items"]
        assert [item["id"] for item in since] == [w["day2_5"], w["day2_4"]]
        assert [i["id"] for i in client.get("/api/items", params={"q": "湘环函"}).json()["items"]] == [w["notice"]]
        diff = client.get(f"/api/items/{w['meeting']}/diff").json()
        assert diff["changed_rows"] == 1 and "+会议指出" in diff["unified"]
        sources = {s["id"]: s for s in client.get("/api/sources").json()["sources"]}
        assert sources["hunan"]["items"] == 4 and sources["hunan"]["last_run"]["deleted"] == 1
        feed = parse_atom(client.get("/feeds/all.atom").content)
        ids = {e.findtext("{http://www.w3.org/2005/Atom}id") for e in feed.findall("{http://www.w3.org/2005/Atom}entry")}
        assert f"tag:govwatch,2026:item/{w['meeting']}/v2" in ids and len(ids) == 9
        assert client.get(f"/items/{w['meeting']}").status_code == 200
    stream = io.StringIO()
    result = export(get_engine(pg_world.url), stream, ExportOptions(consumer="pg"))
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert result.count == 9 and result.position == records[-1]["event_id"]
    gone = next(r for r in records if r["change"] == "deleted")
    assert gone["version"] == 1 and "排污许可证" in gone["text"]
    again = io.StringIO()
    assert export(get_engine(pg_world.url), again, ExportOptions(consumer="pg")).count == 0
