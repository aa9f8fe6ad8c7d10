"""Whole-graph edge sets at a point in time, computed over the index arrays at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from threadline.index.graph import OPEN, Graph

Rows = npt.NDArray[np.int64]


def valid_edges(graph: Graph, as_of: int | None) -> Rows:
    """Return rows (src, dst, kind) of the graph's edges valid at ``as_of`` (None: now)."""
    b = graph.base
    ok = graph.alive.copy()
    ok &= (b.vto == OPEN) if as_of is None else ((b.vfrom <= as_of) & (b.vto > as_of))
    rows = np.stack([b.src[ok], b.dst[ok], b.kind[ok]], axis=1).astype(np.int64)
    extra = [
        (e.src, e.dst, e.kind)
        for edges in graph.delta_groups.values()
        for e in edges
        if ((e.valid_to == OPEN) if as_of is None else (e.valid_from <= as_of < e.valid_to))
    ]
    if extra:
        rows = np.concatenate([rows, np.array(extra, dtype=np.int64)])
    return np.unique(rows, axis=0) if rows.size else rows.reshape(0, 3)


def _keys(rows: Rows) -> npt.NDArray[np.int64]:
    # Node ids are below 2**28 and kinds below 2**7: one int64 identifies an edge.
    return (rows[:, 0] << 35) | (rows[:, 1] << 7) | rows[:, 2]


def difference(first: Rows, second: Rows) -> Rows:
    """Return the rows of ``first`` that are not in ``second``."""
    if not first.size:
        return first
    return first[~np.isin(_keys(first), _keys(second))]
