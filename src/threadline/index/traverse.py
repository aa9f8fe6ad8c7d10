"""Breadth-first traversal over a ``Graph`` snapshot: depth, time, node and size limits.

Small frontiers are expanded in plain Python (a few microseconds for a few nodes); large
ones level by level with numpy, so a 100k-node cone costs little more than the C floor.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from threadline.index.graph import OPEN, Graph

PYTHON_FRONTIER = 48
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
    found: list[tuple[int, int]] = []
    if u < b.n:
        if as_of is None and u not in graph.dirty:
            ptr, nbr, kinds = (
                (b.cur_out_ptr, b.cur_out, b.cur_out_kind)
                if down
                else (b.cur_in_ptr, b.cur_in, b.cur_in_kind)
            )
            start, end = int(ptr[u]), int(ptr[u + 1])
            if start != end:
                found.extend(zip(nbr[start:end].tolist(), kinds[start:end].tolist(), strict=True))
        else:
            ptr, positions = (b.out_ptr, b.out_pos) if down else (b.in_ptr, b.in_pos)
            pos = positions[int(ptr[u]) : int(ptr[u + 1])]
            if pos.size:
                ok = graph.alive[pos]
                if as_of is None:
                    ok &= b.vto[pos] == OPEN
                else:
                    ok &= (b.vfrom[pos] <= as_of) & (b.vto[pos] > as_of)
                pos = pos[ok]
                other = b.dst if down else b.src
                found.extend(zip(other[pos].tolist(), b.kind[pos].tolist(), strict=True))
    for edge in (graph.delta_out if down else graph.delta_in).get(u, ()):
        if (edge.valid_to == OPEN) if as_of is None else (edge.valid_from <= as_of < edge.valid_to):
            found.append((edge.dst if down else edge.src, edge.kind))
    return found


def _gather(
    ptr: npt.NDArray[np.int64], nodes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (owner node, slot) for every CSR slot of the given nodes."""
    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    owner = np.repeat(nodes, counts)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return owner, np.arange(total, dtype=np.int64) + offsets


