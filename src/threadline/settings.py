"""Frozen settings passed down from the edges, read once from arguments and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///threadline.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about a Threadline process.

    Attributes:
        database_url: SQLAlchemy URL of the store (SQLite file or PostgreSQL).
        max_body_bytes: largest accepted request body, after gzip decoding (413 above).
        max_json_depth: deepest accepted nesting of arrays and objects in an event.
        max_batch_events: most events accepted in one batch request.
        sqlite_synchronous: SQLite ``synchronous`` pragma; FULL makes an acknowledged
            event survive power loss, NORMAL only a process crash.
        migrate_on_start: bring the database schema to the latest revision on start.
        max_inflight_ingest: most ingestion requests one process handles at once; more
            are answered 503 with ``Retry-After`` at once (bounds memory and waiting).
        write_lock_timeout_s: longest wait for the log's write lock (or a pooled database
            connection) before a request is answered 503 with ``Retry-After``.
    """

    database_url: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 100
    max_batch_events: int = 10_000
    sqlite_synchronous: str = "FULL"
    migrate_on_start: bool = True
    max_inflight_ingest: int = 64
    write_lock_timeout_s: float = 30.0

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Build settings from ``THREADLINE_*`` environment variables, then overrides."""
        env = os.environ
        defaults = cls()
        base = cls(
            database_url=env.get("THREADLINE_DATABASE_URL", DEFAULT_DATABASE_URL),
            max_body_bytes=int(env.get("THREADLINE_MAX_BODY_BYTES", defaults.max_body_bytes)),
            max_json_depth=int(env.get("THREADLINE_MAX_JSON_DEPTH", defaults.max_json_depth)),
            max_batch_events=int(env.get("THREADLINE_MAX_BATCH_EVENTS", defaults.max_batch_events)),
            sqlite_synchronous=env.get("THREADLINE_SQLITE_SYNCHRONOUS", "FULL").upper(),
            max_inflight_ingest=int(
                env.get("THREADLINE_MAX_INFLIGHT_INGEST", defaults.max_inflight_ingest)
            ),
            write_lock_timeout_s=float(
                env.get("THREADLINE_WRITE_LOCK_TIMEOUT", defaults.write_lock_timeout_s)
            ),
        )
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(base, **given)
