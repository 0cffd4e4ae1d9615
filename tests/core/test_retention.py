"""Housekeeping: old crawl logs and finished outbox rows go; pending rows, recent files and the rest stay."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crawler.cli import app
from crawler.db import init_db
from crawler.models import Outbox
from crawler.retention import KEEP_LOGS_ENV, PruneReport, RetentionPolicy, days_from_env, prune, prune_logs
from scheduler.service import ServiceOptions, housekeeping_job

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
runner = CliRunner()


def aged(path: Path, days: float, text: str = "log line\n") -> Path:
    path.write_text(text, encoding="utf-8")
    moment = (NOW - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))
    return path


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    aged(folder / "20260901-080000-daily-0-1.log", 80, "x" * 1000)
    aged(folder / "20261015-080000-daily-0-1.log", 36)
    aged(folder / "20261119-080000-daily-0-1.log", 1)
    aged(folder / "notes.txt", 300)  # not a log: never ours to remove
    (folder / "old.log").mkdir()  # a folder named like a log: left alone
    return folder


def outbox_row(status: str, sent_days_ago: float | None, attempt_days_ago: float, key: str) -> Outbox:
    return Outbox(
        channel="email",
        subscription="meetings",
        target="team@example.org",
        dedupe_key=key,
        payload={"title": key},
        status=status,
        next_attempt_at=NOW - timedelta(days=attempt_days_ago),
        created_at=NOW - timedelta(days=attempt_days_ago),
        sent_at=None if sent_days_ago is None else NOW - timedelta(days=sent_days_ago),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """The outbox rows on SQLite and on PostgreSQL (skipped with the reason where it is absent)."""
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgresql" else sqlite_url
    with Session(init_db(url)) as session:
        session.add_all(
            [
                outbox_row("sent", 120, 120, "sent-old"),
                outbox_row("sent", 10, 10, "sent-recent"),
                outbox_row("failed", None, 100, "failed-old"),
                outbox_row("failed", None, 5, "failed-recent"),
                outbox_row("pending", None, 200, "pending-old"),  # work still to do: never pruned
                outbox_row("sending", None, 200, "sending-old"),
            ]
        )
        session.commit()
    return url


def remaining_keys(url: str) -> list[str]:
    with Session(init_db(url)) as session:
        return sorted(row.dedupe_key for row in session.exec(select(Outbox)))


def test_logs_older_than_the_period_are_removed(logs: Path) -> None:
    report = PruneReport()
    prune_logs(logs, 30, NOW, report)
    assert sorted(Path(name).name for name in report.log_files) == [
        "20260901-080000-daily-0-1.log",
        "20261015-080000-daily-0-1.log",
    ]
    assert report.log_bytes == 1000 + len("log line\n")
    assert sorted(path.name for path in logs.iterdir()) == [
        "20261119-080000-daily-0-1.log",
        "notes.txt",
        "old.log",
    ]


def test_zero_days_keeps_every_log(logs: Path) -> None:
    report = PruneReport()
    prune_logs(logs, 0, NOW, report)
    assert report.log_files == [] and len(list(logs.iterdir())) == 5


def test_finished_outbox_rows_go_pending_ones_stay(
    database: str, logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVWATCH_NOW", NOW.isoformat())
    engine = init_db(database)
    policy = RetentionPolicy(keep_logs_days=30, keep_outbox_days=90)
    dry = prune(engine, policy, logs, dry_run=True)
    assert (dry.outbox_rows, len(dry.log_files)) == (2, 2)
    assert len(remaining_keys(database)) == 6 and len(list(logs.iterdir())) == 5  # a dry run removes nothing
    done = prune(engine, policy, logs)
    assert (done.outbox_rows, len(done.log_files)) == (2, 2)
    assert remaining_keys(database) == ["failed-recent", "pending-old", "sending-old", "sent-recent"]
    again = prune(engine, policy, logs)
    assert (again.outbox_rows, again.log_files) == (0, [])


def test_bad_retention_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEEP_LOGS_ENV, "a month")
    with pytest.raises(ValueError, match=KEEP_LOGS_ENV):
        days_from_env(KEEP_LOGS_ENV, 30)
    monkeypatch.setenv(KEEP_LOGS_ENV, "-3")
    with pytest.raises(ValueError, match="0 or more"):
        RetentionPolicy.from_env()
    monkeypatch.setenv(KEEP_LOGS_ENV, " 7 ")
    assert RetentionPolicy.from_env().keep_logs_days == 7


def test_cli_prune_dry_run_then_for_real(database: str, logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVWATCH_NOW", NOW.isoformat())
    arguments = ["prune", "--db", database, "--logs", str(logs), "--logs-days", "30", "--json"]
    dry = runner.invoke(app, [*arguments, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output) == {"log_files": 2, "log_bytes": 1009, "outbox_rows": 2, "dry_run": True}
    real = runner.invoke(app, arguments)
    assert json.loads(real.output)["outbox_rows"] == 2
    assert remaining_keys(database) == ["failed-recent", "pending-old", "sending-old", "sent-recent"]


def test_cli_prune_rejects_a_bad_setting(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEEP_LOGS_ENV, "soon")
    result = runner.invoke(app, ["prune", "--db", sqlite_url])
    assert result.exit_code == 2
    assert KEEP_LOGS_ENV in result.output


def test_the_service_job_prunes_with_its_options(
    database: str, logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVWATCH_NOW", NOW.isoformat())
    options = ServiceOptions(db_url=database, logs_dir=str(logs), keep_logs_days=60, keep_outbox_days=0)
    result = housekeeping_job(options.as_job_arg())
    assert (result["log_files"], result["outbox_rows"]) == (1, 0)  # only the 80-day log; outbox kept (0)
    assert len(remaining_keys(database)) == 6
