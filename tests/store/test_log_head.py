"""The head of an empty log: writers racing to create it both get in, one after the other."""

from __future__ import annotations

import threading

import orjson
from sqlalchemy import select

from tests.events import RunState, run_event
from threadline.model import ParsedEvent
from threadline.openlineage import parse_event
from threadline.projection import project
from threadline.store import Store
from threadline.store.log import append, lock_head
from threadline.store.tables import log_head


def _parsed(minute: int) -> ParsedEvent:
    value = run_event(RunState.COMPLETE, minute)
    return parse_event(value, orjson.dumps(value))


def test_writers_racing_for_the_head_of_an_empty_log_both_append(store: Store) -> None:
    with store.read() as conn:
        assert conn.execute(select(log_head)).first() is None  # a fresh log has no head yet
    done: list[object] = []
    other = threading.Thread(
        target=lambda: done.append(store.ingest([_parsed(2)], 2, project)), daemon=True
    )
    with store.write() as conn:  # takes the head lock, creating the head (not committed)
        assert lock_head(conn) == (0, "0" * 64)
        other.start()  # the other writer finds no committed head and tries to create it
        other.join(timeout=1)
        assert other.is_alive()  # it waits for this transaction's head
        append(conn, [_parsed(1)], 1)
    other.join(timeout=60)
    assert [outcome.seq for outcome in done[0]] == [2]  # type: ignore[attr-defined]
    report = store.verify()
    assert (report.checked, report.broken) == (2, None)
