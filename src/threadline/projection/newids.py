"""Ids of the rows the projection creates, without a round trip per row on PostgreSQL.

A new row's id is needed at once (the rows after it refer to it). On SQLite the database
is in the process and ``INSERT ... RETURNING id`` costs microseconds. On PostgreSQL it
costs a round trip, the projection's most frequent one: so ids are taken from the table's
own sequence ahead of need, and the insert, which then returns nothing, waits to be sent
with the next statement that does (``RawSql``'s deferred writes).

A transaction reserves 1 id of a table at its first need, then 2, 4, ... up to ``_MOST``:
``n`` new rows cost about log2(n) round trips, and fewer than ``n`` ids go unused when
the transaction ends (a sequence leaves gaps anyway; ids carry no meaning, see
``store.dump``). Ids taken in one transaction rise in the order the rows are created.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from threadline.store.rawsql import RawSql

_MOST = 1024
"""The largest reservation of one statement."""


class NewIds:
    """Inserts rows and returns their new ids (reserved ahead on PostgreSQL)."""

    def __init__(self, sql: RawSql, *, reserve: bool) -> None:
        self._sql = sql
        self._reserve = reserve
        self._free: dict[str, deque[int]] = {}
        self._next_size: dict[str, int] = {}

    def insert(self, table: str, names: Sequence[str], values: Sequence[Any]) -> int:
        """Insert one row (its columns but ``id``) and return its id."""
        if not self._reserve:
            marks = ", ".join("?" * len(names))
            return int(
                self._sql.scalar(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) RETURNING id",
                    values,
                )
            )
        (new_id,) = self.take(table, 1)
        marks = ", ".join("?" * (len(names) + 1))
        self._sql.run(
            f"INSERT INTO {table} (id, {', '.join(names)}) VALUES ({marks})", (new_id, *values)
        )
        return new_id

    def take(self, table: str, count: int) -> list[int]:
        """Return ``count`` fresh ids of ``table`` in rising order (PostgreSQL only)."""
        assert self._reserve, "ids are reserved on PostgreSQL only"
        free = self._free.setdefault(table, deque())
        if len(free) < count:
            size = self._next_size.get(table, 1)
            self._next_size[table] = min(size * 2, _MOST)
            wanted = max(size, count - len(free))
            rows = self._sql.all(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, ?)",
                (wanted,),
            )
            free.extend(sorted(int(row[0]) for row in rows))
        return [free.popleft() for _ in range(count)]
