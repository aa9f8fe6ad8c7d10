"""Run hot statements (projection, hydration) straight on the driver's cursor.

Building and executing a SQLAlchemy statement costs 100-200 µs in Python; the same
statement on the DB-API cursor costs a few. The projection runs dozens per event, so its
most frequent statements are written here as plain parameterised SQL (``?`` placeholders,
turned into ``%s`` for PostgreSQL) and run on the connection's own cursor, inside the same
transaction. Only integer, text and boolean values pass through, which both drivers
convert the way SQLAlchemy would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


class RawSql:
    """Plain SQL on the DB-API cursor of a connection's current transaction."""

    def __init__(self, conn: Connection) -> None:
        self._cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self._pg = conn.dialect.name == "postgresql"
        self._texts: dict[str, str] = {}
        self._dbapi_error: type[Exception] = conn.dialect.loaded_dbapi.Error

    def _execute(self, sql: str, params: Any, *, many: bool = False) -> None:
        """Execute on the cursor; driver errors become SQLAlchemy's, as ``conn.execute`` raises.

        Callers (``Store.write``, the ingest route) map ``OperationalError`` (a locked or
        unreachable database) to 503: a driver's own exception would escape them as a 500.
        """
        text = self._text(sql)
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
        self._execute(sql, tuple(params))

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a statement once per row of parameters."""
        if len(rows) == 1:  # psycopg's executemany costs a pipeline sync more
            self._execute(sql, tuple(rows[0]))
        elif rows:
            self._execute(sql, [tuple(r) for r in rows], many=True)

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
