"""The diff of lineage between two times: edges, dataset versions and schema fields."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter, NotFound
from threadline.index import IndexState
from threadline.index.loader import KIND_NAMES
from threadline.model import LineageEdge, NodeInfo, Resolved
from threadline.queries.edgesets import difference, valid_edges
from threadline.queries.hydrate import describe_entities
from threadline.queries.lineage import reach, start_for, wanted
from threadline.queries.options import GRANULARITIES, QueryOptions
from threadline.queries.orphans import OrphansResult, orphans
from threadline.refs import format_ref
from threadline.store.codec import loads
from threadline.store.tables import dataset_schemas, dataset_versions, datasets

Triple = tuple[int, int, int]


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
    truncated_reason: str | None = None


def _scope(
    conn: Connection, state: IndexState, root: Resolved, opts: QueryOptions, times: tuple[int, int]
) -> tuple[set[int], str | None]:
    scope: set[int] = set()
    reason = None
    for when in times:
        entity = replace(opts, as_of=when, granularity="entity")
        try:
            start = start_for(conn, state, root, entity)
        except NotFound:  # the node did not exist yet then: nothing around it either
            continue
        found, _edges, cut = reach(start, entity, collect_edges=False)
        scope.update(found)
        reason = reason or cut
    return scope, reason


def _edge_changes(
    state: IndexState, since: int, until: int, scope: set[int] | None, levels: set[str]
) -> tuple[list[Triple], list[Triple]]:
    added: list[Triple] = []
    retired: list[Triple] = []
    field_dataset = state.nodes.field_dataset
    for level, graph in (("entity", state.entity), ("column", state.column)):
        if level not in levels:
            continue
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


def _filtered(
    conn: Connection, edges: list[Triple], opts: QueryOptions
) -> tuple[list[Triple], dict[int, NodeInfo], bool]:
    """Keep the edges with a wanted end, at most ``limit``; say whether more were left."""
    if opts.kinds or opts.namespaces:
        info = describe_entities(conn, [n for e in edges for n in e[:2]])
        edges = [e for e in edges if any(n in info and wanted(info[n], opts) for n in e[:2])]
    cut = len(edges) > opts.limit
    edges = edges[: opts.limit]
    return edges, describe_entities(conn, [n for e in edges for n in e[:2]]), cut


def _edges_json(edges: list[Triple], info: dict[int, NodeInfo]) -> tuple[LineageEdge, ...]:
    found = (
        LineageEdge(info[u].ref, info[v].ref, KIND_NAMES.get(kind, "edge"))
        for u, v, kind in edges
        if u in info and v in info
    )
    return tuple(sorted(found, key=repr))


def diff(
    conn: Connection,
    state: IndexState,
    since: int,
    until: int,
    opts: QueryOptions,
    root: Resolved | None = None,
    *,
    granularity: str | None = None,
) -> DiffResult:
    """Compare lineage at ``since`` and ``until``: edges, dataset versions, schema fields.

    ``granularity`` chooses what is compared: ``entity`` the dataset/job edges, ``column``
    the column edges and schema fields, ``version`` the dataset versions created; None
    compares all of them. ``kinds`` and ``namespaces`` keep the changes that touch a
    matching node; ``root`` (with ``depth`` and ``direction``) keeps those around it.

    Raises:
        InvalidParameter: reversed times, an unknown granularity, or ``as_of`` given.
    """
    _check(since, until, opts, granularity)
    levels = {granularity} if granularity else set(GRANULARITIES)
    scope, reason = (None, None)
    if root is not None:
        scope, reason = _scope(conn, state, root, opts, (since, until))
    added, retired = _edge_changes(state, since, until, scope, levels)
    added, added_info, cut_added = _filtered(conn, added, opts)
    retired, retired_info, cut_retired = _filtered(conn, retired, opts)
    versions, cut_versions = (
        _versions_created(conn, since, until, scope, opts) if "version" in levels else ((), False)
    )
    fields_added, fields_removed, cut_fields = (
        _schema_changes(conn, since, until, scope, opts) if "column" in levels else ((), (), False)
    )
    if cut_added or cut_retired or cut_versions or cut_fields:
        reason = reason or "limit"
    return DiffResult(
        since,
        until,
        root.ref if root else None,
        _edges_json(added, added_info),
        _edges_json(retired, retired_info),
        versions,
        fields_added,
        fields_removed,
        truncated=reason is not None,
        truncated_reason=reason,
    )


def _check(since: int, until: int, opts: QueryOptions, granularity: str | None) -> None:
    if since >= until:
        raise InvalidParameter("the first time must be before the second")
    if opts.as_of is not None:
        raise InvalidParameter(
            "diff does not take as_of: it compares the lineage at since with that at until"
        )
    if granularity is not None and granularity not in GRANULARITIES:
        raise InvalidParameter(
            f"granularity must be one of {', '.join(GRANULARITIES)}; got {granularity!r}"
        )


def _dataset_wanted(opts: QueryOptions, namespace: str, kind: str) -> bool:
    return wanted(NodeInfo("", "dataset", kind, namespace, ""), opts)


def _versions_created(
    conn: Connection, since: int, until: int, scope: set[int] | None, opts: QueryOptions
) -> tuple[tuple[dict[str, Any], ...], bool]:
    v, d = dataset_versions.c, datasets.c
    query = (
        select(v.dataset_id, v.version, v.created_us, d.namespace, d.name, d.kind)
        .join(datasets, d.id == v.dataset_id)
        .where(v.created_us > since, v.created_us <= until, v.implicit.is_(False))
        .order_by(v.created_us, v.version)
    )
    found: list[dict[str, Any]] = []
    for row in conn.execute(query):
        if scope is not None and row.dataset_id not in scope:
            continue
        if not _dataset_wanted(opts, row.namespace, row.kind):
            continue
        if len(found) == opts.limit:
            return tuple(found), True
        found.append(
            {
                "dataset": format_ref("dataset", row.namespace, row.name),
                "version": row.version,
                "createdAt": row.created_us,
            }
        )
    return tuple(found), False


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
    conn: Connection, since: int, until: int, scope: set[int] | None, opts: QueryOptions
) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...], bool]:
    s, d = dataset_schemas.c, datasets.c
    changed = conn.execute(
        select(s.dataset_id, d.namespace, d.name, d.kind)
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
        if not _dataset_wanted(opts, row.namespace, row.kind):
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
        if len(added) > opts.limit and len(removed) > opts.limit:
            break
    cut = len(added) > opts.limit or len(removed) > opts.limit
    return tuple(added[: opts.limit]), tuple(removed[: opts.limit]), cut


__all__ = ["DiffResult", "OrphansResult", "diff", "orphans"]
