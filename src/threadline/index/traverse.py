"""Breadth-first traversal over a ``Graph`` snapshot: depth, time, node and size limits.

Small frontiers are expanded in plain Python (a few microseconds for a few nodes); large
ones level by level with numpy, so a 100k-node cone costs little more than the C floor.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from threadline.index.graph import OPEN, Graph
from threadline.index.part import gather as _gather

PYTHON_FRONTIER = 256
CACHE_NODES = 200_000
_NO_EDGES = np.zeros((0, 3), dtype=np.int64)
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Reach:
    """What a traversal reached: nodes with their depth, the edges between them."""

    nodes: npt.NDArray[np.int64]
    depths: npt.NDArray[np.int64]
    parents: npt.NDArray[np.int64]
    edges: npt.NDArray[np.int64]  # rows of (src, dst, kind), in the graph's direction
    truncated: bool
    reason: str | None = None


def neighbours(graph: Graph, u: int, *, down: bool, as_of: int | None) -> list[tuple[int, int]]:
    """Return (neighbour, edge kind) pairs of ``u`` in one direction."""
    b = graph.base
    if as_of is None and u < b.n and u not in (graph.special_out if down else graph.special_in):
        v = b.views
        ptr, nbr, kinds = (
            (v.cur_out_ptr, v.cur_out, v.cur_out_kind)
            if down
            else (v.cur_in_ptr, v.cur_in, v.cur_in_kind)
        )
        start, end = ptr[u], ptr[u + 1]
        # Plain ints: zipping numpy slices would make a numpy scalar per neighbour.
        return list(zip(nbr[start:end].tolist(), kinds[start:end].tolist(), strict=True))
    found: list[tuple[int, int]] = []
    for part, offset in b.parts if as_of is not None else b.parts[:1]:
        if u < part.n:
            found.extend(part.neighbours(u, graph.alive, offset, down=down, as_of=as_of))
    for edge in (graph.delta_out if down else graph.delta_in).get(u, ()):
        if (edge.valid_to == OPEN) if as_of is None else (edge.valid_from <= as_of < edge.valid_to):
            found.append((edge.dst if down else edge.src, edge.kind))
    return found


def _expand_numpy(
    graph: Graph, frontier: npt.NDArray[np.int64], *, down: bool, as_of: int | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (sources, neighbours, kinds) of every usable edge leaving the frontier."""
    b = graph.base
    parts_src, parts_nbr, parts_kind = [], [], []
    if as_of is None and not graph.dirty:
        ptr, nbr, kinds = (
            (b.open.out_ptr, b.open.dst, b.open.kind)
            if down
            else (b.open.in_ptr, b.open.in_src, b.open.in_kind)
        )
        owner, slots = _gather(ptr, frontier[frontier < b.n])
        if slots.size:
            parts_src.append(owner)
            parts_nbr.append(nbr[slots].astype(np.int64))
            parts_kind.append(kinds[slots].astype(np.int64))
    else:
        for part, offset in b.parts if as_of is not None else b.parts[:1]:
            found = part.expand(frontier, graph.alive, offset, down=down, as_of=as_of)
            parts_src.append(found[0])
            parts_nbr.append(found[1])
            parts_kind.append(found[2])
    delta = graph.delta_out if down else graph.delta_in
    if delta:
        extra = [
            (u, e.dst if down else e.src, e.kind)
            for u in frontier.tolist()
            for e in delta.get(u, ())
            if ((e.valid_to == OPEN) if as_of is None else (e.valid_from <= as_of < e.valid_to))
        ]
        if extra:
            rows = np.array(extra, dtype=np.int64)
            parts_src.append(rows[:, 0])
            parts_nbr.append(rows[:, 1])
            parts_kind.append(rows[:, 2])
    if not parts_src:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(parts_src), np.concatenate(parts_nbr), np.concatenate(parts_kind)


@dataclass(slots=True)
class _State:
    """Traversal state: dicts while frontiers are small, arrays once they grow."""

    depth: dict[int, int]
    parent: dict[int, int] | None
    edges: list[tuple[int, int, int]]
    visited: Bools | None = None
    chunks: list[tuple[npt.NDArray[np.int64], int, npt.NDArray[np.int64]]] = field(
        default_factory=list
    )
    edge_chunks: list[npt.NDArray[np.int64]] = field(default_factory=list)
    count: int = 0  # nodes reached by the numpy levels
    blocked: frozenset[int] = frozenset()


