"""Threadline as the benchmark runs it: a real store, its index loaded by the real loader.

The store is filled by bulk insert (``bulk_store``); ``reach_ids`` runs the public traversal
(``threadline.queries.lineage.reach``) over the loaded index, and ``lineage_nodes`` the
whole service answer. ``store_cte`` is the recursive CTE over the same store's edges table.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bulk_store import fill, ref_of
from lineage_graph import LineageGraph
from threadline.queries.lineage import Start, reach, start_for
from threadline.queries.options import MAX_DEPTH, MAX_LIMIT, QueryOptions
from threadline.queries.resolve import resolve
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store

PG_ADMIN = os.environ.get(
    "THREADLINE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def options(down: bool, depth: int) -> QueryOptions:
    """Return unbounded options for one direction (depth 0: as deep as allowed)."""
    direction = "downstream" if down else "upstream"
    return QueryOptions(direction, depth or MAX_DEPTH, limit=MAX_LIMIT, budget_ms=60_000)


class ThreadlineEngine:
    """A filled store, its service and the index loaded from it."""

    def __init__(self, g: LineageGraph, url: str, label: str, drop: Callable[[], None]) -> None:
        self.g, self.label, self._drop = g, label, drop
        self.store = Store(Settings(database_url=url, sqlite_synchronous="OFF"))
        self.store.upgrade()
        self.fill_seconds = fill(self.store, g)
        self.service = LineageService(self.store, self.store.settings)
        start = time.perf_counter()
        state = self.service.index.refresh()
        self.load_seconds = time.perf_counter() - start
        self.bytes_per_edge = (state.entity.base.nbytes) / max(state.entity.edge_count, 1)
        self._starts: dict[tuple[int, bool, int], Start] = {}

    @classmethod
    def on_sqlite(cls, g: LineageGraph, path: Path) -> ThreadlineEngine:
        """Fill a SQLite store in a file."""
        return cls(g, f"sqlite:///{path}", "SQLite", lambda: None)

    def describe(self) -> str:
        """Say how long filling and loading took, and the index's size."""
        return (
            f"{self.label} store: bulk insert {self.fill_seconds:.1f} s; index loaded by the "
            f"real loader in {self.load_seconds:.1f} s ({self.bytes_per_edge:.0f} bytes per edge)"
        )

    def _start(self, root: int, down: bool, depth: int) -> Start:
        key = (root, down, depth)
        if key not in self._starts:
            state = self.service.index.state()
            with self.store.read() as conn:
                found = resolve(conn, ref_of(self.g, root))
                self._starts[key] = start_for(conn, state, found, options(down, depth))
        return self._starts[key]

    def reach_ids(self, root: int, down: bool, depth: int) -> int:
        """Count the nodes the public traversal reaches (ids and depths, no hydration)."""
        start = self._start(root, down, depth)
        found, _edges, reason = reach(start, options(down, depth), collect_edges=False)
        assert reason is None, reason
        return len(found)

    def lineage_nodes(self, root: int, down: bool, depth: int) -> int:
        """Count the nodes of the whole service answer (resolved, hydrated, with edges)."""
        answer = self.service.lineage(ref_of(self.g, root), options(down, depth))
        assert not answer.truncated
        return len(answer.nodes)

    def close(self) -> None:
        """Close the store and drop its database."""
        self.store.close()
        self._drop()


def postgres_store(g: LineageGraph) -> ThreadlineEngine | None:
    """Fill a throwaway PostgreSQL database, or return None when there is no server."""
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # no PostgreSQL here: its column is left out, and the output says so
        return None
    name = f"threadline_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return ThreadlineEngine(g, url, "PostgreSQL", drop)


def store_cte(store: Store) -> Callable[[int, bool, int], int]:
    """Return a recursive-CTE traversal over the store's ``edges`` table (current edges)."""
    raw: Any = store.engine.raw_connection()
    mark = "%s" if store.dialect == "postgresql" else "?"
    cursor = raw.cursor()

    def query(root: int, down: bool, depth: int) -> int:
        a, b = ("src", "dst") if down else ("dst", "src")
        if not depth:  # UNION is the visited set
            sql = (
                f"WITH RECURSIVE r(n) AS (SELECT CAST({mark} AS INTEGER) UNION "
                f"SELECT e.{b} FROM edges e JOIN r ON e.{a} = r.n WHERE e.valid_to_us IS NULL) "
                "SELECT count(*) FROM r"
            )
            cursor.execute(sql, (root,))
        else:
            sql = (
                f"WITH RECURSIVE r(n, d) AS (SELECT CAST({mark} AS INTEGER), 0 UNION "
                f"SELECT e.{b}, r.d + 1 FROM edges e JOIN r ON e.{a} = r.n "
                f"WHERE r.d < {mark} AND e.valid_to_us IS NULL) SELECT count(DISTINCT n) FROM r"
            )
            cursor.execute(sql, (root, depth))
        count = int(cursor.fetchone()[0])
        raw.rollback()
        return count

    return query
