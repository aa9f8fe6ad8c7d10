"""Edges as compact arrays sorted by source, with the in-adjacency beside: one part of a base.

A base keeps its open edges in one part and its retired edges in another, so the common
query (current edges) reads the open part's neighbour lists as they are and never looks at
history. Times are stored as small codes into their sorted distinct values (a run asserts
many edges at one time), or as the times themselves when that is no smaller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

OPEN = np.iinfo(np.int64).max
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Times:
    """Times in microseconds: codes into ``values`` (sorted, distinct), or raw when None.

    Either way ``codes[i] <= rank(t)`` says "time i is at or before t", and
    ``codes[i] > rank(t)`` "time i is after t", so an interval test never decodes.
    """

    codes: npt.NDArray[Any]
    values: I64 | None = None

    @classmethod
    def encode(cls, *columns: I64) -> tuple[Times, ...]:
        """Encode columns of times against one shared dictionary (when that is smaller)."""
        every = np.concatenate([np.asarray(c, dtype=np.int64) for c in columns])
        # With the inverse, unique sorts once; without it, it hashes, and finding the codes
        # after would search every time: together about twice as slow on a million edges.
        values, codes = np.unique(every, return_inverse=True)
        dtype: type[np.unsignedinteger[Any]] = np.uint8 if values.size <= 1 << 8 else np.uint16
        if values.size > 1 << 16:
            dtype = np.uint32
        if values.nbytes + every.size * np.dtype(dtype).itemsize >= every.nbytes:
            return tuple(cls(np.ascontiguousarray(c, dtype=np.int64)) for c in columns)
        ends = np.cumsum([len(c) for c in columns])[:-1]
        return tuple(cls(part.astype(dtype), values) for part in np.split(codes, ends))

    def rank(self, when: int) -> int:
        """Return the code a time at or before ``when`` has at most."""
        if self.values is None:
            return when
        return int(np.searchsorted(self.values, when, side="right")) - 1

    def decode(self, positions: npt.NDArray[np.integer[Any]] | None = None) -> I64:
        """Return the times (of these positions, or all) in microseconds."""
        codes = self.codes if positions is None else self.codes[positions]
        if self.values is None:
            return codes.astype(np.int64)
        times: I64 = self.values[codes]
        return times

    @property
    def nbytes(self) -> int:
        """Return the memory held by the codes and the dictionary."""
        return self.codes.nbytes + (self.values.nbytes if self.values is not None else 0)


class PartViews(NamedTuple):
    """Memoryviews of a part's arrays: indexing one gives a Python int without numpy overhead."""

    out_ptr: memoryview
    dst: memoryview
    kind: memoryview
    in_ptr: memoryview
    in_src: memoryview
    in_kind: memoryview
    in_pos: memoryview
    vfrom: memoryview
    vto: memoryview | None


