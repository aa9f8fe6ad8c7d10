"""The projection context's multi-row writes give what one statement per row gives."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from threadline.projection.context import Ctx
from threadline.projection.entities import job_id
from threadline.store import Store
from threadline.store.tables import changes, job_facets

KEY = ["job_id", "name"]


def _facet_row(job: int, facet: str, t: int, key: str) -> dict[str, object]:
    return {
        "job_id": job,
        "name": "sql",
        "facet": facet,
        "event_time_us": t,
        "event_key": key,
        "deleted": False,
    }


@pytest.mark.parametrize("newest_first", [False, True])
def test_upsert_latest_with_a_key_twice_keeps_the_newest(store: Store, newest_first: bool) -> None:
    with store.write() as conn:
        ctx = Ctx(conn)
        job = job_id(ctx, "ns", "job", 1)
        rows = [_facet_row(job, "old", 1, "a"), _facet_row(job, "new", 2, "b")]
        ctx.upsert_latest(job_facets, rows[::-1] if newest_first else rows, KEY, ["facet"])
        ctx.upsert_latest(job_facets, [_facet_row(job, "older", 0, "c")], KEY, ["facet"])
    with store.read() as conn:
        found = conn.execute(select(job_facets.c.facet, job_facets.c.event_time_us)).all()
    assert [tuple(r) for r in found] == [("new", 2)]


def test_insert_values_chunks_rows_and_keeps_all_null_columns(store: Store) -> None:
    rows = [(7, "node", ref, None) for ref in range(600)]  # more rows than one statement holds
    with store.write() as conn:
        Ctx(conn).insert_values(changes, ("seq", "kind", "ref", "since_us"), rows)
    with store.read() as conn:
        found = conn.execute(select(changes).order_by(changes.c.ref)).all()
    assert [tuple(r) for r in found] == rows
