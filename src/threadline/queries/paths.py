"""How does A reach B: the shortest directed path and the number of distinct paths."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from threadline.errors import InvalidParameter
from threadline.index import IndexState
from threadline.index.loader import KIND_NAMES
from threadline.index.traverse import Reach
from threadline.model import LineageEdge, LineageNode, Resolved
from threadline.queries.lineage import describe, search_from, start_for
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
    truncated_reason: str | None = None


@dataclass(frozen=True, slots=True)
class PathCount:
    """How many simple paths of at most ``depth`` edges join the sources to the targets."""

    count: int
    capped: bool  # the count reached the cap: there are at least this many
    timed_out: bool  # the time budget ran out while counting: there are at least this many


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
    *,
    depth: int,
    to_target: dict[int, int],
    cap: int = PATH_COUNT_CAP,
    deadline: float | None = None,
) -> PathCount:
    """Count distinct simple paths of at most ``depth`` edges from a source to a target.

    ``to_target`` gives each node's distance to the nearest target (nodes without one lie
    on no path). A DAG is counted by dynamic programming over path lengths; a graph with
    cycles by a depth-first enumeration. Both stop at ``cap`` and at the deadline.
    """
    succ: dict[int, list[int]] = defaultdict(list)
    for u, v in set(edges):
        if v in to_target:
            succ[u].append(v)
    if _acyclic(succ, sources):
        return _count_dag(succ, sources, targets, depth, to_target, cap, deadline)
    return _enumerate(succ, sources, targets, depth, to_target, cap, deadline)


def _acyclic(succ: dict[int, list[int]], sources: set[int]) -> bool:
    state: dict[int, int] = {}
    for root in sources:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                return False
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return True


def _count_dag(
    succ: dict[int, list[int]],
    sources: set[int],
    targets: set[int],
    depth: int,
    to_target: dict[int, int],
    cap: int,
    deadline: float | None,
) -> PathCount:
    # ways[v] = paths of exactly ``length`` edges from a source to v; in a DAG every walk is
    # a simple path. A node is kept only while it can still reach a target within depth.
    ways = {s: 1 for s in sources if to_target.get(s, depth + 1) <= depth}
    count = sum(ways.get(t, 0) for t in targets)
    for length in range(1, depth + 1):
        if count >= cap or not ways:
            break
        if deadline is not None and time.monotonic() > deadline:
            return PathCount(min(count, cap), False, True)
        nxt: dict[int, int] = {}
        for u, n in ways.items():
            for v in succ[u]:
                if length + to_target[v] <= depth:
                    nxt[v] = min(cap, nxt.get(v, 0) + n)
        ways = nxt
        count += sum(ways.get(t, 0) for t in targets)
    return PathCount(min(count, cap), count >= cap, False)


def _enumerate(
    succ: dict[int, list[int]],
    sources: set[int],
    targets: set[int],
    depth: int,
    to_target: dict[int, int],
    cap: int,
    deadline: float | None,
) -> PathCount:
    count = sum(1 for s in sources if s in targets)
    for source in sources:
        stack, on_path = [(source, iter(succ[source]))], {source}
        while stack:
            if count >= cap:
                return PathCount(cap, True, False)
            if deadline is not None and time.monotonic() > deadline:
                return PathCount(count, False, True)
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                on_path.discard(node)
            elif nxt not in on_path and len(stack) + to_target[nxt] <= depth:
                if nxt in targets:
                    count += 1
                on_path.add(nxt)
                stack.append((nxt, iter(succ[nxt])))
    return PathCount(min(count, cap), count >= cap, False)


def path(
    conn: Connection, state: IndexState, source: Resolved, target: Resolved, opts: QueryOptions
) -> PathResult:
    """Find how ``source`` reaches ``target`` (downstream), or is reached by it (upstream).

    Every search of one question shares one time budget; a search cut by the node limit or
    the budget marks the answer truncated, found or not.
    """
    for name, given in (("kinds", opts.kinds), ("namespaces", opts.namespaces)):
        if given:
            raise InvalidParameter(
                f"path does not take {name}: a path runs through whatever lies between the "
                f"two nodes; filter the lineage route's answer instead"
            )
    deadline = time.monotonic() + opts.budget_ms / 1000
    start = start_for(conn, state, source, opts)
    targets = set(start_for(conn, state, target, opts).roots)
    directions = ["downstream", "upstream"] if opts.direction == "both" else [opts.direction]
    reason: str | None = None
    for direction in directions:
        down = direction == "downstream"
        found = search_from(start, opts, down=down, deadline=deadline, parents=True)
        reason = reason or found.reason
        chain = _shortest(found, targets)
        if not chain:
            continue
        back = search_from(
            replace(start, roots=sorted(targets & set(found.nodes.tolist()))),
            opts,
            down=not down,
            deadline=deadline,
            parents=True,
        )
        reason = reason or back.reason
        to_target = dict(zip(back.nodes.tolist(), back.depths.tolist(), strict=True))
        for i, node in enumerate(chain):  # a back search cut short may have missed the path
            to_target.setdefault(node, len(chain) - 1 - i)
        pairs = [(u, v) for u, v, _k in found.edges.tolist() if u in to_target and v in to_target]
        counted = count_paths(
            pairs,
            set(start.roots),
            targets,
            depth=opts.depth,
            to_target=to_target,
            deadline=deadline,
        )
        reason = reason or ("time" if counted.timed_out else None)
        return _result(
            conn, start.level, (source, target), direction, chain, found, counted, reason
        )
    return PathResult(source.ref, target.ref, None, (), (), 0, False, reason is not None, reason)


def _result(
    conn: Connection,
    level: str,
    ends: tuple[Resolved, Resolved],
    direction: str,
    chain: list[int],
    found: Reach,
    counted: PathCount,
    reason: str | None,
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
        ends[0].ref,
        ends[1].ref,
        direction,
        nodes,
        edges,
        counted.count,
        counted.capped,
        truncated=reason is not None,
        truncated_reason=reason,
    )