def gather(
    ptr: npt.NDArray[np.int32], nodes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (owner node, slot) for every CSR slot of the given nodes."""
    starts = ptr[nodes].astype(np.int64)
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    owner = np.repeat(nodes, counts)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return owner, np.arange(total, dtype=np.int64) + offsets


def _view(array: Any) -> memoryview:
    return memoryview(array)


def stable_order(keys: I32) -> npt.NDArray[np.intp] | None:
    """Return ``np.argsort(keys, kind="stable")`` for non-negative int32 keys, faster.

    NumPy sorts 16-bit keys by radix (linear time) but wider ones by comparison: two
    stable radix passes, on the low then the high 16 bits, order a million node ids
    about four times faster. None when the keys are in order already (edges often are
    read by source).
    """
    if keys.size < 2 or bool((keys[1:] >= keys[:-1]).all()):
        return None
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if int(keys.max()) <= 0xFFFF:
        return low
    high = np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


def distinct_order(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return the permutation sorting distinct non-negative int64 keys.

    Each key is packed with its position into one int64 and the values sorted: about 3x
    faster than ``argsort``, which moves an index alongside every key it compares.
    Distinct keys have one sorted order, so no stable sort is needed.
    """
    n = keys.size
    if not n or int(keys.max()) >= (2**62) // n:
        return np.argsort(keys).astype(np.int64)
    packed = keys * n + np.arange(n, dtype=np.int64)
    packed.sort()
    return packed % n


def _ptr(keys: I32, n: int) -> I32:
    ptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr


@dataclass(frozen=True, slots=True)
class Part:
    """Edges sorted by source (``dst``, ``kind``, ... by position) and their in-adjacency.

    ``out_ptr[u]:out_ptr[u + 1]`` are the positions of ``u``'s edges; by destination,
    ``in_ptr[v]:in_ptr[v + 1]`` index ``in_src``/``in_kind`` (the edge's source and kind)
    and ``in_pos`` (its position). ``vto`` is None for a part of open edges.
    """

    n: int
    dst: I32
    kind: U8
    group: I32
    vfrom: Times
    vto: Times | None
    out_ptr: I32
    in_ptr: I32
    in_src: I32
    in_kind: U8
    in_pos: I32
    views: PartViews

    @classmethod
    def build(cls, columns: dict[str, np.ndarray], n: int, *, open_: bool) -> Part:
        """Build a part from parallel columns (src, dst, kind, vfrom, vto, group)."""
        src = np.asarray(columns["src"], dtype=np.int32)
        dst = np.asarray(columns["dst"], dtype=np.int32)
        if src.size:
            n = max(n, int(src.max()) + 1, int(dst.max()) + 1)
        order = stable_order(src)

        def arranged(name: str, dtype: type[np.generic]) -> np.ndarray:
            column = np.asarray(columns[name], dtype=dtype)
            return column if order is None else column[order]

        if order is not None:
            src, dst = src[order], dst[order]
        kind = arranged("kind", np.uint8)
        by_dst = stable_order(dst)
        by_dst = np.arange(dst.size, dtype=np.int32) if by_dst is None else by_dst.astype(np.int32)
        vto: Times | None = None
        if open_:
            (since,) = Times.encode(arranged("vfrom", np.int64))
        else:
            since, vto = Times.encode(arranged("vfrom", np.int64), arranged("vto", np.int64))
        arrays: dict[str, Any] = {
            "n": n,
            "dst": dst,
            "kind": kind,
            "group": arranged("group", np.int32),
            "vfrom": since,
            "vto": vto,
            "out_ptr": _ptr(src, n),
            "in_ptr": _ptr(dst, n),
            "in_src": src[by_dst],
            "in_kind": kind[by_dst],
            "in_pos": by_dst,
        }
        views = PartViews(
            out_ptr=_view(arrays["out_ptr"]),
            dst=_view(dst),
            kind=_view(kind),
            in_ptr=_view(arrays["in_ptr"]),
            in_src=_view(arrays["in_src"]),
            in_kind=_view(arrays["in_kind"]),
            in_pos=_view(by_dst),
            vfrom=_view(since.codes),
            vto=_view(vto.codes) if vto is not None else None,
        )
        return cls(views=views, **arrays)

    @property
    def size(self) -> int:
        """Return the number of edges."""
        return int(self.dst.size)

    def src(self, positions: npt.NDArray[np.integer[Any]] | None = None) -> I32:
        """Return the sources of the edges at these positions (or of all)."""
        if positions is None:
            counts = np.diff(self.out_ptr)
            return np.repeat(np.arange(self.n, dtype=np.int32), counts)
        found = np.searchsorted(self.out_ptr, positions, side="right") - 1
        return found.astype(np.int32)

    def valid_at(self, positions: npt.NDArray[np.integer[Any]], when: int) -> Bools:
        """Return which edges at these positions were valid at ``when``."""
        ok: Bools = self.vfrom.codes[positions] <= self.vfrom.rank(when)
        if self.vto is None:
            ok &= when < OPEN
        else:
            ok &= self.vto.codes[positions] > self.vto.rank(when)
        return ok

    def neighbours(
        self, u: int, alive: Bools, offset: int, *, down: bool, as_of: int | None
    ) -> list[tuple[int, int]]:
        """Return (neighbour, kind) of ``u``'s alive edges valid now or at ``as_of``.

        ``alive`` is the graph's mask by base position; this part's edges start there at
        ``offset``.
        """
        v = self.views
        found: list[tuple[int, int]] = []
        start, end = (v.out_ptr[u], v.out_ptr[u + 1]) if down else (v.in_ptr[u], v.in_ptr[u + 1])
        since = self.vfrom.rank(as_of) if as_of is not None else 0
        until = self.vto.rank(as_of) if as_of is not None and self.vto is not None else 0
        for slot in range(start, end):
            p = slot if down else v.in_pos[slot]
            if not alive[offset + p]:
                continue
            if as_of is not None:
                if v.vfrom[p] > since:
                    continue
                if (v.vto is None and as_of >= OPEN) or (v.vto is not None and v.vto[p] <= until):
                    continue
            found.append((v.dst[slot], v.kind[slot]) if down else (v.in_src[slot], v.in_kind[slot]))
        return found

    def expand(
        self, frontier: I64, alive: Bools, offset: int, *, down: bool, as_of: int | None
    ) -> tuple[I64, I64, I64]:
        """Return (sources, neighbours, kinds) of the frontier's alive edges, vectorised."""
        owner, slots = gather(self.out_ptr if down else self.in_ptr, frontier[frontier < self.n])
        pos = slots if down else self.in_pos[slots]
        ok = alive[pos + offset]
        if as_of is not None:
            ok &= self.valid_at(pos, as_of)
        slots = slots[ok]
        nbr, kinds = (self.dst, self.kind) if down else (self.in_src, self.in_kind)
        return owner[ok], nbr[slots].astype(np.int64), kinds[slots].astype(np.int64)

    def until(self) -> I64:
        """Return every edge's valid-to time (``OPEN`` while valid)."""
        return self.vto.decode() if self.vto is not None else np.full(self.size, OPEN)

    def columns(self) -> dict[str, np.ndarray]:
        """Return the edges as the parallel columns ``build`` takes (times decoded)."""
        return {
            "src": self.src(),
            "dst": self.dst,
            "kind": self.kind,
            "vfrom": self.vfrom.decode(),
            "vto": self.until(),
            "group": self.group,
        }

    @property
    def nbytes(self) -> int:
        """Return the memory held by the arrays."""
        arrays = (self.dst, self.kind, self.group, self.out_ptr, self.in_ptr)
        more = (self.in_src, self.in_kind, self.in_pos)
        times = self.vfrom.nbytes + (self.vto.nbytes if self.vto is not None else 0)
        return sum(a.nbytes for a in (*arrays, *more)) + times
