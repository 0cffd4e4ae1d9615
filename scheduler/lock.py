"""One `govwatch run` per database: a PostgreSQL advisory lock, or on SQLite an OS file lock beside the database.

Both are released by the system when the holding process ends, however it ends, so a crashed service
never blocks the next one and nothing has to judge staleness. The `service_lock` row only tells a refused
second service who holds the lock (and the PostgreSQL heartbeat notices a dropped session).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from crawler.models import ServiceLock

log = logging.getLogger("govwatch.scheduler")
LOCK_NAME = "govwatch-run"
# How often the PostgreSQL holder checks that its session (and so its advisory lock) is still alive.
HEARTBEAT_EVERY = timedelta(seconds=15)
LOCK_FILE_SUFFIX = ".run-lock"  # beside the SQLite file: <database>.run-lock


class LockHeld(RuntimeError):
    """Another `govwatch run` holds the lock on this database."""

    def __init__(self, holder: str, heartbeat_at: datetime | None, database: str) -> None:
        self.holder, self.heartbeat_at = holder, heartbeat_at
        seen = ""
        if heartbeat_at is not None:
            age = (_wall_now() - heartbeat_at).total_seconds()
            seen = f", last heartbeat {age:.0f} s ago"
        if database.startswith("postgresql"):
            hint = "a crashed service's lock is freed as soon as its database session ends"
        else:
            hint = f"its lock file ({database.split('///', 1)[-1]}{LOCK_FILE_SUFFIX}) is freed when its process ends"
        super().__init__(
            f"another `govwatch run` is already running on {database} (held by {holder}{seen}). "
            f"Stop it first; {hint}."
        )


def _wall_now() -> datetime:
    # Real time on purpose, not crawler.clock: GOVWATCH_NOW moves simulated days, not process liveness.
    return datetime.now(UTC)


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class RunLock:
    """Acquire once at start, keep alive with a heartbeat thread, release on stop (also as a context manager)."""

    def __init__(
        self,
        engine: Engine,
        name: str = LOCK_NAME,
        *,
        heartbeat_every: timedelta = HEARTBEAT_EVERY,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self.engine, self.name = engine, name
        self.heartbeat_every = heartbeat_every
        self.on_lost = on_lost
        self.holder = f"{os.getpid()}@{socket.gethostname()}#{uuid.uuid4().hex[:8]}"
        self.held = False
        self._pg_connection: Connection | None = None
        self._file_lock: FileLock | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._io = threading.Lock()  # the held PostgreSQL connection is not shared between threads at once

    @property
    def database(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # --- acquire / release ----------------------------------------------------------------------------

    def acquire(self) -> RunLock:
        """Take the lock or raise LockHeld naming the holder."""
        if self.dialect == "postgresql":
            self._acquire_postgres()
        else:
            self._acquire_file()
        self.held = True
        log.info("service lock %s taken by %s", self.name, self.holder)
        return self

    def _acquire_postgres(self) -> None:
        # A session-level advisory lock lives as long as this connection: a killed service frees it at once.
        connection = self.engine.connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": _advisory_key(self.name)}
        ).scalar()
        connection.commit()
        if not got:
            row = connection.execute(select(ServiceLock).where(ServiceLock.name == self.name)).first()
            connection.close()
            raise LockHeld(
                row.holder if row else "another session", row.heartbeat_at if row else None, self.database
            )
        self._pg_connection = connection
        now = _wall_now()
        statement = postgresql.insert(ServiceLock).values(
            name=self.name, holder=self.holder, acquired_at=now, heartbeat_at=now
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["name"], set_={"holder": self.holder, "acquired_at": now, "heartbeat_at": now}
            )
        )
        connection.commit()

    def lock_file(self) -> Path | None:
        """The file whose OS lock stands for the SQLite database (None for an in-memory database)."""
        database = self.engine.url.database
        if not database or database == ":memory:":
            return None
        return Path(database).with_name(Path(database).name + LOCK_FILE_SUFFIX)

    def _acquire_file(self) -> None:
        path = self.lock_file()
        if path is None:  # an in-memory database belongs to this process alone
            return
        # One FileLock object per RunLock: flock(2) then refuses a second holder even in this process.
        lock = FileLock(path, timeout=0, is_singleton=False)
        try:
            lock.acquire()
        except Timeout:
            with self.engine.connect() as connection:
                row = connection.execute(select(ServiceLock).where(ServiceLock.name == self.name)).first()
            raise LockHeld(row.holder if row else "another process", None, self.database) from None
        self._file_lock = lock
        now = _wall_now()
        # Who holds it, for the message of a refused second service (a leftover row is simply replaced).
        with self.engine.begin() as connection:
            connection.execute(delete(ServiceLock).where(ServiceLock.name == self.name))
            connection.execute(
                ServiceLock.__table__.insert().values(  # type: ignore[attr-defined]
                    name=self.name, holder=self.holder, acquired_at=now, heartbeat_at=now
                )
            )

    def heartbeat(self) -> bool:
        """Refresh the lock; False when it is no longer ours (taken over, or the connection dropped)."""
        if not self.held:
            return False
        try:
            with self._io:
                if self._pg_connection is not None:
                    self._pg_connection.execute(
                        update(ServiceLock)
                        .where(ServiceLock.name == self.name, ServiceLock.holder == self.holder)
                        .values(heartbeat_at=_wall_now())
                    )
                    self._pg_connection.commit()
                    return True  # the advisory lock, not the row, is what counts on PostgreSQL
                return True  # a file lock cannot be lost while its process lives
        except Exception as exc:  # noqa: BLE001  (a dropped session: the advisory lock went with it)
            log.warning("service lock heartbeat failed: %s", exc)
            return False

    def release(self) -> None:
        """Give the lock back (only if it is still ours) and stop the heartbeat."""
        self.stop_heartbeat()
        if not self.held:
            return
        self.held = False
        try:
            with self._io:
                if self._pg_connection is not None:
                    connection, self._pg_connection = self._pg_connection, None
                    connection.execute(
                        delete(ServiceLock).where(
                            ServiceLock.name == self.name, ServiceLock.holder == self.holder
                        )
                    )
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": _advisory_key(self.name)}
                    )
                    connection.commit()
                    connection.close()
                    return
                with self.engine.begin() as connection:
                    connection.execute(
                        delete(ServiceLock).where(
                            ServiceLock.name == self.name, ServiceLock.holder == self.holder
                        )
                    )
        except Exception as exc:  # noqa: BLE001  (only the information row is left behind)
            log.warning("could not release the service lock cleanly: %s", exc)
        finally:
            if self._file_lock is not None:
                self._file_lock.release()
                self._file_lock = None
        log.info("service lock %s released by %s", self.name, self.holder)

    # --- heartbeat thread -------------------------------------------------------------------------------

    def start_heartbeat(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._beat, name="govwatch-lock-heartbeat", daemon=True)
            self._thread.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_every.total_seconds()):
            if not self.heartbeat():
                log.error("the service lock %s is no longer ours: stopping", self.name)
                self.held = False
                if self.on_lost is not None:
                    self.on_lost()
                return

    def __enter__(self) -> RunLock:
        self.acquire()
        self.start_heartbeat()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
