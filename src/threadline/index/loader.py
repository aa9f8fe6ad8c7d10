"""Read the projections into index arrays: all at once, or only what the change feed names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Column, Connection, Select, case, func, select

from threadline.index.graph import OPEN, Edge
from threadline.store.codec import ident
from threadline.store.log import head_seq
from threadline.store.rawsql import RawSql
from threadline.store.tables import (
    changes,
    dataset_fields,
    dataset_versions,
    datasets,
    edges,
    jobs,
    meta,
    run_io,
    runs,
)

EDGE_KINDS = {
    "input": 1,
    "output": 2,
    "derived": 3,
    "job": 4,
    "rename": 5,
    "column": 6,
    "column_dataset": 7,
    "read": 8,
    "wrote": 9,
}
KIND_NAMES = {code: name for name, code in EDGE_KINDS.items()}
COLUMN_CODES = frozenset({6, 7})
NODE_DATASET, NODE_JOB, NODE_FIELD = 1, 2, 3
STATE_CODES = {None: 0, "START": 1, "RUNNING": 2, "OTHER": 3, "COMPLETE": 4, "FAIL": 5, "ABORT": 6}
CHUNK = 900
NodeRow = tuple[int, int, str, int, bool, bool, int]
VersionRow = tuple[int, int, int, bool]
RunRow = tuple[int, int, int, int]


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    """Split ids into chunks small enough for an IN (...) list on both dialects."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def fetch(
    conn: Connection,
    query: Select[Any],
    column: Column[Any] | None = None,
    ids: Sequence[int] | None = None,
) -> list[Any]:
    """Return the rows of a query; with ``ids``, only rows whose ``column`` is among them."""
    if ids is None or column is None:
        return list(conn.execute(query).all())  # one fetchall: much faster than row by row
    found: list[Any] = []
    for chunk in chunks(ids):
        found.extend(conn.execute(query.where(column.in_(chunk))).all())
    return found


def epoch(conn: Connection) -> str:
    """Return the projection epoch (it changes on every rebuild)."""
    query = select(meta.c.value).where(meta.c.key == "projection_epoch")
    return str(conn.execute(query).scalar() or "")


def head(conn: Connection) -> int:
    """Return the newest sequence number whose projection is committed."""
    return head_seq(conn)


def head_and_epoch(conn: Connection) -> tuple[int, str]:
    """Return ``head`` and ``epoch`` in one statement on the driver's cursor (every query asks)."""
    row = RawSql(conn).first(
        "SELECT (SELECT seq FROM log_head WHERE id = 1),"
        " (SELECT value FROM meta WHERE key = 'projection_epoch')"
    )
    seq, value = row if row is not None else (None, None)
    return int(seq or 0), str(value or "")


def load_edges(conn: Connection, asserters: Sequence[int] | None = None) -> list[Edge]:
    """Return lineage edges (of the given asserters, or all), grouped by asserter."""
    e = edges.c
    code = case(*((e.kind == name, value) for name, value in EDGE_KINDS.items()), else_=0)
    query = select(
        e.src, e.dst, code, e.valid_from_us, func.coalesce(e.valid_to_us, OPEN), e.asserter
    )
    return [Edge(*row) for row in fetch(conn, query, e.asserter, asserters)]


def load_renames(
    conn: Connection, dataset_ids: Sequence[int] | None = None
) -> dict[int, list[Edge]]:
    """Return rename edges (previous dataset -> renamed dataset), grouped by -renamed id."""
    d = datasets.c
    query = select(d.id, d.previous_namespace, d.previous_name, d.renamed_us).where(
        d.previous_name.is_not(None)
    )
    rows = fetch(conn, query, d.id, dataset_ids)
    groups: dict[int, list[Edge]] = {-int(i): [] for i in dataset_ids or []}
    renamed = {ident(r.previous_namespace, r.previous_name): r for r in rows}
    for old in fetch(conn, select(d.id, d.ident), d.ident, list(renamed)):  # type: ignore[arg-type]
        row = renamed[old.ident]
        edge = Edge(
            int(old.id),
            int(row.id),
            EDGE_KINDS["rename"],
            int(row.renamed_us or 0),
            OPEN,
            -int(row.id),
        )
        groups.setdefault(-int(row.id), []).append(edge)
    return groups


