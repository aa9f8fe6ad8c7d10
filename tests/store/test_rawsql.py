"""Plain SQL on the driver's cursor: deferred writes run in order, fail loudly, roll back."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from threadline.store import Store
from threadline.store.rawsql import RawSql
from threadline.store.tables import meta

_INSERT = "INSERT INTO meta (key, value) VALUES (?, ?)"


def _meta(store: Store) -> dict[str, str]:
    with store.read() as conn:
        return {str(r.key): str(r.value) for r in conn.execute(select(meta.c.key, meta.c.value))}


def test_rawsql_writes_are_seen_by_the_next_read_in_order(store: Store) -> None:
    with store.write() as conn:
        sql = RawSql(conn)
        sql.run(_INSERT, ("a", "1"))
        sql.many(_INSERT, [("b", "2"), ("c", "3")])
        RawSql(conn).update("meta", {"value": "4"}, {"key": "a"})  # another cursor, same order
        seen = sql.all("SELECT key, value FROM meta WHERE key IN ('a', 'b', 'c') ORDER BY key")
        sql.run("DELETE FROM meta WHERE key = ?", ("c",))
        scalar = sql.scalar("SELECT count(*) FROM meta WHERE key IN ('a', 'b', 'c')")
    assert seen == [("a", "4"), ("b", "2"), ("c", "3")]
    assert scalar == 2
    assert {k: v for k, v in _meta(store).items() if k in "abc"} == {"a": "4", "b": "2"}


def test_rawsql_writes_run_before_a_sqlalchemy_statement(store: Store) -> None:
    with store.write() as conn:
        RawSql(conn).run(_INSERT, ("a", "1"))
        found = conn.execute(select(meta.c.value).where(meta.c.key == "a")).scalar()
        conn.execute(meta.update().where(meta.c.key == "a").values(value="2"))
        RawSql(conn).run("UPDATE meta SET value = value || '3' WHERE key = ?", ("a",))
    assert found == "1"
    assert _meta(store)["a"] == "23"  # the last write went with the commit


def test_rawsql_failing_write_raises_and_nothing_is_committed(store: Store) -> None:
    with pytest.raises(IntegrityError), store.write() as conn:
        RawSql(conn).run(_INSERT, ("a", "1"))
        RawSql(conn).run(_INSERT, ("a", "2"))  # the same key: refused, now or with the commit
    assert "a" not in _meta(store)
    with store.write() as conn:  # the pool's connection is usable again, deferring afresh
        RawSql(conn).run(_INSERT, ("b", "1"))
    assert _meta(store)["b"] == "1"


def test_rawsql_writes_of_a_failed_transaction_are_dropped(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        RawSql(conn).run(_INSERT, ("a", "1"))
        raise RuntimeError("the projection failed")
    with store.write() as conn:
        RawSql(conn).run(_INSERT, ("b", "1"))
    assert "a" not in _meta(store)
    assert _meta(store)["b"] == "1"


def test_rawsql_runs_at_once_outside_write_transactions(store: Store) -> None:
    with store.engine.begin() as conn:  # not a store write: nothing waits for a commit hook
        RawSql(conn).run(_INSERT, ("a", "1"))
    assert _meta(store)["a"] == "1"
    with store.write() as conn:
        RawSql(conn).run(_INSERT, ("b", "1"))
    assert _meta(store)["b"] == "1"


def test_rawsql_all_of_answers_each_query_after_the_writes(store: Store) -> None:
    with store.write() as conn:
        sql = RawSql(conn)
        sql.many(_INSERT, [("a", "1"), ("b", "2")])
        answers = sql.all_of(
            [
                ("SELECT value FROM meta WHERE key = ?", ("a",)),
                ("SELECT key FROM meta WHERE key IN (?, ?) ORDER BY key", ("a", "b")),
                ("SELECT value FROM meta WHERE key = ?", ("none",)),
            ]
        )
        assert sql.all_of([("SELECT value FROM meta WHERE key = ?", ("b",))]) == [[("2",)]]
    assert answers == [[("1",)], [("a",), ("b",)], []]
    with store.read() as conn:  # outside a write transaction too
        assert RawSql(conn).all_of(
            [("SELECT value FROM meta WHERE key = ?", (k,)) for k in "ab"]
        ) == [[("1",)], [("2",)]]
