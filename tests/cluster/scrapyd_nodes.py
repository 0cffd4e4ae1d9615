"""Real Scrapyd processes on loopback for the cluster tests: free ports, their own folders, killable."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CONFIG = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home}/eggs
logs_dir = {home}/logs
dbs_dir = {home}/dbs
items_dir =
jobs_to_keep = 20
finished_to_keep = 100
max_proc = 2
poll_interval = 0.2
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScrapydNode:
    """One `scrapyd` in its own folder and process group (so killing it kills its crawls, like a lost host)."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home, self.port = home, free_port()
        home.mkdir(parents=True, exist_ok=True)
        (home / "scrapyd.conf").write_text(CONFIG.format(port=self.port, home=home), encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile", str(home / "twistd.pid")],
            cwd=home,
            env={**os.environ, **env},
            stdout=(home / "scrapyd.out").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {(self.home / 'scrapyd.out').read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/daemonstatus.json", timeout=2).json()["status"] == "ok":
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"scrapyd on {self.url} did not start")

    def kill(self) -> None:
        """SIGKILL scrapyd and every crawl it started: the node is gone mid-run."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
