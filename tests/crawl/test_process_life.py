"""Process life: Ctrl-C / SIGTERM to `govwatch crawl` stop the Scrapy subprocess (no orphan in the process
table), a crawl whose CLI is killed stops itself, and a second crawl of the same sources refuses to start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crawler.cli import app
from crawler.db import dispose_engines, init_db
from crawler.models import CrawlRun
from crawler.runner import absolute_db_url, crawl_locks

pytestmark = pytest.mark.slow


class Silent:
    """Accepts connections on loopback and never answers: a crawl against it runs until stopped."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(50)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.connections.append(self.socket.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def hanging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    server = Silent()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "hanging.yaml").write_text(
        f"id: hanging\nname: H\norg: O\nlistings:\n  - url: http://127.0.0.1:{server.port}/list/\n    profile: html\n"
        "politeness:\n  download_delay: 0\n  retry_times: 0\n  timeout: 6\n  obey_robots: false\n",
        encoding="utf-8",
    )
    env = {**os.environ, "GOVWATCH_LOCKS": str(tmp_path / "locks"), "GOVWATCH_ALERTS": str(tmp_path / "none.yaml")}
    monkeypatch.setenv("GOVWATCH_LOCKS", env["GOVWATCH_LOCKS"])
    monkeypatch.setenv("GOVWATCH_ALERTS", env["GOVWATCH_ALERTS"])
    yield server, seeds, f"sqlite:///{tmp_path / 'g.db'}", env
    server.close()
    dispose_engines()


def _start_cli(server: Silent, seeds: Path, db_url: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], psutil.Process]:
    """`govwatch crawl hanging` in its own process; returns it and its crawl subprocess once that runs."""
    cli = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main_entry", "crawl", "hanging", "--seeds", str(seeds), "--db", db_url,
         "--log-file", str(log)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        crawls = [child for child in psutil.Process(cli.pid).children() if "scrapy" in " ".join(child.cmdline())]
        if crawls and log.exists() and "Spider opened" in log.read_text(errors="replace") and server.connections:
            return cli, crawls[0]
        time.sleep(0.1)
    cli.kill()
    raise AssertionError("the crawl did not start")


def _survivors(crawl: psutil.Process) -> list[int]:
    """Processes of the crawl's group (Scrapy and its workers) still in the process table."""
    alive = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) == crawl.pid and process.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(process.pid)
        except (ProcessLookupError, PermissionError):
            continue
    return alive


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_cli_stops_the_crawl_and_leaves_no_process(hanging, tmp_path: Path, sig: int) -> None:  # type: ignore[no-untyped-def]
    server, seeds, db_url, env = hanging
    cli, crawl = _start_cli(server, seeds, db_url, env, tmp_path / "crawl.log")
    # While it runs, a second crawl of the same source refuses to start, with a clear message.
    second = CliRunner().invoke(app, ["crawl", "hanging", "--seeds", str(seeds), "--db", db_url])
    assert second.exit_code == 3 and "already running" in second.output, second.output
    os.kill(cli.pid, sig)  # what Ctrl-C (the terminal's foreground group) or `kill` does: the CLI only
    cli.wait(timeout=30)
    assert cli.returncode != 0
    deadline = time.monotonic() + 10
    while _survivors(crawl) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _survivors(crawl) == []
    with Session(init_db(db_url)) as session:
        (run,) = session.exec(select(CrawlRun)).all()
    assert run.status != "running" and run.finished_at is not None
    with crawl_locks(absolute_db_url(db_url), ["hanging"]):  # free again: the lock went with the crawl
        pass


def test_a_crawl_whose_cli_was_killed_stops_itself(hanging, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, seeds, db_url, env = hanging
    cli, crawl = _start_cli(server, seeds, db_url, env, tmp_path / "crawl.log")
    os.kill(cli.pid, signal.SIGKILL)  # no chance to clean up: the crawl notices its parent is gone
    cli.wait(timeout=10)
    deadline = time.monotonic() + 30
    while _survivors(crawl) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _survivors(crawl) == []
    assert "is gone: stopping" in (tmp_path / "crawl.log").read_text(errors="replace")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_check_stops_its_spider_and_leaves_no_process(hanging, sig: int) -> None:  # type: ignore[no-untyped-def]
    server, seeds, _db_url, env = hanging
    cli = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main_entry", "check", "hanging", "--seeds", str(seeds), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    spiders: list[psutil.Process] = []
    while time.monotonic() < deadline and not (spiders and server.connections):
        spiders = [child for child in psutil.Process(cli.pid).children() if "scrapy" in " ".join(child.cmdline())]
        time.sleep(0.1)
    assert spiders and server.connections, "the check spider did not start"
    os.kill(cli.pid, sig)
    cli.wait(timeout=30)
    assert cli.returncode != 0
    # Stopped by the CLI before it exits, not later by the spider's own parent watch (ParentWatch polls).
    deadline = time.monotonic() + 1
    while _survivors(spiders[0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _survivors(spiders[0]) == []
