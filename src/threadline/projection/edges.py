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
from threadline.store.rawsql import BINARY_ARRAY
from threadline.store.tables import edges

FULL_STATEMENT_KINDS = ("job_event", "dataset_event")
Key = tuple[int, int, str]


def _io_key(asserter: int, dataset: int, direction: str) -> Key:
    return (dataset, asserter, "input") if direction == "in" else (asserter, dataset, "output")


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _in_list(ids: list[int]) -> str:
    return _marks(len(ids))


Listing = tuple[int, str, Key]
"""(time, run uuid, edge key) of one edge a run listed."""

_CHUNK = 300
"""Asserters swept per group of statements (within SQLite's parameter limit)."""


def _listing(row: tuple[Any, ...], asserter: int) -> Listing:
    """Return the listing of a row of ``_LISTINGS``: a run_io row or a run_edges row."""
    table, bound, uuid, first, second, kind = row[:6]
    if table == "io":
        return int(bound), str(uuid), _io_key(asserter, int(first), str(kind))
    return int(bound), str(uuid), (int(first), int(second), str(kind))


# A run's listings: its inputs and outputs, and the edges it asserted, in one statement
# (``{io}`` and ``{re}`` are the conditions on each table).
_LISTINGS = (
    "SELECT 'io', io.bound_us, r.uuid, io.dataset_id, 0, io.direction, io.asserter, io.run_id "
    "FROM run_io io JOIN runs r ON r.id = io.run_id WHERE {io} UNION ALL "
    "SELECT 're', re.bound_us, r.uuid, re.src, re.dst, re.kind, re.asserter, re.run_id "
    "FROM run_edges re JOIN runs r ON r.id = re.run_id WHERE {re}"
)


Query = tuple[str, tuple[Any, ...]]


def _listings_since(since: dict[int, int]) -> Query:
    """Select the asserters' edge listings bound at or after the earliest ``since``."""
    ids = list(since)
    earliest = min(since.values())  # the earliest bound for all, then each its own
    query = _LISTINGS.format(
        io=f"io.asserter IN ({_in_list(ids)}) AND io.bound_us >= ?",
        re=f"re.asserter IN ({_in_list(ids)}) AND re.bound_us >= ?",
    )
    return query, (*ids, earliest, *ids, earliest)


def _listings_by_asserter(
    rows: list[tuple[Any, ...]], since: dict[int, int]
) -> dict[int, list[Listing]]:
    """Return each asserter's listings bound at or after its own ``since``."""
    found: dict[int, list[Listing]] = {a: [] for a in since}
    for row in rows:
        asserter = int(row[6])
        if row[1] >= since[asserter]:
            found[asserter].append(_listing(row, asserter))
    return found


def _full_runs(since: dict[int, int]) -> Query:
    """Select the runs that may be the asserters' full statements at or after ``since``."""
    ids = list(since)
    earliest = min(since.values())
    where = (
        f"asserter_id IN ({_in_list(ids)}) AND "
        "((kind = 'run' AND state = 'COMPLETE' AND ended_us >= ?) "
        f"OR (kind IN ({_marks(len(FULL_STATEMENT_KINDS))}) AND start_us >= ?))"
    )
    return where, (*ids, earliest, *FULL_STATEMENT_KINDS, earliest)


def _statement_runs(since: dict[int, int]) -> Query:
    where, params = _full_runs(since)
    return f"SELECT id, uuid, kind, ended_us, start_us, asserter_id FROM runs WHERE {where}", params


def _statement_listings(since: dict[int, int]) -> Query:
    """Select every listing of the runs ``_statement_runs`` selects."""
    where, params = _full_runs(since)
    runs_ = f"SELECT id FROM runs WHERE {where}"
    query = _LISTINGS.format(io=f"io.run_id IN ({runs_})", re=f"re.run_id IN ({runs_})")
    return query, (*params, *params)


def _statements(
    since: dict[int, int], runs_: list[tuple[Any, ...]], listed: list[tuple[Any, ...]]
) -> dict[int, list[tuple[int, str, set[Key]]]]:
    """Return each asserter's full statements at or after its ``since``.

    A statement is (time, run uuid, the full key set the run listed up to then).
    """
    when: dict[int, tuple[int, str]] = {}
    owner: dict[int, int] = {}
    for run, uuid, kind, ended, started, asserter in runs_:
        t = int(ended if kind == "run" else started)
        if t >= since[asserter]:
            when[int(run)], owner[int(run)] = (t, str(uuid)), int(asserter)
    keys: dict[int, set[Key]] = defaultdict(set)
    for row in listed:
        run = int(row[7])
        if run in owner:
            bound, _uuid, key = _listing(row, owner[run])
            if bound <= when[run][0]:
                keys[run].add(key)
    found: dict[int, list[tuple[int, str, set[Key]]]] = {a: [] for a in since}
    for run, (t, uuid) in when.items():
        found[owner[run]].append((t, uuid, keys[run]))
    return found


