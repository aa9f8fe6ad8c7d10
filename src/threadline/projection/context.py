"""The per-transaction projection context: connection, identity caches, SQL helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from threadline.projection.newids import NewIds
from threadline.projection.versionwindow import VersionWindow
from threadline.store.codec import dumps, ident, loads, merge_timed, stable_uuid, unwrap_timed
from threadline.store.rawsql import BINARY_ARRAY, RawSql, in_chunks
from threadline.store.tables import changes, datasets, jobs, namespaces

_ENTITY_TABLES = {t.name: t for t in (namespaces, datasets, jobs)}

__all__ = [
    "Ctx",
    "EntityState",
    "IoRow",
    "dumps",
    "ident",
    "loads",
    "merge_timed",
    "stable_uuid",
    "unwrap_timed",
]


@dataclass(slots=True)
class EntityState:
    """What a projection transaction knows of a named entity's row."""

    id: int
    created_us: int
    updated_us: int
    hidden: bool


class IoRow(NamedTuple):
    """What a projection transaction knows of a ``run_io`` row it read or wrote.

    An input's ``version_id`` may have been re-bound since (``versions``); only an
    output's is ever read back.
    """

    version_id: int | None
    bound_us: int
    explicit_version: str | None
    facets: str


@dataclass(slots=True)
class _Latest:
    """Rows of one table waiting to be upserted by ``Ctx.upsert_later``, newest per key."""

    table: Table
    keys: list[str]
    columns: list[str]
    rows: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class Ctx:
    """Everything one projection transaction shares: connection and identity caches."""

    conn: Connection
    namespaces: dict[str, EntityState] = field(default_factory=dict)
    datasets: dict[str, EntityState] = field(default_factory=dict)
    jobs: dict[str, EntityState] = field(default_factory=dict)
    fields: dict[tuple[int, str], int] = field(default_factory=dict)
    fields_loaded: set[int] = field(default_factory=set)
    schemas: dict[int, list[list[Any]]] = field(default_factory=dict)
    absent: set[tuple[str, str]] = field(default_factory=set)
    stale_spans: dict[str, dict[int, EntityState]] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    run_asserters: dict[int, int | None] = field(default_factory=dict)
    run_rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    fresh_runs: set[int] = field(default_factory=set)
    run_job_facets: dict[int, dict[str, tuple[int, str, str]]] = field(default_factory=dict)
    run_dirty: dict[int, dict[str, Any]] = field(default_factory=dict)
    version_facets: dict[int, str] = field(default_factory=dict)
    io_known: set[int] = field(default_factory=set)
    io_rows: dict[int, dict[tuple[int, str], IoRow]] = field(default_factory=dict)
    io_pending: dict[tuple[int, int, str], list[Any]] = field(default_factory=dict)
    versions: dict[tuple[int, str], list[Any]] = field(default_factory=dict)
    job_versions: dict[tuple[int, str], int] = field(default_factory=dict)
    job_version_due: dict[int, Any] = field(default_factory=dict)
    absent_versions: set[tuple[int, str]] = field(default_factory=set)
    version_windows: dict[int, VersionWindow] = field(default_factory=dict)
    idents: dict[int, str] = field(default_factory=dict)
    names: dict[int, tuple[str, str]] = field(default_factory=dict)
    seq: int = 0
    asserter: int = 0
    touched: set[tuple[str, int, int | None]] = field(default_factory=set)
    sweeps: dict[int, int] = field(default_factory=dict)
    rebinds: dict[int, int] = field(default_factory=dict)
    run_edges: dict[tuple[int, int, int, str], list[Any]] = field(default_factory=dict)
    change_rows: list[tuple[int, str, int, int | None]] = field(default_factory=list)
    later: dict[tuple[str, str, str], dict[int, None]] = field(default_factory=dict)
    latest: dict[str, _Latest] = field(default_factory=dict)
    sql: RawSql = field(init=False)
    ids: NewIds = field(init=False)
    _hashes: dict[tuple[str, ...], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sql = RawSql(self.conn)
        self.ids = NewIds(self.sql, reserve=self.conn.dialect.name == "postgresql")

    def ident(self, *parts: str) -> str:
        """Return ``ident(*parts)``, hashed once per transaction (names repeat a lot)."""
        found = self._hashes.get(parts)
        if found is None:
            found = self._hashes[parts] = ident(*parts)
        return found

    def forget(self) -> None:
        """Drop the cached entities (an admin event changed rows behind the caches)."""
        self.namespaces.clear()
        self.datasets.clear()
        self.jobs.clear()
        self.absent.clear()

    def touch(self, kind: str, ref: int, since_us: int | None = None) -> None:
        """Note that this event's projection changed something the lineage index holds."""
        self.touched.add((kind, ref, since_us))

    def refresh_later(self, table: str, column: str, value: str, row: int) -> None:
        """Recompute a derived column of a row once, when the batch is done.

        ``value`` is the SQL expression of the column, a correlated subquery that names the
        row as ``<table>.id``. Only for columns set from the rows they are derived from and
        that nothing in the projection reads: setting one once at the end gives the same
        row as setting it after every event that asked for it.
        """
        self.later.setdefault((table, column, value), {})[row] = None

    def flush_later(self) -> None:
        """Run the deferred refreshes: one statement per column (per chunk on SQLite)."""
        later, self.later = self.later, {}
        for (table, column, value), rows in later.items():
            ids = list(rows)
            if self.dialect == "postgresql":
                self.sql.run(
                    f"UPDATE {table} SET {column} = {value} "
                    f"WHERE id = ANY(CAST({BINARY_ARRAY} AS integer[]))",
                    (ids,),
                )
                continue
            for marks, chunk in in_chunks(ids):
                self.sql.run(f"UPDATE {table} SET {column} = {value} WHERE id IN ({marks})", chunk)

    def end_event(self) -> None:
        """Keep the notes of the current event for the change feed."""
        self.change_rows += [(self.seq, k, r, s) for k, r, s in self.touched]
        self.touched.clear()

    def flush_changes(self) -> None:
        """Write the notes of the events so far to the change feed, one statement per chunk."""
        assert not self.touched, "notes are taken by events, not by deferred writes"
        self.insert_values(changes, ("seq", "kind", "ref", "since_us"), self.change_rows)
        self.change_rows.clear()

    def insert_values(
        self, table: Table, names: tuple[str, ...], rows: Sequence[Sequence[Any]], tail: str = ""
    ) -> None:
        """Insert rows, a statement per chunk (``RawSql.insert_values``)."""
        self.sql.insert_values(table, names, rows, tail)

    def update_rows(
        self, table: Table, names: tuple[str, ...], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Set columns of rows by id (``RawSql.update_rows``)."""
        self.sql.update_rows(table, names, rows)

    def flush_spans(self) -> None:
        """Write the entity spans (times, un-hiding) widened since the last flush.

        One event after another widens the same rows; writing each row's final state once,
        before anything else reads or sets those columns, gives the same rows for fewer
        statements.
        """
        for table, states in self.stale_spans.items():
            self.update_rows(
                _ENTITY_TABLES[table],
                ("is_hidden", "created_us", "updated_us"),
                [(s.hidden, s.created_us, s.updated_us, s.id) for s in states.values()],
            )
        self.stale_spans.clear()

    @property
    def dialect(self) -> str:
        """Return the database dialect name."""
        return self.conn.dialect.name

    def insert(self, table: Table) -> Any:
        """Return a dialect-specific INSERT that supports ON CONFLICT."""
        module = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(table)

    def insert_ignore(self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
        """Insert rows, skipping any whose key already exists."""
        for names, params in _by_columns(rows):
            self.insert_values(table, names, params, f"ON CONFLICT ({', '.join(keys)}) DO NOTHING")

    def upsert_later(
        self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str], columns: list[str]
    ) -> None:
        """Upsert like ``upsert_latest``, when the table is next read or the batch is done.

        Of the rows given for one key only the newest is kept: the upsert would keep
        the newest of them and the stored row anyway. Whoever reads the table during
        the projection calls ``flush_latest`` first.
        """
        pending = self.latest.get(table.name)
        if pending is None:
            pending = self.latest[table.name] = _Latest(table, keys, columns)
        for row in rows:
            key = tuple(row[k] for k in keys)
            known = pending.rows.get(key)
            if known is None or (row["event_time_us"], row["event_key"]) > (
                known["event_time_us"],
                known["event_key"],
            ):
                pending.rows[key] = row

    def flush_latest(self, table: str | None = None) -> None:
        """Write the pending upserts of one table (all tables without a name)."""
        for name in [table] if table is not None else list(self.latest):
            pending = self.latest.pop(name, None)
            if pending is not None:
                rows = list(pending.rows.values())
                self.upsert_latest(pending.table, rows, pending.keys, pending.columns)

    def upsert_latest(
        self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str], columns: list[str]
    ) -> None:
        """Insert rows or replace ``columns`` when the incoming (time, event key) is newer.

        Rows carry ``event_time_us`` and ``event_key``; ties in time are broken by the
        event key so that the result does not depend on the order of arrival.
        """
        name = table.name
        sets = ", ".join(f"{c} = excluded.{c}" for c in [*columns, "event_time_us", "event_key"])
        newer = (
            f"(excluded.event_time_us, excluded.event_key) > ({name}.event_time_us, "
            f"{name}.event_key)"
        )
        tail = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets} WHERE {newer}"
        for names, params in _by_columns(rows):
            positions = [names.index(k) for k in keys]
            if len({tuple(p[i] for i in positions) for p in params}) == len(params):
                self.insert_values(table, names, params, tail)
            else:  # a key twice: one statement per row applies them in order
                self.sql.many(
                    f"INSERT INTO {name} ({', '.join(names)}) "
                    f"VALUES ({', '.join('?' * len(names))}) {tail}",
                    params,
                )


def _by_columns(rows: Sequence[dict[str, Any]]) -> list[tuple[tuple[str, ...], list[list[Any]]]]:
    """Group rows by the columns they set (in order of first appearance)."""
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(list(row.values()))
    return list(groups.items())
