"""Maintain lineage edges with validity intervals, dated by the events that assert them.

Every event asserts edges for an *asserter* (the job of a run, or the entity a static
JobEvent or DatasetEvent declares lineage for):

- an event listing a dataset (or a column-lineage or lineage-facet edge) opens that edge at
  the event's time, if it is not open already — failed, aborted and running runs add edges;
- a COMPLETE event is the run's full statement: at its time it opens every edge the run
  listed up to then and retires every other open edge of the asserter; a JobEvent or a
  DatasetEvent with lineage is a full statement too. A statement that names no edge at all
  retires nothing (an extractor that found no datasets is not evidence).

Lineage *as of* T is then exactly what the events up to T said, so replaying only those
events gives the same graph. Events may arrive in any order: each one re-sweeps the
asserter's history from its own time, which equals an in-order replay.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from threadline.projection.context import Ctx
from threadline.store.tables import edges, run_edges, run_io, runs

E, R = edges.c, runs.c
FULL_STATEMENT_KINDS = ("job_event", "dataset_event")
Key = tuple[int, int, str]


def _io_key(asserter: int, dataset: int, direction: str) -> Key:
    return (dataset, asserter, "input") if direction == "in" else (asserter, dataset, "output")


def _listings(
    ctx: Ctx, asserter: int, where: Any, runs_in: list[int] | None = None
) -> list[tuple[int, str, Key]]:
    """Return (time, run uuid, key) for every edge listing matching ``where``."""
    io, re_ = run_io.c, run_edges.c
    found: list[tuple[int, str, Key]] = []
    io_query = select(io.bound_us, R.uuid, io.dataset_id, io.direction).join(
        runs, R.id == io.run_id
    )
    edge_query = select(re_.bound_us, R.uuid, re_.src, re_.dst, re_.kind).join(
        runs, R.id == re_.run_id
    )
    if runs_in is not None:
        io_query = io_query.where(io.run_id.in_(runs_in))
        edge_query = edge_query.where(re_.run_id.in_(runs_in))
    else:
        io_query = io_query.where(io.asserter == asserter, where(io.bound_us))
        edge_query = edge_query.where(re_.asserter == asserter, where(re_.bound_us))
    for row in ctx.conn.execute(io_query):
        key = _io_key(asserter, int(row.dataset_id), str(row.direction))
        found.append((int(row.bound_us), str(row.uuid), key))
    for row in ctx.conn.execute(edge_query):
        found.append(
            (int(row.bound_us), str(row.uuid), (int(row.src), int(row.dst), str(row.kind)))
        )
    return found


def _statements(ctx: Ctx, asserter: int, since: int) -> list[tuple[int, str, set[Key]]]:
    """Return (time, run uuid, full key set) of every full statement at or after ``since``."""
    rows = ctx.conn.execute(
        select(R.id, R.uuid, R.kind, R.ended_us, R.start_us).where(
            R.asserter_id == asserter,
            or_(
                and_(R.kind == "run", R.state == "COMPLETE", R.ended_us >= since),
                and_(R.kind.in_(FULL_STATEMENT_KINDS), R.start_us >= since),
            ),
        )
    ).all()
    if not rows:
        return []
    when = {
        int(r.id): (int(r.ended_us if r.kind == "run" else r.start_us), str(r.uuid)) for r in rows
    }
    keys: dict[str, set[Key]] = defaultdict(set)
    by_uuid = {uuid: t for t, uuid in when.values()}
    ids = list(when)
    for start in range(0, len(ids), 500):
        for bound, uuid, key in _listings(ctx, asserter, None, ids[start : start + 500]):
            if bound <= by_uuid[uuid]:
                keys[uuid].add(key)
    return [(t, uuid, keys[uuid]) for t, uuid in when.values()]


def resweep(ctx: Ctx, asserter: int, since: int) -> None:
    """Recompute the asserter's edges from time ``since`` onwards."""
    ctx.touch("asserter", asserter)
    ctx.conn.execute(delete(edges).where(E.asserter == asserter, E.valid_from_us >= since))
    ctx.conn.execute(
        update(edges)
        .where(E.asserter == asserter, E.valid_to_us >= since)
        .values(valid_to_us=None, to_run=None)
    )
    open_edges: dict[Key, int | dict[str, Any]] = {
        (row.src, row.dst, row.kind): int(row.id)
        for row in ctx.conn.execute(
            select(E.id, E.src, E.dst, E.kind).where(
                E.asserter == asserter, E.valid_to_us.is_(None)
            )
        )
    }
    # Listings open edges; at the same time, listings come before a full statement.
    timeline: list[tuple[int, int, str, Any]] = [
        (t, 0, uuid, {key}) for t, uuid, key in _listings(ctx, asserter, lambda c: c >= since)
    ]
    timeline += [(t, 1, uuid, keys) for t, uuid, keys in _statements(ctx, asserter, since)]
    timeline.sort(key=lambda item: (item[0], item[1], item[2], sorted(item[3])))
    opened: list[dict[str, Any]] = []
    closed: list[tuple[int, int, str]] = []
    for t, full, uuid, keys in timeline:
        for key in keys:
            if key not in open_edges:
                fresh = {
                    "src": key[0],
                    "dst": key[1],
                    "kind": key[2],
                    "asserter": asserter,
                    "valid_from_us": t,
                    "from_run": uuid,
                    "valid_to_us": None,
                    "to_run": None,
                }
                open_edges[key] = fresh
                opened.append(fresh)
        if full and keys:
            for key in [k for k in open_edges if k not in keys]:
                edge = open_edges.pop(key)
                if isinstance(edge, dict):
                    edge["valid_to_us"], edge["to_run"] = t, uuid
                else:
                    closed.append((edge, t, uuid))
    for edge_id, t, uuid in closed:
        ctx.conn.execute(update(edges).where(E.id == edge_id).values(valid_to_us=t, to_run=uuid))
    # An edge opened and retired at the same instant was never valid: it is not kept.
    lasting = [
        e for e in opened if e["valid_to_us"] is None or e["valid_to_us"] > e["valid_from_us"]
    ]
    if lasting:
        ctx.conn.execute(edges.insert(), lasting)
