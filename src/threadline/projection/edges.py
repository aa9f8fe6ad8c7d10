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

from threadline.projection.context import Ctx

FULL_STATEMENT_KINDS = ("job_event", "dataset_event")
Key = tuple[int, int, str]


def _io_key(asserter: int, dataset: int, direction: str) -> Key:
    return (dataset, asserter, "input") if direction == "in" else (asserter, dataset, "output")


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _in_list(ids: list[int]) -> str:
    return _marks(len(ids))


def _listings(
    ctx: Ctx, asserter: int, since: int | None, runs_in: list[int] | None = None
) -> list[tuple[int, str, Key]]:
    """Return (time, run uuid, key) of the edge listings of some runs, or of an asserter.

    With ``runs_in``, every listing of those runs; otherwise every listing of the
    asserter bound at or after ``since``.
    """
    if runs_in is not None:
        io_where, edge_where = (
            f"io.run_id IN ({_in_list(runs_in)})",
            f"re.run_id IN ({_in_list(runs_in)})",
        )
        params: tuple[Any, ...] = tuple(runs_in)
    else:
        io_where, edge_where = (
            "io.asserter = ? AND io.bound_us >= ?",
            "re.asserter = ? AND re.bound_us >= ?",
        )
        params = (asserter, since)
    found: list[tuple[int, str, Key]] = []
    for bound, uuid, dataset, direction in ctx.sql.all(
        "SELECT io.bound_us, r.uuid, io.dataset_id, io.direction FROM run_io io "
        f"JOIN runs r ON r.id = io.run_id WHERE {io_where}",
        params,
    ):
        found.append((int(bound), str(uuid), _io_key(asserter, int(dataset), str(direction))))
    for bound, uuid, src, dst, kind in ctx.sql.all(
        "SELECT re.bound_us, r.uuid, re.src, re.dst, re.kind FROM run_edges re "
        f"JOIN runs r ON r.id = re.run_id WHERE {edge_where}",
        params,
    ):
        found.append((int(bound), str(uuid), (int(src), int(dst), str(kind))))
    return found


def _statements(ctx: Ctx, asserter: int, since: int) -> list[tuple[int, str, set[Key]]]:
    """Return (time, run uuid, full key set) of every full statement at or after ``since``."""
    rows = ctx.sql.all(
        "SELECT id, uuid, kind, ended_us, start_us FROM runs WHERE asserter_id = ? AND "
        "((kind = 'run' AND state = 'COMPLETE' AND ended_us >= ?) "
        f"OR (kind IN ({_marks(len(FULL_STATEMENT_KINDS))}) AND start_us >= ?))",
        (asserter, since, *FULL_STATEMENT_KINDS, since),
    )
    if not rows:
        return []
    when = {
        int(run): (int(ended if kind == "run" else started), str(uuid))
        for run, uuid, kind, ended, started in rows
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
    """Have the asserter's edges recomputed from time ``since`` on, when the batch is done.

    Nothing in the projection reads ``edges``, and a sweep from the earliest time any
    event of the batch asked for gives the edges that one sweep per event would.
    """
    ctx.touch("asserter", asserter)
    known = ctx.sweeps.get(asserter)
    ctx.sweeps[asserter] = since if known is None else min(known, since)


def flush_sweeps(ctx: Ctx) -> None:
    """Run the sweeps the events of the batch asked for."""
    for asserter, since in ctx.sweeps.items():
        _sweep(ctx, asserter, since)
    ctx.sweeps.clear()


def _sweep(ctx: Ctx, asserter: int, since: int) -> None:
    """Recompute the asserter's edges from time ``since`` onwards."""
    ctx.sql.run("DELETE FROM edges WHERE asserter = ? AND valid_from_us >= ?", (asserter, since))
    ctx.sql.run(
        "UPDATE edges SET valid_to_us = NULL, to_run = NULL "
        "WHERE asserter = ? AND valid_to_us >= ?",
        (asserter, since),
    )
    open_edges: dict[Key, int | dict[str, Any]] = {
        (src, dst, kind): int(edge)
        for edge, src, dst, kind in ctx.sql.all(
            "SELECT id, src, dst, kind FROM edges WHERE asserter = ? AND valid_to_us IS NULL",
            (asserter,),
        )
    }
    # Listings open edges; at the same time, listings come before a full statement.
    timeline: list[tuple[int, int, str, Any]] = [
        (t, 0, uuid, {key}) for t, uuid, key in _listings(ctx, asserter, since)
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
    ctx.sql.many(
        "UPDATE edges SET valid_to_us = ?, to_run = ? WHERE id = ?",
        [(t, uuid, edge_id) for edge_id, t, uuid in closed],
    )
    # An edge opened and retired at the same instant was never valid: it is not kept.
    lasting = [
        e for e in opened if e["valid_to_us"] is None or e["valid_to_us"] > e["valid_from_us"]
    ]
    ctx.sql.many(
        "INSERT INTO edges (src, dst, kind, asserter, valid_from_us, from_run, valid_to_us, "
        "to_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                e["src"],
                e["dst"],
                e["kind"],
                asserter,
                e["valid_from_us"],
                e["from_run"],
                e["valid_to_us"],
                e["to_run"],
            )
            for e in lasting
        ],
    )
