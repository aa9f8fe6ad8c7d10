"""A compact, immutable edge graph: CSR arrays for a base, a small delta, cheap snapshots.

Edges carry a validity interval ``[valid_from, valid_to)`` (``OPEN`` when still valid) and
a *group* (the job or run that asserted them): when a group changes, all its edges are
replaced. A graph is never mutated: ``replace_groups`` returns a new graph sharing the
base arrays, so readers traverse a consistent snapshot without locks. When the delta
grows past a fraction of the base, the next replacement compacts everything into a new
base.

Two adjacencies are kept: a *temporal* one over every edge (for ``as_of`` queries) and a
*current* one over the open edges only (the common query), whose neighbour lists are read
without any per-edge check for nodes untouched since the base was built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

OPEN = np.iinfo(np.int64).max
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


class Edge(NamedTuple):
    """One edge as the loader produces it."""

    src: int
    dst: int
    kind: int
    valid_from: int
    valid_to: int
    group: int


def _csr(keys: I32, n: int) -> tuple[I32, I32]:
    """Return (ptr, order): ``order[ptr[k]:ptr[k+1]]`` are the positions with key ``k``."""
    order = np.argsort(keys, kind="stable").astype(np.int32)
    ptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order


class Views(NamedTuple):
    """Memoryviews of the arrays: indexing one gives a Python int without numpy overhead."""

    cur_out_ptr: memoryview
    cur_out: memoryview
    cur_out_kind: memoryview
    cur_in_ptr: memoryview
    cur_in: memoryview
    cur_in_kind: memoryview
    out_ptr: memoryview
    out_pos: memoryview
    in_ptr: memoryview
    in_pos: memoryview
    src: memoryview
    dst: memoryview
    kind: memoryview
    vfrom: memoryview
    vto: memoryview

    @classmethod
    def of(cls, arrays: dict[str, Any]) -> Views:
        """Take views of the named arrays."""
        return cls(*(memoryview(arrays[name]) for name in cls._fields))


@dataclass(frozen=True, slots=True)
class Base:
    """The compacted edges as parallel arrays, with both adjacencies built."""

    n: int
    src: I32
    dst: I32
    kind: npt.NDArray[np.uint8]
    vfrom: I64
    vto: I64
    group: I32
    out_ptr: I32
    out_pos: I32
    in_ptr: I32
    in_pos: I32
    cur_out_ptr: I32
    cur_out: I32
    cur_out_kind: npt.NDArray[np.uint8]
    cur_in_ptr: I32
    cur_in: I32
    cur_in_kind: npt.NDArray[np.uint8]
    views: Views
    # Neighbour tuples of nodes already traversed (current edges): a bounded, warm cache
    # that makes small traversals cost what a list-of-lists graph costs.
    cache_out: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False)
    cache_in: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls, edges: Sequence[Edge] | None, n: int, arrays: dict[str, np.ndarray] | None = None
    ) -> Base:
        """Build a base from edges (or ready parallel arrays) over node ids below ``n``."""
        if arrays is None:
            rows = np.array(edges or [], dtype=np.int64).reshape(-1, 6)
            arrays = {
                "src": rows[:, 0],
                "dst": rows[:, 1],
                "kind": rows[:, 2],
                "vfrom": rows[:, 3],
                "vto": rows[:, 4],
                "group": rows[:, 5],
            }
        # Edges are kept in group order, so a group's edges are one searchsorted range.
        by_group = np.argsort(np.asarray(arrays["group"]), kind="stable")
        a: dict[str, Any] = {
            name: np.ascontiguousarray(np.asarray(arrays[name])[by_group], dtype=dtype)
            for name, dtype in (
                ("src", np.int32),
                ("dst", np.int32),
                ("kind", np.uint8),
                ("vfrom", np.int64),
                ("vto", np.int64),
                ("group", np.int32),
            )
        }
        a["out_ptr"], a["out_pos"] = _csr(a["src"], n)
        a["in_ptr"], a["in_pos"] = _csr(a["dst"], n)
        current = a["vto"] == OPEN
        cur_src, cur_dst, cur_kind = a["src"][current], a["dst"][current], a["kind"][current]
        a["cur_out_ptr"], order = _csr(cur_src, n)
        a["cur_out"], a["cur_out_kind"] = cur_dst[order], cur_kind[order]
        a["cur_in_ptr"], order = _csr(cur_dst, n)
        a["cur_in"], a["cur_in_kind"] = cur_src[order], cur_kind[order]
        return cls(n=n, views=Views.of(a), **a)

    def positions_of(self, groups: Iterable[int]) -> I32:
        """Return the base positions of every edge in the given groups."""
        wanted = np.fromiter(groups, dtype=np.int32)
        if wanted.size == 0 or self.group.size == 0:
            return np.zeros(0, dtype=np.int32)
        left = np.searchsorted(self.group, wanted, side="left")
        right = np.searchsorted(self.group, wanted, side="right")
        parts = [np.arange(a, b, dtype=np.int32) for a, b in zip(left, right, strict=True) if b > a]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)

    @property
    def nbytes(self) -> int:
        """Return the memory held by the arrays."""
        return sum(
            getattr(self, name).nbytes
            for name in self.__dataclass_fields__
            if name not in ("n", "views", "cache_out", "cache_in")
        )


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
    def from_base(cls, base: Base) -> Graph:
        """Return a graph that is exactly the base."""
        return cls(base=base, alive=np.ones(base.src.size, dtype=np.bool_), n=base.n)

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
            dirty.update(self.base.src[positions].tolist())
            dirty.update(self.base.dst[positions].tolist())
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
        dead = graph.base.src.size - int(alive.sum())
        if (
            graph.delta_size + dead > max(50_000, graph.base.src.size // 10)
            or n > graph.base.n * 2 + 1024
        ):
            return graph.compacted()
        return graph

    def compacted(self) -> Graph:
        """Return the same edges with everything folded into a new base."""
        b = self.base
        keep = self.alive
        extra = [edge for edges in self.delta_groups.values() for edge in edges]
        rows = np.array(extra, dtype=np.int64).reshape(-1, 6)
        arrays = {
            name: np.concatenate([getattr(b, name)[keep], rows[:, i]])
            for i, name in enumerate(("src", "dst", "kind", "vfrom", "vto", "group"))
        }
        return Graph.from_base(Base.build(None, max(self.n, b.n), arrays))


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
