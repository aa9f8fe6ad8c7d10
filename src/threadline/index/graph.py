"""A compact, immutable edge graph: CSR arrays for a base, a small delta, cheap snapshots.

Edges carry a validity interval ``[valid_from, valid_to)`` (``OPEN`` when still valid) and
a *group* (the job or run that asserted them): when a group changes, all its edges are
replaced. A graph is never mutated: ``replace_groups`` returns a new graph sharing the
base arrays, so readers traverse a consistent snapshot without locks. When the delta
grows past a fraction of the base, the next replacement compacts everything into a new
base.

The base keeps its open edges and its retired edges in two parts (``part.Part``), each
sorted by source with its in-adjacency beside: a current query reads the open part's
neighbour lists without any per-edge check for nodes untouched since the base was built,
and an ``as_of`` query reads both parts. A base position ``p`` is the open part's edge
``p`` below ``open.size``, else the retired part's edge ``p - open.size``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from threadline.index.part import I32, I64, OPEN, Part

COLUMNS = ("src", "dst", "kind", "vfrom", "vto", "group")
__all__ = ["I32", "I64", "OPEN", "Base", "Edge", "Graph", "Views"]


class Edge(NamedTuple):
    """One edge as the loader produces it."""

    src: int
    dst: int
    kind: int
    valid_from: int
    valid_to: int
    group: int


class Views(NamedTuple):
    """Memoryviews of the open part's adjacency, for the traversal's hot Python loops."""

    cur_out_ptr: memoryview
    cur_out: memoryview
    cur_out_kind: memoryview
    cur_in_ptr: memoryview
    cur_in: memoryview
    cur_in_kind: memoryview


def edge_columns(edges: Sequence[Edge]) -> dict[str, np.ndarray]:
    """Return edges as the parallel columns ``Base.build`` takes."""
    rows = np.array(edges or [], dtype=np.int64).reshape(-1, 6)
    return {name: rows[:, i] for i, name in enumerate(COLUMNS)}


@dataclass(frozen=True, slots=True)
class Base:
    """The compacted edges: the open ones in one part, the retired ones in another."""

    n: int
    open: Part
    retired: Part
    views: Views
    # Neighbour tuples of nodes already traversed (current edges): a bounded, warm cache
    # that makes small traversals cost what a list-of-lists graph costs.
    cache_out: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False)
    cache_in: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls, edges: Sequence[Edge] | None, n: int, arrays: dict[str, np.ndarray] | None = None
    ) -> Base:
        """Build a base from edges (or ready parallel columns) over node ids below ``n``.

        ``n`` is a floor: the open part's pointer arrays cover every node id of its edges.
        """
        columns = arrays if arrays is not None else edge_columns(edges or [])
        current = np.asarray(columns["vto"]) == OPEN
        every = bool(current.all())
        cur = Part.build(
            {k: np.asarray(v) if every else np.asarray(v)[current] for k, v in columns.items()},
            n,
            open_=True,
        )
        old = Part.build({k: np.asarray(v)[~current] for k, v in columns.items()}, 0, open_=False)
        v = cur.views
        views = Views(v.out_ptr, v.dst, v.kind, v.in_ptr, v.in_src, v.in_kind)
        return cls(n=cur.n, open=cur, retired=old, views=views)

    @property
    def size(self) -> int:
        """Return the number of edges (open and retired)."""
        return self.open.size + self.retired.size

    @property
    def parts(self) -> tuple[tuple[Part, int], tuple[Part, int]]:
        """Return each part with the base position of its first edge."""
        return (self.open, 0), (self.retired, self.open.size)

    # Whole-graph columns by base position (decoded on each call; for whole-graph queries).
    @property
    def src(self) -> I32:
        """Return every edge's source."""
        return np.concatenate([self.open.src(), self.retired.src()])

    @property
    def dst(self) -> I32:
        """Return every edge's destination."""
        return np.concatenate([self.open.dst, self.retired.dst])

    @property
    def kind(self) -> npt.NDArray[np.uint8]:
        """Return every edge's kind code."""
        return np.concatenate([self.open.kind, self.retired.kind])

    @property
    def vfrom(self) -> I64:
        """Return every edge's valid-from time."""
        return np.concatenate([self.open.vfrom.decode(), self.retired.vfrom.decode()])

    @property
    def vto(self) -> I64:
        """Return every edge's valid-to time (``OPEN`` while valid)."""
        return np.concatenate([self.open.until(), self.retired.until()])

    def columns(self) -> dict[str, np.ndarray]:
        """Return every edge as parallel columns by base position (times decoded)."""
        first, second = self.open.columns(), self.retired.columns()
        return {name: np.concatenate([first[name], second[name]]) for name in COLUMNS}

    def positions_of(self, groups: Iterable[int]) -> I64:
        """Return the base positions of every edge in the given groups."""
        wanted = np.fromiter(groups, dtype=np.int64)
        if wanted.size == 0 or self.size == 0:
            return np.zeros(0, dtype=np.int64)
        # One vectorised pass over the groups: a few ms per million edges, and no group
        # index to hold (the groups are only looked up when the log moves on).
        return np.concatenate(
            [np.flatnonzero(np.isin(part.group, wanted)) + start for part, start in self.parts]
        )

    def endpoints(self, positions: I64) -> tuple[I32, I32]:
        """Return the sources and destinations of the edges at these base positions."""
        split = self.open.size
        first, second = positions[positions < split], positions[positions >= split] - split
        src = np.concatenate([self.open.src(first), self.retired.src(second)])
        dst = np.concatenate([self.open.dst[first], self.retired.dst[second]])
        return src, dst

    @property
    def nbytes(self) -> int:
        """Return the memory held by the arrays."""
        return self.open.nbytes + self.retired.nbytes