def bfs(
    graph: Graph,
    roots: Iterable[int],
    *,
    down: bool,
    max_depth: int,
    as_of: int | None = None,
    blocked: frozenset[int] = frozenset(),
    limit: int = 10_000,
    deadline: float | None = None,
    collect_edges: bool = True,
    parents: bool = True,
) -> Reach:
    """Traverse from the roots in one direction.

    Args:
        graph: the snapshot to traverse.
        roots: node ids to start from (depth 0; they count towards the limit).
        down: follow edges forwards (downstream) or backwards (upstream).
        max_depth: the most edges to follow from a root.
        as_of: follow edges valid at this time (microseconds); None for current edges.
        blocked: node ids the traversal may not enter (soft-deleted nodes).
        limit: the most nodes to return; reaching it sets ``truncated``.
        deadline: a ``time.monotonic()`` value; passing it sets ``truncated``.
        collect_edges: also return the edges among the reached nodes.
        parents: also return each node's parent on a shortest path (else -1).
    """
    state = _State(dict.fromkeys(blocked, -1), {} if parents else None, [], blocked=blocked)
    for root in roots:
        state.depth[root] = 0  # a root is entered even when hidden: it was asked about
        if state.parent is not None:
            state.parent[root] = -1
    frontier: list[int] | npt.NDArray[np.int64] = [r for r, d in state.depth.items() if d == 0]
    level, reason = 0, None
    fast = as_of is None and not collect_edges and not parents
    while len(frontier) and level < max_depth:
        if fast and state.visited is None and len(frontier) <= PYTHON_FRONTIER:
            frontier, level, reason = _fast_levels(
                graph, list(frontier), level, state, down, limit, max_depth, deadline
            )
            if reason:
                break
            continue  # done, or the frontier grew: numpy levels from here
        level += 1
        if deadline is not None and time.monotonic() > deadline:
            reason = "time"
            break
        if state.visited is None and len(frontier) <= PYTHON_FRONTIER:
            frontier, reason = _level_python(
                graph, list(frontier), level, state, down, as_of, limit, collect_edges
            )
        else:
            frontier, reason = _level_numpy(
                graph,
                np.asarray(frontier, dtype=np.int64),
                level,
                state,
                down,
                as_of,
                limit,
                collect_edges,
            )
        if reason:
            break
    return _finish(state, reason)


def _level_python(
    graph: Graph,
    frontier: list[int],
    level: int,
    state: _State,
    down: bool,
    as_of: int | None,
    limit: int,
    collect: bool,
) -> tuple[list[int], str | None]:
    # The hot loop of small traversals: as tight as a list-of-lists BFS. Blocked nodes sit
    # in ``seen`` (depth -1) from the start, so they are never entered.
    nxt: list[int] = []
    seen, parent, edges = state.depth, state.parent, state.edges
    views = graph.base.views
    ptr, nbr = (views.cur_out_ptr, views.cur_out) if down else (views.cur_in_ptr, views.cur_in)
    special = graph.special_out if down else graph.special_in
    fast_limit = graph.base.n if as_of is None and not collect else 0
    cache = graph.base.cache_out if down else graph.base.cache_in
    if len(cache) > CACHE_NODES:
        cache.clear()
    cap = limit + len(state.blocked)
    for u in frontier:
        targets: Iterable[int] | None = None
        if u < fast_limit and u not in special:
            targets = cache.get(u)
            if targets is None:
                targets = cache[u] = tuple(nbr[ptr[u] : ptr[u + 1]])
        else:
            pairs = neighbours(graph, u, down=down, as_of=as_of)
            if collect:
                edges.extend((u, v, kind) for v, kind in pairs if seen.get(v) != -1)
            targets = [v for v, _kind in pairs]
        mark = len(nxt)
        for v in targets:
            if v not in seen:
                seen[v] = level
                nxt.append(v)
        if parent is not None:
            for v in nxt[mark:]:
                parent[v] = u
        excess = len(seen) - cap
        if excess > 0:
            for v in nxt[-excess:]:
                del seen[v]
            del nxt[-excess:]
            return nxt, "limit"
    return nxt, None


