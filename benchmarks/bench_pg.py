"""Throwaway PostgreSQL databases for the benchmarks, on the server the tests use."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN = os.environ.get(
    "THREADLINE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def reachable() -> bool:
    """Say whether the benchmark PostgreSQL server answers."""
    try:
        admin = create_engine(PG_ADMIN)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception:  # no server: callers leave PostgreSQL out and say so
        return False
    return True


@contextmanager
def database() -> Iterator[str]:
    """Create a fresh database; yield its SQLAlchemy URL; drop it afterwards."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"threadline_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def libpq_dsn(url: str) -> str:
    """Return the libpq form of a SQLAlchemy PostgreSQL URL, for the bare driver."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
