"""`govwatch serve`: loopback by default, refuses other addresses without a token, serves a real database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.cli.serve_cmd import is_loopback

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False)],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_refuses_a_public_address_without_a_token(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GOVWATCH_API_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "refusing to bind 0.0.0.0" in result.output and "GOVWATCH_API_TOKEN" in result.output
    assert not (tmp_path / "x.db").exists()  # refused before touching anything


def test_serves_the_database_on_loopback(world) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GOVWATCH_API_TOKEN": "tok-123"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from crawler.cli import app; app()", "serve", "--port", str(port), "--db", world.url],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"{base}/api/items", headers={"Authorization": "Bearer tok-123"}, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "govwatch serve did not come up"
                time.sleep(0.1)
        assert response.status_code == 200 and len(response.json()["items"]) == len(world.items)
        assert httpx.get(f"{base}/api/items", timeout=5).status_code == 401
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output and "token required" in output
