"""Orphans (datasets nobody reads or writes) and the diff of lineage between two times."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter, NotFound
from threadline.index import IndexState
from threadline.index.loader import EDGE_KINDS, KIND_NAMES, NODE_DATASET
from threadline.model import LineageEdge, NodeInfo, Resolved
from threadline.queries.edgesets import difference, valid_edges
from threadline.queries.hydrate import describe_entities
from threadline.queries.lineage import reach, start_for
from threadline.queries.options import QueryOptions
from threadline.refs import format_ref
from threadline.store.codec import loads
from threadline.store.tables import dataset_schemas, dataset_versions, datasets, namespaces

WRITE_KINDS = (EDGE_KINDS["output"], EDGE_KINDS["derived"], EDGE_KINDS["rename"])
READ_KINDS = (EDGE_KINDS["input"], EDGE_KINDS["derived"], EDGE_KINDS["rename"])


@dataclass(frozen=True, slots=True)
class OrphansResult:
    """Datasets without a known writer, without a reader, or without either."""

    as_of: int | None
    unwritten: tuple[NodeInfo, ...]
    unread: tuple[NodeInfo, ...]
    isolated: tuple[NodeInfo, ...]
    truncated: bool


def _namespace_ids(conn: Connection, names: frozenset[str]) -> set[int]:
    rows = conn.execute(select(namespaces.c.id).where(namespaces.c.name.in_(sorted(names))))
    return {int(row.id) for row in rows}


def orphans(conn: Connection, state: IndexState, opts: QueryOptions) -> OrphansResult:
    """List datasets that nothing writes, that nothing reads, and that nothing touches."""
    rows = valid_edges(state.entity, opts.as_of)
    n = state.nodes.type.size
    written = np.zeros(n, dtype=np.bool_)
    read = np.zeros(n, dtype=np.bool_)
    written[rows[np.isin(rows[:, 2], WRITE_KINDS), 1]] = True
    read[rows[np.isin(rows[:, 2], READ_KINDS), 0]] = True
    candidates = (state.nodes.type == NODE_DATASET) & ~state.nodes.hidden
    if opts.namespaces:
        candidates &= np.isin(state.nodes.namespace, list(_namespace_ids(conn, opts.namespaces)))
    ids = np.nonzero(candidates)[0]
    if opts.as_of is not None:
        query = select(datasets.c.id).where(datasets.c.created_us <= opts.as_of)
        existed = {int(row.id) for row in conn.execute(query)}
        ids = np.array([i for i in ids.tolist() if i in existed], dtype=np.int64)
    unwritten = [i for i in ids.tolist() if not written[i] and read[i]]
    unread = [i for i in ids.tolist() if written[i] and not read[i]]
    isolated = [i for i in ids.tolist() if not written[i] and not read[i]]
    truncated = max(len(unwritten), len(unread), len(isolated)) > opts.limit
    picked = [group[: opts.limit] for group in (unwritten, unread, isolated)]
    info = describe_entities(conn, [i for group in picked for i in group])
    lists = [
        tuple(sorted((info[i] for i in group if i in info), key=lambda x: x.ref))
        for group in picked
    ]
    return OrphansResult(opts.as_of, lists[0], lists[1], lists[2], truncated)


@dataclass(frozen=True, slots=True)
class DiffResult:
    """What changed in the lineage between two times."""

    since: int
    until: int
    root: str | None
    edges_added: tuple[LineageEdge, ...]
    edges_retired: tuple[LineageEdge, ...]
    versions_created: tuple[dict[str, Any], ...]
    fields_added: tuple[dict[str, Any], ...]
    fields_removed: tuple[dict[str, Any], ...]
    truncated: bool


def _scope(
    conn: Connection, state: IndexState, root: Resolved, opts: QueryOptions, times: tuple[int, int]
) -> set[int]:
    scope: set[int] = set()
    for when in times:
        entity = replace(opts, as_of=when, granularity="entity", direction="both")
        try:
            start = start_for(conn, state, root, entity)
        except NotFound:  # the node did not exist yet then: nothing around it either
            continue
        found, _edges, _reason = reach(start, entity, collect_edges=False)
        scope.update(found)
    return scope


def _edge_changes(
    state: IndexState, since: int, until: int, scope: set[int] | None
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    added: list[tuple[int, int, int]] = []
    retired: list[tuple[int, int, int]] = []
    field_dataset = state.nodes.field_dataset
    for graph in (state.entity, state.column):
        before, after = valid_edges(graph, since), valid_edges(graph, until)
        for rows, out in ((difference(after, before), added), (difference(before, after), retired)):
            for src, dst, kind in rows.tolist():
                if (
                    scope is None
                    or _in_scope(src, field_dataset, scope)
                    or _in_scope(dst, field_dataset, scope)
                ):
                    out.append((src, dst, kind))
    return added, retired


def _in_scope(node: int, field_dataset: np.ndarray, scope: set[int]) -> bool:
    return node in scope or (node < field_dataset.size and int(field_dataset[node]) in scope)


def diff(
    conn: Connection,
    state: IndexState,
    since: int,
    until: int,
    opts: QueryOptions,
    root: Resolved | None = None,
) -> DiffResult:
    """Compare lineage at ``since`` and ``until``: edges, dataset versions, schema fields."""
    if since >= until:
        raise InvalidParameter("the first time must be before the second")
    scope = _scope(conn, state, root, opts, (since, until)) if root is not None else None
    added, retired = _edge_changes(state, since, until, scope)
    truncated = len(added) > opts.limit or len(retired) > opts.limit
    added, retired = added[: opts.limit], retired[: opts.limit]
    info = describe_entities(conn, [n for e in added + retired for n in e[:2]])

    def edge(e: tuple[int, int, int]) -> LineageEdge:
        return LineageEdge(info[e[0]].ref, info[e[1]].ref, KIND_NAMES.get(e[2], "edge"))

    versions = _versions_created(conn, since, until, scope, opts.limit)
    fields_added, fields_removed = _schema_changes(conn, since, until, scope, opts.limit)
    return DiffResult(
        since,
        until,
        root.ref if root else None,
        tuple(sorted((edge(e) for e in added if e[0] in info and e[1] in info), key=repr)),
        tuple(sorted((edge(e) for e in retired if e[0] in info and e[1] in info), key=repr)),
        versions,
        fields_added,
        fields_removed,
        truncated or len(versions) >= opts.limit,
    )


def _versions_created(
    conn: Connection, since: int, until: int, scope: set[int] | None, limit: int
) -> tuple[dict[str, Any], ...]:
    v, d = dataset_versions.c, datasets.c
    query = (
        select(v.dataset_id, v.version, v.created_us, d.namespace, d.name)
        .join(datasets, d.id == v.dataset_id)
        .where(v.created_us > since, v.created_us <= until, v.implicit.is_(False))
        .order_by(v.created_us, v.version)
    )
    found = []
    for row in conn.execute(query):
        if scope is not None and row.dataset_id not in scope:
            continue
        found.append(
            {
                "dataset": format_ref("dataset", row.namespace, row.name),
                "version": row.version,
                "createdAt": row.created_us,
            }
        )
        if len(found) >= limit:
            break
    return tuple(found)


def _schema_at(conn: Connection, dataset: int, when: int) -> dict[str, str | None]:
    s = dataset_schemas.c
    text = conn.execute(
        select(s.fields)
        .where(s.dataset_id == dataset, s.observed_us <= when)
        .order_by(s.observed_us.desc(), s.event_key.desc())
        .limit(1)
    ).scalar()
    return {f["path"]: f.get("type") for f in loads(text)} if text else {}


def _schema_changes(
    conn: Connection, since: int, until: int, scope: set[int] | None, limit: int
) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    s, d = dataset_schemas.c, datasets.c
    changed = conn.execute(
        select(s.dataset_id, d.namespace, d.name)
        .distinct()
        .join(datasets, d.id == s.dataset_id)
        .where(s.observed_us > since, s.observed_us <= until)
    ).all()
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for row in sorted(changed, key=lambda r: (str(r.namespace), str(r.name))):
        dataset = int(row.dataset_id)
        if scope is not None and dataset not in scope:
            continue
        before, after = _schema_at(conn, dataset, since), _schema_at(conn, dataset, until)
        ref = format_ref("dataset", row.namespace, row.name)
        added.extend(
            {"dataset": ref, "field": f, "type": after[f]} for f in sorted(set(after) - set(before))
        )
        removed.extend(
            {"dataset": ref, "field": f, "type": before[f]}
            for f in sorted(set(before) - set(after))
        )
        if len(added) >= limit and len(removed) >= limit:
            break
    return tuple(added[:limit]), tuple(removed[:limit])
