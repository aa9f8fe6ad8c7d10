"""The one storage class: read and write transactions over the log and its projections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from threadline.errors import StoreUnavailable
from threadline.model import ChainReport, IngestOutcome, ParsedEvent
from threadline.settings import Settings
from threadline.store import log, migrate, rawsql
from threadline.store.dump import canonical_dump
from threadline.store.engine import WRITE_OPTION, create_store_engine
from threadline.store.rawsql import RawSql
from threadline.store.tables import PROJECTION_TABLES, events, meta


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One entry of the log as the events API returns it."""

    seq: int
    received_us: int
    event_time_us: int
    payload: bytes | None
    redacted_us: int | None


Projector = Callable[[Connection, Sequence[tuple[ParsedEvent, int]]], None]
"""Projects logged events (with their sequence numbers) inside the logging transaction."""

EPOCH_KEY = "projection_epoch"
"""Changes on every rebuild, telling lineage indexes to reload rather than follow changes."""


class Store:
    """The event log and its projections on SQLite or PostgreSQL."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_store_engine(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            lock_timeout_s=settings.write_lock_timeout_s,
        )
        rawsql.install(self.engine)

    @property
    def dialect(self) -> str:
        """Return the database dialect name (``sqlite`` or ``postgresql``)."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read transaction (a consistent snapshot)."""
        try:
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":  # its default would re-read each statement
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise StoreUnavailable(f"the database could not be read: {exc.orig}") from exc
        except PoolTimeout as exc:
            raise StoreUnavailable(f"no database connection was free: {exc}") from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """Open the write transaction; writers are serialised by the log head lock."""
        with self._locked_write() as (conn, _head):
            yield conn

    @contextmanager
    def _locked_write(self) -> Iterator[tuple[Connection, tuple[int, str]]]:
        """Open the write transaction and yield it with the locked log head (seq, chain).

        Its statements that return nothing are deferred (``rawsql.defer_writes``): the
        lock timeout travels with the head lock, the last writes with the commit.
        """
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    rawsql.defer_writes(conn)
                    try:
                        if self.dialect == "postgresql":  # SQLite's wait is its busy timeout
                            timeout_ms = int(self.settings.write_lock_timeout_s * 1000)
                            RawSql(conn).run(f"SET LOCAL lock_timeout = {timeout_ms}")
                        yield conn, log.lock_head(conn)
                        rawsql.send_deferred(conn)
                    finally:
                        rawsql.end_deferral(conn)
        except OperationalError as exc:
            raise StoreUnavailable(f"the database could not be written: {exc.orig}") from exc
        except PoolTimeout as exc:
            raise StoreUnavailable(f"no database connection was free: {exc}") from exc

    def upgrade(self) -> None:
        """Bring the schema to the newest revision."""
        migrate.upgrade(self.engine)

    def ingest(
        self, batch: Sequence[ParsedEvent], received_us: int, project: Projector
    ) -> list[IngestOutcome]:
        """Append new events to the log and project them, in one transaction."""
        with self._locked_write() as (conn, head):
            appended = log.append(conn, batch, received_us, head=head)
            project(conn, [(event, seq) for event, seq, duplicate in appended if not duplicate])
        return [IngestOutcome(seq, duplicate) for _event, seq, duplicate in appended]

    def events_page(
        self, *, after_us: int, before_us: int, descending: bool, limit: int, offset: int
    ) -> tuple[list[StoredEvent], int]:
        """Return a page of logged events whose event time is in [after, before]."""
        e = events.c
        where = (e.event_time_us >= after_us, e.event_time_us <= before_us, e.kind != "AdminEvent")
        order = (e.event_time_us.desc(), e.seq.desc()) if descending else (e.event_time_us, e.seq)
        with self.read() as conn:
            total = conn.execute(select(func.count()).select_from(events).where(*where)).scalar()
            rows = conn.execute(
                select(e.seq, e.received_us, e.event_time_us, e.payload, e.redacted_us)
                .where(*where)
                .order_by(*order)
                .limit(limit)
                .offset(offset)
            ).all()
        page = [
            StoredEvent(
                int(r.seq),
                int(r.received_us),
                int(r.event_time_us),
                bytes(r.payload) if r.payload is not None else None,
                r.redacted_us,
            )
            for r in rows
        ]
        return page, int(total or 0)

    def verify(self) -> ChainReport:
        """Recompute the hash chain over the whole log."""
        with self.read() as conn:
            return log.verify(conn)

    def head_seq(self) -> int:
        """Return the newest sequence number in the log."""
        with self.read() as conn:
            return log.head_seq(conn)

    def rebuild(
        self, project: Projector, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Drop every projection and replay the log into fresh ones; return events replayed.

        It runs in one transaction, so readers see the old projections until it commits.
        """
        with self.write() as conn:
            for table in PROJECTION_TABLES:
                conn.execute(delete(table))
            conn.execute(delete(meta).where(meta.c.key == EPOCH_KEY))
            conn.execute(meta.insert().values(key=EPOCH_KEY, value=uuid.uuid4().hex))
            total, done = log.count(conn), 0
            for chunk in log.replay(conn):
                project(conn, [(logged.event, logged.seq) for logged in chunk])
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        return done

    def dump(self) -> dict[str, list[Any]]:
        """Return the canonical dump of every projection (see ``threadline.store.dump``)."""
        with self.read() as conn:
            return canonical_dump(conn)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
