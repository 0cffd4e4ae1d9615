"""`govwatch sources / items / show / diff` on a store filled through the real write path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.fingerprint import content_hash
from crawler.models import SourceRow
from crawler.store import Content, Store

runner = CliRunner()
URL = "http://127.0.0.2/ywdt/a.shtml"
SEED = """\
id: sim-one
name: 模拟源
org: 模拟厅
listings:
  - url: http://127.0.0.2/ywdt/
    profile: trs
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    with store.session() as session:
        session.add(SourceRow(id="sim-one", name="模拟源", org="模拟厅", profile="trs", schedule="0 7 * * *"))
        session.commit()
    for text, kind in (("会议强调，要抓好大气治理。", "meeting"), ("会议强调，要抓好水治理。", "meeting")):
        store.record_content(source_id="sim-one", canonical_url=URL, url=URL,
                             content=Content(text=text, content_hash=content_hash("某厅召开会议", text),
                                             title="某厅召开会议", kind=kind))
    other = "http://127.0.0.2/ywdt/b.shtml"
    store.record_content(source_id="sim-one", canonical_url=other, url=other,
                         content=Content(text="通知正文。", content_hash="h", title="关于某事的通知", kind="notice"))
    return url


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_items_filters(db: str) -> None:
    edited = json.loads(run("items", "--edited", "--json", "--db", db))
    assert [row["url"] for row in edited] == [URL]
    assert edited[0]["change"] == "edited" and edited[0]["version"] == 2
    new = json.loads(run("items", "--new", "--json", "--db", db))
    assert len(new) == 2
    notices = json.loads(run("items", "--kind", "notice", "--json", "--db", db))
    assert [row["title"] for row in notices] == ["关于某事的通知"]
    assert json.loads(run("items", "--deleted", "--json", "--db", db)) == []
    assert json.loads(run("items", "--since", "2999-01-01", "--json", "--db", db)) == []
    assert json.loads(run("items", "--restored", "--json", "--db", db)) == []


def test_items_restored(db: str) -> None:
    store = Store(db)
    other = "http://127.0.0.2/ywdt/b.shtml"
    item_id = store.known([other])[other].id
    store.record_gone(item_id)
    assert store.record_gone(item_id)
    notice = Content(text="通知正文。", content_hash="h", title="关于某事的通知", kind="notice")
    assert store.record_content(source_id="sim-one", canonical_url=other, url=other, content=notice).change == "restored"
    restored = json.loads(run("items", "--restored", "--json", "--db", db))
    assert [(row["url"], row["change"], row["status"]) for row in restored] == [(other, "restored", "active")]
    both = json.loads(run("items", "--deleted", "--restored", "--json", "--db", db))
    assert [row["change"] for row in both] == ["restored"]  # the item's latest matching event


def test_show_and_diff(db: str) -> None:
    shown = json.loads(run("show", "1", "--json", "--db", db))
    assert shown["text"] == "会议强调，要抓好水治理。" and len(shown["versions"]) == 2
    diff = json.loads(run("diff", "1", "--json", "--db", db))
    assert "-会议强调，要抓好大气治理。" in diff["diff"] and "+会议强调，要抓好水治理。" in diff["diff"]
    assert "抓好水治理" in run("diff", "1", "1", "2", "--db", db)


def test_clear_errors(db: str) -> None:
    missing = runner.invoke(app, ["show", "99", "--db", db])
    assert missing.exit_code == 1 and "no item 99" in missing.output
    single = runner.invoke(app, ["diff", "2", "--db", db])
    assert single.exit_code == 1 and "only one version" in single.output
    bad_version = runner.invoke(app, ["diff", "1", "1", "7", "--db", db])
    assert bad_version.exit_code == 1 and "no version 7" in bad_version.output


def test_sources_json(db: str, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "sim-one.yaml").write_text(SEED, encoding="utf-8")
    (seeds / "broken.yaml").write_text(SEED.replace("sim-one", "broken") + "bogus: 1\n", encoding="utf-8")
    result = runner.invoke(app, ["sources", "--json", "--seeds", str(seeds), "--db", db])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == ["sim-one"]
    assert rows[0]["listing_urls"] == ["http://127.0.0.2/ywdt/"] and rows[0]["profile"] == "trs"
    assert rows[0]["health"] == "unknown" and rows[0]["schedule"] == "0 7 * * *"
    assert "broken.yaml" in result.stderr and "bogus" in result.stderr
