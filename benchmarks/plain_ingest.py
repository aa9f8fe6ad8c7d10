"""The ingestion baseline: parse each event and write it with plain inserts, nothing more.

Per event: orjson parse, the raw payload with its SHA-256, a job upsert, an upsert per
dataset, an insert per input and output edge, and a run upsert: the statements any lineage
store needs at the least, through the bare driver (sqlite3, psycopg). The database, its
commit mode (SQLite WAL with the same ``synchronous``; PostgreSQL's default) and the
transaction size match what Threadline is measured with.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson

TABLES = (
    "CREATE TABLE raw_events (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL, sha TEXT NOT NULL)",
    "CREATE TABLE p_jobs (id INTEGER PRIMARY KEY, ns TEXT, name TEXT, UNIQUE (ns, name))",
    "CREATE TABLE p_datasets (id INTEGER PRIMARY KEY, ns TEXT, name TEXT, UNIQUE (ns, name))",
    "CREATE TABLE p_edges (job INTEGER, dataset INTEGER, output INTEGER)",
    "CREATE TABLE p_runs (run TEXT PRIMARY KEY, job INTEGER, state TEXT)",
)
UPSERT_ID = (
    "INSERT INTO {} (ns, name) VALUES ({p}, {p}) ON CONFLICT (ns, name) "
    "DO UPDATE SET name = excluded.name RETURNING id"
)


class PlainWriter:
    """Writes events with plain inserts over one DB-API connection."""

    def __init__(self, conn: Any, *, paramstyle: str) -> None:
        self.conn = conn
        p = "?" if paramstyle == "qmark" else "%s"
        self.raw = f"INSERT INTO raw_events (payload, sha) VALUES ({p}, {p})"
        self.job = UPSERT_ID.format("p_jobs", p=p)
        self.dataset = UPSERT_ID.format("p_datasets", p=p)
        self.edge = f"INSERT INTO p_edges (job, dataset, output) VALUES ({p}, {p}, {p})"
        self.run = (
            f"INSERT INTO p_runs (run, job, state) VALUES ({p}, {p}, {p}) "
            "ON CONFLICT (run) DO UPDATE SET state = excluded.state"
        )

    def create(self) -> None:
        """Create the baseline's tables."""
        cur = self.conn.cursor()
        for statement in TABLES:
            if not isinstance(self.conn, sqlite3.Connection):
                statement = statement.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
                statement = statement.replace("BLOB", "BYTEA")
            cur.execute(statement)
        self.conn.commit()

    def write(self, payloads: Sequence[bytes]) -> None:
        """Parse and write events in one transaction."""
        cur = self.conn.cursor()
        for payload in payloads:
            event = orjson.loads(payload)
            cur.execute(self.raw, (payload, hashlib.sha256(payload).hexdigest()))
            job = event["job"]
            cur.execute(self.job, (job["namespace"], job["name"]))
            job_id = cur.fetchone()[0]
            for output, key in ((0, "inputs"), (1, "outputs")):
                for dataset in event.get(key, ()):
                    cur.execute(self.dataset, (dataset["namespace"], dataset["name"]))
                    cur.execute(self.edge, (job_id, cur.fetchone()[0], output))
            cur.execute(self.run, (event["run"]["runId"], job_id, event["eventType"]))
        self.conn.commit()


def sqlite_writer(path: str, *, synchronous: str, create: bool = True) -> PlainWriter:
    """Open a fresh SQLite baseline database with Threadline's pragmas."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    writer = PlainWriter(conn, paramstyle="qmark")
    if create:
        writer.create()
    return writer


def postgres_writer(dsn: str, *, create: bool = True) -> PlainWriter:
    """Open a fresh PostgreSQL baseline database (psycopg 3, default commit mode)."""
    import psycopg

    writer = PlainWriter(psycopg.connect(dsn), paramstyle="format")
    if create:
        writer.create()
    return writer


def target_of(writer: PlainWriter) -> str:
    """Return where a baseline writer writes, for ``reopen`` in another process."""
    if isinstance(writer.conn, sqlite3.Connection):
        path = writer.conn.execute("PRAGMA database_list").fetchone()[2]
        return f"sqlite:{path}"
    return str(writer.conn.info.dsn)


def reopen(target: str) -> PlainWriter:
    """Open the baseline database ``target_of`` named (its tables exist), same commit mode."""
    if target.startswith("sqlite:"):
        return sqlite_writer(target.removeprefix("sqlite:"), synchronous="FULL", create=False)
    return postgres_writer(target, create=False)