def load_version_edges(conn: Connection, run_ids: Sequence[int] | None = None) -> list[Edge]:
    """Return version-level edges: version (2v) -> run (2r+1) read, run -> version wrote."""
    io = run_io.c
    query = select(io.run_id, io.version_id, io.direction, io.bound_us).where(
        io.version_id.is_not(None)
    )
    found = []
    for row in fetch(conn, query, io.run_id, run_ids):
        run_node, version_node = 2 * int(row.run_id) + 1, 2 * int(row.version_id)
        if row.direction == "in":
            kind, src, dst = EDGE_KINDS["read"], version_node, run_node
        else:
            kind, src, dst = EDGE_KINDS["wrote"], run_node, version_node
        found.append(Edge(src, dst, kind, int(row.bound_us), OPEN, int(row.run_id)))
    return found


def runs_reading(conn: Connection, dataset_id: int, since_us: int) -> list[int]:
    """Return the runs that read a dataset at or after a time (their bindings may have moved)."""
    io = run_io.c
    query = select(io.run_id).where(
        io.dataset_id == dataset_id, io.direction == "in", io.bound_us >= since_us
    )
    return [int(row.run_id) for row in fetch(conn, query)]


def load_changes(
    conn: Connection, after: int, upto: int
) -> dict[str, list[tuple[int, int | None]]]:
    """Return what the projection of log entries (after, upto] touched, by kind."""
    c = changes.c
    found: dict[str, set[tuple[int, int | None]]] = defaultdict(set)
    query = select(c.kind, c.ref, c.since_us).where(c.seq > after, c.seq <= upto)
    for row in fetch(conn, query):
        found[str(row.kind)].add((int(row.ref), row.since_us))
    return {kind: sorted(refs, key=lambda r: (r[0], r[1] or 0)) for kind, refs in found.items()}


def group(edges_: Iterable[Edge], wanted: Iterable[int] = ()) -> dict[int, list[Edge]]:
    """Group edges by their group; every wanted group is present (maybe empty)."""
    grouped: dict[int, list[Edge]] = {g: [] for g in wanted}
    for edge in edges_:
        grouped.setdefault(edge.group, []).append(edge)
    return grouped


def node_rows(conn: Connection, node_ids: Sequence[int]) -> list[NodeRow]:
    """Return (id, type, semantic kind, namespace id, hidden, deleted, dataset of field)."""
    d, j, f = datasets.c, jobs.c, dataset_fields.c
    rows: list[NodeRow] = [
        (
            int(r.id),
            NODE_DATASET,
            r.kind,
            int(r.namespace_id),
            bool(r.is_hidden),
            bool(r.is_deleted),
            -1,
        )
        for r in fetch(
            conn, select(d.id, d.kind, d.namespace_id, d.is_hidden, d.is_deleted), d.id, node_ids
        )
    ]
    rows += [
        (int(r.id), NODE_JOB, r.kind, int(r.namespace_id), bool(r.is_hidden), False, -1)
        for r in fetch(conn, select(j.id, j.kind, j.namespace_id, j.is_hidden), j.id, node_ids)
    ]
    rows += [
        (int(r.id), NODE_FIELD, "field", -1, False, False, int(r.dataset_id))
        for r in fetch(conn, select(f.id, f.dataset_id), f.id, node_ids)
    ]
    return rows


def version_rows(
    conn: Connection,
    *,
    dataset_ids: Sequence[int] | None = None,
    version_ids: Sequence[int] | None = None,
) -> list[VersionRow]:
    """Return (version id, dataset id, created, implicit) of versions (all, or some)."""
    v = dataset_versions.c
    query = select(v.id, v.dataset_id, v.created_us, v.implicit)
    column, ids = (v.id, version_ids) if version_ids is not None else (v.dataset_id, dataset_ids)
    return [
        (int(r.id), int(r.dataset_id), int(r.created_us), bool(r.implicit))
        for r in fetch(conn, query, column, ids)
    ]


def run_rows(conn: Connection, run_ids: Sequence[int] | None = None) -> list[RunRow]:
    """Return (run id, job id, start time, state code) of runs."""
    r = runs.c
    query = select(
        r.id,
        func.coalesce(r.job_id, -1).label("job"),
        func.coalesce(r.start_us, OPEN).label("start"),
        r.state,
    )
    return [
        (int(row.id), int(row.job), int(row.start), STATE_CODES.get(row.state, 3))
        for row in fetch(conn, query, r.id, run_ids)
    ]


def grow(array: np.ndarray, size: int, fill: int) -> np.ndarray:
    """Return the array grown to at least ``size`` entries (new ones set to ``fill``)."""
    if array.size >= size:
        return array
    grown = np.full(max(size, array.size * 2), fill, dtype=array.dtype)
    grown[: array.size] = array
    return grown
