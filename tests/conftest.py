"""Shared fixtures: a tmp SQLite URL, a throwaway PostgreSQL server (Debian's, when installed).

The PostgreSQL server is one for the whole run, shared by pytest-xdist's workers: the first worker that needs
it starts it (under a file lock) and writes where it is; the others attach; the controlling process stops it
when the run ends. Each test still gets a database of its own.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

# Folder (made by the controlling pytest process, inherited by xdist's workers) where the run's one
# PostgreSQL server is described once started.
PG_STATE_ENV = "GOVWATCH_TEST_PG_STATE"
_PG_STATE_KEY = pytest.StashKey[str]()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file in the test's tmp folder."""
    return f"sqlite:///{tmp_path / 'govwatch.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test on SQLite and on PostgreSQL (skipped with the reason where it is absent)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def refused_port() -> Iterator[Callable[[], int]]:
    """Ports on loopback that refuse connections for the whole test: each is bound but never listens, so no
    other process of a parallel run can start a server on it meanwhile (a port merely closed could be)."""
    held: list[socket.socket] = []

    def take() -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        held.append(sock)
        return int(sock.getsockname()[1])

    yield take
    for sock in held:
        sock.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class _PgServer:
    """A PostgreSQL cluster in a tmp folder on a free loopback port, run by a non-root user."""

    def __init__(self, bin_dir: Path, root: Path | None = None, port: int | None = None) -> None:
        self.bin_dir = bin_dir
        self.root = root or Path(tempfile.mkdtemp(prefix="govwatch-pg-"))
        self.data = self.root / "data"
        self.port = port or _free_port()
        self.user: str | None = None
        if root is None and os.geteuid() == 0:
            # initdb refuses to run as root: hand the folder to the postgres user and run as it.
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            os.chmod(self.root, 0o700)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "govwatch", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.root} -F -c fsync=off -c full_page_writes=off"
            " -c max_connections=300"  # every xdist worker's tests share this one server
        )
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )
        if done.returncode:
            log = (
                (self.root / "log").read_text(errors="replace")[-2000:]
                if (self.root / "log").exists()
                else ""
            )
            raise RuntimeError(f"pg_ctl start failed: {done.stderr[-2000:]} {log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def describe(self) -> dict[str, Any]:
        return {"bin_dir": str(self.bin_dir), "root": str(self.root), "port": self.port, "user": self.user}

    @classmethod
    def attach(cls, description: dict[str, Any]) -> _PgServer:
        """The server another process of this run started."""
        server = cls(Path(description["bin_dir"]), Path(description["root"]), int(description["port"]))
        server.user = description["user"]
        return server

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://govwatch@127.0.0.1:{self.port}/{database}"


# Fixtures whose value a module's (or class's) tests share: those tests must run on one worker.
SHARED_SCOPES = frozenset({"package", "module", "class"})


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order and group the tests for `make test` (pytest-xdist, --dist loadgroup).

    The run ends when its busiest worker does. Modules with end-to-end tests (marked slow) come first, so
    the long tests start at once and the quick ones fill the gaps; each module keeps its order. Tests that
    share a module- or class-scoped fixture (often a whole crawl) form one xdist group, so that fixture runs
    once, on one worker; every other test goes to whichever worker is free."""
    slow = {getattr(item, "module", None) for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: getattr(item, "module", None) not in slow)  # stable: order kept within
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else ()
        if any(definition.scope in SHARED_SCOPES for group in definitions for definition in group):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def pytest_configure(config: pytest.Config) -> None:
    # The controlling process (or the only one, without xdist) owns the run's PostgreSQL state folder.
    if not hasattr(config, "workerinput") and PG_STATE_ENV not in os.environ:
        folder = tempfile.mkdtemp(prefix="govwatch-pg-state-")
        os.environ[PG_STATE_ENV] = folder
        config.stash[_PG_STATE_KEY] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_PG_STATE_KEY, None)
    if folder is None:
        return
    state = Path(folder) / "server.json"
    if state.is_file():
        _PgServer.attach(json.loads(state.read_text(encoding="utf-8"))).stop()
    shutil.rmtree(folder, ignore_errors=True)
    os.environ.pop(PG_STATE_ENV, None)


@pytest.fixture(scope="session")
def postgres_server() -> _PgServer:
    """The run's one PostgreSQL server (started on first use); skipped with the reason when not installed."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt install postgresql)"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as a non-root user")
    folder = Path(os.environ[PG_STATE_ENV])
    state = folder / "server.json"
    with FileLock(str(folder / "server.lock")):
        if state.is_file():
            return _PgServer.attach(json.loads(state.read_text(encoding="utf-8")))
        server = _PgServer(bin_dir)
        server.start()
        state.write_text(json.dumps(server.describe()), encoding="utf-8")
    return server


@pytest.fixture
def postgres_url(postgres_server: _PgServer) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL server; dropped afterwards."""
    import psycopg

    name = f"gw_{uuid.uuid4().hex[:12]}"
    admin = f"host=127.0.0.1 port={postgres_server.port} user=govwatch dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    from crawler.db import dispose_engines

    dispose_engines()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def simulated_web(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """The default simulated government web, running on loopback, with its seeds in tmp_path/seeds."""
    from crawler.simulator import SimulatedWeb

    with SimulatedWeb() as web:
        seeds = tmp_path / "seeds"
        web.write_seeds(seeds)
        yield web, seeds
