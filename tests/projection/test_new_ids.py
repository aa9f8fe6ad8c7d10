"""New rows' ids: reserved ahead from the sequence on PostgreSQL, RETURNING on SQLite.

On both databases an inserted row must get the id it is said to have, ids must rise in
the order rows are created, and the rows after it may refer to it at once. On PostgreSQL
``n`` new rows must cost about log2(n) reservations, and fewer than ``n`` ids may go
unused.
"""

from __future__ import annotations

from sqlalchemy import text

from threadline.projection.context import Ctx
from threadline.store import Store


def _new_nodes(store: Store, count: int) -> tuple[list[int], list[tuple[int, str]]]:
    with store.write() as conn:
        ctx = Ctx(conn)
        made = [ctx.ids.insert("nodes", ("kind",), (f"k{at}",)) for at in range(count)]
        rows = [(int(r[0]), str(r[1])) for r in ctx.sql.all("SELECT id, kind FROM nodes")]
    return made, rows


def test_inserted_rows_have_the_ids_returned_in_rising_order(store: Store) -> None:
    made, rows = _new_nodes(store, 37)
    assert made == sorted(made) and len(set(made)) == 37
    assert sorted(rows) == [(node, f"k{at}") for at, node in enumerate(made)]


def test_a_row_can_refer_to_a_new_row_in_the_same_transaction(store: Store) -> None:
    with store.write() as conn:
        ctx = Ctx(conn)
        node = ctx.ids.insert("nodes", ("kind",), ("job",))
        names = ("id", "ident", "namespace", "name", "created_us", "updated_us")
        ctx.sql.run(
            "INSERT INTO namespaces (ident, name, created_us, updated_us, is_hidden) "
            "VALUES ('n', 'ns', 1, 1, ?)",
            (False,),
        )
        ctx.sql.run(
            f"INSERT INTO jobs ({', '.join(names)}, namespace_id) "
            "SELECT ?, 'j', 'ns', 'job', 1, 1, id FROM namespaces WHERE ident = 'n'",
            (node,),
        )
        found = ctx.sql.scalar("SELECT n.kind FROM jobs j JOIN nodes n ON n.id = j.id")
    assert found == "job"


def test_postgresql_reserves_in_doubling_steps_and_wastes_fewer_than_it_uses(
    store: Store,
) -> None:
    if store.dialect != "postgresql":
        made, _rows = _new_nodes(store, 5)
        assert made == list(range(made[0], made[0] + 5))  # RETURNING: no gaps on SQLite
        return
    made, _rows = _new_nodes(store, 100)
    with store.read() as conn:
        last = conn.execute(text("SELECT last_value FROM nodes_id_seq")).scalar_one()
    reserved = int(last) - made[0] + 1
    assert reserved == 127  # 1 + 2 + 4 + ... + 64: seven reservations, 27 ids unused
    with store.write() as conn:  # a new transaction starts with a reservation of one
        ctx = Ctx(conn)
        assert ctx.ids.insert("nodes", ("kind",), ("again",)) == int(last) + 1
    with store.read() as conn:
        assert conn.execute(text("SELECT last_value FROM nodes_id_seq")).scalar_one() == last + 1