def _expand_numpy(
    graph: Graph, frontier: npt.NDArray[np.int64], *, down: bool, as_of: int | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (sources, neighbours, kinds) of every usable edge leaving the frontier."""
    b = graph.base
    inside = frontier[frontier < b.n]
    parts_src, parts_nbr, parts_kind = [], [], []
    if as_of is None and not graph.dirty:
        ptr, nbr, kinds = (
            (b.cur_out_ptr, b.cur_out, b.cur_out_kind)
            if down
            else (b.cur_in_ptr, b.cur_in, b.cur_in_kind)
        )
        owner, slots = _gather(ptr, inside)
        if slots.size:
            parts_src.append(owner)
            parts_nbr.append(nbr[slots].astype(np.int64))
            parts_kind.append(kinds[slots].astype(np.int64))
    else:
        ptr, positions = (b.out_ptr, b.out_pos) if down else (b.in_ptr, b.in_pos)
        other = b.dst if down else b.src
        owner, slots = _gather(ptr, inside)
        if slots.size:
            pos = positions[slots]
            ok = graph.alive[pos]
            if as_of is None:
                ok &= b.vto[pos] == OPEN
            else:
                ok &= (b.vfrom[pos] <= as_of) & (b.vto[pos] > as_of)
            pos = pos[ok]
            parts_src.append(owner[ok])
            parts_nbr.append(other[pos].astype(np.int64))
            parts_kind.append(b.kind[pos].astype(np.int64))
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
    order: list[int]
    depth: dict[int, int]
    parent: dict[int, int]
    edges: list[tuple[int, int, int]]


def bfs(
    graph: Graph,
    roots: Iterable[int],
    *,
    down: bool,
    max_depth: int,
    as_of: int | None = None,
    passable: Bools | None = None,
    limit: int = 10_000,
    deadline: float | None = None,
    collect_edges: bool = True,
) -> Reach:
    """Traverse from the roots in one direction.

    Args:
        graph: the snapshot to traverse.
        roots: node ids to start from (depth 0; they count towards the limit).
        down: follow edges forwards (downstream) or backwards (upstream).
        max_depth: the most edges to follow from a root.
        as_of: follow edges valid at this time (microseconds); None for current edges.
        passable: per node id, whether the traversal may enter it (hidden nodes may not).
        limit: the most nodes to return; reaching it sets ``truncated``.
        deadline: a ``time.monotonic()`` value; passing it sets ``truncated``.
        collect_edges: also return the edges among the reached nodes.
    """
    state = _State([], {}, {}, [])
    for root in roots:
        if root not in state.depth:
            state.order.append(root)
            state.depth[root] = 0
            state.parent[root] = -1
    frontier = list(state.order)
    level, reason = 0, None
    while frontier and level < max_depth:
        level += 1
        if deadline is not None and time.monotonic() > deadline:
            reason = "time"
            break
        if len(frontier) <= PYTHON_FRONTIER:
            frontier, reason = _level_python(
                graph, frontier, level, state, down, as_of, passable, limit, collect_edges
            )
        else:
            frontier, reason = _level_numpy(
                graph, frontier, level, state, down, as_of, passable, limit, collect_edges
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
    passable: Bools | None,
    limit: int,
    collect: bool,
) -> tuple[list[int], str | None]:
    nxt: list[int] = []
    for u in frontier:
        for v, kind in neighbours(graph, u, down=down, as_of=as_of):
            if passable is not None and (v >= passable.size or not passable[v]):
                continue
            if collect:
                state.edges.append((u, v, kind))
            if v in state.depth:
                continue
            if len(state.order) >= limit:
                return nxt, "limit"
            state.depth[v] = level
            state.parent[v] = u
            state.order.append(v)
            nxt.append(v)
    return nxt, None


def _level_numpy(
    graph: Graph,
    frontier: list[int],
    level: int,
    state: _State,
    down: bool,
    as_of: int | None,
    passable: Bools | None,
    limit: int,
    collect: bool,
) -> tuple[list[int], str | None]:
    src, nbr, kind = _expand_numpy(
        graph, np.array(frontier, dtype=np.int64), down=down, as_of=as_of
    )
    if passable is not None and nbr.size:
        inside = nbr < passable.size
        ok = inside.copy()
        ok[inside] = passable[nbr[inside]]
        src, nbr, kind = src[ok], nbr[ok], kind[ok]
    if collect and nbr.size:
        state.edges.extend(zip(src.tolist(), nbr.tolist(), kind.tolist(), strict=True))
    fresh, first = np.unique(nbr, return_index=True)
    known = np.fromiter(
        (v in state.depth for v in fresh.tolist()), dtype=np.bool_, count=fresh.size
    )
    fresh, first = fresh[~known], first[~known]
    reason = None
    room = limit - len(state.order)
    if fresh.size > room:
        fresh, first, reason = fresh[:room], first[:room], "limit"
    parents = src[first].tolist()
    for v, p in zip(fresh.tolist(), parents, strict=True):
        state.depth[v] = level
        state.parent[v] = p
        state.order.append(v)
    return fresh.tolist(), reason


def _finish(state: _State, reason: str | None) -> Reach:
    nodes = np.array(state.order, dtype=np.int64)
    depths = np.array([state.depth[v] for v in state.order], dtype=np.int64)
    parents = np.array([state.parent[v] for v in state.order], dtype=np.int64)
    if state.edges:
        edges = np.array(state.edges, dtype=np.int64)
        keep = np.isin(edges[:, 0], nodes) & np.isin(edges[:, 1], nodes)
        edges = np.unique(edges[keep], axis=0)
    else:
        edges = np.zeros((0, 3), dtype=np.int64)
    return Reach(nodes, depths, parents, edges, truncated=reason is not None, reason=reason)
