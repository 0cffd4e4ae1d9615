"""Exports: the documented schema in JSONL, CSV and Atom; --since-id and consumer cursors; failed writes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crawler.cli import app
from crawler.db import get_engine
from crawler.export import (
    FIELDS,
    SCHEMA_VERSION,
    ExportError,
    ExportOptions,
    advance_consumer,
    export,
    export_to_path,
)
from crawler.models import ChangeEvent, Consumer
from crawler.store import Content

REPO = Path(__file__).resolve().parents[2]


def run_export(world, **options) -> tuple[list[dict], object]:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    result = export(get_engine(world.url), stream, ExportOptions(**options))
    lines = stream.getvalue().splitlines()
    return [json.loads(line) for line in lines], result


def position(world, name: str) -> int | None:  # type: ignore[no-untyped-def]
    with Session(get_engine(world.url)) as session:
        row = session.get(Consumer, name)
        return None if row is None else row.position


def event_ids(world) -> list[int]:  # type: ignore[no-untyped-def]
    with Session(get_engine(world.url)) as session:
        return [event.id for event in session.exec(select(ChangeEvent).order_by(ChangeEvent.id))]


def test_jsonl_records_follow_the_documented_schema(world) -> None:  # type: ignore[no-untyped-def]
    records, result = run_export(world)
    assert [r["event_id"] for r in records] == event_ids(world)
    assert result.count == 9 and result.last_id == records[-1]["event_id"]
    for record in records:
        assert tuple(record) == FIELDS  # every field, always, in the documented order
        assert record["schema_version"] == SCHEMA_VERSION == 1
        assert record["change"] in ("new", "edited", "deleted", "restored")
        assert record["created_at"].endswith("+08:00") and record["fetched_at"].endswith("+08:00")
        assert len(record["content_hash"]) == 64 and isinstance(record["version"], int)
    edited = [r for r in records if r["change"] == "edited"]
    assert len(edited) == 1
    edit = edited[0]
    assert (edit["item_id"], edit["version"], edit["kind"]) == (world.items["meeting"], 2, "meeting")
    assert "30.8微克/立方米" in edit["text"] and edit["published"] == "2026-11-18T09:30:00+08:00"
    assert edit["source"] == "湖南省生态环境厅" and edit["source_id"] == "hunan"
    first = next(r for r in records if r["item_id"] == edit["item_id"] and r["change"] == "new")
    assert first["version"] == 1 and "31.2微克/立方米" in first["text"]
    assert first["content_hash"] != edit["content_hash"]
    # A deletion carries the last version that was online, so consumers know what vanished.
    gone = next(r for r in records if r["change"] == "deleted")
    assert gone["item_id"] == world.items["notice"] and gone["status"] == "deleted"
    assert gone["version"] == 1 and "排污许可证" in gone["text"] and gone["doc_number"] == "湘环函〔2026〕12号"


def test_since_id_and_batches(world) -> None:  # type: ignore[no-untyped-def]
    ids = event_ids(world)
    records, result = run_export(world, since_id=ids[5])
    assert [r["event_id"] for r in records] == ids[6:]
    assert result.since_id == ids[5]
    nothing, result = run_export(world, since_id=ids[-1])
    assert nothing == [] and result.count == 0 and result.last_id == ids[-1]
    # Keyset batches of two give exactly what one batch gives.
    small, _ = run_export(world, batch_size=2)
    whole, _ = run_export(world, batch_size=1000)
    assert small == whole and len(small) == 9


def test_csv_round_trips_multiline_text(world) -> None:  # type: ignore[no-untyped-def]
    stream = io.StringIO(newline="")
    export(get_engine(world.url), stream, ExportOptions(format="csv"))
    rows = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert tuple(rows[0]) == FIELDS and len(rows) == 9
    json_records, _ = run_export(world)
    for row, record in zip(rows, json_records, strict=True):
        assert row["text"] == record["text"] and "\n" in row["text"]
        assert int(row["event_id"]) == record["event_id"]
        assert row["doc_number"] == (record["doc_number"] or "")
        assert row["published_guessed"] == "false"


def test_atom_export_is_valid_with_version_ids(world, parse_atom) -> None:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    result = export(get_engine(world.url), stream, ExportOptions(format="atom"))
    root = parse_atom(stream.getvalue().encode(), served=False)
    atom = "{http://www.w3.org/2005/Atom}"
    ids = [entry.findtext(f"{atom}id") for entry in root.findall(f"{atom}entry")]
    assert len(ids) == result.count == 9
    meeting = world.items["meeting"]
    assert f"tag:govwatch,2026:item/{meeting}/v1" in ids and f"tag:govwatch,2026:item/{meeting}/v2" in ids


def test_consumer_advances_only_after_complete_writes(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ids = event_ids(world)
    records, result = run_export(world, consumer="warehouse")
    assert len(records) == 9 and result.position == ids[-1] == position(world, "warehouse")
    again, result = run_export(world, consumer="warehouse")
    assert again == [] and result.position == ids[-1]
    # A new event reaches the consumer once, and another consumer keeps its own position.
    monkeypatch.setenv("GOVWATCH_NOW", "2026-11-21T08:00:00+08:00")
    assert world.store.record_gone(world.items["news2"]) is False
    assert world.store.record_gone(world.items["news2"]) is True
    records, result = run_export(world, consumer="warehouse")
    assert [(r["change"], r["item_id"]) for r in records] == [("deleted", world.items["news2"])]
    assert position(world, "warehouse") == records[0]["event_id"]
    other, _ = run_export(world, consumer="search-index")
    assert len(other) == 10


class BrokenStream(io.StringIO):
    """A stream that fails once some bytes went through, like a full disk or a closed pipe."""

    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.fail_after = fail_after

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.fail_after:
            raise OSError(28, "No space left on device")
        return super().write(text)


def test_failed_write_leaves_the_consumer_where_it_was(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(world.url)
    ids = event_ids(world)
    run_export(world, since_id=None, consumer="feed-bot")  # creates it at the end
    with Session(engine) as session:  # rewind to a known position
        row = session.get(Consumer, "feed-bot")
        row.position = ids[2]
        session.add(row)
        session.commit()
    for fmt in ("jsonl", "csv", "atom"):
        with pytest.raises(OSError, match="No space"):
            export(engine, BrokenStream(fail_after=600), ExportOptions(format=fmt, consumer="feed-bot"))
        assert position(world, "feed-bot") == ids[2], fmt
    # To a file: the failure leaves neither the file nor its temporary, and the position unmoved.
    target = tmp_path / "out.jsonl"

    def failing_finish() -> None:
        raise OSError(5, "Input/output error")

    with pytest.raises(OSError, match="Input/output"):
        export(engine, io.StringIO(), ExportOptions(consumer="feed-bot"), finish=failing_finish)
    assert position(world, "feed-bot") == ids[2]
    result = export_to_path(engine, target, ExportOptions(consumer="feed-bot"))
    assert result.count == len(ids) - 3 and position(world, "feed-bot") == ids[-1]
    assert [json.loads(line)["event_id"] for line in target.read_text().splitlines()] == ids[3:]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_two_exports_of_one_consumer_cannot_both_move_it(world) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(world.url)
    ids = event_ids(world)

    def another_export_finishes_first() -> None:
        advance_consumer(engine, "racer", 0, ids[4])

    with pytest.raises(ExportError, match="moved by another export"):
        export(engine, io.StringIO(), ExportOptions(consumer="racer"), finish=another_export_finishes_first)
    assert position(world, "racer") == ids[4]  # the other export's position stands


def test_since_id_and_consumer_are_exclusive(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError, match="not both"):
        run_export(world, since_id=1, consumer="x")
    with pytest.raises(ExportError, match="unknown format"):
        run_export(world, format="xml")


def test_cli_export(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    ids = event_ids(world)
    result = runner.invoke(app, ["export", "--jsonl", "--since-id", str(ids[-3]), "--db", world.url])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["event_id"] for line in lines] == ids[-2:]
    out = tmp_path / "events.csv"
    result = runner.invoke(app, ["export", "--format", "csv", "--consumer", "nightly", "-o", str(out), "--db", world.url])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(",".join(FIELDS))
    assert position(world, "nightly") == ids[-1]
    result = runner.invoke(
        app, ["export", "--consumer", "lost", "-o", str(tmp_path / "missing" / "x.jsonl"), "--db", world.url]
    )
    assert result.exit_code == 1 and "export failed, no consumer moved" in result.output
    assert position(world, "lost") in (None, 0)
    result = runner.invoke(app, ["export", "--format", "yaml", "--db", world.url])
    assert result.exit_code != 0
    result = runner.invoke(app, ["export", "--since-id", "1", "--consumer", "a", "--db", world.url])
    assert result.exit_code != 0 and position(world, "a") is None


def test_cli_reader_hanging_up_does_not_move_the_consumer(world) -> None:  # type: ignore[no-untyped-def]
    # Enough text that the export cannot fit in a pipe buffer (64 KiB), so the writer meets the closed pipe.
    paragraph = "会议强调，要持续深入打好蓝天、碧水、净土保卫战，推动生态环境质量持续改善。" * 40
    for n in range(40):
        text = f"第{n}段。\n{paragraph}"
        world.store.record_content(
            source_id="mee-news",
            canonical_url=f"http://www.mee.gov.cn/xxgk/long/{n}.shtml",
            url=f"http://www.mee.gov.cn/xxgk/long/{n}.shtml",
            content=Content(text=text, content_hash=hashlib.sha256(text.encode()).hexdigest(), title=f"长文{n}"),
        )
    ids = event_ids(world)
    env = {**os.environ, "GOVWATCH_DB": world.url}
    process = subprocess.Popen(
        [sys.executable, "-c", "from crawler.cli import app; app()", "export", "--jsonl", "--consumer", "piped",
         "--batch-size", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()  # like `| head -1`
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert json.loads(first)["event_id"] == ids[0]
    assert process.returncode == 1, stderr
    assert "closed the output" in stderr and "Traceback" not in stderr
    assert position(world, "piped") == 0
    # The same consumer then receives everything, from the start.
    records, result = run_export(world, consumer="piped")
    assert [r["event_id"] for r in records] == ids and position(world, "piped") == ids[-1]


def test_a_restored_item_is_exported(world, monkeypatch, parse_atom) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVWATCH_NOW", "2026-11-20T09:00:00+08:00")
    before, _ = run_export(world)
    outcome = world.restore_notice()
    assert outcome.change == "restored"
    records, _ = run_export(world, since_id=before[-1]["event_id"])
    (restored,) = records
    assert list(restored) == list(FIELDS)
    assert restored["change"] == "restored" and restored["item_id"] == world.items["notice"]
    assert restored["status"] == "active" and restored["version"] == 1  # the same text: no new version
    assert restored["created_at"] == "2026-11-20T09:00:00+08:00" and "排污许可证" in restored["text"]
    # In Atom it is an entry of its own: the version is the deleted one's, so the id carries the change.
    stream = io.StringIO()
    export(get_engine(world.url), stream, ExportOptions(format="atom", since_id=before[-1]["event_id"]))
    (entry,) = parse_atom(stream.getvalue().encode(), served=False).findall("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}id") == f"tag:govwatch,2026:item/{outcome.item_id}/v1/restored"
    assert entry.findtext("{http://www.w3.org/2005/Atom}title").startswith("[已恢复] ")