def resweep(ctx: Ctx, asserter: int, since: int) -> None:
    """Have the asserter's edges recomputed from time ``since`` on, when the batch is done.

    Nothing in the projection reads ``edges``, and a sweep from the earliest time any
    event of the batch asked for gives the edges that one sweep per event would.
    """
    ctx.touch("asserter", asserter)
    known = ctx.sweeps.get(asserter)
    ctx.sweeps[asserter] = since if known is None else min(known, since)


def flush_sweeps(ctx: Ctx) -> None:
    """Run the sweeps the events of the batch asked for, a few hundred asserters at a time."""
    asked = list(ctx.sweeps.items())
    ctx.sweeps.clear()
    for start in range(0, len(asked), _CHUNK):
        _sweep(ctx, dict(asked[start : start + _CHUNK]))


def _sweep(ctx: Ctx, since: dict[int, int]) -> None:
    """Recompute each asserter's edges from its time ``since`` onwards."""
    pairs = list(since.items())
    if ctx.dialect == "postgresql":  # one statement each for all the asserters
        asked = (
            f"unnest(CAST({BINARY_ARRAY} AS integer[]), CAST({BINARY_ARRAY} AS bigint[])) "
            "AS p(asserter, since)"
        )
        columns = [list(since), list(since.values())]
        ctx.sql.run(
            f"DELETE FROM edges USING {asked} "
            "WHERE edges.asserter = p.asserter AND edges.valid_from_us >= p.since",
            columns,
        )
        ctx.sql.run(
            f"UPDATE edges SET valid_to_us = NULL, to_run = NULL FROM {asked} "
            "WHERE edges.asserter = p.asserter AND edges.valid_to_us >= p.since",
            columns,
        )
    else:
        ctx.sql.many("DELETE FROM edges WHERE asserter = ? AND valid_from_us >= ?", pairs)
        ctx.sql.many(
            "UPDATE edges SET valid_to_us = NULL, to_run = NULL "
            "WHERE asserter = ? AND valid_to_us >= ?",
            pairs,
        )
    # What the sweep reads does not depend on itself: one round trip (PostgreSQL) for all.
    open_rows, listed, runs_, statement_listed = ctx.sql.all_of(
        [
            (
                "SELECT id, src, dst, kind, asserter FROM edges "
                f"WHERE asserter IN ({_in_list(list(since))}) AND valid_to_us IS NULL",
                tuple(since),
            ),
            _listings_since(since),
            _statement_runs(since),
            _statement_listings(since),
        ]
    )
    open_edges: dict[int, dict[Key, int | dict[str, Any]]] = {a: {} for a in since}
    for edge, src, dst, kind, asserter in open_rows:
        open_edges[asserter][(src, dst, kind)] = int(edge)
    listings = _listings_by_asserter(listed, since)
    statements = _statements(since, runs_, statement_listed)
    closed: list[tuple[int, int, str]] = []
    lasting: list[tuple[Any, ...]] = []
    for asserter in since:
        timeline: list[tuple[int, int, str, Any]] = [
            (t, 0, uuid, {key}) for t, uuid, key in listings[asserter]
        ]
        timeline += [(t, 1, uuid, keys) for t, uuid, keys in statements[asserter]]
        _replay(asserter, timeline, open_edges[asserter], closed, lasting)
    ctx.update_rows(
        edges, ("valid_to_us", "to_run"), [(t, uuid, edge_id) for edge_id, t, uuid in closed]
    )
    ctx.insert_values(
        edges,
        ("src", "dst", "kind", "asserter", "valid_from_us", "from_run", "valid_to_us", "to_run"),
        lasting,
    )


def _replay(
    asserter: int,
    timeline: list[tuple[int, int, str, Any]],
    open_edges: dict[Key, int | dict[str, Any]],
    closed: list[tuple[int, int, str]],
    lasting: list[tuple[Any, ...]],
) -> None:
    """Replay one asserter's listings and statements over its open edges.

    Appends (edge id, time, run) of open edges retired to ``closed`` and the rows of new
    edges to ``lasting``.
    """
    # Listings open edges; at the same time, listings come before a full statement.
    timeline.sort(key=lambda item: (item[0], item[1], item[2], sorted(item[3])))
    opened: list[dict[str, Any]] = []
    for t, full, uuid, keys in timeline:
        for key in keys:
            if key not in open_edges:
                fresh = {"key": key, "valid_from_us": t, "from_run": uuid, "valid_to_us": None}
                fresh["to_run"] = None
                open_edges[key] = fresh
                opened.append(fresh)
        if full and keys:
            for key in [k for k in open_edges if k not in keys]:
                edge = open_edges.pop(key)
                if isinstance(edge, dict):
                    edge["valid_to_us"], edge["to_run"] = t, uuid
                else:
                    closed.append((edge, t, uuid))
    # An edge opened and retired at the same instant was never valid: it is not kept.
    lasting += [
        (*e["key"], asserter, e["valid_from_us"], e["from_run"], e["valid_to_us"], e["to_run"])
        for e in opened
        if e["valid_to_us"] is None or e["valid_to_us"] > e["valid_from_us"]
    ]
