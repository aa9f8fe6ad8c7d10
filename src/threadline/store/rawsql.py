"""Run hot statements (projection, hydration) straight on the driver's cursor.

Building and executing a SQLAlchemy statement costs 100-200 µs in Python; the same
statement on the DB-API cursor costs a few. The projection runs dozens per event, so its
most frequent statements are written here as plain parameterised SQL (``?`` placeholders,
turned into ``%s`` for PostgreSQL) and run on the connection's own cursor, inside the same
transaction. Only integer, text and boolean values pass through, which both drivers
convert the way SQLAlchemy would. A list (an array, PostgreSQL only) goes in a ``%b``
placeholder (``BINARY_ARRAY``): psycopg sends it in binary form, where the text form
escapes each element with a regular expression (about 9 µs per string, 0.15 µs binary).

On PostgreSQL a write transaction defers the statements that return nothing
(``defer_writes``): they are sent together with the next statement that returns rows (or
with the end of the transaction) in one pipeline, one round trip for all of them instead
of one each. Every statement still runs, in the order it was issued, before anything
after it: a read on the driver's cursor sends them first, and so does a SQLAlchemy
statement (``install``) and the commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Engine, String, Table, event
from sqlalchemy.exc import DBAPIError

_MAX_PARAMS = 999
"""Parameters per multi-row statement: within every SQLite build's limit (and PostgreSQL's)."""

IN_CHUNK = 500
"""Keys per ``IN`` list (``in_chunks``): within every SQLite build's parameter limit."""

BINARY_ARRAY = "%b"
"""The placeholder of an array parameter (PostgreSQL statements only), sent in binary."""

_DEFERRED = "threadline_deferred"
"""Key of the open transaction's deferred statements in the connection's ``info``."""


class _Deferred:
    """Statements (text, parameters, many) a write transaction has not sent yet."""

    __slots__ = ("open", "statements")

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, bool]] = []
        self.open = True