def _fast_levels(
    graph: Graph,
    frontier: list[int],
    level: int,
    state: _State,
    down: bool,
    limit: int,
    max_depth: int,
    deadline: float | None,
) -> tuple[list[int], int, str | None]:
    """Expand small frontiers over current edges, ids only: a list-of-lists BFS.

    Neighbour tuples come from the base's warm cache. The limit is checked once per level;
    the nodes past it are the last ones added, and are dropped. Returns the next frontier,
    the level reached and why it stopped early (None when done or the frontier grew).
    """
    views = graph.base.views
    ptr, nbr = (views.cur_out_ptr, views.cur_out) if down else (views.cur_in_ptr, views.cur_in)
    special = graph.special_out if down else graph.special_in
    cache = graph.base.cache_out if down else graph.base.cache_in
    if len(cache) > CACHE_NODES:
        cache.clear()
    cap, seen = limit + len(state.blocked), state.depth
    # Every node reached from base nodes over the base alone is a base node.
    plain = not special and max(frontier, default=0) < graph.base.n
    while frontier and level < max_depth and len(frontier) <= PYTHON_FRONTIER:
        level += 1
        if deadline is not None and time.monotonic() > deadline:
            return frontier, level, "time"
        if plain:  # every node is in the base, with its base neighbours: the tightest loop
            nxt = _expand_plain(frontier, level, seen, cache, ptr, nbr)
        else:
            nxt = _expand_mixed(graph, frontier, level, seen, down)
        excess = len(seen) - cap
        if excess > 0:
            for v in nxt[-excess:]:
                del seen[v]
            del nxt[-excess:]
            return nxt, level, "limit"
        frontier = nxt
    return frontier, level, None


def _expand_plain(
    frontier: list[int],
    level: int,
    seen: dict[int, int],
    cache: dict[int, tuple[int, ...]],
    ptr: memoryview,
    nbr: memoryview,
) -> list[int]:
    nxt: list[int] = []
    get = cache.get
    for u in frontier:
        found = get(u)
        if found is None:
            found = cache[u] = tuple(nbr[ptr[u] : ptr[u + 1]])
        for v in found:
            if v not in seen:
                seen[v] = level
                nxt.append(v)
    return nxt


def _expand_mixed(
    graph: Graph, frontier: list[int], level: int, seen: dict[int, int], down: bool
) -> list[int]:
    # As ``_expand_plain``, for snapshots whose delta touches some nodes or adds new ones.
    views, n = graph.base.views, graph.base.n
    ptr, nbr = (views.cur_out_ptr, views.cur_out) if down else (views.cur_in_ptr, views.cur_in)
    special = graph.special_out if down else graph.special_in
    cache = graph.base.cache_out if down else graph.base.cache_in
    nxt: list[int] = []
    for u in frontier:
        if u in special or u >= n:
            targets: Iterable[int] = [v for v, _k in neighbours(graph, u, down=down, as_of=None)]
        else:
            found = cache.get(u)
            if found is None:
                found = cache[u] = tuple(nbr[ptr[u] : ptr[u + 1]])
            targets = found
        for v in targets:
            if v not in seen:
                seen[v] = level
                nxt.append(v)
    return nxt


def _visited(state: _State, size: int) -> Bools:
    if state.visited is None:
        state.visited = np.zeros(size, dtype=np.bool_)
        state.visited[list(state.depth)] = True
        state.count = sum(1 for d in state.depth.values() if d >= 0)
    elif state.visited.size < size:
        grown = np.zeros(max(size, state.visited.size * 2), dtype=np.bool_)
        grown[: state.visited.size] = state.visited
        state.visited = grown
    return state.visited


def _level_numpy(
    graph: Graph,
    frontier: npt.NDArray[np.int64],
    level: int,
    state: _State,
    down: bool,
    as_of: int | None,
    limit: int,
    collect: bool,
) -> tuple[npt.NDArray[np.int64], str | None]:
    src, nbr, kind = _expand_numpy(graph, frontier, down=down, as_of=as_of)
    visited = _visited(state, max(graph.n, graph.base.n, int(nbr.max()) + 1 if nbr.size else 0))
    if collect and nbr.size:
        state.edge_chunks.append(np.stack([src, nbr, kind], axis=1))
    new = ~visited[nbr]
    fresh, first = np.unique(nbr[new], return_index=True)
    parents = src[new][first]
    reason = None
    room = limit - state.count
    if fresh.size > room:
        fresh, parents, reason = fresh[:room], parents[:room], "limit"
    visited[fresh] = True
    state.count += int(fresh.size)
    state.chunks.append((fresh, level, parents))
    return fresh, reason


