"""Create SQLAlchemy engines for SQLite (WAL, serialised writers) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

WRITE_OPTION = "threadline_write"
_SYNC_MODES = {"OFF", "NORMAL", "FULL", "EXTRA"}


def normalise_url(url: str) -> URL:
    """Return the URL with the psycopg 3 driver chosen for PostgreSQL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_store_engine(
    url: str, *, sqlite_synchronous: str = "FULL", lock_timeout_s: float = 30.0
) -> Engine:
    """Create an engine tuned for the log: explicit write transactions on SQLite.

    ``lock_timeout_s`` bounds the wait for a pooled connection and, on SQLite, for the
    database's write lock (PostgreSQL's lock wait is bounded per transaction by the store).
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, sqlite_synchronous.upper(), lock_timeout_s)
    return create_engine(
        parsed, pool_pre_ping=True, pool_size=8, max_overflow=8, pool_timeout=lock_timeout_s
    )


def _sqlite_engine(url: URL, synchronous: str, lock_timeout_s: float) -> Engine:
    if synchronous not in _SYNC_MODES:
        raise ValueError(f"sqlite synchronous mode must be one of {sorted(_SYNC_MODES)}")
    engine = create_engine(
        url,
        connect_args={"timeout": lock_timeout_s, "check_same_thread": False},
        pool_size=8,
        pool_timeout=lock_timeout_s,
    )
    memory = url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python's sqlite3 opens transactions on its own; we issue BEGIN ourselves so a
        # write transaction can take the lock up front (BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # may wait and fail: errors wrapped
        else:
            # A deferred BEGIN takes no lock and cannot fail: the driver's own call, without
            # the statement machinery, is about half of a small read's transaction cost.
            connection.connection.driver_connection.execute("BEGIN")

    return engine
