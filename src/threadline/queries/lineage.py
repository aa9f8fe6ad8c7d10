"""Upstream, downstream and both-way lineage at entity, version and column granularity."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter, NotFound
from threadline.index import IndexState
from threadline.index.graph import Graph
from threadline.index.loader import KIND_NAMES
from threadline.index.traverse import Reach, bfs, edges_reached, member, unique_rows
from threadline.model import LineageEdge, LineageNode, LineageResult, NodeInfo, Resolved
from threadline.queries.hydrate import describe_entities, describe_runs, describe_versions
from threadline.queries.options import QueryOptions
from threadline.store.codec import loads
from threadline.store.tables import (
    dataset_fields,
    dataset_schemas,
    dataset_versions,
    datasets,
    jobs,
    run_edges,
    runs,
)
from threadline.times import format_iso_us


@dataclass(frozen=True, slots=True)
class Start:
    """Where a traversal starts in which graph."""

    graph: Graph
    roots: list[int]
    blocked: frozenset[int]
    level: str


def require_existed(conn: Connection, root: Resolved, as_of: int | None) -> None:
    """Refuse (404) a node that did not exist yet at ``as_of``.

    A node exists from the first event that mentions it, so asking about it before then
    answers exactly as a store holding only the events up to ``as_of`` would.
    """
    if as_of is None:
        return
    if root.type == "run":
        created = conn.execute(select(runs.c.start_us).where(runs.c.id == root.id)).scalar()
    elif root.type == "datasetVersion":
        v = dataset_versions.c
        created = conn.execute(select(v.created_us).where(v.id == root.id)).scalar()
    else:
        node = root.dataset if root.dataset is not None else root.id
        table = datasets if root.type != "job" else jobs
        created = conn.execute(select(table.c.created_us).where(table.c.id == node)).scalar()
    if created is None or created > as_of:
        raise NotFound(f"{root.ref} did not exist at {format_iso_us(as_of)}")


def start_for(conn: Connection, state: IndexState, root: Resolved, opts: QueryOptions) -> Start:
    """Choose the graph and the root node ids for a resolved reference at a granularity."""
    require_existed(conn, root, opts.as_of)
    blocked = state.nodes.blocked
    if opts.granularity == "entity":
        node = {"datasetField": root.dataset, "datasetVersion": root.dataset, "run": root.job}.get(
            root.type, root.id
        )
        if node is None:
            raise InvalidParameter(f"{root.ref} has no entity-level node")
        return Start(state.entity, [node], blocked, "entity")
    if opts.granularity == "column":
        return Start(state.column, _column_roots(conn, state, root, opts.as_of), blocked, "column")
    return Start(state.version, [_version_root(conn, root, opts.as_of)], frozenset(), "version")


def _column_roots(
    conn: Connection, state: IndexState, root: Resolved, as_of: int | None
) -> list[int]:
    if root.type == "datasetField":
        return [root.id]
    if root.type in ("dataset", "datasetVersion") and root.dataset is not None:
        fields = np.nonzero(state.nodes.field_dataset == root.dataset)[0].tolist()
        if as_of is not None:
            known = fields_known_at(conn, root.dataset, as_of)
            fields = [f for f in fields if f in known]
        return [root.dataset, *fields]
    raise InvalidParameter(
        "column lineage starts from a dataset or a dataset field, not a job or run"
    )


def fields_known_at(conn: Connection, dataset: int, as_of: int) -> set[int]:
    """Return the dataset's fields that events up to ``as_of`` had named (schema or lineage)."""
    s, f, e = dataset_schemas.c, dataset_fields.c, run_edges.c
    paths: set[str] = set()
    for row in conn.execute(
        select(s.fields).where(s.dataset_id == dataset, s.observed_us <= as_of)
    ):
        paths.update(field["path"] for field in loads(row.fields))
    ids = {
        int(row.id)
        for row in conn.execute(select(f.id, f.path).where(f.dataset_id == dataset))
        if row.path in paths
    }
    fields = select(f.id).where(f.dataset_id == dataset)
    for column in (e.src, e.dst):
        for row in conn.execute(
            select(column.label("node")).where(column.in_(fields), e.bound_us <= as_of)
        ):
            ids.add(int(row.node))
    return ids