def edges_reached(
    graph: Graph, found: Reach, *, down: bool, max_depth: int, as_of: int | None
) -> npt.NDArray[np.int64] | None:
    """Return the edges ``bfs(collect_edges=True)`` would have collected, after the fact.

    A complete traversal expanded every node it reached short of ``max_depth``, so its
    edges are those leaving these nodes towards reached ones: one vectorised expansion
    instead of a Python loop per node. A truncated traversal stopped part-way through a
    level, so None is returned for it: traverse again, collecting.
    """
    if found.reason is not None:
        return None
    # Sorted nodes expand into rows sorted by source; the base CSR keeps each node's
    # neighbours in order, so unique_rows usually finds them in order and distinct.
    expanded = np.sort(found.nodes[found.depths < max_depth])
    src, nbr, kind = _expand_numpy(graph, expanded, down=down, as_of=as_of)
    if not src.size:
        return _NO_EDGES
    keep = member(nbr, found.nodes)
    return unique_rows(np.stack([src[keep], nbr[keep], kind[keep]], axis=1))


def member(values: npt.NDArray[np.int64], nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Return ``np.isin(values, nodes)`` for node ids (small non-negative integers), faster."""
    if not values.size or not nodes.size:
        return np.zeros(values.size, dtype=np.bool_)
    mask = np.zeros(max(int(values.max()), int(nodes.max())) + 1, dtype=np.bool_)
    mask[nodes] = True
    return mask[values]


def unique_rows(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return the distinct (src, dst, kind) rows, sorted: ``np.unique(axis=0)``, faster."""
    if rows.shape[0] < 2:
        return rows
    nodes, kinds = int(rows[:, :2].max()) + 1, int(rows[:, 2].max()) + 1
    if rows.min() >= 0 and nodes * nodes * kinds < 2**62:  # one int64 key sorts faster
        keys = (rows[:, 0] * nodes + rows[:, 1]) * kinds + rows[:, 2]
        if bool((keys[1:] > keys[:-1]).all()):
            return rows  # distinct and in order already (an expansion of sorted nodes)
        keys.sort()  # in place: np.unique hashes, several times slower here
        first = np.ones(keys.size, dtype=np.bool_)
        first[1:] = keys[1:] != keys[:-1]
        pairs, kind = np.divmod(keys[first], kinds)
        src, dst = np.divmod(pairs, nodes)
        return np.stack([src, dst, kind], axis=1)
    order = np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))
    ordered = rows[order]
    first = np.ones(ordered.shape[0], dtype=np.bool_)
    first[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    return ordered[first]


def _finish(state: _State, reason: str | None) -> Reach:
    first = np.fromiter(state.depth.keys(), dtype=np.int64, count=len(state.depth))
    first_depths = np.fromiter(state.depth.values(), dtype=np.int64, count=len(state.depth))
    if state.blocked:  # blocked nodes waited in ``depth`` at -1: they were never reached
        reached = first_depths >= 0
        first, first_depths = first[reached], first_depths[reached]
    nodes, depths = [first], [first_depths]
    parent = state.parent
    parents = [
        np.array([parent.get(v, -1) for v in first.tolist()], dtype=np.int64)
        if parent is not None
        else np.full(first.size, -1, dtype=np.int64)
    ]
    for fresh, level, chunk_parents in state.chunks:
        nodes.append(fresh)
        depths.append(np.full(fresh.size, level, dtype=np.int64))
        parents.append(chunk_parents)
    all_nodes = np.concatenate(nodes) if len(nodes) > 1 else nodes[0]
    edges = _NO_EDGES
    if state.edges or state.edge_chunks:
        parts = [np.array(state.edges, dtype=np.int64).reshape(-1, 3), *state.edge_chunks]
        edges = np.concatenate(parts)
        keep = member(edges[:, 0], all_nodes) & member(edges[:, 1], all_nodes)
        edges = unique_rows(edges[keep])
    return Reach(
        all_nodes,
        np.concatenate(depths) if len(depths) > 1 else depths[0],
        np.concatenate(parents) if len(parents) > 1 else parents[0],
        edges,
        truncated=reason is not None,
        reason=reason,
    )
