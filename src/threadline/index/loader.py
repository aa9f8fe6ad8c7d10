"""Read the projections into index arrays: all at once, or only what the change feed names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, case, func, select

from threadline.index.graph import OPEN, Edge
from threadline.store.codec import ident
from threadline.store.log import head_seq
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


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    """Split ids into chunks small enough for an IN (...) list on both dialects."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def epoch(conn: Connection) -> str:
    """Return the projection epoch (it changes on every rebuild)."""
    return str(
        conn.execute(select(meta.c.value).where(meta.c.key == "projection_epoch")).scalar() or ""
    )


def head(conn: Connection) -> int:
    """Return the newest sequence number whose projection is committed."""
    return head_seq(conn)


def _edge_query() -> Any:
    e = edges.c
    code = case(*((e.kind == name, value) for name, value in EDGE_KINDS.items()), else_=0)
    return select(
        e.src, e.dst, code, e.valid_from_us, func.coalesce(e.valid_to_us, OPEN), e.asserter
    )


def load_edges(conn: Connection, asserters: Sequence[int] | None = None) -> list[Edge]:
    """Return lineage edges (of the given asserters, or all), grouped by asserter."""
    query = _edge_query()
    if asserters is None:
        return [Edge(*row) for row in conn.execute(query)]
    found: list[Edge] = []
    for chunk in chunks(asserters):
        found.extend(Edge(*row) for row in conn.execute(query.where(edges.c.asserter.in_(chunk))))
    return found


def load_renames(
    conn: Connection, dataset_ids: Sequence[int] | None = None
) -> dict[int, list[Edge]]:
    """Return rename edges (previous dataset -> renamed dataset), grouped by -renamed id."""
    d = datasets.c
    query = select(d.id, d.previous_namespace, d.previous_name, d.renamed_us).where(
        d.previous_name.is_not(None)
    )
    rows = []
    if dataset_ids is None:
        rows = list(conn.execute(query))
    else:
        for chunk in chunks(dataset_ids):
            rows.extend(conn.execute(query.where(d.id.in_(chunk))))
    groups: dict[int, list[Edge]] = {-int(i): [] for i in dataset_ids or []}
    idents = {ident(r.previous_namespace, r.previous_name): r for r in rows}
    for chunk in chunks(list(idents)):
        for old_id, key in conn.execute(select(d.id, d.ident).where(d.ident.in_(chunk))):
            row = idents[key]
            groups.setdefault(-int(row.id), []).append(
                Edge(
                    int(old_id),
                    int(row.id),
                    EDGE_KINDS["rename"],
                    int(row.renamed_us or 0),
                    OPEN,
                    -int(row.id),
                )
            )
    return groups


def load_version_edges(conn: Connection, run_ids: Sequence[int] | None = None) -> list[Edge]:
    """Return version-level edges: version (2v) -> run (2r+1) read, run -> version wrote."""
    io = run_io.c
    query = select(io.run_id, io.version_id, io.direction, io.bound_us).where(
        io.version_id.is_not(None)
    )
    rows: list[Any] = []
    if run_ids is None:
        rows = list(conn.execute(query))
    else:
        for chunk in chunks(run_ids):
            rows.extend(conn.execute(query.where(io.run_id.in_(chunk))))
    found = []
    for run_id, version_id, direction, bound in rows:
        run_node, version_node = 2 * int(run_id) + 1, 2 * int(version_id)
        if direction == "in":
            found.append(
                Edge(version_node, run_node, EDGE_KINDS["read"], int(bound), OPEN, int(run_id))
            )
        else:
            found.append(
                Edge(run_node, version_node, EDGE_KINDS["wrote"], int(bound), OPEN, int(run_id))
            )
    return found


def runs_reading(conn: Connection, dataset_id: int, since_us: int) -> list[int]:
    """Return the runs that read a dataset at or after a time (their bindings may have moved)."""
    io = run_io.c
    return [
        int(r)
        for r in conn.execute(
            select(io.run_id).where(
                io.dataset_id == dataset_id, io.direction == "in", io.bound_us >= since_us
            )
        ).scalars()
    ]