def _version_root(conn: Connection, root: Resolved, as_of: int | None) -> int:
    if root.type == "datasetVersion":
        return 2 * root.id
    if root.type == "run":
        return 2 * root.id + 1
    if root.type == "job":
        r = runs.c
        query = select(r.id).where(r.job_id == root.id, r.kind == "run", r.start_us.is_not(None))
        if as_of is not None:
            query = query.where(r.start_us <= as_of)
        run = conn.execute(query.order_by(r.start_us.desc(), r.uuid.desc()).limit(1)).scalar()
        if run is None:
            raise InvalidParameter(f"{root.ref} has no run{' by then' if as_of else ''}")
        return 2 * int(run) + 1
    v = dataset_versions.c
    query = select(v.id).where(v.dataset_id == root.dataset)
    if as_of is not None:
        query = query.where(v.created_us <= as_of)
    version = conn.execute(
        query.order_by(v.implicit, v.created_us.desc(), v.version.desc()).limit(1)
    ).scalar()
    if version is None:
        raise InvalidParameter(f"{root.ref} has no version{' by then' if as_of else ''}")
    return 2 * int(version)


class Reached(Mapping[int, int]):
    """Node id -> depth of a traversal, held as arrays; a dict is built on the first lookup.

    Counting and iterating the nodes reached costs nothing more than the traversal did.
    """

    __slots__ = ("_by_node", "depths", "nodes")

    def __init__(self, nodes: npt.NDArray[np.int64], depths: npt.NDArray[np.int64]) -> None:
        self.nodes, self.depths = nodes, depths
        self._by_node: dict[int, int] | None = None

    def _dict(self) -> dict[int, int]:
        if self._by_node is None:
            self._by_node = dict(zip(self.nodes.tolist(), self.depths.tolist(), strict=True))
        return self._by_node

    def __getitem__(self, node: int) -> int:
        return self._dict()[node]

    def __contains__(self, node: object) -> bool:
        return node in self._dict()

    def __iter__(self) -> Iterator[int]:
        return iter(self.nodes.tolist())

    def __len__(self) -> int:
        return int(self.nodes.size)


def _search(start: Start, opts: QueryOptions, *, collect_edges: bool) -> list[tuple[bool, Reach]]:
    deadline = time.monotonic() + opts.budget_ms / 1000
    parts = []
    for down in (True, False):
        if opts.direction == ("upstream" if down else "downstream"):
            continue
        found = search_from(start, opts, down=down, deadline=deadline, collect_edges=False)
        if collect_edges:  # the edges of a complete traversal, found after it at C speed
            edges = edges_reached(
                start.graph, found, down=down, max_depth=opts.depth, as_of=opts.as_of
            )
            if edges is None:
                found = search_from(start, opts, down=down, deadline=deadline, collect_edges=True)
            else:
                found = replace(found, edges=edges)
        parts.append((down, found))
    return parts


def search_from(
    start: Start,
    opts: QueryOptions,
    *,
    down: bool,
    deadline: float,
    collect_edges: bool = True,
    parents: bool = False,
) -> Reach:
    """Traverse one direction from a start, bounded by the options' depth, time and limit."""
    return bfs(
        start.graph,
        start.roots,
        down=down,
        max_depth=opts.depth,
        as_of=opts.as_of,
        blocked=start.blocked,
        limit=opts.limit,
        deadline=deadline,
        collect_edges=collect_edges,
        parents=parents,
    )


def reach(
    start: Start, opts: QueryOptions, *, collect_edges: bool = True
) -> tuple[Reached, list[tuple[int, int, int]], str | None]:
    """Traverse from a start; return (node -> depth, data-flow edges, truncation reason).

    Both directions share one time budget; a node reached both ways keeps its nearer depth.
    """
    reached, rows, reason = reach_rows(start, opts, collect_edges=collect_edges)
    return reached, [(u, v, k) for u, v, k in rows.tolist()], reason