@dataclass(frozen=True, slots=True)
class Graph:
    """A snapshot: a base, the base edges replaced since, and the edges added since."""

    base: Base
    alive: npt.NDArray[np.bool_]
    dirty: frozenset[int] = frozenset()
    delta_out: dict[int, tuple[Edge, ...]] = field(default_factory=dict)
    delta_in: dict[int, tuple[Edge, ...]] = field(default_factory=dict)
    delta_groups: dict[int, tuple[Edge, ...]] = field(default_factory=dict)
    n: int = 0
    special_out: frozenset[int] = frozenset()
    special_in: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        # Nodes whose neighbours are not just the base's current adjacency list.
        object.__setattr__(self, "special_out", self.dirty | frozenset(self.delta_out))
        object.__setattr__(self, "special_in", self.dirty | frozenset(self.delta_in))

    @classmethod
    def empty(cls, n: int = 0) -> Graph:
        """Return a graph without edges."""
        return cls.from_base(Base.build([], n))

    @classmethod
    def from_base(cls, base: Base, n: int = 0) -> Graph:
        """Return a graph that is exactly the base (over at least ``n`` node ids)."""
        # Every edge alive: a read-only broadcast holds no memory until one is replaced.
        alive = np.broadcast_to(np.True_, (base.size,))
        return cls(base=base, alive=alive, n=max(n, base.n, base.retired.n))

    @property
    def delta_size(self) -> int:
        """Return how many edges live outside the base."""
        return sum(len(edges) for edges in self.delta_groups.values())

    @property
    def edge_count(self) -> int:
        """Return the number of edges (open or retired)."""
        return int(self.alive.sum()) + self.delta_size

    def replace_groups(self, groups: dict[int, list[Edge]], n: int) -> Graph:
        """Return a new snapshot where each group's edges are exactly the ones given."""
        n = max(n, self.n)
        positions = self.base.positions_of(groups)
        alive = self.alive
        dirty = set(self.dirty)
        if positions.size:
            alive = alive.copy()
            alive[positions] = False
            for ends in self.base.endpoints(positions):
                dirty.update(ends.tolist())
        delta_groups = dict(self.delta_groups)
        for group, edges in groups.items():
            old = delta_groups.pop(group, ())
            for edge in old:
                dirty.update((edge.src, edge.dst))
            if edges:
                delta_groups[group] = tuple(edges)
        graph = Graph(
            self.base, alive, frozenset(dirty), *_index_delta(delta_groups), delta_groups, n
        )
        # New nodes' edges live in the delta, so its size alone bounds the work outside
        # the base's arrays.
        dead = graph.base.size - int(alive.sum())
        if graph.delta_size + dead > max(50_000, graph.base.size // 10):
            return graph.compacted()
        return graph

    def compacted(self) -> Graph:
        """Return the same edges with everything folded into a new base."""
        b = self.base
        keep = np.asarray(self.alive)
        every = b.columns()
        extra = edge_columns([edge for edges in self.delta_groups.values() for edge in edges])
        arrays = {
            name: np.concatenate([every[name][keep].astype(np.int64), extra[name]])
            for name in COLUMNS
        }
        return Graph.from_base(Base.build(None, b.n, arrays), self.n)


def _index_delta(
    groups: dict[int, tuple[Edge, ...]],
) -> tuple[dict[int, tuple[Edge, ...]], dict[int, tuple[Edge, ...]]]:
    out: dict[int, list[Edge]] = {}
    into: dict[int, list[Edge]] = {}
    for edges in groups.values():
        for edge in edges:
            out.setdefault(edge.src, []).append(edge)
            into.setdefault(edge.dst, []).append(edge)
    return ({k: tuple(v) for k, v in out.items()}, {k: tuple(v) for k, v in into.items()})
