"""``Ctx.update_rows``: one statement on PostgreSQL, one per row on SQLite, same rows.

Each row must get its own values (whatever their types, NULL included), rows not named
must keep theirs, and a row named twice must end with the values it was given last, as
one statement per row in order would leave it.
"""

from __future__ import annotations

from threadline.projection.context import Ctx
from threadline.store import Store
from threadline.store.tables import namespaces


def _namespaces(store: Store, count: int) -> list[int]:
    with store.write() as conn:
        ctx = Ctx(conn)
        names = ("ident", "name", "created_us", "updated_us", "is_hidden")
        return [
            ctx.ids.insert("namespaces", names, (f"i{at}", f"n{at}", 1, 1, False))
            for at in range(count)
        ]


def test_each_row_gets_its_values_and_the_last_given_wins(store: Store) -> None:
    made = _namespaces(store, 4)
    with store.write() as conn:
        Ctx(conn).update_rows(
            namespaces,
            ("owner_name", "created_us", "is_hidden"),
            [
                ("ann", 10, True, made[0]),
                (None, 2**40, True, made[1]),
                ("bob", 5, False, made[0]),  # named again: these values win
                ("cy", 3, True, made[2]),
            ],
        )
    with store.read() as conn:
        rows = Ctx(conn).sql.all(
            "SELECT id, owner_name, created_us, is_hidden FROM namespaces ORDER BY id"
        )
    assert [(row[0], row[1], row[2], bool(row[3])) for row in rows] == [
        (made[0], "bob", 5, False),
        (made[1], None, 2**40, True),
        (made[2], "cy", 3, True),
        (made[3], None, 1, False),
    ]


def test_no_rows_change_nothing(store: Store) -> None:
    made = _namespaces(store, 1)
    with store.write() as conn:
        ctx = Ctx(conn)
        ctx.update_rows(namespaces, ("owner_name",), [])
        assert ctx.sql.all("SELECT id, owner_name FROM namespaces") == [(made[0], None)]
