"""Pre-encoded JSON of datasets and jobs by node id, held in arrays, one projection epoch.

A dataset's or job's reference, namespace and name never change for its node id (a rename
makes a new node), so their JSON is encoded once, on the first answer that reaches the
node, and kept until a rebuild changes the projection epoch. The pieces live in object
arrays indexed by node id, with each node's rank in reference order, so an answer picks,
orders and joins them with array operations instead of Python work per node. Every change
makes a new ``Texts``: a query keeps the one it was given, whatever other queries add.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Connection

from threadline.index.loader import EDGE_KINDS, chunks
from threadline.refs import format_ref
from threadline.store.rawsql import RawSql

Objects = npt.NDArray[np.object_]
Kinds = tuple[npt.NDArray[np.uint16], tuple[str, ...]]
G = TypeVar("G", bound=np.generic)


@dataclass(frozen=True, slots=True)
class Texts:
    """The encoded pieces of the nodes known so far, by node id (one immutable generation).

    ``body`` is a node's whole object up to its depth, ``{"id":…,"type":…,"kind":…,
    "namespace":…,"name":…,"depth":``, for the semantic kind ``body_kind`` (a code of
    ``kind_names``; -1 when not built yet); ``lead`` and ``rest`` are the parts around the
    kind, to build it again when the kind changes. ``source`` is ``{"source":…,"target":``;
    ``target`` is ``<reference>,"kind":…},`` for the kind of edge a node is usually the
    target of (``target_kind``: a job is read, a dataset written), so that an edge is two
    pieces; ``rank`` orders nodes by reference.
    """

    epoch: str
    known: npt.NDArray[np.bool_]
    lead: Objects
    rest: Objects
    body: Objects
    body_kind: npt.NDArray[np.int32]
    kind_names: tuple[str, ...]
    ref_json: Objects
    source: Objects
    target: Objects
    target_kind: npt.NDArray[np.int8]
    rank: npt.NDArray[np.int64]
    sorted_refs: Objects
    sorted_ids: npt.NDArray[np.int64]

    @classmethod
    def empty(cls, epoch: str) -> Texts:
        """Return a generation without nodes."""
        none = np.zeros(0, dtype=np.object_)
        ints = np.zeros(0, dtype=np.int64)
        no_kind = np.zeros(0, dtype=np.int32)
        return cls(
            epoch,
            np.zeros(0, np.bool_),
            none,
            none,
            none,
            no_kind,
            (),
            none,
            none,
            none,
            np.zeros(0, np.int8),
            ints,
            none,
            ints,
        )

    def missing(self, nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Return the sorted distinct node ids among ``nodes`` that have no text yet."""
        return np.unique(nodes[~self.described(nodes)])

    def described(self, nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Say for each node id whether its text is held."""
        inside = nodes < self.known.size
        found = inside.copy()
        found[inside] = self.known[nodes[inside]]
        return found

    def with_rows(self, rows: list[tuple[int, str, str, str]]) -> Texts:
        """Return a copy holding these (node id, type, namespace, name) rows too."""
        size = max(self.known.size, max(row[0] for row in rows) + 1)
        known = _grown(self.known, size, False)
        lead, rest = _grown(self.lead, size, None), _grown(self.rest, size, None)
        ref_json, source = _grown(self.ref_json, size, None), _grown(self.source, size, None)
        target, target_kind = _grown(self.target, size, None), _grown(self.target_kind, size, 0)
        added = sorted(
            (format_ref(kind, ns, name), node, kind, ns, name) for node, kind, ns, name in rows
        )
        for ref, node, kind, namespace, name in added:
            encoded = orjson.dumps(ref)
            known[node], ref_json[node] = True, encoded
            lead[node] = b'{"id":%b,"type":"%b","kind":' % (encoded, kind.encode())
            rest[node] = b',"namespace":%b,"name":%b,"depth":' % (
                orjson.dumps(namespace),
                orjson.dumps(name),
            )
            source[node] = b'{"source":%b,"target":' % encoded
            usual = "input" if kind == "job" else "output"
            target[node] = b'%b,"kind":"%b"},' % (encoded, usual.encode())
            target_kind[node] = EDGE_KINDS[usual]
        new_refs = np.array([a[0] for a in added], dtype=np.object_)
        at = np.searchsorted(self.sorted_refs, new_refs, side="right")
        sorted_refs = np.insert(self.sorted_refs, at, new_refs)
        sorted_ids = np.insert(self.sorted_ids, at, np.array([a[1] for a in added], np.int64))
        rank = np.zeros(size, dtype=np.int64)
        rank[sorted_ids] = np.arange(sorted_ids.size, dtype=np.int64)
        return Texts(
            self.epoch,
            known,
            lead,
            rest,
            _grown(self.body, size, None),
            _grown(self.body_kind, size, -1),
            self.kind_names,
            ref_json,
            source,
            target,
            target_kind,
            rank,
            sorted_refs,
            sorted_ids,
        )

    def stale(self, nodes: npt.NDArray[np.int64], kinds: npt.NDArray[np.int32]) -> bool:
        """Say whether a described node's body was built for another kind than ``kinds``."""
        return bool((self.body_kind[nodes] != kinds).any())

    def with_kinds(
        self, nodes: npt.NDArray[np.int64], kinds: npt.NDArray[np.int32], names: tuple[str, ...]
    ) -> Texts:
        """Return a copy whose bodies of these described nodes are built for these kinds.

        ``names`` maps kind codes to names; a code keeps its name while the index lives, and
        a new index may number kinds afresh, so bodies of other names are built again.
        """
        body, body_kind = self.body.copy(), self.body_kind.copy()
        if names[: len(self.kind_names)] != self.kind_names:
            body_kind[:] = -1
        changed = body_kind[nodes] != kinds
        stale, codes = nodes[changed], kinds[changed]
        kind_json = np.empty(len(names), dtype=np.object_)
        kind_json[:] = [orjson.dumps(name) for name in names]
        body[stale] = self.lead[stale] + kind_json[codes] + self.rest[stale]
        body_kind[stale] = codes
        return Texts(
            self.epoch,
            self.known,
            self.lead,
            self.rest,
            body,
            body_kind,
            names,
            self.ref_json,
            self.source,
            self.target,
            self.target_kind,
            self.rank,
            self.sorted_refs,
            self.sorted_ids,
        )


def _grown(values: npt.NDArray[G], size: int, fill: object) -> npt.NDArray[G]:
    """Return a copy of ``values`` of length ``size``, new slots set to ``fill``."""
    grown = np.full(size, fill, dtype=values.dtype)
    grown[: values.size] = values
    return grown


class NodeText:
    """The current ``Texts`` of this process, filled on demand from the store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts = Texts.empty("")

    def ensure(
        self, conn: Connection, epoch: str, nodes: npt.NDArray[np.int64], kinds: Kinds
    ) -> Texts:
        """Return texts of this epoch holding every node the store describes among ``nodes``.

        The nodes not encoded yet are read in one batched read per table; their bodies,
        and those of nodes whose semantic kind changed, are built for the kinds ``kinds``
        (the index's codes by node id, and the codes' names).
        """
        codes, names = kinds
        with self._lock:
            texts = self._texts
            if texts.epoch != epoch:
                texts = Texts.empty(epoch)
            missing = texts.missing(nodes)
            if missing.size:
                rows = _read(RawSql(conn), missing.tolist())
                if rows:
                    texts = texts.with_rows(rows)
            described = nodes[texts.described(nodes)]
            now = codes[described].astype(np.int32)
            if texts.kind_names != names[: len(texts.kind_names)] or texts.stale(described, now):
                texts = texts.with_kinds(described, now, names)
            self._texts = texts
            return texts


def _read(sql: RawSql, missing: list[int]) -> list[tuple[int, str, str, str]]:
    rows: list[tuple[int, str, str, str]] = []
    for table, kind in (("datasets", "dataset"), ("jobs", "job")):
        for chunk in chunks(missing):
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT id, namespace, name FROM {table} WHERE id IN ({marks})"
            rows.extend((int(node), kind, ns, name) for node, ns, name in sql.all(query, chunk))
    return rows
