"""Attachments and search through the API, the pages and the export (a real store, the real app)."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from crawler.export import ExportOptions, export
from crawler.store import Store
from crawler.web.app import create_app
from tests.attachments.test_attachments_store import FILE, URL, fetched, record

# Starlette's TestClient announces a move to "httpx2", a package we do not use.
pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2.*")


def test_api_pages_and_export_carry_attachments_and_search(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    from crawler.models import SourceRow

    with store.session() as session:
        session.add(SourceRow(id="src", name="源", org="厅", profile="trs", schedule="0 7 * * *"))
        session.commit()
    record(store, fetched("序号\t单位\n1\t青川市锦鲤化工有限公司"))
    record(store, fetched("序号\t单位\n1\t青川市锦鲤化工有限公司\n2\t白河市<造纸>厂"))
    client = TestClient(create_app(sqlite_url))

    item = client.get("/api/items/1").json()
    (attachment,) = item["attachments"]
    assert attachment["url"] == FILE and attachment["type"] == "xlsx" and "白河市<造纸>厂" in attachment["text"]
    (change,) = client.get("/api/items/1/diff").json()["attachments"]
    assert change["op"] == "changed" and "+2\t白河市<造纸>厂" in change["diff"]

    hits = client.get("/api/search", params={"q": "锦鲤化工"}).json()["hits"]
    assert [(h["item_id"], h["in"], h["match"]) for h in hits] == [(1, "attachment", "锦鲤化工")]
    assert client.get("/api/search", params={"q": "锦"}).status_code in (400, 422)

    page = client.get("/items/1").text
    assert 'id="attachment-diff"' in page and "白河市&lt;造纸&gt;厂" in page  # escaped, never raw HTML
    listing = client.get("/", params={"q": "造纸"}).text
    assert "<mark>造纸</mark>" in listing and 'href="/items/1"' in listing

    out = io.StringIO()
    export(store.engine, out, ExportOptions(format="jsonl"))
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["change"] for r in records] == ["new", "edited"]
    assert records[1]["attachments"][0]["sha256"] != records[0]["attachments"][0]["sha256"]
    assert records[0]["url"] == URL