def load_changes(
    conn: Connection, after: int, upto: int
) -> dict[str, list[tuple[int, int | None]]]:
    """Return what the projection of log entries (after, upto] touched, by kind."""
    c = changes.c
    found: dict[str, set[tuple[int, int | None]]] = defaultdict(set)
    for kind, ref, since in conn.execute(
        select(c.kind, c.ref, c.since_us).where(c.seq > after, c.seq <= upto)
    ):
        found[kind].add((int(ref), since))
    return {kind: sorted(refs, key=lambda r: (r[0], r[1] or 0)) for kind, refs in found.items()}


def group(edges_: Iterable[Edge], wanted: Iterable[int] = ()) -> dict[int, list[Edge]]:
    """Group edges by their group; every wanted group is present (maybe empty)."""
    grouped: dict[int, list[Edge]] = {g: [] for g in wanted}
    for edge in edges_:
        grouped.setdefault(edge.group, []).append(edge)
    return grouped


def node_rows(
    conn: Connection, node_ids: Sequence[int] | None = None
) -> list[tuple[int, int, str, int, bool, bool, int]]:
    """Return (id, type, semantic kind, namespace id, hidden, deleted, dataset of field)."""
    d, j, f = datasets.c, jobs.c, dataset_fields.c
    queries = [
        select(d.id, d.kind, d.namespace_id, d.is_hidden, d.is_deleted),
        select(j.id, j.kind, j.namespace_id, j.is_hidden),
        select(f.id, f.dataset_id),
    ]
    wanted = (
        [queries[0].where(d.id.in_(c)) for c in chunks(node_ids)]
        if node_ids is not None
        else [queries[0]]
    )
    rows: list[tuple[int, int, str, int, bool, bool, int]] = []
    for q in wanted:
        rows.extend(
            (
                int(r.id),
                NODE_DATASET,
                r.kind,
                int(r.namespace_id),
                bool(r.is_hidden),
                bool(r.is_deleted),
                -1,
            )
            for r in conn.execute(q)
        )
    wanted = (
        [queries[1].where(j.id.in_(c)) for c in chunks(node_ids)]
        if node_ids is not None
        else [queries[1]]
    )
    for q in wanted:
        rows.extend(
            (int(r.id), NODE_JOB, r.kind, int(r.namespace_id), bool(r.is_hidden), False, -1)
            for r in conn.execute(q)
        )
    wanted = (
        [queries[2].where(f.id.in_(c)) for c in chunks(node_ids)]
        if node_ids is not None
        else [queries[2]]
    )
    for q in wanted:
        rows.extend(
            (int(r.id), NODE_FIELD, "field", -1, False, False, int(r.dataset_id))
            for r in conn.execute(q)
        )
    return rows


def version_rows(
    conn: Connection, dataset_ids: Sequence[int] | None = None
) -> list[tuple[int, int, int, bool]]:
    """Return (version id, dataset id, created, implicit) of versions."""
    v = dataset_versions.c
    query = select(v.id, v.dataset_id, v.created_us, v.implicit)
    if dataset_ids is None:
        return [(int(a), int(b), int(c), bool(i)) for a, b, c, i in conn.execute(query)]
    out: list[tuple[int, int, int, bool]] = []
    for chunk in chunks(dataset_ids):
        out.extend(
            (int(a), int(b), int(c), bool(i))
            for a, b, c, i in conn.execute(query.where(v.dataset_id.in_(chunk)))
        )
    return out


def run_rows(
    conn: Connection, run_ids: Sequence[int] | None = None
) -> list[tuple[int, int, int, int]]:
    """Return (run id, job id, start time, state code) of runs with events."""
    r = runs.c
    query = select(r.id, func.coalesce(r.job_id, -1), func.coalesce(r.start_us, OPEN), r.state)
    rows: list[Any] = []
    if run_ids is None:
        rows = list(conn.execute(query))
    else:
        for chunk in chunks(run_ids):
            rows.extend(conn.execute(query.where(r.id.in_(chunk))))
    return [(int(a), int(b), int(c), STATE_CODES.get(s, 3)) for a, b, c, s in rows]


def grow(array: np.ndarray, size: int, fill: int) -> np.ndarray:
    """Return the array grown to at least ``size`` entries (new ones set to ``fill``)."""
    if array.size >= size:
        return array
    grown = np.full(max(size, array.size * 2), fill, dtype=array.dtype)
    grown[: array.size] = array
    return grown
