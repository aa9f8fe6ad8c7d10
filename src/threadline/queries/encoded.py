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
import orjson
from sqlalchemy import Connection

from threadline.index import IndexState
from threadline.index.loader import KIND_NAMES, chunks
from threadline.model import Resolved
from threadline.queries.lineage import reach, start_for
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
    reached, flow, reason = reach(start, opts)
    nodes, depths = reached.nodes.tolist(), reached.depths.tolist()
    text.ensure(conn, state.epoch, nodes)
    head, tail, refs = text.head, text.tail, text.refs
    kinds = state.nodes.kind
    kind_json = [orjson.dumps(name) for name in state.nodes.kind_names]
    kept = [(d, refs[n], n) for n, d in zip(nodes, depths, strict=True) if n in head]
    kept.sort()
    codes = kinds[np.array([n for _d, _r, n in kept], dtype=np.int64)].tolist() if kept else []
    node_parts = [
        b'%b%b,"depth":%d,%b' % (head[n], kind_json[code], d, tail[n])
        for (d, _r, n), code in zip(kept, codes, strict=True)
    ]
    ref_json = text.ref_json
    edge_names = {code: orjson.dumps(name) for code, name in KIND_NAMES.items()}
    edge_parts = [
        b'{"source":%b,"target":%b,"kind":%b}'
        % (ref_json[u], ref_json[v], edge_names.get(k, b'"edge"'))
        for u, v, k in flow
        if u in head and v in head
    ]
    return b'{"root":%b,"direction":%b,"granularity":"entity","asOf":%b,"nodes":[%b],' % (
        orjson.dumps(root.ref),
        orjson.dumps(opts.direction),
        orjson.dumps(format_iso_us(opts.as_of)),
        b",".join(node_parts),
    ) + b'"edges":[%b],"truncated":%b,"truncatedReason":%b}' % (
        b",".join(edge_parts),
        orjson.dumps(reason is not None),
        orjson.dumps(reason),
    )
