"""How does A reach B: the shortest directed path and the number of distinct paths."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from threadline.index import IndexState
from threadline.index.loader import KIND_NAMES
from threadline.index.traverse import Reach, bfs
from threadline.model import LineageEdge, LineageNode, Resolved
from threadline.queries.lineage import Start, describe, start_for
from threadline.queries.options import QueryOptions

PATH_COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class PathResult:
    """The shortest path from ``source`` to ``target`` (empty when unconnected)."""

    source: str
    target: str
    direction: str | None
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    path_count: int
    path_count_capped: bool
    truncated: bool


def _search(start: Start, targets: set[int], opts: QueryOptions, down: bool) -> Reach:
    return bfs(
        start.graph,
        start.roots,
        down=down,
        max_depth=opts.depth,
        as_of=opts.as_of,
        blocked=start.blocked,
        limit=opts.limit,
        deadline=time.monotonic() + opts.budget_ms / 1000,
    )


def _shortest(found: Reach, targets: set[int]) -> list[int]:
    parents = dict(zip(found.nodes.tolist(), found.parents.tolist(), strict=True))
    depths = dict(zip(found.nodes.tolist(), found.depths.tolist(), strict=True))
    hits = [t for t in targets if t in parents]
    if not hits:
        return []
    node = min(hits, key=lambda t: (depths[t], t))
    chain = [node]
    while parents[node] != -1:
        node = parents[node]
        chain.append(node)
    return chain[::-1]


def count_paths(
    edges: list[tuple[int, int]],
    sources: set[int],
    targets: set[int],
    cap: int = PATH_COUNT_CAP,
    deadline: float | None = None,
) -> tuple[int, bool]:
    """Count distinct simple paths from any source to any target; stop at ``cap``.

    Works on the sub-graph between sources and targets; a DAG is counted by dynamic
    programming, a graph with cycles by a bounded depth-first enumeration.
    """
    succ: dict[int, list[int]] = defaultdict(list)
    for u, v in set(edges):
        succ[u].append(v)
    order, state, cyclic = [], {}, False
    for root in sources:
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif state.get(nxt) == 1:
                cyclic = True
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    if not cyclic:
        ways: dict[int, int] = {}
        for node in order:  # reverse topological order: successors first
            total = 1 if node in targets else 0
            for v in succ[node]:
                total = min(cap, total + ways.get(v, 0))
            ways[node] = total
        count = min(cap, sum(ways.get(s, 0) for s in sources))
        return count, count >= cap
    return _enumerate(succ, sources, targets, cap, deadline)


def _enumerate(
    succ: dict[int, list[int]],
    sources: set[int],
    targets: set[int],
    cap: int,
    deadline: float | None,
) -> tuple[int, bool]:
    count = 0
    for source in sources:
        stack, on_path = [(source, iter(succ[source]))], {source}
        while stack:
            if count >= cap or (deadline is not None and time.monotonic() > deadline):
                return count, True
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                on_path.discard(node)
            elif nxt not in on_path:
                if nxt in targets:
                    count += 1
                on_path.add(nxt)
                stack.append((nxt, iter(succ[nxt])))
    return count, False


def path(
    conn: Connection, state: IndexState, source: Resolved, target: Resolved, opts: QueryOptions
) -> PathResult:
    """Find how ``source`` reaches ``target`` (downstream), or is reached by it (upstream)."""
    start = start_for(conn, state, source, opts)
    targets = set(start_for(conn, state, target, opts).roots)
    directions = ["downstream", "upstream"] if opts.direction == "both" else [opts.direction]
    for direction in directions:
        down = direction == "downstream"
        found = _search(start, targets, opts, down)
        chain = _shortest(found, targets)
        if not chain:
            continue
        back = _search(
            replace(start, roots=sorted(targets & set(found.nodes.tolist()))),
            set(start.roots),
            opts,
            not down,
        )
        between = set(found.nodes.tolist()) & set(back.nodes.tolist())
        pairs = [(u, v) for u, v, _k in found.edges.tolist() if u in between and v in between]
        count, capped = count_paths(
            pairs, set(start.roots), targets, deadline=time.monotonic() + opts.budget_ms / 1000
        )
        return _result(conn, start.level, source, target, direction, chain, found, count, capped)
    return PathResult(source.ref, target.ref, None, (), (), 0, False, truncated=False)


def _result(
    conn: Connection,
    level: str,
    source: Resolved,
    target: Resolved,
    direction: str,
    chain: list[int],
    found: Reach,
    count: int,
    capped: bool,
) -> PathResult:
    info = describe(conn, level, chain)
    kinds = {(u, v): k for u, v, k in found.edges.tolist()}
    nodes = tuple(
        LineageNode(
            info[n].ref,
            info[n].type,
            info[n].kind,
            i,
            info[n].namespace,
            info[n].name,
            info[n].field,
            info[n].version,
            info[n].state,
        )
        for i, n in enumerate(chain)
    )
    steps = list(itertools.pairwise(chain))
    if direction == "upstream":
        steps = [(v, u) for u, v in steps]
    edges = tuple(
        LineageEdge(
            info[u].ref,
            info[v].ref,
            KIND_NAMES.get(kinds.get((u, v), kinds.get((v, u), 0)), "edge"),
        )
        for u, v in steps
    )
    return PathResult(
        source.ref, target.ref, direction, nodes, edges, count, capped, truncated=found.truncated
    )
