"""One `govwatch run` per database: refused second instance, a dead holder's lock free at once, SIGTERM releases it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sched_helpers import write_seed
from sqlalchemy import select, text
from sqlmodel import Session

from crawler.models import ServiceLock
from crawler.store import Store
from scheduler.lock import LOCK_NAME, LockHeld, RunLock


def plant(engine, holder: str, heartbeat_age: timedelta) -> None:  # type: ignore[no-untyped-def]
    """A lock row as a previous service left it."""
    at = datetime.now(UTC) - heartbeat_age
    with Session(engine) as session:
        session.add(ServiceLock(name=LOCK_NAME, holder=holder, acquired_at=at, heartbeat_at=at))
        session.commit()


def holder_of(engine) -> str | None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        row = connection.execute(select(ServiceLock.holder).where(ServiceLock.name == LOCK_NAME)).first()
    return row[0] if row else None


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_second_lock_refused_then_free_after_release(sqlite_url: str) -> None:
    engine = Store(sqlite_url).engine
    first = RunLock(engine).acquire()
    with pytest.raises(LockHeld) as refused:
        RunLock(engine).acquire()
    message = str(refused.value)
    assert "already running" in message and first.holder in message and "run-lock" in message
    first.release()
    assert holder_of(engine) is None
    with RunLock(engine) as second:
        assert holder_of(engine) == second.holder


def test_lock_of_a_dead_process_is_taken_over(sqlite_url: str) -> None:
    engine = Store(sqlite_url).engine
    plant(
        engine, f"{dead_pid()}@{socket.gethostname()}#old", timedelta(seconds=1)
    )  # fresh heartbeat, dead pid
    lock = RunLock(engine).acquire()
    assert holder_of(engine) == lock.holder
    lock.release()


HOLD = """
import sys, time
from crawler.store import Store
from scheduler.lock import RunLock
lock = RunLock(Store(sys.argv[1]).engine).acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_is_killed(sqlite_url: str) -> None:
    # The holder is a separate process, killed with SIGKILL: no release code runs, yet the lock is free
    # at once (the system drops a dead process's file locks), with no heartbeat age to wait for.
    engine = Store(sqlite_url).engine
    holder = subprocess.Popen([sys.executable, "-c", HOLD, sqlite_url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld, match=f"{holder.pid}@"):
            RunLock(engine).acquire()
    finally:
        holder.kill()
        holder.wait()
    lock = RunLock(engine).acquire()
    assert holder_of(engine) == lock.holder  # the dead holder's row was replaced
    lock.release()
    assert holder_of(engine) is None


@pytest.mark.postgres
def test_postgres_advisory_lock(postgres_url: str) -> None:
    engine = Store(postgres_url).engine
    first = RunLock(engine).acquire()
    with pytest.raises(LockHeld, match=first.holder.split("#")[0]):
        RunLock(engine).acquire()
    assert first.heartbeat()
    first.release()
    second = RunLock(engine).acquire()
    # The holder's database session dies (as when the service is killed): the lock goes with it.
    backend = second._pg_connection.execute(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[union-attr]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    deadline = time.monotonic() + 10
    while True:
        try:
            third = RunLock(engine).acquire()
            break
        except LockHeld:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert holder_of(engine) == third.holder
    assert second.heartbeat() is False  # the old holder learns it lost the lock (and would stop)
    second.release()  # without error, and without touching the new holder's row
    assert holder_of(engine) == third.holder
    third.release()


def govwatch(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "govwatch"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_govwatch_run_twice_refuses_the_second_and_sigterm_stops_cleanly(
    tmp_path: Path, sqlite_url: str
) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "yearly", "0 3 1 1 *")  # never due during the test
    env = {
        **os.environ,
        "GOVWATCH_DB": sqlite_url,
        "GOVWATCH_SEEDS": str(seeds),
        "GOVWATCH_LOGS": str(tmp_path / "logs"),
        "GOVWATCH_ALERTS": str(tmp_path / "none.yaml"),
    }
    env.pop("GOVWATCH_NOW", None)
    engine = Store(sqlite_url).engine
    service = govwatch("run", env=env)
    try:
        deadline = time.monotonic() + 30
        while holder_of(engine) is None:
            assert service.poll() is None, service.communicate()
            assert time.monotonic() < deadline, "the service did not take its lock"
            time.sleep(0.1)
        assert holder_of(engine).startswith(f"{service.pid}@")  # type: ignore[union-attr]

        second = govwatch("run", env=env)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 3
        assert "already running" in err and str(service.pid) in err

        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=30)
        assert service.returncode == 0, err
        assert "stopping: SIGTERM" in err and "released" in err
        assert holder_of(engine) is None
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