class RawSql:
    """Plain SQL on the DB-API cursor of a connection's current transaction."""

    def __init__(self, conn: Connection) -> None:
        self._driver: Any = cast(Any, conn.connection.driver_connection)
        self._cursor: Any = self._driver.cursor()
        self._pg = conn.dialect.name == "postgresql"
        self._texts: dict[str, str] = {}
        self._dialect = conn.dialect
        self._groups: dict[tuple[str, tuple[str, ...]], str] = {}
        self._dbapi_error: type[Exception] = conn.dialect.loaded_dbapi.Error
        self._deferred: _Deferred | None = conn.info.get(_DEFERRED) if self._pg else None

    def _execute(self, sql: str, params: Any, *, many: bool = False, write: bool = False) -> None:
        """Execute on the cursor; driver errors become SQLAlchemy's, as ``conn.execute`` raises.

        Callers (``Store.write``, the ingest route) map ``OperationalError`` (a locked or
        unreachable database) to 503: a driver's own exception would escape them as a 500.
        A ``write`` (it returns nothing) waits for the next statement when deferring.
        """
        text = self._text(sql)
        deferred = self._deferred
        if deferred is not None and deferred.open:
            if write:
                deferred.statements.append((text, params, many))
                return
            if deferred.statements:
                _send(self._driver, self._dbapi_error, deferred, (self._cursor, text, params))
                return
        try:
            if many:
                self._cursor.executemany(text, params)
            else:
                self._cursor.execute(text, params)
        except self._dbapi_error as exc:
            raise DBAPIError.instance(text, params, exc, self._dbapi_error, ismulti=many) from exc

    def _text(self, sql: str) -> str:
        if not self._pg:
            return sql
        found = self._texts.get(sql)
        if found is None:
            found = self._texts[sql] = sql.replace("?", "%s")
        return found

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Execute a statement that returns nothing."""
        self._execute(sql, tuple(params), write=True)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a statement once per row of parameters."""
        if len(rows) == 1:  # psycopg's executemany costs a pipeline sync more
            self._execute(sql, tuple(rows[0]), write=True)
        elif rows:
            self._execute(sql, [tuple(r) for r in rows], many=True, write=True)

    def update(self, table: str, values: dict[str, Any], where: dict[str, Any]) -> None:
        """Set ``values`` on the rows whose columns equal ``where`` (non-null values)."""
        sets = ", ".join(f"{name} = ?" for name in values)
        match = " AND ".join(f"{name} = ?" for name in where)
        self.run(f"UPDATE {table} SET {sets} WHERE {match}", (*values.values(), *where.values()))

    def first(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Return the first row of a query, or None."""
        self._execute(sql, tuple(params))
        row = self._cursor.fetchone()
        if row is not None:
            self._cursor.fetchall()  # leave the cursor clean for the next statement
        return tuple(row) if row is not None else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = self.first(sql, params)
        return row[0] if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return every row of a query."""
        self._execute(sql, tuple(params))
        return list(self._cursor.fetchall())  # both drivers give rows as tuples

    def insert_values(
        self, table: Table, names: tuple[str, ...], rows: Sequence[Sequence[Any]], tail: str = ""
    ) -> None:
        """Insert rows with multi-row ``VALUES`` (a round trip per chunk, not per row).

        ``tail`` (an ``ON CONFLICT`` clause) must not meet the same key twice in one
        statement: PostgreSQL refuses to update a row twice in one command.
        """
        if not rows:
            return
        if self._pg:
            # One array per column: the statement's text is the same whatever the number
            # of rows, so the driver prepares it once and the server plans it once.
            self.run(
                f"INSERT INTO {table.name} ({', '.join(names)}) "
                f"SELECT * FROM unnest({self._group(table, names, array=True)}) {tail}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        group = self._group(table, names)
        per = max(1, _MAX_PARAMS // len(names))
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            self.run(
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
        if not self._pg:
            sets = ", ".join(f"{n} = ?" for n in names)
            self.many(f"UPDATE {table.name} SET {sets} WHERE id = ?", rows)
            return
        last = list({row[-1]: row for row in rows}.values())
        sets = ", ".join(f"{n} = v.{n}" for n in names)
        self.run(
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
                    else table.c[n].type.compile(dialect=self._dialect)
                    for n in names
                ]
                found = ", ".join(f"CAST({BINARY_ARRAY} AS {t}[])" for t in types)
            else:
                found = "(" + ", ".join("?" * len(names)) + ")"
            self._groups[(table.name, names)] = found
        return found

    def all_of(self, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        """Return every row of each query: on PostgreSQL one round trip for them all.

        The queries run in order, after the deferred writes; none may depend on another.
        """
        if not self._pg or len(queries) < 2:
            return [self.all(sql, params) for sql, params in queries]
        deferred = self._deferred if self._deferred is not None else _Deferred()
        cursors = [self._driver.cursor() for _ in queries]
        reads = [
            (c, self._text(sql), tuple(p)) for c, (sql, p) in zip(cursors, queries, strict=True)
        ]
        _send(self._driver, self._dbapi_error, deferred, *reads)
        return [list(cursor.fetchall()) for cursor in cursors]


def in_chunks(keys: Sequence[Any]) -> Iterator[tuple[str, list[Any]]]:
    """Yield (placeholders, keys) for ``IN (...)`` lists of at most ``IN_CHUNK`` keys."""
    for start in range(0, len(keys), IN_CHUNK):
        chunk = list(keys[start : start + IN_CHUNK])
        yield ", ".join("?" * len(chunk)), chunk


def _send(
    driver: Any, dbapi_error: type[Exception], deferred: _Deferred, *then: tuple[Any, str, Any]
) -> None:
    """Send the deferred statements (and ``then``: cursor, text, parameters) in one pipeline.

    The pipeline's results are all in when it ends; an error in any statement is raised
    there, as SQLAlchemy's exception for the driver's, naming the statements sent.
    """
    pending = list(deferred.statements)
    deferred.statements.clear()
    writer = driver.cursor()
    try:
        with driver.pipeline():
            for text, params, many in pending:
                if many:
                    writer.executemany(text, params)
                else:
                    writer.execute(text, params)
            for cursor, text, params in then:
                cursor.execute(text, params)
    except dbapi_error as exc:
        texts = [text for text, _params, _many in pending] + [text for _c, text, _p in then]
        raise DBAPIError.instance("; ".join(texts), None, exc, dbapi_error) from exc


def defer_writes(conn: Connection) -> None:
    """Defer the statements that return nothing, until the transaction next needs an answer.

    For the write transaction just begun on ``conn``; only PostgreSQL gains (a round trip
    per statement), so SQLite runs every statement at once as before.
    """
    if conn.dialect.name == "postgresql":
        conn.info[_DEFERRED] = _Deferred()


def send_deferred(conn: Connection) -> None:
    """Send the statements still deferred (before the commit, or a statement not ours)."""
    deferred: _Deferred | None = conn.info.get(_DEFERRED)
    if deferred is not None and deferred.statements:
        _send(conn.connection.driver_connection, conn.dialect.loaded_dbapi.Error, deferred)


def end_deferral(conn: Connection) -> None:
    """Stop deferring on ``conn``; what was not sent is dropped (the transaction rolls back)."""
    deferred: _Deferred | None = conn.info.pop(_DEFERRED, None)
    if deferred is not None:
        deferred.open = False
        deferred.statements.clear()


def install(engine: Engine) -> None:
    """Have a SQLAlchemy statement send the deferred ones first, and a rollback drop them."""
    if engine.dialect.name != "postgresql" or event.contains(
        engine, "before_cursor_execute", _before_statement
    ):
        return
    event.listen(engine, "before_cursor_execute", _before_statement)
    event.listen(engine, "rollback", end_deferral)


def _before_statement(conn: Connection, *_args: Any) -> None:
    send_deferred(conn)
