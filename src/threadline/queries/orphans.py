"""Orphans: datasets that nothing writes, that nothing reads, or that nothing touches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter
from threadline.index import IndexState
from threadline.index.loader import EDGE_KINDS, NODE_DATASET
from threadline.model import NodeInfo
from threadline.queries.edgesets import valid_edges
from threadline.queries.hydrate import describe_entities
from threadline.queries.options import QueryOptions
from threadline.store.tables import datasets, namespaces

WRITE_KINDS = (EDGE_KINDS["output"], EDGE_KINDS["derived"], EDGE_KINDS["rename"])
READ_KINDS = (EDGE_KINDS["input"], EDGE_KINDS["derived"], EDGE_KINDS["rename"])


@dataclass(frozen=True, slots=True)
class OrphansResult:
    """Datasets without a known writer, without a reader, or without either."""

    as_of: int | None
    unwritten: tuple[NodeInfo, ...]
    unread: tuple[NodeInfo, ...]
    isolated: tuple[NodeInfo, ...]
    truncated: bool
    truncated_reason: str | None = None


def namespace_ids(conn: Connection, names: frozenset[str]) -> set[int]:
    """Return the ids of the named namespaces (unknown names have none)."""
    rows = conn.execute(select(namespaces.c.id).where(namespaces.c.name.in_(sorted(names))))
    return {int(row.id) for row in rows}


def _candidates(conn: Connection, state: IndexState, opts: QueryOptions) -> npt.NDArray[np.bool_]:
    nodes = state.nodes
    candidates: npt.NDArray[np.bool_] = (nodes.type == NODE_DATASET) & ~nodes.hidden
    if opts.namespaces:
        candidates &= np.isin(nodes.namespace, list(namespace_ids(conn, opts.namespaces)))
    if opts.kinds and "dataset" not in opts.kinds:
        codes = [i for i, name in enumerate(nodes.kind_names) if name in opts.kinds]
        candidates &= np.isin(nodes.kind, codes)
    return candidates


def orphans(conn: Connection, state: IndexState, opts: QueryOptions) -> OrphansResult:
    """List datasets that nothing writes, that nothing reads, and that nothing touches.

    ``kinds`` keeps datasets of those semantic kinds (``dataset`` keeps every one),
    ``namespaces`` those of the namespaces; orphans are an entity-level question.

    Raises:
        InvalidParameter: a granularity other than ``entity``.
    """
    if opts.granularity != "entity":
        raise InvalidParameter(
            f"orphans does not take granularity {opts.granularity!r}: orphans are datasets "
            "without readers or writers, an entity-level question; use granularity=entity"
        )
    rows = valid_edges(state.entity, opts.as_of)
    n = state.nodes.type.size
    written = np.zeros(n, dtype=np.bool_)
    read = np.zeros(n, dtype=np.bool_)
    written[rows[np.isin(rows[:, 2], WRITE_KINDS), 1]] = True
    read[rows[np.isin(rows[:, 2], READ_KINDS), 0]] = True
    ids = np.nonzero(_candidates(conn, state, opts))[0]
    if opts.as_of is not None:
        query = select(datasets.c.id).where(datasets.c.created_us <= opts.as_of)
        existed = {int(row.id) for row in conn.execute(query)}
        ids = np.array([i for i in ids.tolist() if i in existed], dtype=np.int64)
    unwritten = [i for i in ids.tolist() if not written[i] and read[i]]
    unread = [i for i in ids.tolist() if written[i] and not read[i]]
    isolated = [i for i in ids.tolist() if not written[i] and not read[i]]
    truncated = max(len(unwritten), len(unread), len(isolated)) > opts.limit
    picked = [group[: opts.limit] for group in (unwritten, unread, isolated)]
    info = describe_entities(conn, [i for group in picked for i in group])
    lists = [
        tuple(sorted((info[i] for i in group if i in info), key=lambda x: x.ref))
        for group in picked
    ]
    reason = "limit" if truncated else None
    return OrphansResult(opts.as_of, lists[0], lists[1], lists[2], truncated, reason)
