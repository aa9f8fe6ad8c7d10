"""Maintain lineage edges with validity intervals from the assertions of runs.

Every run (and every static JobEvent or DatasetEvent with lineage) asserts a set of edges
at its position: its earliest event time, ties broken by run id. Sweeping an asserter's
runs in position order, an edge opens at the first run that asserts it and is retired at
the first later *complete* run (a COMPLETE run, or a static declaration) that does not.
Failed, aborted and still-running runs add edges but never retire them, and a run that
asserts nothing retires nothing (an extractor that found no datasets is not evidence).

Events may arrive in any order: the sweep restarts from the earliest position an event
changed, so the edges equal those of an in-order replay.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, or_, select, update

from threadline.projection.context import Ctx
from threadline.store.tables import edges, run_edges, run_io, runs

E = edges.c
R = runs.c
RETIRING_KINDS = ("job_event", "dataset_event")

Key = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a run sits in its asserter's history."""

    time_us: int
    run_uuid: str


def _at_or_after(
    time_col: ColumnElement[int], run_col: ColumnElement[str], pos: Position
) -> ColumnElement[bool]:
    return or_(time_col > pos.time_us, and_(time_col == pos.time_us, run_col >= pos.run_uuid))


def _run_keys(ctx: Ctx, run_ids: list[int], asserter: int) -> dict[int, set[Key]]:
    keys: dict[int, set[Key]] = {run_id: set() for run_id in run_ids}
    for start in range(0, len(run_ids), 500):
        chunk = run_ids[start : start + 500]
        io = run_io.c
        for row in ctx.conn.execute(
            select(io.run_id, io.dataset_id, io.direction).where(io.run_id.in_(chunk))
        ):
            if row.direction == "in":
                keys[row.run_id].add((row.dataset_id, asserter, "input"))
            else:
                keys[row.run_id].add((asserter, row.dataset_id, "output"))
        re_ = run_edges.c
        for row in ctx.conn.execute(
            select(re_.run_id, re_.src, re_.dst, re_.kind).where(re_.run_id.in_(chunk))
        ):
            keys[row.run_id].add((row.src, row.dst, row.kind))
    return keys


def resweep(ctx: Ctx, asserter: int, since: Position) -> None:
    """Recompute the asserter's edges from position ``since`` onwards."""
    ctx.touch("asserter", asserter)
    ctx.conn.execute(
        delete(edges).where(
            E.asserter == asserter, _at_or_after(E.valid_from_us, E.from_run, since)
        )
    )
    ctx.conn.execute(
        update(edges)
        .where(
            E.asserter == asserter,
            E.valid_to_us.is_not(None),
            _at_or_after(E.valid_to_us, E.to_run, since),
        )
        .values(valid_to_us=None, to_run=None)
    )
    open_edges: dict[Key, int | dict[str, object]] = {
        (row.src, row.dst, row.kind): int(row.id)
        for row in ctx.conn.execute(
            select(E.id, E.src, E.dst, E.kind).where(
                E.asserter == asserter, E.valid_to_us.is_(None)
            )
        )
    }
    later = ctx.conn.execute(
        select(R.id, R.uuid, R.start_us, R.state, R.kind)
        .where(
            R.asserter_id == asserter,
            R.start_us.is_not(None),
            _at_or_after(R.start_us, R.uuid, since),
        )
        .order_by(R.start_us, R.uuid)
    ).all()
    if not later:
        return
    keys = _run_keys(ctx, [int(row.id) for row in later], asserter)
    opened: list[dict[str, object]] = []
    closed: list[tuple[int, int, str]] = []
    for row in later:
        asserted = keys[int(row.id)]
        for key in asserted:
            if key not in open_edges:
                fresh: dict[str, object] = {
                    "src": key[0],
                    "dst": key[1],
                    "kind": key[2],
                    "asserter": asserter,
                    "valid_from_us": row.start_us,
                    "from_run": row.uuid,
                    "valid_to_us": None,
                    "to_run": None,
                }
                open_edges[key] = fresh
                opened.append(fresh)
        if asserted and (row.kind in RETIRING_KINDS or row.state == "COMPLETE"):
            for key in [k for k in open_edges if k not in asserted]:
                edge = open_edges.pop(key)
                if isinstance(edge, dict):
                    edge["valid_to_us"], edge["to_run"] = row.start_us, row.uuid
                else:
                    closed.append((edge, int(row.start_us), str(row.uuid)))
    for edge_id, t, run_uuid in closed:
        ctx.conn.execute(
            update(edges).where(E.id == edge_id).values(valid_to_us=t, to_run=run_uuid)
        )
    if opened:
        ctx.conn.execute(edges.insert(), opened)


def run_position(ctx: Ctx, run_id: int) -> Position | None:
    """Return a run's current position, or None if it has no events yet."""
    row = ctx.conn.execute(select(R.start_us, R.uuid).where(R.id == run_id)).first()
    if row is None or row.start_us is None:
        return None
    return Position(int(row.start_us), str(row.uuid))


__all__ = ["Position", "resweep", "run_position"]
