"""The per-transaction projection context: connection, identity caches, SQL helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection, String, Table
from sqlalchemy.dialects import postgresql, sqlite

from threadline.projection.newids import NewIds
from threadline.store.codec import dumps, ident, loads, merge_timed, stable_uuid, unwrap_timed
from threadline.store.rawsql import BINARY_ARRAY, RawSql
from threadline.store.tables import changes, datasets, jobs, namespaces

_MAX_PARAMS = 999
"""Parameters per multi-row statement: within every SQLite build's limit (and PostgreSQL's)."""
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
    idents: dict[int, str] = field(default_factory=dict)
    names: dict[int, tuple[str, str]] = field(default_factory=dict)
    seq: int = 0
    asserter: int = 0
    touched: set[tuple[str, int, int | None]] = field(default_factory=set)
    sweeps: dict[int, int] = field(default_factory=dict)
    rebinds: dict[int, int] = field(default_factory=dict)
    run_edges: dict[tuple[int, int, int, str], list[Any]] = field(default_factory=dict)
    change_rows: list[tuple[int, str, int, int | None]] = field(default_factory=list)
    later: dict[tuple[str, tuple[Any, ...]], None] = field(default_factory=dict)
    latest: dict[str, _Latest] = field(default_factory=dict)
    sql: RawSql = field(init=False)
    ids: NewIds = field(init=False)
    _groups: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
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

    def refresh_later(self, sql: str, params: tuple[Any, ...]) -> None:
        """Run a statement that recomputes a derived column once, when the batch is done.

        Only for statements that set a column from the rows it is derived from and that
        nothing in the projection reads: running one once at the end gives the same row
        as running it after every event that asked for it.
        """
        self.later[(sql, params)] = None

    def flush_later(self) -> None:
        """Run the deferred refreshes: one ``executemany`` per statement."""
        groups: dict[str, list[tuple[Any, ...]]] = {}
        for sql, params in self.later:
            groups.setdefault(sql, []).append(params)
        self.later.clear()
        for sql, rows in groups.items():
            self.sql.many(sql, rows)

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
        """Insert rows with multi-row ``VALUES`` (a round trip per chunk, not per row).

        ``tail`` (an ``ON CONFLICT`` clause) must not meet the same key twice in one
        statement: PostgreSQL refuses to update a row twice in one command.
        """
        if not rows:
            return
        if self.dialect == "postgresql":
            # One array per column: the statement's text is the same whatever the number
            # of rows, so the driver prepares it once and the server plans it once.
            self.sql.run(
                f"INSERT INTO {table.name} ({', '.join(names)}) "
                f"SELECT * FROM unnest({self._group(table, names, array=True)}) {tail}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        group = self._group(table, names)
        per = max(1, _MAX_PARAMS // len(names))
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            self.sql.run(
                f"INSERT INTO {table.name} ({', '.join(names)}) "
                f"VALUES {', '.join([group] * len(chunk))} {tail}",
                [value for row in chunk for value in row],
            )

    def update_rows(
        self, table: Table, names: tuple[str, ...], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Set columns of rows by id: each row is the values of ``names``, then the id.

        PostgreSQL gets one statement for all (an array per column); SQLite, in the
        process, one per row. A row named twice gets the values it was given last.
        """
        if not rows:
            return
        if self.dialect != "postgresql":
            sets = ", ".join(f"{n} = ?" for n in names)
            self.sql.many(f"UPDATE {table.name} SET {sets} WHERE id = ?", rows)
            return
        last = list({row[-1]: row for row in rows}.values())
        sets = ", ".join(f"{n} = v.{n}" for n in names)
        self.sql.run(
            f"UPDATE {table.name} SET {sets} "
            f"FROM unnest({self._group(table, (*names, 'id'), array=True)}) "
            f"AS v({', '.join(names)}, id) WHERE {table.name}.id = v.id",
            [list(column) for column in zip(*last, strict=True)],
        )

    def _group(self, table: Table, names: tuple[str, ...], *, array: bool = False) -> str:
        """Return one row's placeholders (SQLite), or one typed array per column (PostgreSQL).

        An array parameter must be typed, and so must a column whose values are all NULL.
        Strings cast to ``text``, so a too-long value still fails on the column instead of
        being cut by the cast.
        """
        found = self._groups.get((table.name, names))
        if found is None:
            if array:
                types = [
                    "text"
                    if isinstance(table.c[n].type, String)
                    else table.c[n].type.compile(dialect=self.conn.dialect)
                    for n in names
                ]
                found = ", ".join(f"CAST({BINARY_ARRAY} AS {t}[])" for t in types)
            else:
                found = "(" + ", ".join("?" * len(names)) + ")"
            self._groups[(table.name, names)] = found
        return found

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