def reach_rows(
    start: Start, opts: QueryOptions, *, collect_edges: bool = True
) -> tuple[Reached, npt.NDArray[np.int64], str | None]:
    """As ``reach``, with the edges as sorted (src, dst, kind) rows of an array."""
    parts = _search(start, opts, collect_edges=collect_edges)
    reason = next((found.reason for _down, found in parts if found.reason), None)
    if len(parts) == 1:
        nodes, depths = parts[0][1].nodes, parts[0][1].depths
    else:  # keep each node once, at its smallest depth
        nodes = np.concatenate([found.nodes for _down, found in parts])
        depths = np.concatenate([found.depths for _down, found in parts])
        order = np.lexsort((depths, nodes))
        nodes, depths = nodes[order], depths[order]
        first = np.ones(nodes.size, dtype=np.bool_)
        first[1:] = nodes[1:] != nodes[:-1]
        nodes, depths = nodes[first], depths[first]
    if nodes.size > opts.limit:
        keep = np.lexsort((nodes, depths))[: opts.limit]
        nodes, depths, reason = nodes[keep], depths[keep], "limit"
    rows = np.zeros((0, 3), dtype=np.int64)
    if collect_edges and len(parts) == 1 and reason != "limit":
        # One search that kept all it reached found its edges among its nodes, distinct.
        down, found = parts[0]
        rows = found.edges if down else unique_rows(found.edges[:, [1, 0, 2]])
    elif collect_edges:
        rows = np.concatenate(
            [found.edges if down else found.edges[:, [1, 0, 2]] for down, found in parts]
        )
        rows = unique_rows(rows[member(rows[:, 0], nodes) & member(rows[:, 1], nodes)])
    return Reached(nodes, depths), rows, reason


def describe(conn: Connection, level: str, nodes: list[int]) -> dict[int, NodeInfo]:
    """Describe index node ids of a granularity (version level interleaves versions and runs)."""
    if level != "version":
        return describe_entities(conn, nodes)
    versions = describe_versions(conn, [n // 2 for n in nodes if n % 2 == 0])
    run_info = describe_runs(conn, [n // 2 for n in nodes if n % 2 == 1])
    return {
        n: (versions if n % 2 == 0 else run_info)[n // 2]
        for n in nodes
        if n // 2 in (versions if n % 2 == 0 else run_info)
    }


def wanted(info: NodeInfo, opts: QueryOptions) -> bool:
    """Return whether a node passes the kinds and namespaces filters."""
    if opts.kinds and info.type not in opts.kinds and info.kind not in opts.kinds:
        return False
    return not opts.namespaces or info.namespace in opts.namespaces


def lineage(
    conn: Connection, state: IndexState, root: Resolved, opts: QueryOptions
) -> LineageResult:
    """Answer a traversal: the nodes reached with their depth and the edges among them."""
    start = start_for(conn, state, root, opts)
    depth, flow, reason = reach(start, opts)
    info = describe(conn, start.level, list(depth))
    roots = set(start.roots)
    kept = {n for n in depth if n in info and (n in roots or wanted(info[n], opts))}
    nodes = tuple(
        LineageNode(
            i.ref, i.type, i.kind, depth[n], i.namespace, i.name, i.field, i.version, i.state
        )
        for n, i in sorted(((n, info[n]) for n in kept), key=lambda p: (depth[p[0]], p[1].ref))
    )
    edges = tuple(
        LineageEdge(info[u].ref, info[v].ref, KIND_NAMES.get(kind, "edge"))
        for u, v, kind in flow
        if u in kept and v in kept
    )
    return LineageResult(
        root.ref,
        opts.direction,
        opts.granularity,
        opts.as_of,
        nodes,
        edges,
        truncated=reason is not None,
        truncated_reason=reason,
    )
