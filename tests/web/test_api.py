"""The read-only JSON API on a real SQLite store: filters, keyset cursors, versions, diffs, sources, token."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crawler.web import create_app


@pytest.fixture
def client(world):  # type: ignore[no-untyped-def]
    with TestClient(create_app(world.url)) as test_client:
        yield test_client


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_items_newest_first_with_metadata(client, world) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/items").json()
    assert [item["id"] for item in body["items"]] == sorted(world.items.values(), reverse=True)
    assert body["next_cursor"] is None
    meeting = next(item for item in body["items"] if item["id"] == world.items["meeting"])
    assert meeting["change"] == "edited" and meeting["version"] == 2 and meeting["kind"] == "meeting"
    assert meeting["published"] == "2026-11-18T09:30:00+08:00"
    assert meeting["url"].startswith("http://sthjt.hunan.gov.cn/")
    notice = next(item for item in body["items"] if item["id"] == world.items["notice"])
    assert notice["status"] == "deleted" and notice["change"] == "deleted"
    assert notice["doc_number"] == "湘环函〔2026〕12号"


def test_filters(client, world) -> None:  # type: ignore[no-untyped-def]
    w = world.items
    assert ids(client.get("/api/items", params={"source": "mee-news"})) == [w["news3"], w["news2"], w["news1"]]
    assert ids(client.get("/api/items", params={"kind": "meeting"})) == [w["day2_5"], w["day2_4"], w["meeting"]]
    assert ids(client.get("/api/items", params={"change": "edited"})) == [w["meeting"]]
    assert ids(client.get("/api/items", params={"change": "deleted"})) == [w["notice"]]
    # new since day 2 (Asia/Shanghai when no zone is given): the two items that appeared that day.
    assert ids(client.get("/api/items", params={"change": "new", "since": "2026-11-19"})) == [w["day2_5"], w["day2_4"]]
    assert ids(client.get("/api/items", params={"change": "edited", "since": "2026-11-20"})) == []
    assert ids(client.get("/api/items", params={"since": "2026-11-19T00:00:00+08:00"})) == [w["day2_5"], w["day2_4"]]
    assert ids(client.get("/api/items", params={"q": "党组会议"})) == [w["meeting"]]
    assert ids(client.get("/api/items", params={"q": "湘环函"})) == [w["notice"]]
    # LIKE wildcards in the search are literal characters, not patterns.
    assert ids(client.get("/api/items", params={"q": "%"})) == []
    assert ids(client.get("/api/items", params={"source": "hunan", "kind": "notice"})) == [w["notice"]]


def test_keyset_pagination_visits_every_item_once(client, world) -> None:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    url, params = "/api/items", {"limit": 2}
    pages = 0
    while True:
        body = client.get(url, params=params).json()
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        if body["next_cursor"] is None:
            break
        assert body["next"].startswith("/api/items?") and "cursor=" in body["next"]
        params = {"limit": 2, "cursor": body["next_cursor"]}
    assert pages == 4
    assert seen == sorted(world.items.values(), reverse=True)
    # The cursor is opaque but stable, and keeps working with the same filters.
    body = client.get("/api/items", params={"kind": "meeting", "limit": 1}).json()
    second = client.get("/api/items", params={"kind": "meeting", "limit": 1, "cursor": body["next_cursor"]}).json()
    assert [item["id"] for item in second["items"]] == [world.items["day2_4"]]


def test_search_reads_a_bounded_window_per_page(client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import crawler.queries as web_queries

    # Three ids per request: a search for what only the oldest items hold walks back over short pages.
    monkeypatch.setattr(web_queries, "SEARCH_WINDOW", 3)
    found, pages, cursor = [], 0, None
    while True:
        body = client.get("/api/items", params={"q": "环境要闻", **({"cursor": cursor} if cursor else {})}).json()
        found.extend(item["id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert found == [world.items["news3"], world.items["news2"], world.items["news1"]]
    assert pages == 3  # ids 5-7 (no match), 2-4, then 1
    first = client.get("/", params={"q": "环境要闻"})
    assert 'id="no-match"' in first.text and "search older items" in first.text


def test_bad_input_is_a_clear_400_or_422(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/items", params={"cursor": "not-a-cursor"})
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
    response = client.get("/api/items", params={"change": "renamed"})
    assert response.status_code == 400 and "new, edited, deleted, restored" in response.json()["detail"]
    assert client.get("/api/items", params={"since": "yesterday"}).status_code == 400
    assert client.get("/api/items", params={"limit": 0}).status_code == 422


def test_item_versions_and_diff(client, world) -> None:  # type: ignore[no-untyped-def]
    meeting = world.items["meeting"]
    item = client.get(f"/api/items/{meeting}").json()
    assert item["version"] == 2 and "30.8微克" in item["text"]
    assert [v["version"] for v in item["versions"]] == [1, 2] and "text" not in item["versions"][0]
    versions = client.get(f"/api/items/{meeting}/versions").json()["versions"]
    assert [v["change"] for v in versions] == ["new", "edited"]
    assert "31.2微克" in versions[0]["text"] and "30.8微克" in versions[1]["text"]
    assert versions[0]["content_hash"] != versions[1]["content_hash"]

    diff = client.get(f"/api/items/{meeting}/diff").json()
    assert (diff["from"], diff["to"], diff["changed_rows"]) == (1, 2, 1)
    assert "-会议指出，今年以来全省PM2.5平均浓度为31.2" in diff["unified"]
    replaced = [row for row in diff["rows"] if row["op"] == "replace"]
    assert len(replaced) == 1
    assert {"op": "delete", "text": "4"} in replaced[0]["old_segments"]
    assert {"op": "insert", "text": "5"} in replaced[0]["new_segments"]
    # Explicit versions, including the same one twice (no change), and a version that does not exist.
    same = client.get(f"/api/items/{meeting}/diff", params={"from": 2, "to": 2}).json()
    assert same["changed_rows"] == 0
    reverse = client.get(f"/api/items/{meeting}/diff", params={"from": 2, "to": 1}).json()
    assert {"op": "insert", "text": "4"} in reverse["rows"][1]["new_segments"]
    missing = client.get(f"/api/items/{meeting}/diff", params={"from": 1, "to": 3})
    assert missing.status_code == 400 and "versions 1..2" in missing.json()["detail"]
    assert client.get("/api/items/99999").status_code == 404
    assert client.get("/api/items/99999/versions").status_code == 404


def test_changes_poll_the_log_in_the_export_schema(client, world) -> None:  # type: ignore[no-untyped-def]
    from crawler.export import FIELDS

    first = client.get("/api/changes", params={"limit": 5}).json()
    assert len(first["changes"]) == 5 and first["more"] is True
    assert all(tuple(record) == FIELDS for record in first["changes"])
    rest = client.get("/api/changes", params={"since_id": first["next_since_id"], "limit": 50}).json()
    assert rest["more"] is False and len(rest["changes"]) == 4
    assert [r["change"] for r in rest["changes"]][-3:] == ["deleted", "new", "new"]
    edit = next(r for r in rest["changes"] if r["change"] == "edited")
    assert edit["item_id"] == world.items["meeting"] and edit["version"] == 2
    done = client.get("/api/changes", params={"since_id": rest["next_since_id"]}).json()
    assert done == {"changes": [], "next_since_id": rest["next_since_id"], "more": False}


def test_sources_health(client, world) -> None:  # type: ignore[no-untyped-def]
    sources = {row["id"]: row for row in client.get("/api/sources").json()["sources"]}
    assert set(sources) == {"hunan", "mee-news"}
    hunan = sources["hunan"]
    assert hunan["health"] == "ok" and hunan["items"] == 4
    assert hunan["last_run"]["edited"] == 1 and hunan["last_run"]["deleted"] == 1
    assert hunan["last_run"]["finished_at"] == "2026-11-19T10:00:00+08:00"
    assert hunan["last_new_item"]["id"] == world.items["day2_5"]
    assert sources["mee-news"]["last_new_item"]["title"] == "环境要闻第3条"


def test_openapi_documents_the_api(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/openapi.json").json()
    for path in ("/api/items", "/api/items/{item_id}", "/api/items/{item_id}/versions", "/api/items/{item_id}/diff",
                 "/api/changes", "/api/sources", "/feeds/all.atom"):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/items"]["get"]["parameters"]}
    assert {"source", "kind", "change", "since", "q", "cursor", "limit"} <= parameters
    assert client.get("/docs").status_code == 200


def test_token_guards_every_request(world) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(world.url, token="s3cret-token")) as guarded:
        for path in ("/api/items", "/feeds/all.atom", "/", "/sources", "/openapi.json", "/static/style.css"):
            response = guarded.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
        assert guarded.get("/api/items", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert guarded.get("/api/items", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert guarded.get("/feeds/all.atom", params={"token": "s3cret-token"}).status_code == 200
        # A browser that arrived with ?token= keeps browsing through the cookie it was given.
        assert guarded.get("/sources").status_code == 200
        guarded.cookies.clear()
        assert guarded.get("/sources").status_code == 401


def test_pages_render(client, world) -> None:  # type: ignore[no-untyped-def]
    home = client.get("/").text
    assert 'id="recent"' in home and "edited v2" in home
    page = client.get("/", params={"change": "edited"})
    assert page.status_code == 200 and "省生态环境厅召开党组会议" in page.text and "环境要闻第1条" not in page.text
    assert 'id="recent"' not in page.text  # filtered lists show only what was asked
    item = client.get(f"/items/{world.items['meeting']}")
    assert item.status_code == 200
    assert "<del>4</del>" in item.text and "<ins>5</ins>" in item.text
    assert "湘环函〔2026〕12号" in client.get(f"/items/{world.items['notice']}").text
    sources = client.get("/sources")
    assert sources.status_code == 200 and "湖南省生态环境厅" in sources.text
    missing = client.get("/items/99999")
    assert missing.status_code == 404 and "no item 99999" in missing.text
    assert client.get("/", params={"cursor": "junk"}).status_code == 400


def test_restored_items_filter_and_pages(client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVWATCH_NOW", "2026-11-20T09:00:00+08:00")
    assert ids(client.get("/api/items", params={"change": "restored"})) == []
    world.restore_notice()
    notice = world.items["notice"]
    assert ids(client.get("/api/items", params={"change": "restored"})) == [notice]
    assert ids(client.get("/api/items", params={"change": "restored", "since": "2026-11-20"})) == [notice]
    assert ids(client.get("/api/items", params={"change": "restored", "since": "2026-11-21"})) == []
    # Still listed as once deleted (the log keeps its history), but the item itself is active again.
    assert ids(client.get("/api/items", params={"change": "deleted"})) == [notice]
    assert client.get(f"/api/items/{notice}").json()["status"] == "active"
    changes = client.get("/api/changes", params={"since_id": 0, "limit": 200}).json()["changes"]
    assert changes[-1]["change"] == "restored" and changes[-1]["item_id"] == notice
    home = client.get("/").text
    assert 'class="badge restored"' in home  # the recent changes list
    page = client.get("/", params={"change": "restored"})
    assert page.status_code == 200 and "排污许可证" in page.text and 'value="restored" selected' in page.text
