"""Entity-level lineage answers as JSON bytes, from node text encoded once per process.

A dataset's or job's reference, namespace and name never change for its node id (a rename
makes a new node), so their JSON is encoded once, on the first answer that reaches the
node, and kept until a rebuild changes the projection epoch. What can change, the semantic
kind, is read from the lineage index of the same answer, which follows the log. An answer
is then joined from those bytes without a Python object per node, and is byte for byte
what encoding ``queries.lineage.lineage`` with ``wire.lineage_json`` gives.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Connection

from threadline.index import IndexState
from threadline.index.loader import KIND_NAMES, chunks
from threadline.model import Resolved
from threadline.queries.lineage import reach_rows, start_for
from threadline.queries.options import QueryOptions
from threadline.refs import format_ref
from threadline.store.rawsql import RawSql
from threadline.times import format_iso_us


def encodable(opts: QueryOptions) -> bool:
    """Say whether an answer can be joined from pre-encoded node text (entity, no filters)."""
    return opts.granularity == "entity" and not opts.kinds and not opts.namespaces


class NodeText:
    """Pre-encoded JSON of datasets and jobs by node id, for one projection epoch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch: str | None = None
        self.refs: dict[int, str] = {}
        self.ref_json: dict[int, bytes] = {}
        self.head: dict[int, bytes] = {}  # '{"id":…,"type":…,"kind":'
        self.tail: dict[int, bytes] = {}  # '"namespace":…,"name":…}'

    def ensure(self, conn: Connection, epoch: str, node_ids: list[int]) -> None:
        """Encode the nodes not encoded yet (one batched read per table)."""
        with self._lock:
            if epoch != self._epoch:
                self.refs, self.ref_json, self.head, self.tail = {}, {}, {}, {}
                self._epoch = epoch
            missing = sorted(n for n in node_ids if n not in self.head)
            if missing:
                self._load(RawSql(conn), missing)

    def _load(self, sql: RawSql, missing: list[int]) -> None:
        for table, kind in (("datasets", "dataset"), ("jobs", "job")):
            for chunk in chunks(missing):
                marks = ", ".join("?" * len(chunk))
                query = f"SELECT id, namespace, name FROM {table} WHERE id IN ({marks})"
                for node, namespace, name in sql.all(query, chunk):
                    ref = format_ref(kind, namespace, name)
                    ref_json = orjson.dumps(ref)
                    self.refs[node], self.ref_json[node] = ref, ref_json
                    self.head[node] = b'{"id":%b,"type":"%b","kind":' % (ref_json, kind.encode())
                    self.tail[node] = b'"namespace":%b,"name":%b}' % (
                        orjson.dumps(namespace),
                        orjson.dumps(name),
                    )


def encoded_lineage(
    conn: Connection, state: IndexState, root: Resolved, opts: QueryOptions, text: NodeText
) -> bytes:
    """Answer an entity-level traversal as the JSON bytes of ``wire.lineage_json``."""
    start = start_for(conn, state, root, opts)
    reached, rows, reason = reach_rows(start, opts)
    text.ensure(conn, state.epoch, reached.nodes.tolist())
    head, tail, refs, ref_json = text.head, text.tail, text.refs, text.ref_json
    nodes, depths = _described(reached.nodes, reached.depths, head)
    if nodes.size < reached.nodes.size:  # a node the store does not describe is left out
        rows = rows[np.isin(rows[:, 0], nodes) & np.isin(rows[:, 1], nodes)]
    # Sorted by depth, then reference, as the general path sorts.
    ids_in = nodes.tolist()
    ordered = sorted(zip(depths.tolist(), map(refs.__getitem__, ids_in), ids_in, strict=True))
    ids = [n for _d, _r, n in ordered]
    kind_json = [orjson.dumps(name) for name in state.nodes.kind_names]
    codes = state.nodes.kind[np.array(ids, dtype=np.int64)].tolist() if ids else []
    top = max(depths.tolist(), default=0)
    depth_json = [b',"depth":%d,' % d for d in range(top + 1)]
    node_parts = map(
        b"".join,
        zip(
            map(head.__getitem__, ids),
            map(kind_json.__getitem__, codes),
            map(depth_json.__getitem__, [d for d, _r, _n in ordered]),
            map(tail.__getitem__, ids),
            strict=True,
        ),
    )
    sources = {n: b'{"source":%b,"target":' % ref_json[n] for n in set(rows[:, 0].tolist())}
    kinds = {code: b',"kind":%b}' % orjson.dumps(name) for code, name in KIND_NAMES.items()}
    edge_kinds = [kinds.get(k, b',"kind":"edge"}') for k in rows[:, 2].tolist()]
    edge_parts = map(
        b"".join,
        zip(
            map(sources.__getitem__, rows[:, 0].tolist()),
            map(ref_json.__getitem__, rows[:, 1].tolist()),
            edge_kinds,
            strict=True,
        ),
    )
    return b"".join(
        (
            b'{"root":%b,"direction":%b,"granularity":"entity","asOf":%b,"nodes":['
            % (
                orjson.dumps(root.ref),
                orjson.dumps(opts.direction),
                orjson.dumps(format_iso_us(opts.as_of)),
            ),
            b",".join(node_parts),
            b'],"edges":[',
            b",".join(edge_parts),
            b'],"truncated":%b,"truncatedReason":%b}'
            % (orjson.dumps(reason is not None), orjson.dumps(reason)),
        )
    )


def _described(
    nodes: npt.NDArray[np.int64], depths: npt.NDArray[np.int64], head: dict[int, bytes]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Keep the nodes that have text (every dataset and job the store holds)."""
    known = np.fromiter((n in head for n in nodes.tolist()), dtype=np.bool_, count=nodes.size)
    if known.all():
        return nodes, depths
    return nodes[known], depths[known]
